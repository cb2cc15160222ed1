#!/usr/bin/env bash
# jvs fuzz [--minutes N] [--list] [TARGET...]: runs Jazzer fuzz targets of the fuzz/ module in fuzzing mode
# (JAZZER_FUZZ=1), one JVM per target, splitting N minutes (default 2) between them; summarises exec/s, coverage
# and findings. Findings land in fuzz/src/test/resources/io/jvs/fuzz/<Class>Inputs/<method>/crash-* and are then
# replayed by every plain `mvn test`. No root needed. See docs/fuzzing.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
TARGETS=(HeaderFuzzTest#ethernetVlan HeaderFuzzTest#ipv4 HeaderFuzzTest#ipv6 HeaderFuzzTest#frame
         OffloadFuzzTest#virtioGso PcapFuzzTest#pcapReader PipelineFuzzTest#pipeline
         TunnelFuzzTest#greDecap TunnelFuzzTest#vxlanDecap TunnelFuzzTest#greRoundTrip TunnelFuzzTest#tunnelIngress
         RouterFuzzTest#routerStage RouterFuzzTest#routerStageOffloads SecurityGroupFuzzTest#securityGroups)
minutes=2
chosen=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --list)
      printf '%s\n' "${TARGETS[@]}"
      exit 0 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    -*) echo "jvs fuzz: unknown option $1" >&2; exit 2 ;;
    *)
      t="$1"; shift
      found=""
      for k in "${TARGETS[@]}"; do
        if [ "$k" = "$t" ] || [ "${k#*#}" = "$t" ]; then found="$k"; fi
      done
      [ -n "$found" ] || { echo "jvs fuzz: no target $t (jvs fuzz --list)" >&2; exit 2; }
      chosen+=("$found") ;;
  esac
done
[ ${#chosen[@]} -gt 0 ] || chosen=("${TARGETS[@]}")
secs=$(awk -v m="$minutes" -v n="${#chosen[@]}" 'BEGIN { s = int(m * 60 / n); print (s < 5 ? 5 : s) }')
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
cd "$ROOT"
echo "jvs fuzz: building core, tunnel, datapath..." >&2
mvn -B -q install -DskipTests -pl core,tunnel,datapath -am >&2
LOGDIR="$ROOT/fuzz/target/fuzz-logs"
mkdir -p "$LOGDIR"
status=0
printf '%-32s %8s %10s %8s %8s  %s\n' TARGET SECONDS EXECS EXEC/S COV FINDINGS
for t in "${chosen[@]}"; do
  cls="${t%#*}"; method="${t#*#}"
  inputs="$ROOT/fuzz/src/test/resources/io/jvs/fuzz/${cls}Inputs/$method"
  before="$(ls "$inputs" 2>/dev/null | grep '^crash-' | sort || true)"
  log="$LOGDIR/$cls.$method.log"
  rc=0
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${secs}s" mvn -B test -pl fuzz -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
      >"$log" 2>&1 || rc=$?
  # libFuzzer status lines: "#N  NEW cov: C ft: F corp: ... exec/s: E"; the last one and "Done N runs in S second(s)".
  last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  done_line="$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)"
  execs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' <<<"$done_line")"
  ran="$(sed -n 's/.* in \([0-9]*\) second.*/\1/p' <<<"$done_line")"
  [ -n "$execs" ] || execs="$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")"
  rate="$(awk -v e="${execs:-0}" -v s="${ran:-0}" 'BEGIN { print (s > 0 ? int(e / s) : "-") }')"
  after="$(ls "$inputs" 2>/dev/null | grep '^crash-' | sort || true)"
  new="$(comm -13 <(echo "$before") <(echo "$after") | grep . || true)"
  findings="none"
  if [ -n "$new" ]; then
    findings="$(echo "$new" | wc -l) crash file(s): $(echo "$new" | sed "s|^|$inputs/|" | tr '\n' ' ')"
    status=1
  elif [ $rc -ne 0 ]; then
    findings="run failed (rc $rc), see $log"
    status=1
  fi
  printf '%-32s %8s %10s %8s %8s  %s\n' "$t" "${ran:-?}" "${execs:-?}" "$rate" "${cov:-?}" "$findings"
done
echo
echo "logs: $LOGDIR; corpora: fuzz/.cifuzz-corpus (not checked in)"
if [ $status -ne 0 ]; then
  cat <<MSG
Findings are crash-* files in the target's inputs folder; plain \`mvn test -pl fuzz\` now replays them (and fails
until the bug is fixed). Reproduce one: mvn test -pl fuzz -Dtest='CLASS#METHOD'. Rename it to say what it shows and
commit it with the fix, or move it out of the folder and report it. See docs/fuzzing.md.
MSG
fi
exit $status
