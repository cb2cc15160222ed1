#!/usr/bin/env bash
# bench.sh -- the end-to-end comparison jvs reports: the same traffic through
#   bridge     the Linux kernel bridge
#   jvs-veth   jvs with system ports (the switch-side ends of two veth pairs, AF_PACKET)
#   jvs-tap    jvs with internal ports (one TAP per endpoint namespace)
# in one run, on this machine, with the namespaces' DEFAULT offloads (never turned off:
# jvs handles checksum offload and segments GSO in software).
#
# Topology:  <P>a (10.77.0.1) --- [switch in netns <P>s] --- <P>b (10.77.0.2)
#   bridge / jvs-veth: veth <P>A1 (in <P>a) <-> <P>A0 (in <P>s), same for B
#   jvs-tap:           TAP <P>ta in <P>a and <P>tb in <P>b, created by the daemon (type=internal)
# <P> = "jb" + 4 random hex digits.  Everything lives in the namespaces <P>a <P>b <P>s
# (the jvs daemon runs inside <P>s), so deleting them removes everything; a trap does
# that on exit, failure and Ctrl-C, and leftovers of an interrupted earlier run (netns
# jb????[abs]) are removed first.  Nothing is created in the root namespace.
#
# Per config, RUNS times: ping RTT (ping -c 200 -i 0.01 -q), iperf3 TCP 1 stream, iperf3
# 64-byte-frame UDP (-u -l 18 -b 0, rx pps from the server side), trafgen 64-byte UDP
# flood (offered / received pps from rx_packets deltas), CPU of the switch process
# during TCP (/proc/PID/stat utime+stime deltas) and the machine load.
set -u -o pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
USAGE="usage: scripts/bench.sh [--quick] [--threads N] [--configs bridge,jvs-veth,jvs-tap] [-h]
  env: RUNS=3 SECONDS_TCP=5 SECONDS_UDP=5 PING_N=200 OUT=/tmp/jvs-bench-results.md RAW=/tmp/jvs-bench-raw IDLE_WAIT=20"
ALL_CONFIGS="bridge jvs-veth jvs-tap"

die() { echo "bench.sh: $*" >&2; exit 2; }
CONFIGS=$ALL_CONFIGS
THREADS=""
QUICK=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--threads) [ $# -ge 2 ] || die "--threads needs a number"; THREADS=$2; shift ;;
	--threads=*) THREADS=${1#*=} ;;
	--configs) [ $# -ge 2 ] || die "--configs needs a list"; CONFIGS=${2//,/ }; shift ;;
	--configs=*) CONFIGS=${1#*=}; CONFIGS=${CONFIGS//,/ } ;;
	-h | --help) echo "$USAGE"; exit 0 ;;
	*) echo "$USAGE" >&2; die "unknown argument '$1'" ;;
	esac
	shift
done
for c in $CONFIGS; do case " $ALL_CONFIGS " in *" $c "*) ;; *) die "unknown config '$c' (one of: ${ALL_CONFIGS// /,})" ;; esac; done
[ -z "$THREADS" ] || [[ $THREADS =~ ^[1-9][0-9]?$ ]] || die "--threads wants a number 1..64, got '$THREADS'"
if [ $QUICK = 1 ]; then
	RUNS=${RUNS:-1}; SECONDS_TCP=${SECONDS_TCP:-3}; SECONDS_UDP=${SECONDS_UDP:-3}
fi
RUNS=${RUNS:-3}
SECONDS_TCP=${SECONDS_TCP:-5}
SECONDS_UDP=${SECONDS_UDP:-5}
PING_N=${PING_N:-200}
OUT=${OUT:-/tmp/jvs-bench-results.md}
RAW=${RAW:-/tmp/jvs-bench-raw}
IDLE_WAIT=${IDLE_WAIT:-20}
for v in RUNS SECONDS_TCP SECONDS_UDP PING_N IDLE_WAIT; do [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 -o $v = IDLE_WAIT ] || die "$v must be a positive integer, got '${!v}'"; done

[ "$(id -u)" = 0 ] || die "must run as root (creates network namespaces)"

PFX=jb$(printf '%04x' $((RANDOM % 65536)))
NS_A=${PFX}a NS_B=${PFX}b NS_S=${PFX}s
IPA=10.77.0.1 IPB=10.77.0.2
PORT_IPERF=5201
WORK=/tmp/jvs-bench.$PFX
RUN=$WORK/run
BGPIDS=()
SWPID=""
FAILED=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
nsx() { ip netns exec "$@" 9<&-; } # fd 9 = run lock, not for children

# ---------------------------------------------------------------- tools
need_tools() {
	local c missing=()
	for c in ip:iproute2 ss:iproute2 nstat:iproute2 iperf3:iperf3 ping:iputils-ping python3:python3 flock:util-linux timeout:coreutils; do
		command -v "${c%%:*}" >/dev/null 2>&1 || missing+=("${c%%:*} (package ${c#*:})")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing tool(s): ${missing[*]}; install them (apt-get install ...) and rerun"
	if ! command -v trafgen >/dev/null 2>&1; then
		log "trafgen missing: installing netsniff-ng"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends netsniff-ng >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends netsniff-ng >/dev/null 2>&1; }
		command -v trafgen >/dev/null 2>&1 || log "WARNING: could not install netsniff-ng: trafgen test skipped"
	fi
	HAVE_TRAFGEN=0
	command -v trafgen >/dev/null 2>&1 && HAVE_TRAFGEN=1
	case " $CONFIGS " in
	*" jvs-"*)
		[ -x "$ROOT/jvs" ] || die "no launcher $ROOT/jvs"
		# builds the jars only when missing or older than the sources (the launcher's own check)
		if [ ! -f "$ROOT/datapath/target/jvs-datapath.jar" ] || [ "${JVS_NO_BUILD:-}" != 1 ]; then
			"$ROOT/jvs" --help >/dev/null 9<&- || die "jvs launcher failed (build or JDK 25 missing; see above)"
		fi
		[ -f "$ROOT/datapath/target/jvs-datapath.jar" ] || die "no $ROOT/datapath/target/jvs-datapath.jar after the build"
		;;
	esac
}

# ---------------------------------------------------------------- cleanup
kill_pid() { # one PID we own: TERM, then KILL after 3 s
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}
our_namespaces() { # this run's, plus leftovers of earlier runs (the lock says none is running)
	ls /run/netns 2>/dev/null | grep -E '^jb[0-9a-f]{4}[abs]$'
}
teardown() {
	local i ns pid
	for ((i = ${#BGPIDS[@]} - 1; i >= 0; i--)); do kill_pid "${BGPIDS[$i]}"; done
	BGPIDS=()
	SWPID=""
	for ns in $(our_namespaces); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid"; done
	done
	for ns in $(our_namespaces); do ip netns del "$ns" 2>/dev/null; done
	rm -rf /tmp/jvs-bench.jb[0-9a-f][0-9a-f][0-9a-f][0-9a-f]/run
	return 0
}
on_exit() {
	local rc=$?
	teardown
	rm -rf /tmp/jvs-bench.jb[0-9a-f][0-9a-f][0-9a-f][0-9a-f]
	exit $rc
}

# ---------------------------------------------------------------- helpers (python)
write_helpers() {
	mkdir -p "$WORK"
	cat >"$WORK/cpumon.py" <<'EOF'
# usage: cpumon.py DELAY WINDOW SWITCH_PID|- SCRIPT_PID NETNS_INODE...
# -> one line: switch% busy_cores foreign_pct "foreign description"
import os, sys, time
delay, win, swpid, me = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
ours_ns = set('net:[%s]' % x for x in sys.argv[5:])
def ptime(pid):
    try:
        with open('/proc/%s/stat' % pid) as f:
            s = f.read()
    except OSError:
        return None
    rp = s.rfind(')')
    fl = s[rp + 2:].split()
    return s[s.find('(') + 1:rp], int(fl[11]) + int(fl[12]), int(fl[19]), fl[1], fl[2] in ('0', '2')
def ours(pid, ppid):
    try:
        if os.readlink('/proc/%s/ns/net' % pid) in ours_ns:
            return True
    except OSError:
        pass
    seen = 0
    while ppid not in ('0', '1') and seen < 64:   # descendant of this script?
        if ppid == me:
            return True
        p = ptime(ppid)
        if p is None:
            return False
        ppid, seen = p[3], seen + 1
    return False
def snap():
    procs = {}
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            p = ptime(pid)
            if p:
                procs[pid] = p
    with open('/proc/stat') as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    return time.time(), procs, cpu
time.sleep(delay)
t0, p0, c0 = snap()
time.sleep(win)
t1, p1, c1 = snap()
hz = os.sysconf('SC_CLK_TCK'); el = t1 - t0; ncpu = os.cpu_count()
pct = lambda v: v / hz / el * 100
sw = '-'
if swpid != '-' and swpid in p0 and swpid in p1:
    sw = '%.0f' % pct(p1[swpid][1] - p0[swpid][1])
foreign = {}
mine = 0
mypid = str(os.getpid())
for pid, (comm, t, st, ppid, kt) in p1.items():
    old = p0.get(pid)
    d = t - old[1] if old and old[2] == st else t
    if d <= 0:
        continue
    if kt or pid == mypid or pid == me or ours(pid, ppid):
        mine += d
    else:
        foreign[comm] = foreign.get(comm, 0) + d
dc = [b - a for a, b in zip(c0, c1)]
tot = sum(dc[:8]) or 1
busy = (tot - dc[3] - dc[4]) / tot * ncpu
fs = pct(sum(foreign.values()))
# processes that ended inside the window (compiler, test forks) are missing from the per-process
# view: whatever the machine was busy with beyond ours and the kernel threads is foreign too
rest = busy * 100 - pct(mine)
if rest > fs + 10:
    foreign['short-lived/other'] = (rest - fs) * hz * el / 100
    fs = rest
desc = ', '.join('%s %.0f%%' % (c, pct(v)) for c, v in sorted(foreign.items(), key=lambda kv: -kv[1])[:3] if pct(v) >= 1)
print('%s %.2f %.0f %s' % (sw, busy, fs, desc or '-'))
EOF
	cat >"$WORK/report.py" <<'EOF'
# usage: report.py results.tsv  -> markdown on stdout; exit 3 when a jvs config moved no traffic
import sys, statistics, collections
runs = collections.defaultdict(lambda: collections.defaultdict(list))
info = collections.defaultdict(lambda: collections.defaultdict(list))
order = []
for line in open(sys.argv[1]):
    f = line.rstrip('\n').split('\t')
    if len(f) < 4:
        continue
    cfg, metric, run, val = f[0], f[1], f[2], '\t'.join(f[3:])
    if cfg not in order:
        order.append(cfg)
    try:
        runs[cfg][metric].append(float(val))
    except ValueError:
        info[cfg][metric].append(val)
def med(c, m):
    v = runs[c].get(m)
    return statistics.median(v) if v else None
def rng(c, m, spec, scale=1.0):
    v = runs[c].get(m)
    return '' if not v or len(v) < 2 else ' [%s-%s]' % (format(min(v) * scale, spec), format(max(v) * scale, spec))
def cell(c, m, spec, scale=1.0):
    x = med(c, m)
    return '-' if x is None else format(x * scale, spec) + rng(c, m, spec, scale)
def val(c, m, spec, scale=1.0):
    x = med(c, m)
    return '-' if x is None else format(x * scale, spec)
cols = ['config', 'what', 'ping RTT avg us [min-max] / mdev us', 'TCP 1 stream Gbit/s [min-max] (retr)',
        'switch CPU during TCP % (100 = 1 core)', 'UDP 64B iperf3: rx kpps [min-max] (loss %)',
        'UDP 64B trafgen: offered -> rx kpps [min-max] (loss %)', 'loadavg before / busy cores during TCP']
print('| ' + ' | '.join(cols) + ' |')
print('|' + '---|' * len(cols))
for c in order:
    ping = '%s / %s' % (cell(c, 'ping_avg_us', '.0f'), val(c, 'ping_mdev_us', '.0f')) if med(c, 'ping_avg_us') is not None else '-'
    if med(c, 'ping_loss_pct'):
        ping += ' (loss %s %%)' % val(c, 'ping_loss_pct', '.0f')
    tcp = '%s (%s)' % (cell(c, 'tcp_gbps', '.2f'), val(c, 'tcp_retr', '.0f')) if med(c, 'tcp_gbps') is not None else '-'
    cpu = cell(c, 'tcp_cpu_switch', '.0f') if med(c, 'tcp_cpu_switch') is not None else ('n/a' if c == 'bridge' else '-')
    udp = '%s (%s)' % (cell(c, 'udp_rx_pps', '.0f', 1e-3), val(c, 'udp_loss_pct', '.1f')) if med(c, 'udp_rx_pps') is not None else '-'
    pps = '%s -> %s (%s)' % (val(c, 'pps_tx', '.0f', 1e-3), cell(c, 'pps_rx', '.0f', 1e-3), val(c, 'pps_loss_pct', '.1f')) if med(c, 'pps_rx') is not None else '-'
    load = '%s / %s' % (val(c, 'loadavg', '.2f'), val(c, 'tcp_busy', '.2f'))
    print('| %s | %s | %s | %s | %s | %s | %s | %s |' % (c, (info[c].get('desc') or [''])[0], ping, tcp, cpu, udp, pps, load))
base = 'bridge' if 'bridge' in order else None
if base:
    for c in order:
        if not c.startswith('jvs'):
            continue
        def ratio(m):
            a, b = med(c, m), med(base, m)
            return '-' if a is None or not b else 'x%.2f' % (a / b)
        print('| %s / bridge | ratio of medians | %s | %s | n/a | %s | %s | |' % (
            c, ratio('ping_avg_us'), ratio('tcp_gbps'), ratio('udp_rx_pps'),
            ('%s -> %s' % (ratio('pps_tx'), ratio('pps_rx'))) if med(c, 'pps_rx') is not None else '-'))
print()
dm = [('udp', 'UDP iperf3'), ('pps', 'trafgen')]
print('Where the 64-byte UDP packets were lost (kpps, medians): sender device tx queue (TAP full) / AF_PACKET receive sockets of the switch / receiver UDP socket buffer (UdpRcvbufErrors):')
print()
print('| config | UDP iperf3: txq / AF_PACKET / rcvbuf | trafgen: txq / AF_PACKET / rcvbuf |')
print('|---|---|---|')
for c in order:
    cells = []
    for t, _ in dm:
        if med(c, t + '_drop_txq_pps') is None:
            cells.append('-')
            continue
        cells.append(' / '.join(val(c, '%s_drop_%s_pps' % (t, k), '.0f', 1e-3) if med(c, '%s_drop_%s_pps' % (t, k)) is not None else 'n/a'
                                for k in ('txq', 'afpacket', 'rcvbuf')))
    print('| %s | %s | %s |' % (c, cells[0], cells[1]))
print()
notes = [(c, n) for c in order for k in ('note', 'diag') for n in info[c].get(k, [])]
if notes:
    print('Notes and counters (per config; namespaces are fresh, so counters are totals for that config):')
    print()
    for c, n in notes:
        print('- %s: %s' % (c, n))
    print()
print('<details><summary>All runs (raw values)</summary>')
print()
print('| config | metric | runs |')
print('|---|---|---|')
for c in order:
    for m, v in runs[c].items():
        if v:
            print('| %s | %s | %s |' % (c, m, ' '.join('%g' % x for x in v)))
print()
print('</details>')
bad = [c for c in order if c.startswith('jvs') and not (med(c, 'tcp_gbps') or 0) > 0]
if bad:
    sys.stderr.write('bench.sh: FAIL: %s moved no TCP traffic through the switch\n' % ', '.join(bad))
    sys.exit(3)
EOF
}

# ---------------------------------------------------------------- recording
TSV=""
CFG=""
RAWC=""
rec() { printf '%s\t%s\t%s\t%s\n' "$CFG" "$1" "$2" "$3" >>"$TSV"; }

# ---------------------------------------------------------------- topology
mk_ns() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		# no IPv6 -> no ND/MLD noise in the measurements
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
}
mk_veths() { # endpoint veths <P>A1 (in a) <-> <P>A0 (in s), same for B; default offloads
	ip link add "${PFX}A0" netns "$NS_S" type veth peer name "${PFX}A1" netns "$NS_A" || return 1
	ip link add "${PFX}B0" netns "$NS_S" type veth peer name "${PFX}B1" netns "$NS_B" || return 1
	ip -n "$NS_S" link set "${PFX}A0" up
	ip -n "$NS_S" link set "${PFX}B0" up
	DEV_A=${PFX}A1 DEV_B=${PFX}B1
}
ep_addr() {
	ip -n "$NS_A" addr add $IPA/24 dev "$DEV_A" || return 1
	ip -n "$NS_B" addr add $IPB/24 dev "$DEV_B" || return 1
	ip -n "$NS_A" link set "$DEV_A" up
	ip -n "$NS_B" link set "$DEV_B" up
}
jvsctl() { JVS_NO_BUILD=1 "$ROOT/jvs" --rundir "$RUN" "$@" 9<&-; }
start_jvs() {
	local i
	rm -rf "$RUN"
	mkdir -p "$RUN"
	ip netns exec "$NS_S" env JVS_NO_BUILD=1 "$ROOT/jvs" daemon --rundir "$RUN" --db "$RUN/conf.json" \
		${THREADS:+--threads "$THREADS"} >"$RAWC/daemon.log" 2>&1 9<&- & # ip netns exec, env and jvs all exec: $! is the JVM
	SWPID=$!
	BGPIDS+=($!)
	for i in $(seq 1 300); do
		[ -S "$RUN/jvs.sock" ] && break
		kill -0 "$SWPID" 2>/dev/null || { log "jvs daemon died at start: $(tail -3 "$RAWC/daemon.log")"; return 1; }
		sleep 0.1
	done
	[ -S "$RUN/jvs.sock" ] || { log "jvs daemon: no control socket after 30 s"; return 1; }
	[ "$(cat /proc/$SWPID/comm 2>/dev/null)" = java ] || log "WARNING: switch pid $SWPID is $(cat /proc/$SWPID/comm 2>/dev/null), not java"
	jvsctl add-br br0 || return 1
}

# each sets DESC, DEV_A, DEV_B (and SWPID for jvs); non-zero = broken
cfg_bridge() {
	DESC="Linux bridge in netns ${NS_S}, veth ports, br_netfilter call-*tables=0"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	# br_netfilter is built in and defaults to 1 (per netns): keep the bridge pure L2
	nsx "$NS_S" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
		net.bridge.bridge-nf-call-arptables=0 2>/dev/null
	ip -n "$NS_S" link add "${PFX}br" type bridge || return 1
	mk_veths || return 1
	ip -n "$NS_S" link set "${PFX}A0" master "${PFX}br"
	ip -n "$NS_S" link set "${PFX}B0" master "${PFX}br"
	ip -n "$NS_S" link set "${PFX}br" up
	ep_addr
}
cfg_jvs_veth() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, system ports (AF_PACKET) on the veth ends"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	mk_veths || return 1
	ep_addr || return 1
	start_jvs || return 1
	jvsctl add-port br0 "${PFX}A0" && jvsctl add-port br0 "${PFX}B0"
}
cfg_jvs_tap() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, internal ports (TAP ${PFX}ta in ${NS_A}, ${PFX}tb in ${NS_B})"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	start_jvs || return 1
	jvsctl add-port br0 "${PFX}ta" type=internal netns="$NS_A" || return 1
	jvsctl add-port br0 "${PFX}tb" type=internal netns="$NS_B" || return 1
	DEV_A=${PFX}ta DEV_B=${PFX}tb
	ep_addr
}

# ---------------------------------------------------------------- tests
ensure_ping() {
	local i
	for i in $(seq 1 20); do
		nsx "$NS_A" ping -c 1 -W 1 $IPB >/dev/null 2>&1 && return 0
		sleep 0.3
	done
	return 1
}
start_iperf_server() {
	ip netns exec "$NS_B" iperf3 -s -p $PORT_IPERF >"$RAWC/iperf3-server.log" 2>&1 9<&- & # $! must be iperf3 itself (no -D: zombies)
	BGPIDS+=($!)
	local i
	for i in $(seq 1 50); do
		nsx "$NS_B" ss -Hltn "sport = :$PORT_IPERF" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
ns_inodes() { local ns; for ns in "$NS_A" "$NS_B" "$NS_S"; do stat -L -c %i "/run/netns/$ns"; done; }
t_ping() {
	local r out
	for r in $(seq 1 "$RUNS"); do
		out=$(nsx "$NS_A" ping -q -c "$PING_N" -i 0.01 -W 1 $IPB 2>&1)
		printf '%s\n' "$out" >"$RAWC/ping_$r.txt"
		# rtt min/avg/max/mdev = 0.021/0.029/0.101/0.009 ms
		printf '%s\n' "$out" | awk -F'[/ =]+' '/^rtt/ {print $7 * 1000, $9 * 1000}' | while read -r avg mdev; do
			rec ping_avg_us "$r" "$avg"
			rec ping_mdev_us "$r" "$mdev"
		done
		rec ping_loss_pct "$r" "$(printf '%s\n' "$out" | awk '/packet loss/ {for (i = 1; i <= NF; i++) if ($i ~ /%$/) {sub("%", "", $i); print $i; exit}}')"
	done
}
t_tcp() {
	local r f mon cpu sw busy fpct fdesc
	for r in $(seq 1 "$RUNS"); do
		f=$RAWC/tcp_$r.json
		python3 "$WORK/cpumon.py" 1 $((SECONDS_TCP > 2 ? SECONDS_TCP - 2 : 1)) "${SWPID:--}" $$ $(ns_inodes) >"$RAWC/cpu_tcp_$r.txt" 2>&1 9<&- &
		mon=$!
		nsx "$NS_A" timeout $((SECONDS_TCP + 20)) iperf3 -c $IPB -p $PORT_IPERF -t "$SECONDS_TCP" -J >"$f" 2>&1
		wait "$mon"
		read -r sw busy fpct fdesc <"$RAWC/cpu_tcp_$r.txt"
		[ "$sw" != - ] && rec tcp_cpu_switch "$r" "$sw"
		rec tcp_busy "$r" "$busy"
		[ "${fpct:-0}" -gt 10 ] 2>/dev/null && rec note "$r" "FOREIGN LOAD during TCP run $r: other processes used ${fpct}% of a core ($fdesc)"
		python3 - "$f" <<'EOF' | while read -r g rt; do rec tcp_gbps "$r" "$g"; rec tcp_retr "$r" "$rt"; done
import json, sys
try:
    e = json.load(open(sys.argv[1]))['end']
    print('%.3f %d' % (e['sum_received']['bits_per_second'] / 1e9, e['sum_sent'].get('retransmits', 0)))
except Exception:
    print('0 0')
EOF
		sleep 0.3
	done
}
t_udp() {
	local r f d0
	for r in $(seq 1 "$RUNS"); do
		f=$RAWC/udp64_$r.json
		d0=$(drop_snap)
		# -l 18: 18 B payload + 8 UDP + 20 IP + 14 Ethernet + 4 FCS = 64-byte frames
		nsx "$NS_A" timeout $((SECONDS_UDP + 20)) iperf3 -c $IPB -p $PORT_IPERF -u -l 18 -b 0 -t "$SECONDS_UDP" -J >"$f" 2>&1
		python3 - "$f" <<'EOF' | while read -r tx rx loss; do rec udp_tx_pps "$r" "$tx"; rec udp_rx_pps "$r" "$rx"; rec udp_loss_pct "$r" "$loss"; done
import json, sys
try:
    e = json.load(open(sys.argv[1]))['end']
    s, rcv = e['sum_sent'], e['sum_received']   # sum_received = the server's (receiver's) numbers
    print('%.0f %.0f %.2f' % (s['packets'] / s['seconds'], (rcv['packets'] - rcv['lost_packets']) / rcv['seconds'], rcv['lost_percent']))
except Exception:
    print('0 0 100')
EOF
		rec_drops udp "$r" "$d0" "$SECONDS_UDP"
		sleep 0.3
	done
}
stat_of() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }
# where packets are lost: "<sender dev tx_dropped> <AF_PACKET socket drops in S> <receiver UdpRcvbufErrors>"
drop_snap() {
	local sd=0
	[ -n "$SWPID" ] && sd=$(nsx "$NS_S" ss -0 -m -a -H 2>/dev/null | grep -o ',d[0-9]*)' | tr -dc '0-9\n' | awk '{s += $1} END {print s + 0}')
	echo "$(stat_of "$NS_A" "$DEV_A" tx_dropped) $sd $(nsx "$NS_B" nstat -asz UdpRcvbufErrors | awk '/UdpRcvbufErrors/ {print $2 + 0; f = 1} END {if (!f) print 0}')"
}
rec_drops() { # $1 = test, $2 = run, $3 = snapshot before, $4 = elapsed s
	local a0 b0 c0 a1 b1 c1
	read -r a0 b0 c0 <<<"$3"
	read -r a1 b1 c1 <<<"$(drop_snap)"
	rec "${1}_drop_txq_pps" "$2" "$(python3 -c "print('%.0f' % (($a1 - $a0) / $4))")"
	[ -n "$SWPID" ] && rec "${1}_drop_afpacket_pps" "$2" "$(python3 -c "print('%.0f' % (($b1 - $b0) / $4))")"
	rec "${1}_drop_rcvbuf_pps" "$2" "$(python3 -c "print('%.0f' % (($c1 - $c0) / $4))")"
}
t_pps() {
	local r macA macB tx rx t0 t1 out d0
	macA=$(nsx "$NS_A" cat "/sys/class/net/$DEV_A/address")
	macB=$(nsx "$NS_B" cat "/sys/class/net/$DEV_B/address")
	# 14 + 20 + 8 + 18 = 60 bytes + FCS = 64-byte frames
	cat >"$RAWC/udp64.trafgen" <<EOF
{
  eth(da=$macB, sa=$macA),
  ipv4(saddr=$IPA, daddr=$IPB, ttl=64),
  udp(sp=4000, dp=9),
  fill(0x41, 18)
}
EOF
	for r in $(seq 1 "$RUNS"); do
		rx=$(stat_of "$NS_B" "$DEV_B" rx_packets)
		d0=$(drop_snap)
		t0=$(date +%s.%N)
		# -P 1: one sender process (pinned to CPU0), -Q: do not touch IRQ affinities (-q is --qdisc-path!)
		out=$(nsx "$NS_A" timeout -s INT "$SECONDS_UDP" trafgen -i "$RAWC/udp64.trafgen" -o "$DEV_A" -P 1 -Q 2>&1 | tr -d '\r')
		t1=$(date +%s.%N)
		sleep 0.3 # let the switch drain
		rx=$(($(stat_of "$NS_B" "$DEV_B" rx_packets) - rx))
		printf '%s\n' "$out" >"$RAWC/trafgen_$r.txt"
		tx=$(printf '%s\n' "$out" | awk '/packets outgoing/ {print $1; exit}')
		[ -z "$tx" ] && tx=0
		rec_drops pps "$r" "$d0" "$(python3 -c "print($t1 - $t0)")"
		# trafgen counts only frames the device accepted: frames a full TAP queue dropped
		# (tx_dropped of the sender's device) were offered too
		tx=$((tx + $(stat_of "$NS_A" "$DEV_A" tx_dropped) - ${d0%% *}))
		python3 -c "
import sys; tx,rx,t0,t1=int(sys.argv[1]),int(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]); el=t1-t0
print('%.0f %.0f %.2f' % (tx/el, rx/el, max(0.0, 100.0*(1-rx/tx)) if tx else 100))" "$tx" "$rx" "$t0" "$t1" |
			while read -r a b c; do rec pps_tx "$r" "$a"; rec pps_rx "$r" "$b"; rec pps_loss_pct "$r" "$c"; done
		sleep 0.3
	done
}

# where did packets go: kernel counters of the fresh namespaces, switch port counters, AF_PACKET drops
diagnostics() {
	local ns d s
	for ns in "$NS_A" "$NS_B" "$NS_S"; do
		{ echo "== $ns"; nsx "$ns" ip -s link; nsx "$ns" nstat -asz; nsx "$ns" ss -0 -m -a; } >>"$RAWC/counters.txt" 2>&1
	done
	d="retrans segs $(nsx "$NS_A" nstat -asz TcpRetransSegs | awk '/TcpRetransSegs/ {print $2}')"
	d+=", DSACKs recv at sender $(nsx "$NS_A" nstat -asz TcpExtTCPDSACKRecvSegs | awk '/TcpExtTCPDSACKRecvSegs/ {print $2}')"
	d+=", receiver: TcpInCsumErrors $(nsx "$NS_B" nstat -asz TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')"
	d+=" UdpInCsumErrors $(nsx "$NS_B" nstat -asz UdpInCsumErrors | awk '/UdpInCsumErrors/ {print $2}')"
	d+=" UdpRcvbufErrors $(nsx "$NS_B" nstat -asz UdpRcvbufErrors | awk '/UdpRcvbufErrors/ {print $2}')"
	d+=", $DEV_B rx_dropped $(stat_of "$NS_B" "$DEV_B" rx_dropped) / $DEV_A tx_dropped $(stat_of "$NS_A" "$DEV_A" tx_dropped)"
	if [ -n "$SWPID" ]; then
		jvsctl dump-ports br0 >"$RAWC/dump-ports.txt" 2>&1
		s=$(awk '/^port / {p=$2} /drops=[1-9]|dropped=[1-9]|errors=[1-9]/ || (/drops:/ && !/none/) {gsub(/^ +/, ""); printf "%s %s; ", p, $0}' "$RAWC/dump-ports.txt")
		d+=", jvs dump-ports: ${s:-no drops or errors}"
		s=$(nsx "$NS_S" ss -0 -m -a -H 2>/dev/null | grep -o ',d[0-9]*)' | tr -dc '0-9\n' | awk '{s += $1} END {print s + 0}')
		d+=", AF_PACKET socket drops in $NS_S: $s"
		grep -qiE 'exception|error|warn' "$RAWC/daemon.log" && d+=", daemon log: $(grep -iE 'exception|error|warn' "$RAWC/daemon.log" | head -2 | tr '\n\t' '  ' | cut -c1-300)"
	fi
	rec diag 0 "$d"
}

wait_idle() { # bounded wait until others leave the 2 vCPUs alone
	local i b
	for i in $(seq 1 $((IDLE_WAIT * 2))); do
		b=$(python3 -c "
import time
r=lambda: [int(x) for x in open('/proc/stat').readline().split()[1:9]]
a=r(); time.sleep(0.5); c=r(); d=[y-x for x,y in zip(a,c)]
print('%.2f' % ((sum(d)-d[3]-d[4])/max(sum(d),1)*$(nproc)))")
		python3 -c "import sys; sys.exit(0 if $b < 0.3 else 1)" && return 0
		[ "$i" = 1 ] && log "machine busy ($b cores used by others), waiting up to ${IDLE_WAIT} s"
	done
	log "still busy ($b cores): measuring anyway (see FOREIGN LOAD)"
	rec note 0 "machine was busy ($b of $(nproc) cores used by other processes) before this config"
}

run_config() {
	CFG=$1
	RAWC=$RAW/$CFG
	rm -rf "$RAWC"
	mkdir -p "$RAWC"
	DESC="" DEV_A="" DEV_B="" SWPID=""
	local fn=cfg_${CFG//-/_} t0=$SECONDS
	wait_idle
	rec loadavg 0 "$(cut -d' ' -f1 /proc/loadavg)"
	rec note 0 "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
	log "=== $CFG: setup"
	if "$fn" && ensure_ping && start_iperf_server; then
		rec desc 0 "$DESC"
		{ nsx "$NS_A" ethtool -k "$DEV_A"; nsx "$NS_B" ethtool -k "$DEV_B"; } >"$RAWC/ethtool-k.txt" 2>&1
		# warm-up (JIT of the switch, ARP, MAC learning); not recorded
		nsx "$NS_A" timeout 15 iperf3 -c $IPB -p $PORT_IPERF -t 1 >/dev/null 2>&1
		log "    $CFG: ping";   t_ping
		log "    $CFG: tcp";    t_tcp
		log "    $CFG: udp";    t_udp
		if [ "$HAVE_TRAFGEN" = 1 ]; then log "    $CFG: trafgen"; t_pps; fi
		diagnostics
	else
		rec desc 0 "$DESC"
		log "$CFG: setup or forwarding check (ping $IPA -> $IPB) FAILED, not measured"
		rec note 0 "setup or ping check failed: not measured"
		[ -n "$SWPID" ] && { jvsctl show >"$RAWC/show.txt" 2>&1; diagnostics; }
		FAILED+=("$CFG")
	fi
	teardown
	log "=== $CFG done in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- main
exec 9<"$(readlink -f "${BASH_SOURCE[0]}")"
flock -n 9 || die "another bench.sh is measuring on this machine"
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP
need_tools
teardown # leftovers of an earlier, interrupted run (netns jb????[abs] only)
write_helpers
mkdir -p "$RAW"
TSV=$RAW/results.tsv
: >"$TSV"
WHEN=$(date -u '+%Y-%m-%dT%H:%MZ')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$SECONDS
log "bench $PFX: configs [$CONFIGS], RUNS=$RUNS TCP ${SECONDS_TCP}s UDP ${SECONDS_UDP}s, loadavg $LOAD0"
for c in $CONFIGS; do run_config "$c"; done
ELAPSED=$((SECONDS - START))
{
	echo "# jvs vs the kernel bridge (scripts/bench.sh)"
	echo
	echo "Measured $WHEN by \`scripts/bench.sh${QUICK:+$([ $QUICK = 1 ] && echo ' --quick')}${THREADS:+ --threads $THREADS} --configs ${CONFIGS// /,}\` in ${ELAPSED} s;" \
		"jvs $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')."
	echo "Machine: $(nproc) vCPU $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r);" \
		"loadavg at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "Median of RUNS=$RUNS runs [min-max]; TCP ${SECONDS_TCP} s, UDP ${SECONDS_UDP} s, ping -c $PING_N -i 0.01;" \
		"namespaces' default offloads; traffic $IPA -> $IPB only."
	echo
	python3 "$WORK/report.py" "$TSV" 2>"$WORK/report.err"
	echo "${PIPESTATUS[0]}" >"$WORK/report.rc"
	echo
	echo "Commands (A = sender netns, B = receiver netns, S = switch netns):"
	echo
	echo '```sh'
	echo "ip netns exec B iperf3 -s -p $PORT_IPERF                                   # server, killed by PID"
	echo "ip netns exec A ping -q -c $PING_N -i 0.01 $IPB"
	echo "ip netns exec A iperf3 -c $IPB -t $SECONDS_TCP -J                          # Gbit/s = end.sum_received, retr = end.sum_sent.retransmits"
	echo "ip netns exec A iperf3 -c $IPB -u -l 18 -b 0 -t $SECONDS_UDP -J            # rx pps = (sum_received.packets - lost_packets) / seconds"
	echo "ip netns exec A timeout -s INT $SECONDS_UDP trafgen -i udp64.trafgen -o <devA> -P 1 -Q   # offered = ('packets outgoing' + tx_dropped delta of <devA>) / wall time, rx = rx_packets delta of <devB>"
	echo "#   udp64.trafgen: { eth(da=<devB mac>, sa=<devA mac>), ipv4(saddr=$IPA, daddr=$IPB, ttl=64), udp(sp=4000, dp=9), fill(0x41, 18) }"
	echo "ip netns exec S ./jvs daemon --rundir R --db R/conf.json${THREADS:+ --threads $THREADS}; ./jvs --rundir R add-br br0"
	echo "./jvs --rundir R add-port br0 <veth end in S>                               # jvs-veth"
	echo "./jvs --rundir R add-port br0 <tap> type=internal netns=A                   # jvs-tap (same for B)"
	echo "# switch CPU: /proc/<java pid>/stat utime+stime delta from 1 s into the TCP run to 1 s before its end (100 % = one core)"
	echo '```'
	echo
	echo "Raw outputs (iperf3 JSON, ping/trafgen text, counters, dump-ports, daemon log): \`$RAW/<config>/\`."
} >"$OUT"
cat "$OUT"
log "results: $OUT (${ELAPSED} s)"
rc=$(cat "$WORK/report.rc" 2>/dev/null || echo 0)
[ -s "$WORK/report.err" ] && cat "$WORK/report.err" >&2
for c in "${FAILED[@]}"; do
	case $c in jvs-*) echo "bench.sh: FAIL: $c: setup or forwarding check failed" >&2; rc=3 ;; esac
done
exit "$rc"
