#!/usr/bin/env bash
# jvs demo: two network namespaces joined by a bridge of ours, with real traffic between them.
#
#   sudo ./jvs demo            build the topology, measure, print the checks, remove everything again
#   sudo ./jvs demo --keep     the same, but leave it running to look inside (prints how)
#   sudo ./jvs demo --down     remove what an earlier --keep (or an interrupted run) left behind
#
#   namespace jvsdemo-a                         namespace jvsdemo-b
#     jvsdemo-a (TAP, 10.0.0.1/24)               jvsdemo-b (TAP, 10.0.0.2/24)
#            \____ internal port    br0    internal port ____/
#                          (jvs daemon, root namespace)
#
# The names come from JVS_DEMO_NAME (default jvsdemo), so the system test can run the demo without touching a
# demo someone keeps running. Everything else lives in a temporary directory: the daemon's rundir, db and log.
set -uo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
JVS="$ROOT/jvs"
NAME="${JVS_DEMO_NAME:-jvsdemo}"
NS_A="$NAME-a"   # each namespace holds an internal port (a TAP netdev) of the same name
NS_B="$NAME-b"
IP_A=10.0.0.1
IP_B=10.0.0.2
PING_COUNT=5
IPERF_SECONDS=5
STATE_DIR=/run/jvs-demo
STATE="$STATE_DIR/$NAME"   # "PID WORKDIR" of a running demo daemon, for --down and for the next run's cleanup

usage() { sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

KEEP=0
DOWN=0
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    --down) DOWN=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "jvs demo: unknown argument '$arg' (expected --keep, --down or --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "jvs demo: needs root to create namespaces and TAP devices; run: sudo ./jvs demo" >&2
  exit 1
fi
if [ "${#NS_A}" -gt 15 ]; then
  echo "jvs demo: JVS_DEMO_NAME='$NAME' is too long: port name $NS_A must be at most 15 bytes" >&2
  exit 2
fi

# Removes everything a demo with this NAME made: its daemon (only if the recorded PID really is our daemon),
# processes left in its namespaces, the TAPs wherever they are, the namespaces, the work directory. Idempotent.
teardown() {
  local pid="" work=""
  if [ -f "$STATE" ]; then read -r pid work < "$STATE" || true; fi
  if [ -n "$pid" ] && [ -n "$work" ] && { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "--rundir $work/run"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  fi
  local ns p
  for ns in "$NS_A" "$NS_B"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip -n "$ns" link del "$ns" 2>/dev/null
    ip link del "$ns" 2>/dev/null      # a TAP the daemon created but had not moved yet
    ip netns del "$ns" 2>/dev/null
  done
  case "$work" in /tmp/"$NAME".*) rm -rf -- "$work" ;; esac
  rm -f -- "$STATE"
  return 0
}

if [ "$DOWN" = 1 ]; then
  teardown
  echo "jvs demo: removed namespaces $NS_A and $NS_B, their ports and the demo daemon"
  exit 0
fi

bash "$ROOT/scripts/install-deps.sh" || exit 1
teardown   # leftovers of an earlier --keep or interrupted run

WORK="$(mktemp -d "/tmp/$NAME.XXXXXX")"
RUNDIR="$WORK/run"
mkdir -p "$RUNDIR" "$STATE_DIR"
DAEMON_PID=""
IPERF_PID=""
FINISHED=0

on_exit() {
  [ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
  if [ "$KEEP" = 1 ] && [ "$FINISHED" = 1 ]; then return; fi
  teardown
}
trap on_exit EXIT
trap 'echo; echo "jvs demo: interrupted, cleaning up" >&2; exit 130' INT TERM

jvs() { "$JVS" --rundir "$RUNDIR" "$@"; }
# The launcher ("./jvs demo") has just built the jars when sources changed; do not check again on every call.
[ -f "$ROOT/datapath/target/jvs-datapath.jar" ] && export JVS_NO_BUILD=1

CHECKS=()   # one "mark|text" per check, printed at the end
check() {   # check OK TEXT: OK is 0 for passed
  if [ "$1" = 0 ]; then CHECKS+=("✔|$2"); else CHECKS+=("✘|$2"); fi
}
section() { printf '\n== %s ==\n' "$*"; }

section "namespaces $NS_A and $NS_B, daemon in $WORK"
for ns in "$NS_A" "$NS_B"; do
  ip netns add "$ns" && ip -n "$ns" link set lo up
done
"$JVS" daemon --rundir "$RUNDIR" --db "$WORK/conf.json" --threads 2 2> "$WORK/daemon.log" &
DAEMON_PID=$!
echo "$DAEMON_PID $WORK" > "$STATE"
ready=1
for _ in $(seq 150); do
  if ! kill -0 "$DAEMON_PID" 2>/dev/null; then break; fi
  if [ -S "$RUNDIR/jvs.sock" ] && jvs list-br >/dev/null 2>&1; then ready=0; break; fi
  sleep 0.2
done
if [ "$ready" = 0 ]; then
  check 0 "daemon ready (pid $DAEMON_PID, control socket $RUNDIR/jvs.sock)"
else
  if kill -0 "$DAEMON_PID" 2>/dev/null; then
    check 1 "daemon ready: not within 30 s (see $WORK/daemon.log)"
  else
    wait "$DAEMON_PID"; status=$?
    check 1 "daemon ready: it exited with status $status before it was ready (see $WORK/daemon.log)"
  fi
  echo "last lines of $WORK/daemon.log:" >&2
  tail -n 20 "$WORK/daemon.log" >&2
fi

section "bridge br0 with internal ports $NS_A ($IP_A/24) and $NS_B ($IP_B/24)"
topo=0
jvs add-br br0 || topo=1
jvs add-port br0 "$NS_A" type=internal netns="$NS_A" || topo=1
jvs add-port br0 "$NS_B" type=internal netns="$NS_B" || topo=1
ip -n "$NS_A" addr add "$IP_A/24" dev "$NS_A" || topo=1
ip -n "$NS_B" addr add "$IP_B/24" dev "$NS_B" || topo=1
check "$topo" "topology: br0 with 2 internal ports in their namespaces, addresses set"
section "jvs show"
jvs show

section "ping $NS_A -> $NS_B ($PING_COUNT packets)"
ping_out="$(ip netns exec "$NS_A" ping -n -c "$PING_COUNT" -i 0.2 -w 10 "$IP_B" 2>&1)"
echo "$ping_out"
received="$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<< "$ping_out")"
rtt="$(sed -n 's|^rtt .* = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<< "$ping_out")"
[ "${received:-0}" = "$PING_COUNT" ]
check $? "ping: ${received:-0}/$PING_COUNT replies, rtt avg ${rtt:-n/a} ms"

section "iperf3 TCP $IPERF_SECONDS s, $NS_A -> $NS_B (default offloads)"
ip netns exec "$NS_B" iperf3 -s -1 -B "$IP_B" > "$WORK/iperf3-server.log" 2>&1 &
IPERF_PID=$!
for _ in $(seq 50); do
  [ -n "$(ip netns exec "$NS_B" ss -Hltn 'sport = :5201' 2>/dev/null)" ] && break
  sleep 0.1
done
iperf_out="$(timeout $((IPERF_SECONDS + 30)) ip netns exec "$NS_A" iperf3 -c "$IP_B" -t "$IPERF_SECONDS" -f g --connect-timeout 5000 2>&1)"
echo "$iperf_out"
kill "$IPERF_PID" 2>/dev/null; wait "$IPERF_PID" 2>/dev/null; IPERF_PID=""
gbps="$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' <<< "$iperf_out")"
awk -v g="${gbps:-0}" 'BEGIN { exit !(g > 0) }'
check $? "iperf3 TCP $IPERF_SECONDS s: ${gbps:-0} Gbit/s"

section "jvs fdb/show br0"
fdb="$(jvs fdb/show br0)"
echo "$fdb"
mac_a="$(ip -n "$NS_A" -br link show dev "$NS_A" 2>/dev/null | awk '{print $3}')"
mac_b="$(ip -n "$NS_B" -br link show dev "$NS_B" 2>/dev/null | awk '{print $3}')"
learned=0
for m in "$mac_a" "$mac_b"; do [ -n "$m" ] && grep -qi -- "$m" <<< "$fdb" && learned=$((learned + 1)); done
[ "$learned" = 2 ]
check $? "fdb: $learned of 2 namespace MACs learned (${mac_a:-?}, ${mac_b:-?})"

section "jvs dump-ports br0"
ports="$(jvs dump-ports br0)"
echo "$ports"
tx_errors="$(grep -o 'errors=[0-9]*' <<< "$ports" | awk -F= '{ s += $2 } END { print s + 0 }')"
if [ -z "$ports" ]; then
  check 1 "dump-ports: no output"
else
  [ "$tx_errors" = 0 ]
  check $? "dump-ports: $tx_errors tx errors"
fi

section "checks"
passed=0
for c in "${CHECKS[@]}"; do
  printf '%s %s\n' "${c%%|*}" "${c#*|}"
  [ "${c%%|*}" = "✔" ] && passed=$((passed + 1))
done
echo "$passed of ${#CHECKS[@]} checks passed"

FINISHED=1
if [ "$KEEP" = 1 ]; then
  cat <<EOF

Left running (--keep). To look inside:
  sudo ip netns exec $NS_A ping $IP_B
  sudo ip netns exec $NS_A ip addr
  sudo ./jvs --rundir $RUNDIR show        (also fdb/show br0, dump-ports br0)
  daemon log: $WORK/daemon.log (pid $DAEMON_PID)
To remove it: sudo ./jvs demo --down
EOF
fi
[ "$passed" = "${#CHECKS[@]}" ]
