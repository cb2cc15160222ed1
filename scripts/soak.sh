#!/usr/bin/env bash
# soak.sh (`./jvs soak [--seconds N] [--interval S]`) -- full-rate traffic through one jvs daemon for N seconds
# (default 600) while sampling the daemon's health; prints a table and a verdict, exits 1 on failure.
#
# Topology (P = "jvk" + 4 hex digits, all inside namespaces this script creates):
#   Pa 10.78.0.1 --\                        /-- Pb 10.78.0.2     iperf3 TCP a -> b, 1 stream, default offloads
#                   [jvs daemon in Ps, br0]
#   Pc 10.78.0.3 --/                        \-- Pd 10.78.0.4     iperf3 UDP c -> d, unlimited rate (-b 0), 256 B
#   each host: eth0 <-> veth P<A..D> in Ps, attached as a system port.
# Sampled every S seconds (default 5, or N/10 for short runs, at least 2): heap used right after a full GC
# (jcmd GC.run, then GC.heap_info), VmRSS and Threads from /proc/PID/status, open fds (/proc/PID/fd), and
# `dump-ports br0` summed over the ports (rx, tx, rx drops, kernel_drops, tx dropped+errors).
# Verdict (samples after warm-up = the first max(2, 20%) samples):
#   heap after GC grows by at most HEAP_MB (16), RSS by at most RSS_MB (64), fds by at most FD_SLACK (4),
#   threads by at most 4; no per-port rx/tx counter ever goes backwards; traffic moved (rx grew);
#   at the end rx is accounted for by tx + drops + tx dropped/errors within 2% + 1000 frames
#   (flooded frames have several tx copies, the only expected surplus); the daemon is alive and its CLI answers.
# A trap kills the iperf3s and the daemon and deletes the namespaces (which deletes the veths) on any exit.
set -u -o pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
SECONDS_RUN=600
INTERVAL=""
HEAP_MB=${HEAP_MB:-16}
RSS_MB=${RSS_MB:-64}
FD_SLACK=${FD_SLACK:-4}
USAGE="usage: ./jvs soak [--seconds N] [--interval S]   (root; default 600 s, sample every 5 s)
  env: HEAP_MB=16 RSS_MB=64 FD_SLACK=4 (allowed growth after warm-up), JVS_JAVA_OPTS (daemon JVM flags)"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_RUN=${2:?$USAGE}; shift 2 ;;
    --interval) INTERVAL=${2:?$USAGE}; shift 2 ;;
    -h|--help) echo "$USAGE"; exit 0 ;;
    *) echo "$USAGE" >&2; exit 2 ;;
  esac
done
[[ "$SECONDS_RUN" =~ ^[0-9]+$ ]] && [ "$SECONDS_RUN" -ge 10 ] || { echo "soak: --seconds must be >= 10" >&2; exit 2; }
if [ -z "$INTERVAL" ]; then INTERVAL=$(( SECONDS_RUN / 10 )); [ "$INTERVAL" -gt 5 ] && INTERVAL=5; [ "$INTERVAL" -lt 2 ] && INTERVAL=2; fi
[ "$(id -u)" = 0 ] || { echo "soak: needs root (namespaces, veth pairs)" >&2; exit 2; }
JCMD="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"; [ -x "$JCMD" ] || JCMD=jcmd
for t in iperf3 "$JCMD" ip; do command -v $t >/dev/null || { echo "soak: $t missing (scripts/install-deps.sh)" >&2; exit 2; }; done

P="jvk$(printf '%04x' $((RANDOM * 2 + RANDOM % 2)) | cut -c1-4)"
NS_S=${P}s
WORK=$(mktemp -d "/tmp/jvs-soak.$P.XXXX")
RUN=$WORK/run
mkdir -p "$RUN"
DPID=""
BG=()

cleanup() {
  local p
  for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -n "$DPID" ] && { kill -TERM "$DPID" 2>/dev/null; for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done; kill -9 "$DPID" 2>/dev/null; }
  for n in a b c d s; do
    for p in $(ip netns pids "$P$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$P$n" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

J() { JVS_NO_BUILD=1 nice -n -10 timeout 20 "$ROOT/jvs" --rundir "$RUN" "$@"; }
die() { echo "soak: $*" >&2; [ -f "$RUN/daemon.log" ] && tail -20 "$RUN/daemon.log" >&2; exit 2; }

ip netns add "$NS_S" || die "cannot create namespace $NS_S"
ip -n "$NS_S" link set lo up
ip netns exec "$NS_S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
i=0
for n in a b c d; do
  i=$((i + 1))
  ip netns add "$P$n"
  ip -n "$P$n" link set lo up
  ip netns exec "$P$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip link add "$P${n^^}" netns "$NS_S" type veth peer name eth0 netns "$P$n" || die "cannot create veth $P${n^^}"
  ip -n "$P$n" addr add "10.78.0.$i/24" dev eth0
  ip -n "$P$n" link set eth0 up
done

# The launcher execs java: $! is the daemon JVM (ip netns exec execs too).
JVS_NO_BUILD=1 ip netns exec "$NS_S" "$ROOT/jvs" daemon --rundir "$RUN" --db "$RUN/conf.json" --threads 2 \
  >"$RUN/daemon.log" 2>&1 </dev/null &
DPID=$!
for _ in $(seq 150); do [ -S "$RUN/jvs.sock" ] && J list-br >/dev/null 2>&1 && break; kill -0 "$DPID" 2>/dev/null || die "daemon exited"; sleep 0.2; done
J list-br >/dev/null 2>&1 || die "daemon not ready after 30 s"
J add-br br0 >/dev/null || die "add-br failed"
for n in A B C D; do J add-port br0 "$P$n" >/dev/null || die "add-port $P$n failed"; done
for pair in "a 10.78.0.2" "c 10.78.0.4"; do
  set -- $pair
  ip netns exec "$P$1" ping -c 3 -i 0.2 -w 10 "$2" >/dev/null || die "no ping $P$1 -> $2 through the switch"
done

# heap used (KiB) right after a full GC
heap_after_gc() {
  # one jcmd (a JVM start, seconds on a loaded 2-vCPU box) for both commands
  printf 'GC.run\nGC.heap_info\n' >"$WORK/jcmd.txt"
  nice -n -10 "$JCMD" "$DPID" -f "$WORK/jcmd.txt" 2>/dev/null | sed -n 's/.* total [0-9]*K, used \([0-9]*\)K.*/\1/p' | awk '{s+=$1} END {print s+0}'
}
status_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$DPID/status"; }
# dump-ports br0 -> "rx tx drops kernel_drops txlost" totals, and per-port "name rx tx" lines into $1
counters() {
  J dump-ports br0 2>/dev/null | awk -v per="$1" '
    /^port / { name = $2; sub(":", "", name) }
    $1 == "rx" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                 rx += v["packets"]; dr += v["drops"]; kd += v["kernel_drops"]; prx = v["packets"] }
    $1 == "tx" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                 tx += v["packets"]; tl += v["dropped"] + v["errors"]; print name, prx, v["packets"] > per }
    END { printf "%d %d %d %d %d\n", rx, tx, dr, kd, tl }'
}

echo "soak: $SECONDS_RUN s of iperf3 TCP ${P}a->${P}b and UDP ${P}c->${P}d through jvs (pid $DPID), sampling every $INTERVAL s"
for s in b d; do
  ip netns exec "$P$s" iperf3 -s -1 >"$WORK/iperf3-$s.log" 2>&1 &
  BG+=($!)
done
sleep 0.5
ip netns exec "${P}a" iperf3 -c 10.78.0.2 -t "$SECONDS_RUN" --connect-timeout 5000 >"$WORK/tcp.log" 2>&1 &
BG+=($!); TCP=$!
ip netns exec "${P}c" iperf3 -c 10.78.0.4 -u -b 0 -l 256 -t "$SECONDS_RUN" --connect-timeout 5000 >"$WORK/udp.log" 2>&1 &
BG+=($!); UDP=$!

T0=$(date +%s)
ROWS=()
FAIL=()
n=0
PREV="$WORK/prev.ports"; CUR="$WORK/cur.ports"; : >"$PREV"
printf '%6s %9s %8s %5s %7s %14s %14s %10s %12s %9s\n' t_s heapGC_MB rss_MB fds threads rx tx drops kernel_drops tx_lost
while :; do
  now=$(( $(date +%s) - T0 ))
  kill -0 "$DPID" 2>/dev/null || { FAIL+=("daemon died at t=${now}s"); break; }
  heap=$(heap_after_gc); rss=$(status_kb VmRSS); thr=$(status_kb Threads)
  fds=$(ls "/proc/$DPID/fd" 2>/dev/null | wc -l)
  : >"$CUR"; c=$(counters "$CUR")
  [ -s "$CUR" ] || FAIL+=("t=${now}s: dump-ports br0 gave no counters")
  # every port's rx and tx only grow
  back=$(awk 'NR == FNR { rx[$1] = $2; tx[$1] = $3; next } ($1 in rx) && ($2 < rx[$1] || $3 < tx[$1]) { print $1 " rx " rx[$1] "->" $2 " tx " tx[$1] "->" $3 }' "$PREV" "$CUR")
  [ -n "$back" ] && FAIL+=("t=${now}s: counter went backwards: $back")
  cp "$CUR" "$PREV"
  row="$now $heap $rss $fds $thr $c"
  ROWS+=("$row")
  set -- $row
  printf '%6d %9.1f %8.1f %5d %7d %14d %14d %10d %12d %9d\n' "$1" "$(echo "$2/1024" | bc -l)" "$(echo "$3/1024" | bc -l)" "$4" "$5" "$6" "$7" "$8" "$9" "${10}"
  n=$((n + 1))
  kill -0 "$TCP" 2>/dev/null || kill -0 "$UDP" 2>/dev/null || break
  [ "$now" -ge "$((SECONDS_RUN + 30))" ] && { FAIL+=("iperf3 still running 30 s after the end"); break; }
  sleep "$INTERVAL"
done
wait "$TCP"; tcp_rc=$?
wait "$UDP"; udp_rc=$?
[ "$tcp_rc" = 0 ] || FAIL+=("iperf3 TCP exited $tcp_rc: $(tail -3 "$WORK/tcp.log" | tr '\n' ' ')")
[ "$udp_rc" = 0 ] || FAIL+=("iperf3 UDP exited $udp_rc: $(tail -3 "$WORK/udp.log" | tr '\n' ' ')")
sleep 1
: >"$CUR"; final=$(counters "$CUR")
set -- $final
rx=$1 tx=$2 drops=$3 kd=$4 tl=$5
J dpctl/show >/dev/null || FAIL+=("CLI does not answer dpctl/show at the end")
kill -0 "$DPID" 2>/dev/null || FAIL+=("daemon not alive at the end")

# growth after warm-up
warm=$(( n / 5 )); [ "$warm" -lt 2 ] && warm=2
if [ "$n" -le "$warm" ]; then
  FAIL+=("only $n samples: nothing after warm-up to judge (use more --seconds or a smaller --interval)")
else
  printf '%s\n' "${ROWS[@]}" | tail -n +"$((warm + 1))" >"$WORK/judged"
  read -r h0 r0 f0 t0 < <(head -1 "$WORK/judged" | awk '{print $2, $3, $4, $5}')
  read -r hmax rmax fmax tmax < <(awk 'BEGIN {h=r=f=t=0} {if ($2>h) h=$2; if ($3>r) r=$3; if ($4>f) f=$4; if ($5>t) t=$5} END {print h, r, f, t}' "$WORK/judged")
  hl=$(tail -1 "$WORK/judged" | awk '{print $2}'); rl=$(tail -1 "$WORK/judged" | awk '{print $3}')
  echo "after warm-up ($warm samples): heap after GC ${h0} -> last ${hl} KiB (max ${hmax}), RSS ${r0} -> last ${rl} KiB (max ${rmax}), fds ${f0} -> max ${fmax}, threads ${t0} -> max ${tmax}"
  [ $((hmax - h0)) -le $((HEAP_MB * 1024)) ] || FAIL+=("heap after GC grew by $(( (hmax - h0) / 1024 )) MiB > $HEAP_MB MiB")
  [ $((rmax - r0)) -le $((RSS_MB * 1024)) ] || FAIL+=("RSS grew by $(( (rmax - r0) / 1024 )) MiB > $RSS_MB MiB")
  [ $((fmax - f0)) -le "$FD_SLACK" ] || FAIL+=("open fds grew from $f0 to $fmax")
  [ $((tmax - t0)) -le 4 ] || FAIL+=("threads grew from $t0 to $tmax")
fi
first_rx=$(echo "${ROWS[0]}" | awk '{print $6}')
[ "$rx" -gt "$first_rx" ] || FAIL+=("no traffic: rx stayed at $rx")
out=$((tx + drops + tl))
slack=$(( rx / 50 + 1000 ))
diff=$(( out - rx )); adiff=${diff#-}
echo "accounting: rx=$rx  tx=$tx + drops=$drops + tx_lost=$tl = $out  (diff $diff, allowed +-$slack); kernel_drops=$kd (never reached the switch)"
[ "$adiff" -le "$slack" ] || FAIL+=("rx $rx not accounted for by tx+drops+tx_lost $out (diff $diff > $slack)")
grep -h -E 'receiver|sender' "$WORK/tcp.log" | tail -2 | sed 's/^/tcp: /'
grep -h -E 'receiver' "$WORK/udp.log" | tail -1 | sed 's/^/udp: /'
if [ ${#FAIL[@]} -eq 0 ]; then
  echo "soak: PASS ($n samples over $SECONDS_RUN s)"
  exit 0
fi
printf 'soak: FAIL: %s\n' "${FAIL[@]}"
exit 1
