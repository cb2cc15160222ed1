#!/usr/bin/env bash
# bench.sh (`./jvs bench`) -- the same workloads through jvs and its peers, on this machine, in one run:
#   jvs-veth    jvs daemon, system ports (AF_PACKET) on the switch-side ends of two veth pairs   (ours)
#   jvs-veth-1t the same with one reactor thread (--threads 1): 1 vs N threads                   (ours, extra)
#   jvs-tap     jvs daemon, internal ports (one TAP per endpoint namespace)                       (ours, extra)
#   bridge      the Linux kernel bridge                                                (peer "kernel")
#   ovs         Open vSwitch userspace datapath (datapath_type=netdev), userspace-tso-enable=true,
#               default offloads on the endpoints                                      (peer "ovs")
#   ovs-txoff   OVS netdev, plain (no userspace TSO), tx offload off on the endpoints  (peer "ovs-txoff", opt-in)
#   veth        one bare veth pair between the endpoints: the ceiling                  (peer "veth")
# Tunnel configs (opt-in: --tunnels, or their peer names in --peers, or --configs): two "hosts" <P>s and <P>t
# joined by an underlay veth <P>U0 (172.31.77.1, in <P>s) <-> <P>U1 (172.31.77.2, in <P>t); VM A hangs off
# host s, VM B off host t, so every packet A -> B is encapsulated by host s and decapsulated by host t:
#   jvs-gre       a jvs daemon per host, VMs = internal ports (TAP) moved into <P>a / <P>b, GRE key 77 over kernel
#                 raw IP sockets, VM MTU 1458, default offloads                           (ours)
#   jvs-vxlan     the same with VXLAN (VNI 77, UDP 4789), VM MTU 1450                    (ours)
#   ovs-gre       an ovs-vswitchd (netdev) per host in the anchors' layout: phy bridge <P>p with the underlay veth
#                 (MTU 1600: OVS does not fragment), endpoint IP on <P>p's tap, tnl/neigh/set pins the neighbour,
#                 int bridge <P>g with the VM's veth and the GRE port (key 77); VM MTU 1458, tx offload off on
#                 the VMs (OVS 3.1 has no userspace TSO through tunnels)                  (peer "ovs-gre")
#   kernel-vxlan  a Linux bridge + kernel VXLAN device (VNI 77) per host, VM MTU 1450, default offloads
#                                                                                          (peer "kernel-vxlan")
#   The switch CPU of a tunnel config is the sum of both hosts' switch processes.
# Router configs (opt-in: --routers, or their peer names in --peers, or --configs): one jvs daemon in <P>s with an
# integration bridge br0 (VLANs = tenant networks) and, for SNAT, an external bridge br1; VMs are internal ports (TAP)
# moved into <P>a / <P>b; the routing is done either by jvs' userspace router (router legs, type=router) or by a
# kernel "qrouter" namespace <P>r (internal ports of jvs moved there, ip_forward=1, iptables SNAT), so the jvs bridge
# is the same in both and the comparison isolates the router:
#   jvs-routed     VM A (10.77.1.2, VLAN 1) and VM B (10.77.2.2, VLAN 2) on br0, routed by jvs router <P>r with a leg
#                  on each VLAN (10.77.1.1, 10.77.2.1)                                       (ours)
#   kernel-routed  the same, legs = internal ports <P>qa / <P>qb in netns <P>r with those addresses, ip_forward=1
#                                                                                          (peer "kernel-routed")
#   jvs-snat       VM A (10.77.1.2, VLAN 1) behind jvs router <P>r, gateway leg on br1 (172.31.78.10) with
#                  router/set-gateway (SNAT to 172.31.78.10); B = an external namespace (172.31.78.1, no route to
#                  10.77.1.0/24) on a veth system port of br1                                 (ours)
#   kernel-snat    the same, routed by netns <P>r: qa (VLAN 1 on br0) and qg (br1) internal ports, default via
#                  172.31.78.1, iptables -t nat POSTROUTING -o qg -j SNAT --to-source 172.31.78.10 (peer "kernel-snat")
#   ovs-snat       VM A and the outside B on veths of an OVS netdev bridge (userspace TSO) that routes and SNATs with
#                  its own userspace conntrack: OpenFlow ct(table,zone=1,nat) / ct(commit,nat(src=172.31.78.10)),
#                  mod_dl_src/dst, dec_ttl; A's gateway and B's route to .10 are static neighbours (peer "ovs-snat")
#   ovs-snat-txoff the same in OVS's default configuration: no userspace TSO, tx offload off on the endpoints
#   The switch CPU of a kernel-* router config is the jvs daemon's only: the kernel's routing runs in softirq and
#   system-call context of the endpoints and is not accounted to any process.
# Security-group configs (opt-in: --security, or the peer name qbr-iptables in --peers, or --configs): VMs A
# (10.77.0.1) and B (10.77.0.2) on veth pairs as in jvs-veth, one jvs daemon in <P>s, each VM port filtered by the
# same 100 rules per port (both directions; only the last few allow the benchmark's traffic: TCP 5201 for iperf3,
# UDP 9 for the flood, UDP 11111 for sockperf, ICMP for the ping check; the others name TCP ports 20000+ from/to
# 10.77.0.0/24) and anti-spoofing of the VM's MAC and IP:
#   jvs-sg        the VM veths <P>A0/<P>B0 are system ports of br0 with security=on allowed=MAC,IP and the rules
#                 (the default group's two egress rules deleted)                            (ours)
#   jvs-nosg      the same without security: what the filter costs                          (ours, reference)
#   qbr-iptables  Neutron's hybrid iptables driver (the seed's arrangement): each VM veth end <P>A0 is enslaved to
#                 its own Linux bridge <P>qbrA, a veth <P>qvbA (in the qbr) <-> <P>qvoA joins it to br-int, which
#                 is the same jvs daemon with security off (system ports <P>qvoA/<P>qvoB), so the comparison
#                 isolates the firewall arrangement; br_netfilter (bridge-nf-call-iptables=1 in <P>s) hands the
#                 bridged packets to iptables: raw PREROUTING -m physdev -j CT --zone (one zone per port), filter
#                 FORWARD -m physdev --physdev-in|out <P>A0 --physdev-is-bridged -> sg-chain -> i<port>/o<port>
#                 chains: ctstate RELATED,ESTABLISHED accept, DHCP, the anti-spoofing chain (-s IP -m mac
#                 --mac-source MAC), the same rules, ctstate INVALID drop, drop                (peer "qbr-iptables")
#   The switch CPU of qbr-iptables is the jvs daemon's only: iptables and the two Linux bridges run in softirq.
# Workloads (--only): tcp = iperf3 TCP 1 and 4 streams; pps = 64-byte UDP flood (trafgen, iperf3 if
# trafgen is missing) with the switch's CPU time per forwarded packet, then the paced search for the highest
# 64-byte rate forwarded with < 5 % loss (jvs pktgen); lat = UDP request-response
# RTT percentiles (sockperf ping-pong --full-rtt, or scripts/bench/latpp.py if sockperf is missing).
#
# Topology:  <P>a (10.77.0.1) --- [switch in netns <P>s (and <P>t)] --- <P>b (10.77.0.2),  <P> = "jvb" + 4 hex digits
#   veth <P>A1 (in <P>a) <-> <P>A0 (in <P>s), same for B; jvs-tap: TAPs <P>ta / <P>tb made by the daemon;
#   veth: <P>A1 (in <P>a) <-> <P>B1 (in <P>b).
# Every switch runs inside <P>s (tunnel configs: <P>s and <P>t) (OVS' netdev datapath leaves persistent taps in the namespace it runs in:
# there they die with the namespace). Nothing is created in the root namespace; the OVS databases,
# sockets and logs live in a private temp dir. A trap removes everything on exit, failure and Ctrl-C;
# leftovers of an interrupted earlier run (netns jvb????[abstr], /tmp/jvs-bench.jvb????) are removed first.
# One bench at a time: lock /run/lock/jvs-bench.lock.
set -u -o pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
HELP=$ROOT/scripts/bench
SG_RULES=100 # rules per port of the security-group configs (both directions together)
USAGE="usage: ./jvs bench [--quick] [--runs N] [--only tcp,pps,lat] [--peers kernel,ovs,ovs-txoff,veth,ovs-gre,kernel-vxlan,...]
                  [--tunnels] [--routers] [--security] [--threads N] [--out DIR] [--configs jvs-veth,jvs-tap,bridge,ovs,...]
                  [--profile] [-h]
  jvs (jvs-veth, plus jvs-veth-1t and jvs-tap unless --quick) always runs; default peers: kernel,ovs,veth (about 3.5 minutes);
  tunnel configs do not run by default
  --quick        1-s tests, jvs-veth and the kernel bridge only (unless --peers), no idle wait, no paced search (about 30-35 s)
  --runs N       repetitions per test (default 1; medians and [min-max] when N > 1)
  --only LIST    workloads: tcp (iperf3 1 and 4 streams), pps (64-byte UDP flood + switch CPU/packet),
                 lat (UDP request-response p50/p99/p99.9)
  --peers LIST   kernel = Linux bridge, ovs = OVS netdev + userspace TSO, ovs-txoff = plain OVS netdev
                 with tx offload off on the endpoints, veth = bare veth pair (ceiling); 'none' for jvs only;
                 tunnel peers: ovs-gre = two OVS netdev hosts joined by GRE (adds jvs-gre),
                 kernel-vxlan = two hosts with a Linux bridge + kernel VXLAN device (adds jvs-vxlan)
                 router peers: kernel-routed = two tenant VLANs routed by a kernel qrouter namespace (adds
                 jvs-routed), kernel-snat = a VM SNATed to an external bridge by a kernel qrouter (adds jvs-snat)
                 security peer: qbr-iptables = Neutron's qbr Linux bridge + iptables per VM in front of a jvs
                 br-int without security (adds jvs-sg)
  --tunnels      only the tunnel set (--peers is then ignored): jvs-gre, jvs-vxlan, ovs-gre, kernel-vxlan (two hosts = two namespaces
                 with a switch each, joined by a veth underlay; about 3.5 minutes, 2 with --quick, on the
                 2-vCPU VM under load);
                 the table adds the ratios jvs-gre/ovs-gre and jvs-vxlan/kernel-vxlan
  --routers      only the router set (with --tunnels: both sets; --peers is then ignored): jvs-routed, jvs-snat,
                 kernel-routed, kernel-snat (jvs' userspace router vs a kernel qrouter namespace behind the same jvs
                 bridges), ovs-snat (OVS netdev routing and SNATing with its own conntrack), ovs-snat-txoff (the same
                 without userspace TSO, OVS's default; about 3.5 minutes); the
                 table adds jvs-routed/kernel-routed, jvs-snat/kernel-snat, jvs-snat/ovs-snat and jvs-snat/ovs-snat-txoff
  --security     only the security-group set (combines with --tunnels/--routers; --peers is then ignored):
                 jvs-sg, jvs-nosg, qbr-iptables ($SG_RULES rules per port, stateful; about 2.5 minutes, 7 with --runs 3); the table adds
                 jvs-sg/qbr-iptables and jvs-sg/jvs-nosg
  --threads N    passed to the jvs daemon(s) (reactor threads)
  --out DIR      results.md, results.json, results.png and raw/ go there (default /tmp/jvs-bench)
  --profile      after the measured runs of each config with a jvs daemon, one more run of each workload under a JFR
                 recording of the daemon(s) (CPU-time sampling: time in system calls counts, on the Java frame that
                 made them); writes profiles/<config>/<workload>.jfr and .txt (where the switch's CPU goes, by
                 thread and by jvs method); the profiled runs' own figures go to raw/<config>/profiled.tsv, not to
                 the table (JFR costs a little); about 20 s more per jvs config
  --configs LIST exact list of rows (overrides --peers, --tunnels and the jvs defaults), from:
                 jvs-veth,jvs-veth-1t,jvs-tap,bridge,ovs,ovs-txoff,veth,jvs-gre,jvs-vxlan,ovs-gre,kernel-vxlan,
                 jvs-routed,jvs-snat,kernel-routed,kernel-snat,ovs-snat,ovs-snat-txoff,jvs-sg,jvs-nosg,qbr-iptables
  env: T_TCP=5 T_PPS=5 T_LAT=3 (seconds per test) IDLE_WAIT=3 (max s to wait for an idle machine per config)
       TCP_CC2= (e.g. cubic: the single stream once more with that congestion control, iperf3 -C)
       T_NDR=1 NDR_STEPS=5 NDR_LOSS_PCT=5 (paced 64-byte search: seconds per step, steps, loss bound %)
  exit: 0 ok, 2 usage/setup error, 3 jvs moved no traffic (or its setup failed)"
ALL_CONFIGS="jvs-veth jvs-veth-1t jvs-tap bridge ovs ovs-txoff veth jvs-gre jvs-vxlan ovs-gre kernel-vxlan jvs-routed jvs-snat kernel-routed kernel-snat ovs-snat ovs-snat-txoff jvs-sg jvs-nosg qbr-iptables"
TUNNEL_CONFIGS="jvs-gre jvs-vxlan ovs-gre kernel-vxlan"
ROUTER_CONFIGS="jvs-routed jvs-snat kernel-routed kernel-snat ovs-snat ovs-snat-txoff"
SG_CONFIGS="jvs-sg jvs-nosg qbr-iptables"

die() { echo "bench.sh: $*" >&2; exit 2; }
list() { local x=${1//,/ }; echo "$x"; }
CONFIGS="" PEERS="kernel ovs veth" ONLY="tcp pps lat" THREADS="" QUICK=0 TUNNELS=0 ROUTERS=0 SECURITY=0 OUTDIR=/tmp/jvs-bench RUNS_ARG="" PROFILE=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--tunnels) TUNNELS=1 ;;
	--routers) ROUTERS=1 ;;
	--security) SECURITY=1 ;;
	--profile) PROFILE=1 ;;
	--runs | --threads | --only | --peers | --out | --configs)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in --runs) RUNS_ARG=$2 ;; --threads) THREADS=$2 ;; --only) ONLY=$(list "$2") ;;
		--peers) PEERS=$(list "$2"); PEERS_SET=1 ;; --out) OUTDIR=$2 ;; --configs) CONFIGS=$(list "$2") ;; esac
		shift ;;
	--runs=*) RUNS_ARG=${1#*=} ;;
	--threads=*) THREADS=${1#*=} ;;
	--only=*) ONLY=$(list "${1#*=}") ;;
	--peers=*) PEERS=$(list "${1#*=}"); PEERS_SET=1 ;;
	--out=*) OUTDIR=${1#*=} ;;
	--configs=*) CONFIGS=$(list "${1#*=}") ;;
	-h | --help) echo "$USAGE"; exit 0 ;;
	*) echo "$USAGE" >&2; die "unknown argument '$1'" ;;
	esac
	shift
done
# --quick is a smoke run of about 30 s: jvs against the kernel bridge only, unless peers were named
[ $QUICK = 1 ] && [ -z "${PEERS_SET:-}" ] && PEERS="kernel"
for t in $ONLY; do case $t in tcp | pps | lat) ;; *) die "--only: unknown workload '$t' (tcp, pps, lat)" ;; esac; done
[ -n "$ONLY" ] || die "--only: empty list"
if [ -z "$CONFIGS" ] && { [ $TUNNELS = 1 ] || [ $ROUTERS = 1 ] || [ $SECURITY = 1 ]; }; then
	[ $TUNNELS = 1 ] && CONFIGS=$TUNNEL_CONFIGS
	[ $ROUTERS = 1 ] && CONFIGS="${CONFIGS:+$CONFIGS }$ROUTER_CONFIGS"
	[ $SECURITY = 1 ] && CONFIGS="${CONFIGS:+$CONFIGS }$SG_CONFIGS"
elif [ -z "$CONFIGS" ]; then
	CONFIGS="jvs-veth"
	[ $QUICK = 1 ] || CONFIGS+=" jvs-veth-1t jvs-tap"
	TUN=""
	for p in $PEERS; do
		case $p in
		kernel | bridge) CONFIGS+=" bridge" ;;
		ovs) CONFIGS+=" ovs" ;;
		ovs-txoff) CONFIGS+=" ovs-txoff" ;;
		veth) CONFIGS+=" veth" ;;
		ovs-gre) TUN+=" jvs-gre ovs-gre" ;;         # a tunnel peer brings its jvs counterpart
		kernel-vxlan) TUN+=" jvs-vxlan kernel-vxlan" ;;
		kernel-routed) TUN+=" jvs-routed kernel-routed" ;; # a router peer brings its jvs counterpart
		kernel-snat) TUN+=" jvs-snat kernel-snat" ;;
		ovs-snat) TUN+=" jvs-snat ovs-snat" ;;
		ovs-snat-txoff) TUN+=" jvs-snat ovs-snat-txoff" ;;
		qbr-iptables) TUN+=" jvs-sg qbr-iptables" ;; # the security peer brings jvs-sg
		none) ;;
		*) die "--peers: unknown peer '$p' (kernel, ovs, ovs-txoff, veth, ovs-gre, kernel-vxlan, kernel-routed, kernel-snat, ovs-snat, ovs-snat-txoff, qbr-iptables, none)" ;;
		esac
	done
	for c in $TUNNEL_CONFIGS $ROUTER_CONFIGS $SG_CONFIGS; do case " $TUN " in *" $c "*) CONFIGS+=" $c" ;; esac; done # jvs-gre jvs-vxlan ovs-gre kernel-vxlan
fi
for c in $CONFIGS; do case " $ALL_CONFIGS " in *" $c "*) ;; *) die "unknown config '$c' (one of: ${ALL_CONFIGS// /,})" ;; esac; done
[ -z "$THREADS" ] || [[ $THREADS =~ ^[1-9][0-9]?$ ]] || die "--threads wants a number 1..99, got '$THREADS'"
if [ $QUICK = 1 ]; then
	T_TCP=${T_TCP:-1} T_PPS=${T_PPS:-1} T_LAT=${T_LAT:-1} IDLE_WAIT=${IDLE_WAIT:-0} T_NDR=${T_NDR:-1} NDR_STEPS=${NDR_STEPS:-0}
fi
T_NDR=${T_NDR:-1} NDR_STEPS=${NDR_STEPS:-5} NDR_LOSS_PCT=${NDR_LOSS_PCT:-5}
RUNS=${RUNS_ARG:-${RUNS:-1}}
T_TCP=${T_TCP:-5} T_PPS=${T_PPS:-5} T_LAT=${T_LAT:-3} IDLE_WAIT=${IDLE_WAIT:-3}
# TCP runs with the congestion control new namespaces inherit (this kernel's default is BBR, recorded in the
# results); TCP_CC2=cubic runs the single stream once more with another one (iperf3 -C), same peers, same run.
# They disagree a lot on 2 vCPUs: BBR paces segments one by one (each then costs a userspace switch a wake-up of
# its own) and its bandwidth probes, one minimum RTT long (tens of microseconds here), are too short to find more;
# cubic sends bursts, and then the kernel bridge swings between ~12 and ~40 Gbit/s with where the scheduler puts
# iperf3's two ends. Off by default to keep the default run near 3 minutes.
TCP_CC=$(sysctl -n net.ipv4.tcp_congestion_control 2>/dev/null || echo unknown)
TCP_CC2=${TCP_CC2-}
[ "$TCP_CC2" = "$TCP_CC" ] && TCP_CC2=""
if [ -n "$TCP_CC2" ] && ! grep -qw -- "$TCP_CC2" /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null; then
	modprobe "tcp_$TCP_CC2" 2>/dev/null
	grep -qw -- "$TCP_CC2" /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null || die "TCP_CC2=$TCP_CC2: not available in this kernel ($(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null))"
fi
for v in RUNS T_TCP T_PPS T_LAT IDLE_WAIT T_NDR NDR_STEPS NDR_LOSS_PCT; do
	[ $v = NDR_STEPS ] && [ "${!v}" = 0 ] && continue # --quick: no paced search
	[[ ${!v} =~ ^[0-9]+$ ]] && { [ "${!v}" -ge 1 ] || [ $v = IDLE_WAIT ]; } || die "$v must be a positive integer, got '${!v}'"
done
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # the system one: a pyenv shim first in PATH costs ~0.7 s per call
has() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
[ "$(id -u)" = 0 ] || die "must run as root (creates network namespaces)"

PFX=jvb$(printf '%04x' $((RANDOM % 65536)))
NS_A=${PFX}a NS_B=${PFX}b NS_S=${PFX}s NS_T=${PFX}t # t: the second host of the tunnel configs
NS_R=${PFX}r # the kernel qrouter namespace of kernel-routed / kernel-snat
UIP_S=172.31.77.1 UIP_T=172.31.77.2 TUN_KEY=77 # tunnel configs: underlay addresses, GRE key / VNI
IPA0=10.77.0.1 IPB0=10.77.0.2 # endpoint addresses (router configs set their own, per config)
IPA=$IPA0 IPB=$IPB0
GW_A="" # router configs: A's default gateway (the 64-byte flood is addressed to its MAC)
JVS_BRIDGES="br0" # bridges of the jvs daemon, for the diagnostics
# router configs: tenant subnets (VLAN 1 and 2), the external subnet, the router's gateway address there
R_GW_A=10.77.1.1 R_IPA=10.77.1.2 R_GW_B=10.77.2.1 R_IPB=10.77.2.2 R_EXT_PEER=172.31.78.1 R_EXT=172.31.78.10
PORT_IPERF=5201 PORT_LAT=11111
WORK=/tmp/jvs-bench.$PFX
RUN=$WORK/run RUN2=$WORK/run2 # jvs daemon run dirs (RUN2: host t of the tunnel configs)
RAW=$OUTDIR/raw
OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
BGPIDS=()
SWPID=""
FAILED=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
nsx() { ip netns exec "$@" 9<&-; } # fd 9 = run lock, not for children

# ---------------------------------------------------------------- tools (install or skip, one line each)
apt_install() { # $@ = packages; quiet; apt-get update only when the first try fails
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 9<&- && return 0
	apt-get update -qq >/dev/null 2>&1 9<&-
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 9<&-
}
need_tools() {
	local c missing=() want=() p
	for c in ip:iproute2 ss:iproute2 nstat:iproute2 iperf3:iperf3 ping:iputils-ping python3:python3 flock:util-linux timeout:coreutils ethtool:ethtool; do
		command -v "${c%%:*}" >/dev/null 2>&1 || missing+=("${c%%:*} (package ${c#*:})")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing tool(s): ${missing[*]}; install them (apt-get install ...) and rerun"
	# optional tools: collect what is missing, one apt-get for all of them
	has pps && ! command -v trafgen >/dev/null 2>&1 && want+=(netsniff-ng)
	has lat && ! command -v sockperf >/dev/null 2>&1 && want+=(sockperf)
	case " $CONFIGS " in *" ovs"*) command -v ovs-vswitchd >/dev/null 2>&1 && [ -f "$OVS_SCHEMA" ] || want+=(openvswitch-switch) ;; esac
	case " $CONFIGS " in *" qbr-iptables "*) command -v iptables-restore >/dev/null 2>&1 || want+=(iptables) ;; esac
	$PY -c 'import matplotlib' 2>/dev/null || want+=(python3-matplotlib)
	if [ ${#want[@]} -gt 0 ]; then
		log "tools: installing ${want[*]} (apt-get)"
		apt_install "${want[@]}" || for p in "${want[@]}"; do apt_install "$p"; done # one failing package must not block the others
	fi
	PPS_TOOL=- LAT_TOOL=- HAVE_OVS=0 HAVE_PLOT=0
	if has pps; then
		if command -v trafgen >/dev/null 2>&1; then PPS_TOOL=trafgen; log "tools: 64-byte flood with trafgen ($(command -v trafgen))"
		else PPS_TOOL=iperf3; log "tools: trafgen unavailable (netsniff-ng did not install): 64-byte flood with iperf3 -u -l 18 -b 0"; fi
	fi
	if has lat; then
		if command -v sockperf >/dev/null 2>&1; then LAT_TOOL=sockperf; log "tools: latency with sockperf ping-pong --full-rtt"
		else LAT_TOOL=latpp; log "tools: sockperf unavailable (did not install): latency with scripts/bench/latpp.py (python UDP ping-pong)"; fi
	fi
	case " $CONFIGS " in
	*" ovs"*)
		if command -v ovs-vswitchd >/dev/null 2>&1 && [ -f "$OVS_SCHEMA" ]; then
			HAVE_OVS=1; log "tools: OVS $(ovs-vswitchd --version | head -1 | awk '{print $NF}') (userspace datapath only: no kernel module here)"
		else
			log "tools: openvswitch-switch unavailable (did not install): ovs rows skipped"
			local keep="" x; for x in $CONFIGS; do case $x in ovs*) ;; *) keep+=" $x" ;; esac; done; CONFIGS=${keep# }
		fi ;;
	esac
	if $PY -c 'import matplotlib' 2>/dev/null; then HAVE_PLOT=1; log "tools: PNG chart with python3-matplotlib"
	else log "tools: python3-matplotlib unavailable (did not install): no PNG chart"; fi
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
our_namespaces() { # this run's, plus leftovers of earlier runs (we hold the lock: none of them is running)
	ls /run/netns 2>/dev/null | grep -E '^jvb[0-9a-f]{4}[abstr]$'
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
	rm -rf "$RUN" "$RUN2" "$WORK/ovs" "$WORK/ovs2"
	return 0
}
on_exit() {
	local rc=$?
	teardown
	rm -rf /tmp/jvs-bench.jvb[0-9a-f][0-9a-f][0-9a-f][0-9a-f]
	exit $rc
}

# ---------------------------------------------------------------- recording
TSV=""
CFG=""
RAWC=""
rec() { printf '%s\t%s\t%s\t%s\n' "$CFG" "$1" "$2" "$3" >>"$TSV"; }
meta() { printf '_meta\t%s\t0\t%s\n' "$1" "$2" >>"$TSV"; }
calc() { $PY -c "print($1)"; }

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
mk_veths() { # endpoint veths <P>A1 (in a) <-> <P>A0 (in s, or $1), same for B (in s, or $2); default offloads
	local sa=${1:-$NS_S} sb=${2:-$NS_S}
	ip link add "${PFX}A0" netns "$sa" type veth peer name "${PFX}A1" netns "$NS_A" || return 1
	ip link add "${PFX}B0" netns "$sb" type veth peer name "${PFX}B1" netns "$NS_B" || return 1
	ip -n "$sa" link set "${PFX}A0" up
	ip -n "$sb" link set "${PFX}B0" up
	DEV_A=${PFX}A1 DEV_B=${PFX}B1
}
mk_underlay() { # tunnel configs: veth <P>U0 (in s) <-> <P>U1 (in t); $1 = MTU, $2 = "addr" to put the underlay IPs on it
	ip link add "${PFX}U0" netns "$NS_S" mtu "$1" type veth peer name "${PFX}U1" netns "$NS_T" mtu "$1" || return 1
	if [ "${2:-}" = addr ]; then
		ip -n "$NS_S" addr add $UIP_S/24 dev "${PFX}U0" || return 1
		ip -n "$NS_T" addr add $UIP_T/24 dev "${PFX}U1" || return 1
	fi
	ip -n "$NS_S" link set "${PFX}U0" up
	ip -n "$NS_T" link set "${PFX}U1" up
}
underlay_ping() { # host s -> host t over the underlay; logged, not fatal (the overlay ping check decides)
	nsx "$NS_S" ping -c 2 -i 0.2 -W 1 $UIP_T >"$RAWC/underlay-ping.txt" 2>&1 || log "    underlay ping $UIP_S -> $UIP_T failed"
}
ep_mtu() { # inner (overlay) MTU of the VMs
	ip -n "$NS_A" link set "$DEV_A" mtu "$1" && ip -n "$NS_B" link set "$DEV_B" mtu "$1"
}
ep_addr() {
	ip -n "$NS_A" addr add $IPA/24 dev "$DEV_A" || return 1
	ip -n "$NS_B" addr add $IPB/24 dev "$DEV_B" || return 1
	ip -n "$NS_A" link set "$DEV_A" up
	ip -n "$NS_B" link set "$DEV_B" up
}
ep_txoff() { # checksum offload (and with it TSO) off on the endpoints: MTU-sized, fully checksummed frames
	nsx "$NS_A" ethtool -K "$DEV_A" tx off >/dev/null 2>&1
	nsx "$NS_B" ethtool -K "$DEV_B" tx off >/dev/null 2>&1
}
jvsctl() { JVS_NO_BUILD=1 "$ROOT/jvs" --rundir "$RUN" "$@" 9<&-; }
jvsctl2() { JVS_NO_BUILD=1 "$ROOT/jvs" --rundir "$RUN2" "$@" 9<&-; } # host t of the tunnel configs
launch_jvsd() { # $1 netns, $2 run dir, $3 log name: starts a daemon, appends its PID to SWPID (no wait)
	rm -rf "$2"
	mkdir -p "$2"
	ip netns exec "$1" env JVS_NO_BUILD=1 "$ROOT/jvs" daemon --rundir "$2" --db "$2/conf.json" \
		${THREADS:+--threads "$THREADS"} >"$RAWC/$3" 2>&1 9<&- & # ip netns exec, env and jvs all exec: $! is the JVM
	SWPID="${SWPID:+$SWPID }$!"
	BGPIDS+=($!)
}
wait_jvsd() { # $1 PID, $2 run dir, $3 log name: waits for the control socket
	local i
	for i in $(seq 1 300); do
		[ -S "$2/jvs.sock" ] && break
		kill -0 "$1" 2>/dev/null || { log "jvs daemon died at start: $(tail -3 "$RAWC/$3")"; return 1; }
		sleep 0.1
	done
	[ -S "$2/jvs.sock" ] || { log "jvs daemon: no control socket after 30 s"; return 1; }
	[ "$(cat /proc/$1/comm 2>/dev/null)" = java ] || log "WARNING: switch pid $1 is $(cat /proc/$1/comm 2>/dev/null), not java"
}
start_jvs() {
	launch_jvsd "$NS_S" "$RUN" daemon.log
	wait_jvsd "$SWPID" "$RUN" daemon.log || return 1
	jvsctl add-br br0 >/dev/null || return 1
}
# OVS, privately (baseline-notes pitfall 2): every ovs-* call gets the OVS_*DIR variables
OVSD=""
ovs_env() { echo "OVS_RUNDIR=$OVSD OVS_LOGDIR=$OVSD OVS_DBDIR=$OVSD OVS_SYSCONFDIR=$OVSD"; }
vsctl() { env $(ovs_env) ovs-vsctl --db="unix:$OVSD/db.sock" --timeout=15 "$@" 9<&-; }
appctl() { env $(ovs_env) ovs-appctl -t "$OVSD/ovs-vswitchd.ctl" --timeout=15 "$@" 9<&-; }
start_ovs() { # $@ = Open_vSwitch column settings, applied before ovs-vswitchd starts (userspace-tso-enable is read only then)
	OVSD=$WORK/ovs
	ovs_daemons "$NS_S" "$@" || return 1
	vsctl add-br "${PFX}ovs" -- set bridge "${PFX}ovs" datapath_type=netdev \
		-- add-port "${PFX}ovs" "${PFX}A0" -- add-port "${PFX}ovs" "${PFX}B0"
}
ovs_daemons() { # $1 netns, rest = Open_vSwitch settings; instance dir $OVSD (callers may make it local); appends to SWPID
	local i ns=$1 sfx=""
	[ "$OVSD" = "$WORK/ovs2" ] && sfx=-t # host t of ovs-gre
	shift
	rm -rf "$OVSD"
	mkdir -p "$OVSD"
	ovsdb-tool create "$OVSD/conf.db" "$OVS_SCHEMA" 9<&- || return 1
	env $(ovs_env) ip netns exec "$ns" ovsdb-server "$OVSD/conf.db" --remote="punix:$OVSD/db.sock" \
		--pidfile="$OVSD/ovsdb-server.pid" --unixctl="$OVSD/ovsdb-server.ctl" \
		--log-file="$OVSD/ovsdb-server.log" --no-chdir >"$RAWC/ovsdb-server$sfx.stderr" 2>&1 9<&- &
	BGPIDS+=($!)
	for i in $(seq 1 50); do [ -S "$OVSD/db.sock" ] && break; sleep 0.1; done
	vsctl --no-wait init || return 1
	[ $# -gt 0 ] && { vsctl --no-wait set Open_vSwitch . "$@" || return 1; }
	env $(ovs_env) ip netns exec "$ns" ovs-vswitchd "unix:$OVSD/db.sock" \
		--pidfile="$OVSD/ovs-vswitchd.pid" --unixctl="$OVSD/ovs-vswitchd.ctl" \
		--log-file="$OVSD/ovs-vswitchd.log" --no-chdir >"$RAWC/ovs-vswitchd$sfx.stderr" 2>&1 9<&- & # env, ip netns exec exec: $! is ovs-vswitchd
	SWPID="${SWPID:+$SWPID }$!"
	BGPIDS+=($!)
	for i in $(seq 1 100); do appctl version >/dev/null 2>&1 && break; sleep 0.1; done
	appctl version >/dev/null 2>&1 || { log "ovs-vswitchd did not start: $(tail -2 "$OVSD/ovs-vswitchd.log" 2>/dev/null)"; return 1; }
}

# each sets DESC, DEV_A, DEV_B (and SWPID for a userspace switch); non-zero = broken
cfg_jvs_veth() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, system ports (AF_PACKET) on the veth ends, default offloads"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	mk_veths || return 1
	ep_addr || return 1
	start_jvs || return 1
	jvsctl add-port br0 "${PFX}A0" >/dev/null && jvsctl add-port br0 "${PFX}B0" >/dev/null
}
cfg_jvs_veth_1t() { # issue #3 asks for 1 vs N reactor threads: the same as jvs-veth with one thread
	local THREADS=1
	cfg_jvs_veth || return 1
	DESC="jvs daemon in netns ${NS_S} with ONE reactor thread (--threads 1), system ports (AF_PACKET) on the veth ends, default offloads"
}
cfg_jvs_tap() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, internal ports (TAP ${PFX}ta in ${NS_A}, ${PFX}tb in ${NS_B}), default offloads"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	start_jvs || return 1
	jvsctl add-port br0 "${PFX}ta" type=internal netns="$NS_A" >/dev/null || return 1
	jvsctl add-port br0 "${PFX}tb" type=internal netns="$NS_B" >/dev/null || return 1
	DEV_A=${PFX}ta DEV_B=${PFX}tb
	ep_addr
}
cfg_bridge() {
	DESC="Linux bridge in netns ${NS_S}, veth ports, default offloads, br_netfilter call-*tables=0"
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
cfg_ovs() {
	DESC="OVS $(ovs-vswitchd --version | head -1 | awk '{print $NF}') netdev (userspace) datapath in netns ${NS_S}, other_config:userspace-tso-enable=true, AF_PACKET system ports, default offloads"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	mk_veths || return 1
	ep_addr || return 1
	start_ovs other_config:userspace-tso-enable=true
}
cfg_ovs_snat_txoff() { # OVS's default configuration (no userspace TSO), which needs tx offload off on the endpoints
	local OVS_SNAT_TXOFF=1
	cfg_ovs_snat
}
cfg_ovs_snat() {
	local tso="userspace-tso-enable=true" txoff=""
	[ -n "${OVS_SNAT_TXOFF:-}" ] && tso="no userspace TSO (OVS's default)" txoff=", tx offload off on the endpoints (without it TCP breaks through OVS netdev, anchors pitfall)"
	DESC="OVS $(ovs-vswitchd --version | head -1 | awk '{print $NF}') netdev (userspace) datapath in netns ${NS_S}, $tso, VM A ($R_IPA/24) and the outside B ($R_EXT_PEER/24) on veth system ports, routed and SNATed to $R_EXT by OpenFlow: ct(table=1,zone=1,nat), ct(commit,zone=1,nat(src=$R_EXT)), mod_dl_src/mod_dl_dst, dec_ttl (OVS userspace conntrack); A's gateway $R_GW_A and B's neighbour $R_EXT are static ARP entries${txoff:-, default offloads}"
	IPA=$R_IPA IPB=$R_EXT_PEER GW_A=$R_GW_A
	local rma=02:00:00:77:01:01 rmb=02:00:00:77:02:01 amac bmac
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	mk_veths || return 1
	ep_addr || return 1
	if [ -n "${OVS_SNAT_TXOFF:-}" ]; then
		ep_txoff
		start_ovs || return 1
	else
		start_ovs other_config:userspace-tso-enable=true || return 1
	fi
	vsctl set bridge "${PFX}ovs" protocols=OpenFlow13 || return 1
	amac=$(ip -n "$NS_A" -br link show dev "$DEV_A" | awk '{print $3}')
	bmac=$(ip -n "$NS_B" -br link show dev "$DEV_B" | awk '{print $3}')
	ip -n "$NS_A" neigh replace $R_GW_A lladdr $rma dev "$DEV_A" || return 1
	ip -n "$NS_B" neigh replace $R_EXT lladdr $rmb dev "$DEV_B" || return 1
	cat >"$RAWC/flows.txt" <<-FLOWS
		table=0,priority=100,ip,in_port=${PFX}A0,nw_dst=$R_EXT_PEER/24,actions=ct(table=1,zone=1,nat)
		table=0,priority=100,ip,in_port=${PFX}B0,nw_dst=$R_EXT,actions=ct(table=2,zone=1,nat)
		table=0,priority=0,actions=drop
		table=1,priority=100,ct_state=+new+trk,ip,actions=ct(commit,zone=1,nat(src=$R_EXT)),mod_dl_src:$rmb,mod_dl_dst:$bmac,dec_ttl,output:${PFX}B0
		table=1,priority=90,ct_state=+est+trk,ip,actions=mod_dl_src:$rmb,mod_dl_dst:$bmac,dec_ttl,output:${PFX}B0
		table=1,priority=0,actions=drop
		table=2,priority=100,ct_state=+est+trk,ip,actions=mod_dl_src:$rma,mod_dl_dst:$amac,dec_ttl,output:${PFX}A0
		table=2,priority=90,ct_state=+rel+trk,ip,actions=mod_dl_src:$rma,mod_dl_dst:$amac,dec_ttl,output:${PFX}A0
		table=2,priority=0,actions=drop
	FLOWS
	env $(ovs_env) ip netns exec "$NS_S" ovs-ofctl -O OpenFlow13 del-flows "${PFX}ovs" 9<&- || return 1
	env $(ovs_env) ip netns exec "$NS_S" ovs-ofctl -O OpenFlow13 add-flows "${PFX}ovs" "$RAWC/flows.txt" 9<&- || return 1
	rtr_routes ""
}
cfg_ovs_txoff() {
	DESC="OVS $(ovs-vswitchd --version | head -1 | awk '{print $NF}') netdev (userspace) datapath in netns ${NS_S}, no userspace TSO, AF_PACKET system ports, tx offload off on the endpoints"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	mk_veths || return 1
	ep_addr || return 1
	ep_txoff
	start_ovs
}
cfg_veth() {
	DESC="one veth pair ${PFX}A1 (in ${NS_A}) <-> ${PFX}B1 (in ${NS_B}), no switch, default offloads: the ceiling"
	mk_ns "$NS_A" "$NS_B" || return 1
	ip link add "${PFX}A1" netns "$NS_A" type veth peer name "${PFX}B1" netns "$NS_B" || return 1
	DEV_A=${PFX}A1 DEV_B=${PFX}B1
	ep_addr
}
# tunnel configs: host s (VM A) and host t (VM B), underlay <P>U0 (s, $UIP_S) <-> <P>U1 (t, $UIP_T)
jvs_tunnel() { # $1 = gre | vxlan, $2 = VM MTU
	DESC="two jvs daemons (netns ${NS_S}, ${NS_T})${THREADS:+ (--threads $THREADS)} joined by $1 (key $TUN_KEY) over an underlay veth (MTU 1500, kernel sockets), VMs = internal ports in ${NS_A}/${NS_B}, VM MTU $2, default offloads; switch CPU = both daemons"
	mk_ns "$NS_A" "$NS_B" "$NS_S" "$NS_T" || return 1
	mk_underlay 1500 addr || return 1
	launch_jvsd "$NS_S" "$RUN" daemon.log
	launch_jvsd "$NS_T" "$RUN2" daemon-t.log # both JVMs start at once
	wait_jvsd "${SWPID%% *}" "$RUN" daemon.log || return 1
	wait_jvsd "${SWPID##* }" "$RUN2" daemon-t.log || return 1
	jvsctl add-br br0 >/dev/null || return 1
	jvsctl2 add-br br0 >/dev/null || return 1
	jvsctl add-port br0 "${PFX}ta" type=internal netns="$NS_A" >/dev/null || return 1
	jvsctl2 add-port br0 "${PFX}tb" type=internal netns="$NS_B" >/dev/null || return 1
	jvsctl add-port br0 "${PFX}tun" type="$1" options:remote_ip=$UIP_T options:local_ip=$UIP_S options:key=$TUN_KEY >/dev/null || return 1
	jvsctl2 add-port br0 "${PFX}tun" type="$1" options:remote_ip=$UIP_S options:local_ip=$UIP_T options:key=$TUN_KEY >/dev/null || return 1
	DEV_A=${PFX}ta DEV_B=${PFX}tb
	ep_mtu "$2" || return 1
	ep_addr || return 1
	underlay_ping
}
cfg_jvs_gre() { jvs_tunnel gre 1458; }     # 1500 - 20 (IP) - 8 (GRE with key) - 14 (inner Ethernet)
cfg_jvs_vxlan() { jvs_tunnel vxlan 1450; } # 1500 - 20 - 8 (UDP) - 8 (VXLAN) - 14
cfg_ovs_gre() {
	DESC="two OVS $(ovs-vswitchd --version | head -1 | awk '{print $NF}') netdev datapaths (netns ${NS_S}, ${NS_T}) joined by GRE (key $TUN_KEY) over an underlay veth (MTU 1600), phy bridge ${PFX}p with the tunnel IP on its tap, tnl/neigh/set, AF_PACKET system ports, VM MTU 1458, tx offload off on the VMs; switch CPU = both ovs-vswitchd"
	mk_ns "$NS_A" "$NS_B" "$NS_S" "$NS_T" || return 1
	mk_veths "$NS_S" "$NS_T" || return 1
	mk_underlay 1600 || return 1 # OVS userspace does not fragment, AF_PACKET refuses frames above the MTU
	OVSD=$WORK/ovs
	ovs_daemons "$NS_S" || return 1
	OVSD=$WORK/ovs2 ovs_daemons "$NS_T" || return 1 # (an assignment before a function call holds for that call only)
	local macS macT
	ovs_tunnel_host "$WORK/ovs" "${PFX}U0" "${PFX}A0" $UIP_T || return 1
	ovs_tunnel_host "$WORK/ovs2" "${PFX}U1" "${PFX}B0" $UIP_S || return 1
	ip -n "$NS_S" addr add $UIP_S/24 dev "${PFX}p" || return 1
	ip -n "$NS_T" addr add $UIP_T/24 dev "${PFX}p" || return 1
	ip -n "$NS_S" link set "${PFX}p" mtu 1600 up
	ip -n "$NS_T" link set "${PFX}p" mtu 1600 up
	macS=$(nsx "$NS_S" cat "/sys/class/net/${PFX}p/address")
	macT=$(nsx "$NS_T" cat "/sys/class/net/${PFX}p/address")
	OVSD=$WORK/ovs appctl tnl/neigh/set "${PFX}p" $UIP_T "$macT" >/dev/null
	OVSD=$WORK/ovs2 appctl tnl/neigh/set "${PFX}p" $UIP_S "$macS" >/dev/null
	OVSD=$WORK/ovs
	ep_mtu 1458 || return 1
	ep_addr || return 1
	ep_txoff # OVS 3.1 netdev: no userspace TSO into tunnels, and without it partial checksums arrive unfilled
	underlay_ping
}
ovs_tunnel_host() { # $1 OVS dir, $2 underlay veth, $3 VM-side veth, $4 remote tunnel IP
	local OVSD=$1
	vsctl add-br "${PFX}p" -- set bridge "${PFX}p" datapath_type=netdev -- add-port "${PFX}p" "$2" \
		-- add-br "${PFX}g" -- set bridge "${PFX}g" datapath_type=netdev -- add-port "${PFX}g" "$3" \
		-- add-port "${PFX}g" "${PFX}gre" -- set interface "${PFX}gre" type=gre options:remote_ip="$4" options:key=$TUN_KEY
}
cfg_kernel_vxlan() {
	DESC="Linux bridge + kernel VXLAN device (VNI $TUN_KEY, UDP 4789) per host (netns ${NS_S}, ${NS_T}) over an underlay veth (MTU 1500), VM veths, VM MTU 1450, default offloads (underlay too), br_netfilter call-*tables=0"
	mk_ns "$NS_A" "$NS_B" "$NS_S" "$NS_T" || return 1
	mk_veths "$NS_S" "$NS_T" || return 1
	mk_underlay 1500 addr || return 1
	local ns dev loc rem vm
	for ns in "$NS_S" "$NS_T"; do
		if [ "$ns" = "$NS_S" ]; then dev=${PFX}U0 loc=$UIP_S rem=$UIP_T vm=${PFX}A0; else dev=${PFX}U1 loc=$UIP_T rem=$UIP_S vm=${PFX}B0; fi
		nsx "$ns" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
			net.bridge.bridge-nf-call-arptables=0 2>/dev/null
		ip -n "$ns" link add "${PFX}vx" type vxlan id $TUN_KEY remote "$rem" local "$loc" dstport 4789 dev "$dev" || return 1
		ip -n "$ns" link add "${PFX}br" type bridge || return 1
		ip -n "$ns" link set "${PFX}vx" master "${PFX}br" || return 1
		ip -n "$ns" link set "$vm" master "${PFX}br" || return 1
		ip -n "$ns" link set "${PFX}vx" up
		ip -n "$ns" link set "${PFX}br" up
	done
	ep_mtu 1450 || return 1
	ep_addr || return 1
	underlay_ping
}

# router configs: one jvs daemon in S, br0 = integration bridge (VLAN 1 = A's subnet, VLAN 2 = B's), br1 = external
rtr_vm() { # $1 netns, $2 tap name, $3 VLAN: a VM = an internal port of br0 with that tag, moved into $1
	jvsctl add-port br0 "$2" type=internal netns="$1" tag="$3" >/dev/null
}
rtr_ext_peer() { # B = the outside world: netns B on a veth system port of br1, $R_EXT_PEER/24, no route to the tenants
	ip link add "${PFX}B0" netns "$NS_S" type veth peer name "${PFX}B1" netns "$NS_B" || return 1
	ip -n "$NS_S" link set "${PFX}B0" up
	jvsctl add-port br1 "${PFX}B0" >/dev/null
}
rtr_routes() { # default routes of the VMs ($1 = B's gateway, or "" for none)
	ip -n "$NS_A" route add default via $R_GW_A || return 1
	[ -z "$1" ] || ip -n "$NS_B" route add default via "$1"
}
cfg_jvs_routed() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, br0 with VM A (TAP, VLAN 1, $R_IPA/24) and VM B (TAP, VLAN 2, $R_IPB/24), routed by the userspace router ${PFX}r (legs type=router $R_GW_A/24 tag=1, $R_GW_B/24 tag=2), no NAT, default offloads"
	IPA=$R_IPA IPB=$R_IPB GW_A=$R_GW_A
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	start_jvs || return 1
	jvsctl add-router "${PFX}r" >/dev/null || return 1
	jvsctl add-port br0 "${PFX}qa" type=router options:router="${PFX}r" options:ip=$R_GW_A/24 tag=1 >/dev/null || return 1
	jvsctl add-port br0 "${PFX}qb" type=router options:router="${PFX}r" options:ip=$R_GW_B/24 tag=2 >/dev/null || return 1
	rtr_vm "$NS_A" "${PFX}ta" 1 || return 1
	rtr_vm "$NS_B" "${PFX}tb" 2 || return 1
	DEV_A=${PFX}ta DEV_B=${PFX}tb
	ep_addr || return 1
	rtr_routes $R_GW_B
}
cfg_kernel_routed() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, br0 with VM A (TAP, VLAN 1) and VM B (TAP, VLAN 2) as in jvs-routed, routed by a kernel qrouter netns ${NS_R}: internal ports ${PFX}qa ($R_GW_A/24, tag=1) and ${PFX}qb ($R_GW_B/24, tag=2) moved there, ip_forward=1, no netfilter rules, default offloads"
	IPA=$R_IPA IPB=$R_IPB GW_A=$R_GW_A
	mk_ns "$NS_A" "$NS_B" "$NS_S" "$NS_R" || return 1
	start_jvs || return 1
	rtr_vm "$NS_R" "${PFX}qa" 1 || return 1
	rtr_vm "$NS_R" "${PFX}qb" 2 || return 1
	ip -n "$NS_R" addr add $R_GW_A/24 dev "${PFX}qa" || return 1
	ip -n "$NS_R" addr add $R_GW_B/24 dev "${PFX}qb" || return 1
	ip -n "$NS_R" link set "${PFX}qa" up
	ip -n "$NS_R" link set "${PFX}qb" up
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1 || return 1
	rtr_vm "$NS_A" "${PFX}ta" 1 || return 1
	rtr_vm "$NS_B" "${PFX}tb" 2 || return 1
	DEV_A=${PFX}ta DEV_B=${PFX}tb
	ep_addr || return 1
	rtr_routes $R_GW_B
}
cfg_jvs_snat() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, VM A (TAP, VLAN 1 of br0, $R_IPA/24) behind the userspace router ${PFX}r (leg $R_GW_A/24 tag=1 on br0, gateway leg $R_EXT/24 on br1, router/set-gateway: SNAT to $R_EXT), B = outside netns on a veth system port of br1 ($R_EXT_PEER/24, no route back), default offloads"
	IPA=$R_IPA IPB=$R_EXT_PEER GW_A=$R_GW_A JVS_BRIDGES="br0 br1"
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	start_jvs || return 1
	jvsctl add-br br1 >/dev/null || return 1
	jvsctl add-router "${PFX}r" >/dev/null || return 1
	jvsctl add-port br0 "${PFX}qa" type=router options:router="${PFX}r" options:ip=$R_GW_A/24 tag=1 >/dev/null || return 1
	jvsctl add-port br1 "${PFX}qg" type=router options:router="${PFX}r" options:ip=$R_EXT/24 >/dev/null || return 1
	rtr_vm "$NS_A" "${PFX}ta" 1 || return 1
	rtr_ext_peer || return 1
	jvsctl router/set-gateway "${PFX}r" "${PFX}qg" $R_EXT_PEER >/dev/null || return 1
	DEV_A=${PFX}ta DEV_B=${PFX}B1
	ep_addr || return 1
	rtr_routes ""
}
cfg_kernel_snat() {
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, VM A (TAP, VLAN 1 of br0) and the outside netns B (veth system port of br1, $R_EXT_PEER/24) as in jvs-snat, routed by a kernel qrouter netns ${NS_R}: internal ports ${PFX}qa ($R_GW_A/24, tag=1, br0) and ${PFX}qg ($R_EXT/24, br1), default via $R_EXT_PEER, ip_forward=1, iptables -t nat POSTROUTING -o ${PFX}qg -j SNAT --to-source $R_EXT, default offloads"
	IPA=$R_IPA IPB=$R_EXT_PEER GW_A=$R_GW_A JVS_BRIDGES="br0 br1"
	command -v iptables >/dev/null 2>&1 || { log "kernel-snat needs iptables"; return 1; }
	mk_ns "$NS_A" "$NS_B" "$NS_S" "$NS_R" || return 1
	start_jvs || return 1
	jvsctl add-br br1 >/dev/null || return 1
	rtr_vm "$NS_R" "${PFX}qa" 1 || return 1
	jvsctl add-port br1 "${PFX}qg" type=internal netns="$NS_R" >/dev/null || return 1
	ip -n "$NS_R" addr add $R_GW_A/24 dev "${PFX}qa" || return 1
	ip -n "$NS_R" addr add $R_EXT/24 dev "${PFX}qg" || return 1
	ip -n "$NS_R" link set "${PFX}qa" up
	ip -n "$NS_R" link set "${PFX}qg" up
	ip -n "$NS_R" route add default via $R_EXT_PEER dev "${PFX}qg" || return 1
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1 || return 1
	nsx "$NS_R" iptables -t nat -A POSTROUTING -o "${PFX}qg" -j SNAT --to-source $R_EXT || return 1
	rtr_vm "$NS_A" "${PFX}ta" 1 || return 1
	rtr_ext_peer || return 1
	DEV_A=${PFX}ta DEV_B=${PFX}B1
	ep_addr || return 1
	rtr_routes ""
}

# security-group configs: VMs on veths as in jvs-veth; the same rules per VM port in jvs and in iptables.
# Per port and direction: SG_DUMMY rules that never match the benchmark's traffic (TCP 20000+i), then the allowing
# ones (TCP 5201 iperf3, UDP 9 the flood, UDP 11111 sockperf, ICMP the ping check), SG_RULES in all.
SG_ALLOW="tcp:5201 udp:9 udp:11111 icmp:"
SG_NET=10.77.0.0/24
sg_dummies() { echo $(((SG_RULES - 2 * $(echo $SG_ALLOW | wc -w)) / 2)); }
sg_jvs_port() { # $1 port, $2 MAC, $3 IP: security=on, allowed=, the default group's rules replaced by ours
	local p=$1 i dir spec proto port n
	n=$(sg_dummies)
	{
		echo "set port $p security=on allowed=$2,$3"
		echo "acl/del $p default-egress-ipv4"
		echo "acl/del $p default-egress-ipv6"
		for dir in egress ingress; do
			for i in $(seq 1 "$n"); do echo "acl/add $p $dir proto=tcp port=$((20000 + i)) remote=$SG_NET id=$dir-d$i"; done
			for spec in $SG_ALLOW; do
				proto=${spec%%:*} port=${spec#*:}
				echo "acl/add $p $dir proto=$proto${port:+ port=$port} remote=$SG_NET id=$dir-$proto$port"
			done
		done
	} >"$RAWC/acl-$p.txt"
	$PY "$HELP/ctl.py" "$RUN/jvs.sock" <"$RAWC/acl-$p.txt" >/dev/null 9<&- || return 1
	[ "$(jvsctl acl/show "$p" | grep -c '^  id=')" = "$SG_RULES" ] ||
		{ log "    $p: acl/show does not list $SG_RULES rules"; jvsctl acl/show "$p" >"$RAWC/acl-show-$p.txt" 2>&1; return 1; }
}
mac_of() { nsx "$1" cat "/sys/class/net/$2/address"; }
cfg_jvs_sg() {
	cfg_jvs_veth || return 1
	DESC="jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)}, system ports on the VM veths as in jvs-veth, security=on with allowed=MAC,IP and $SG_RULES rules per port ($(sg_dummies) non-matching + $(echo $SG_ALLOW | wc -w) allowing per direction), stateful, default offloads"
	sg_jvs_port "${PFX}A0" "$(mac_of "$NS_A" "$DEV_A")" $IPA || return 1
	sg_jvs_port "${PFX}B0" "$(mac_of "$NS_B" "$DEV_B")" $IPB
}
cfg_jvs_nosg() {
	cfg_jvs_veth || return 1
	DESC="the same as jvs-sg without security (= jvs-veth): system ports on the VM veths, no filter"
}
sg_iptables() { # $1 = A | B (the port letter), $2 = conntrack zone: this VM port's chains, on stdout (iptables-restore)
	local x=$1 vm=${PFX}${1}0 qvb=${PFX}qvb$1 ip mac i spec proto port n dir chain match
	[ "$x" = A ] && ip=$IPA mac=$(mac_of "$NS_A" "$DEV_A") || ip=$IPB mac=$(mac_of "$NS_B" "$DEV_B")
	n=$(sg_dummies)
	echo "-A sg-chain -m physdev --physdev-out $vm --physdev-is-bridged -j i$x"
	echo "-A sg-chain -m physdev --physdev-in $vm --physdev-is-bridged -j o$x"
	# ingress (to the VM)
	echo "-A i$x -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"
	echo "-A o$x -s 0.0.0.0/32 -d 255.255.255.255/32 -p udp -m udp --sport 68 --dport 67 -j RETURN"
	echo "-A o$x -j s$x"
	echo "-A s$x -s $ip/32 -m mac --mac-source $mac -j RETURN"
	echo "-A s$x -j DROP"
	echo "-A o$x -p udp -m udp --sport 68 --dport 67 -j RETURN"
	echo "-A o$x -p udp -m udp --sport 67 --dport 68 -j DROP"
	echo "-A o$x -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"
	for dir in i o; do
		chain=$dir$x
		[ $dir = i ] && match="-s $SG_NET" || match="-d $SG_NET"
		for i in $(seq 1 "$n"); do echo "-A $chain $match -p tcp -m tcp --dport $((20000 + i)) -j RETURN"; done
		for spec in $SG_ALLOW; do
			proto=${spec%%:*} port=${spec#*:}
			echo "-A $chain $match -p $proto${port:+ -m $proto --dport $port} -j RETURN"
		done
		echo "-A $chain -m conntrack --ctstate INVALID -j DROP"
		echo "-A $chain -j DROP"
	done
}
cfg_qbr_iptables() {
	DESC="Neutron's hybrid iptables arrangement: each VM veth end in its own Linux bridge (qbr) with br_netfilter, a veth qvb<->qvo to br-int = a jvs daemon in netns ${NS_S}${THREADS:+ (--threads $THREADS)} with security off (system ports on the qvo ends); iptables (physdev, conntrack zone per port) with the same $SG_RULES rules per port and anti-spoofing (-m mac), stateful; default offloads; switch CPU = jvs only (iptables and the qbrs run in softirq)"
	command -v iptables-restore >/dev/null 2>&1 || { log "qbr-iptables needs iptables"; return 1; }
	mk_ns "$NS_A" "$NS_B" "$NS_S" || return 1
	mk_veths || return 1
	ep_addr || return 1
	# br_netfilter is built into this kernel (no module to load) and its switches are per netns
	nsx "$NS_S" sysctl -qw net.bridge.bridge-nf-call-iptables=1 || { log "no br_netfilter (net.bridge.bridge-nf-call-iptables)"; return 1; }
	local x
	for x in A B; do
		ip -n "$NS_S" link add "${PFX}qbr$x" type bridge || return 1
		ip -n "$NS_S" link add "${PFX}qvb$x" type veth peer name "${PFX}qvo$x" || return 1
		ip -n "$NS_S" link set "${PFX}${x}0" master "${PFX}qbr$x" || return 1
		ip -n "$NS_S" link set "${PFX}qvb$x" master "${PFX}qbr$x" || return 1
		ip -n "$NS_S" link set "${PFX}qvb$x" up
		ip -n "$NS_S" link set "${PFX}qvo$x" up
		ip -n "$NS_S" link set "${PFX}qbr$x" up
	done
	{
		echo "*raw"
		echo ":PREROUTING ACCEPT [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		echo "-A PREROUTING -m physdev --physdev-in ${PFX}A0 -j CT --zone 1"
		echo "-A PREROUTING -m physdev --physdev-in ${PFX}qvbA -j CT --zone 1"
		echo "-A PREROUTING -m physdev --physdev-in ${PFX}B0 -j CT --zone 2"
		echo "-A PREROUTING -m physdev --physdev-in ${PFX}qvbB -j CT --zone 2"
		echo "COMMIT"
		echo "*filter"
		echo ":INPUT ACCEPT [0:0]"
		echo ":FORWARD ACCEPT [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		for x in sg-chain iA oA sA iB oB sB; do echo ":$x - [0:0]"; done
		for x in A B; do
			echo "-A FORWARD -m physdev --physdev-out ${PFX}${x}0 --physdev-is-bridged -j sg-chain"
			echo "-A FORWARD -m physdev --physdev-in ${PFX}${x}0 --physdev-is-bridged -j sg-chain"
		done
		sg_iptables A
		sg_iptables B
		echo "-A sg-chain -j ACCEPT"
		echo "COMMIT"
	} >"$RAWC/iptables.rules"
	nsx "$NS_S" iptables-restore <"$RAWC/iptables.rules" || { log "iptables-restore failed"; return 1; }
	start_jvs || return 1
	jvsctl add-port br0 "${PFX}qvoA" >/dev/null && jvsctl add-port br0 "${PFX}qvoB" >/dev/null
}

# ---------------------------------------------------------------- tests
ensure_ping() {
	local i
	for i in $(seq 1 30); do
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
ns_inodes() { local ns; for ns in "$NS_A" "$NS_B" "$NS_S" "$NS_T" "$NS_R"; do [ -e "/run/netns/$ns" ] && stat -L -c %i "/run/netns/$ns"; done; }
cpu_ticks() { # utime+stime of the switch process(es) in "$1" (all threads; summed), clock ticks; 0 when there is none
	local s p sum=0
	for p in $1; do
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		s=${s##*) }
		set -- $s
		sum=$((sum + ${12} + ${13}))
	done
	echo $sum
}
afpacket_drops() { # frames the switch's AF_PACKET sockets dropped before it saw them, in the switch netns (both hosts')
	# jvs reads through TPACKET rings, whose drops (ring full) only PACKET_STATISTICS reports (dump-ports'
	# kernel_drops), not ss; other switches read the socket queue, whose drops ss -0 -m shows (skmem ... d<N>).
	local ns br
	if [ -S "$RUN/jvs.sock" ]; then
		for br in $JVS_BRIDGES; do jvsctl dump-ports "$br"; [ -S "$RUN2/jvs.sock" ] && jvsctl2 dump-ports "$br"; done 2>/dev/null | grep -o 'kernel_drops=[0-9]*' | tr -dc '0-9\n'
	else
		for ns in "$NS_S" "$NS_T"; do
			[ -e "/run/netns/$ns" ] && nsx "$ns" ss -0 -m -a -H 2>/dev/null
		done | grep -o ',d[0-9]*)' | tr -dc '0-9\n'
	fi | awk '{s += $1} END {print s + 0}'
}
stat_of() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }
iperf_json() { # $1 = file -> "Gbit/s retransmits"
	$PY - "$1" <<'EOF'
import json, sys
try:
    e = json.load(open(sys.argv[1]))['end']
    print('%.3f %d' % (e['sum_received']['bits_per_second'] / 1e9, e['sum_sent'].get('retransmits', 0)))
except Exception:
    print('0 0')
EOF
}
t_tcp() { # $1 = streams, $2 = congestion control (iperf3 -C) instead of the namespace's default (metric tcpN_CC_*)
	local P=$1 cc=${2:-} m r f mon="" sw busy fpct fdesc g rt c0 c1 t0 t1
	m=tcp${P}${cc:+_$cc}
	for r in $(seq 1 "$RUNS"); do
		log "    $CFG: tcp ${P} stream(s)${cc:+ with $cc}, run $r/$RUNS (${T_TCP} s)"
		f=$RAWC/${m}_$r.json
		if [ "$P" = 1 ] && [ -z "$cc" ]; then # CPU of the switch and of everybody else, inside the run
			$PY "$HELP/cpumon.py" $(calc "min(1, $T_TCP * 0.2)") $(calc "max(0.5, $T_TCP * 0.6)") "$(echo ${SWPID:--} | tr ' ' ,)" $$ $(ns_inodes) >"$RAWC/cpu_tcp1_$r.txt" 2>&1 9<&- &
			mon=$!
		fi
		c0=$(cpu_ticks "$SWPID")
		t0=$(date +%s.%N)
		nsx "$NS_A" timeout $((T_TCP + 20)) iperf3 -c $IPB -p $PORT_IPERF -t "$T_TCP" -P "$P" ${cc:+-C "$cc"} -J >"$f" 2>&1
		t1=$(date +%s.%N)
		c1=$(cpu_ticks "$SWPID")
		[ -n "$SWPID" ] && [ -z "$cc" ] && rec "tcp${P}_cpu_switch_pct" "$r" "$(calc "'%.0f' % (100.0 * ($c1 - $c0) / $(getconf CLK_TCK) / ($t1 - $t0))")"
		if [ -n "$mon" ]; then
			wait "$mon"
			mon=""
			read -r sw busy fpct fdesc <"$RAWC/cpu_tcp1_$r.txt"
			rec tcp1_busy_cores "$r" "$busy"
			rec tcp1_foreign_pct "$r" "$fpct"
			[ "${fpct:-0}" -gt 10 ] 2>/dev/null && rec note "$r" "FOREIGN LOAD during TCP 1 stream run $r: other processes used ${fpct}% of a core ($fdesc)"
		fi
		read -r g rt < <(iperf_json "$f")
		rec "${m}_gbps" "$r" "$g"
		rec "${m}_retr" "$r" "$rt"
		[ "$g" = 0.000 ] && rec note "$r" "TCP $P stream(s)${cc:+ ($cc)} run $r: no throughput ($(grep -o '"error":[^}]*' "$f" | head -1 | cut -c1-160))"
		sleep 0.3
	done
}
flood_dst_mac() { # the MAC the 64-byte frames are addressed to: B's, or A's gateway's when routed
	local mac
	if [ -z "$GW_A" ]; then nsx "$NS_B" cat "/sys/class/net/$DEV_B/address"; return; fi
	# routed: the frames go to A's gateway (its MAC is known since the ping check)
	mac=$(nsx "$NS_A" ip neigh show "$GW_A" dev "$DEV_A" | awk '/lladdr/ {for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i+1); exit}')
	[ -n "$mac" ] || { nsx "$NS_A" ping -c 1 -W 1 "$GW_A" >/dev/null 2>&1; mac=$(nsx "$NS_A" ip neigh show "$GW_A" dev "$DEV_A" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i+1); exit}'); }
	printf '%s\n' "$mac"
}
t_pps() { # 64-byte frames: 14 + 20 + 8 + 18 bytes payload = 60 + FCS
	local r macA macB tx rx t0 t1 out d0 d1 c0 c1 el cpu_s
	macA=$(nsx "$NS_A" cat "/sys/class/net/$DEV_A/address")
	macB=$(flood_dst_mac)
	[ -n "$macB" ] || { rec note 0 "64-byte flood: no ARP entry for the gateway $GW_A in $NS_A"; return 0; }
	cat >"$RAWC/udp64.trafgen" <<EOF
{
  eth(da=$macB, sa=$macA),
  ipv4(saddr=$IPA, daddr=$IPB, ttl=64),
  udp(sp=4000, dp=9),
  fill(0x41, 18)
}
EOF
	for r in $(seq 1 "$RUNS"); do
		log "    $CFG: 64-byte UDP flood ($PPS_TOOL), run $r/$RUNS (${T_PPS} s)"
		rx=$(stat_of "$NS_B" "$DEV_B" rx_packets)
		txd=$(stat_of "$NS_A" "$DEV_A" tx_dropped)
		d0=$(afpacket_drops)
		c0=$(cpu_ticks "$SWPID")
		t0=$(date +%s.%N)
		if [ "$PPS_TOOL" = trafgen ]; then
			# -P 1: one sender process (pinned to CPU0), -Q: do not touch IRQ affinities (-q is --qdisc-path!)
			out=$(nsx "$NS_A" timeout -s INT "$T_PPS" trafgen -i "$RAWC/udp64.trafgen" -o "$DEV_A" -P 1 -Q 2>&1 | tr -d '\r')
			t1=$(date +%s.%N)
			tx=$(printf '%s\n' "$out" | awk '/packets outgoing/ {print $1; exit}')
		else
			nsx "$NS_A" timeout $((T_PPS + 20)) iperf3 -c $IPB -p $PORT_IPERF -u -l 18 -b 0 -t "$T_PPS" -J >"$RAWC/udp64_$r.json" 2>&1
			t1=$(date +%s.%N)
			out=$(cat "$RAWC/udp64_$r.json")
			tx=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['end']['sum_sent']['packets'])" "$RAWC/udp64_$r.json" 2>/dev/null)
		fi
		sleep 0.3 # let the switch drain
		c1=$(cpu_ticks "$SWPID")
		rx=$(($(stat_of "$NS_B" "$DEV_B" rx_packets) - rx))
		d1=$(afpacket_drops)
		printf '%s\n' "$out" >"$RAWC/pps_$r.txt"
		[ -z "$tx" ] && tx=0
		# the tool counts only frames the device accepted: frames a full TAP queue dropped were offered too
		tx=$((tx + $(stat_of "$NS_A" "$DEV_A" tx_dropped) - txd))
		el=$(calc "$t1 - $t0")
		rec pps_tx "$r" "$(calc "'%.0f' % ($tx / $el)")"
		rec pps_rx "$r" "$(calc "'%.0f' % ($rx / $el)")"
		rec pps_loss_pct "$r" "$(calc "'%.2f' % (max(0.0, 100.0 * (1 - $rx / $tx)) if $tx else 100.0)")"
		rec pps_rx_packets "$r" "$rx"
		if [ -n "$SWPID" ]; then
			cpu_s=$(calc "($c1 - $c0) / $(getconf CLK_TCK)")
			rec pps_cpu_s "$r" "$cpu_s"
			rec pps_cpu_switch_pct "$r" "$(calc "'%.0f' % (100.0 * $cpu_s / ($el + 0.3))")"
			[ "$rx" -gt 0 ] && rec pps_cpu_us_per_pkt "$r" "$(calc "'%.3f' % (1e6 * $cpu_s / $rx)")"
			rec pps_afpacket_drop_pps "$r" "$(calc "'%.0f' % (($d1 - $d0) / $el)")"
		fi
		sleep 0.3
	done
}
# The forwarding rate at a loss bound (RFC 2544's throughput, with 5 % loss allowed instead of none): paced 64-byte
# floods (`jvs pktgen`, exact rate, sendmmsg bursts) at rates found by bracketing and bisection; the result is the
# highest received rate among the steps that lost less than NDR_LOSS_PCT of what was offered. The unpaced flood
# above measures something else: what is left when the generator outruns the switch (a kernel bridge slows its
# generator down by forwarding in the sender's context, a userspace switch does not).
t_ndr() {
	local macB rate lo=0 hi=0 step out sent refused el rx rx0 loss rxr best_rx=0 best_tx=0 best_loss=""
	macB=$(flood_dst_mac)
	[ -n "$macB" ] || return 0
	# start just under what the unpaced flood got through (the switch's rate when saturated), else 400 kpps
	rate=$(awk -F'\t' -v c="$CFG" '$1 == c && $2 == "pps_rx" {v = $4} END {printf "%.0f", v * 0.9}' "$TSV")
	[ "${rate:-0}" -ge 20000 ] 2>/dev/null || rate=400000
	for step in $(seq 1 "$NDR_STEPS"); do
		log "    $CFG: 64-byte paced flood at $((rate / 1000)) kpps (loss bound ${NDR_LOSS_PCT} %), step $step/$NDR_STEPS (${T_NDR} s)"
		rx0=$(stat_of "$NS_B" "$DEV_B" rx_packets)
		out=$(nsx "$NS_A" env JVS_NO_BUILD=1 "$ROOT/jvs" pktgen "$DEV_A" --dst-mac "$macB" --src-ip $IPA --dst-ip $IPB \
			--rate "$rate" --seconds "$T_NDR" 2>&1)
		sleep 0.3 # let the switch drain
		rx=$(($(stat_of "$NS_B" "$DEV_B" rx_packets) - rx0))
		printf 'rate %s: %s rx %s\n' "$rate" "$out" "$rx" >>"$RAWC/ndr.txt"
		read -r _ sent _ refused _ el _ < <(printf '%s\n' "$out" | grep '^sent ')
		[ -n "$sent" ] || { rec note 0 "paced flood: jvs pktgen failed ($(printf '%s' "$out" | tail -1 | cut -c1-160))"; return 0; }
		loss=$(calc "'%.2f' % max(0.0, 100.0 * (1 - $rx / ($sent + $refused))) if $sent + $refused else 100.0")
		rxr=$(calc "'%.0f' % ($rx / $el)")
		if calc "$loss < $NDR_LOSS_PCT" | grep -q True; then
			lo=$rate
			[ "$rxr" -gt "$best_rx" ] && { best_rx=$rxr; best_tx=$(calc "'%.0f' % (($sent + $refused) / $el)"); best_loss=$loss; }
		else
			hi=$rate
		fi
		# a kernel datapath forwards inside the generator's system call: past its rate the generator cannot offer more
		if [ "$hi" = 0 ] && calc "($sent + $refused) / $el < 0.95 * $rate" | grep -q True; then
			rec note 0 "paced flood: the generator could offer only $(calc "'%.0f' % (($sent + $refused) / $el / 1000)") kpps of $((rate / 1000)) asked (sender-bound), search ended there"
			break
		fi
		if [ "$hi" = 0 ]; then rate=$((rate * 3 / 2)); elif [ "$lo" = 0 ]; then rate=$((rate / 2)); else rate=$(((lo + hi) / 2)); fi
		[ "$hi" != 0 ] && [ $((hi - lo)) -lt $((hi / 20)) ] && break # within 5 %: close enough for a noisy VM
	done
	rec pps_ndr_rx "$r_ndr" "$best_rx"
	rec pps_ndr_tx "$r_ndr" "$best_tx"
	[ -n "$best_loss" ] && rec pps_ndr_loss_pct "$r_ndr" "$best_loss"
	[ "$best_rx" = 0 ] && rec note 0 "paced flood: no rate down to $((rate / 1000)) kpps stayed under ${NDR_LOSS_PCT} % loss"
	return 0
}
t_lat() {
	local r out spid i p50 p99 p999 n
	# a flood just before may still be queued in a userspace switch or router (the router's queue holds ~0.5 s of
	# 64-byte frames): wait until a ping gets through, so that sockperf's first messages are not lost in it
	ensure_ping || log "    $CFG: no ping through before the latency test"
	if [ "$LAT_TOOL" = sockperf ]; then
		ip netns exec "$NS_B" sockperf server -i $IPB -p $PORT_LAT >"$RAWC/lat-server.log" 2>&1 9<&- &
	else
		ip netns exec "$NS_B" $PY "$HELP/latpp.py" server $IPB $PORT_LAT >"$RAWC/lat-server.log" 2>&1 9<&- &
	fi
	spid=$!
	BGPIDS+=($!)
	for i in $(seq 1 50); do nsx "$NS_B" ss -Hlun "sport = :$PORT_LAT" 2>/dev/null | grep -q . && break; sleep 0.1; done
	for r in $(seq 1 "$RUNS"); do
		log "    $CFG: UDP request-response latency ($LAT_TOOL), run $r/$RUNS (${T_LAT} s)"
		if [ "$LAT_TOOL" = sockperf ]; then
			out=$(nsx "$NS_A" timeout $((T_LAT + 15)) sockperf ping-pong -i $IPB -p $PORT_LAT -t "$T_LAT" -m 64 --full-rtt 2>&1)
			p50=$(printf '%s\n' "$out" | awk '/percentile 50.000 =/ {print $NF; exit}')
			p99=$(printf '%s\n' "$out" | awk '/percentile 99.000 =/ {print $NF; exit}')
			p999=$(printf '%s\n' "$out" | awk '/percentile 99.900 =/ {print $NF; exit}')
			n=$(printf '%s\n' "$out" | awk '/SentMessages=|ReceivedMessages=/ {for (i = 1; i <= NF; i++) if ($i ~ /^ReceivedMessages=/) {sub(/.*=/, "", $i); print $i; exit}}')
			[ -z "$n" ] && n=$(printf '%s\n' "$out" | awk '/observations/ {for (i = 1; i < NF; i++) if ($(i+1) ~ /^observations/) {print $i; exit}}')
		else
			out=$(nsx "$NS_A" timeout $((T_LAT + 15)) $PY "$HELP/latpp.py" client $IPB $PORT_LAT "$T_LAT" 64 2>&1)
			read -r _ n _ p50 _ p99 _ p999 _ < <(printf '%s\n' "$out" | grep '^samples')
		fi
		printf '%s\n' "$out" >"$RAWC/lat_$r.txt"
		rec lat_samples "$r" "${n:-0}"
		[ -n "$p50" ] && rec lat_p50_us "$r" "$p50"
		[ -n "$p99" ] && rec lat_p99_us "$r" "$p99"
		[ -n "$p999" ] && rec lat_p999_us "$r" "$p999"
		[ -z "$p50" ] && rec note "$r" "latency run $r: no percentiles ($(printf '%s\n' "$out" | tail -1 | cut -c1-160))"
	done
	kill_pid "$spid"
}

# where did packets go: counters of the fresh namespaces, the switch's own view, its log
diagnostics() {
	local ns d s
	for ns in "$NS_A" "$NS_B" "$NS_S" "$NS_T" "$NS_R"; do
		[ -e "/run/netns/$ns" ] || continue
		{ echo "== $ns"; nsx "$ns" ip -s link; nsx "$ns" nstat -asz; nsx "$ns" ss -0 -m -a; } >>"$RAWC/counters.txt" 2>&1
	done
	[ -e "/run/netns/$NS_R" ] && { echo "== iptables -t nat in $NS_R"; nsx "$NS_R" iptables -t nat -L -v -n; } >>"$RAWC/counters.txt" 2>&1
	d="receiver: TcpInCsumErrors $(nsx "$NS_B" nstat -asz TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')"
	d+=" UdpRcvbufErrors $(nsx "$NS_B" nstat -asz UdpRcvbufErrors | awk '/UdpRcvbufErrors/ {print $2}')"
	d+=", sender TcpRetransSegs $(nsx "$NS_A" nstat -asz TcpRetransSegs | awk '/TcpRetransSegs/ {print $2}')"
	d+=", $DEV_B rx_dropped $(stat_of "$NS_B" "$DEV_B" rx_dropped) / $DEV_A tx_dropped $(stat_of "$NS_A" "$DEV_A" tx_dropped)"
	case $CFG in
	jvs-gre | jvs-vxlan)
		jvs_diag "host $NS_S" jvsctl "" daemon.log
		jvs_diag "host $NS_T" jvsctl2 -t daemon-t.log
		d+=", AF_PACKET socket drops now: $(afpacket_drops)"
		;;
	jvs-routed | jvs-snat)
		jvs_diag "" jvsctl "" daemon.log
		{ jvsctl router/show "${PFX}r"; jvsctl ct/show; } >"$RAWC/router-show.txt" 2>&1
		d+=", router: $(awk '/^ *(counters|drops):/ {gsub(/^ +/, ""); printf "%s; ", $0}' "$RAWC/router-show.txt" | cut -c1-300)"
		d+=", AF_PACKET socket drops in $NS_S now: $(afpacket_drops)"
		;;
	jvs-sg)
		jvs_diag "" jvsctl "" daemon.log
		{ jvsctl acl/show "${PFX}A0"; jvsctl acl/show "${PFX}B0"; } >"$RAWC/acl-show.txt" 2>&1
		d+=", acl/show conntrack: $(grep '^conntrack:' "$RAWC/acl-show.txt" | tr '\n' ';' | cut -c1-300)"
		d+=", AF_PACKET socket drops in $NS_S now: $(afpacket_drops)"
		;;
	qbr-iptables)
		jvs_diag "" jvsctl "" daemon.log
		{ echo "== iptables in $NS_S"; nsx "$NS_S" iptables -L -v -n -x; nsx "$NS_S" iptables -t raw -L -v -n -x; } >"$RAWC/iptables-counters.txt" 2>&1
		d+=", iptables: $(nsx "$NS_S" iptables-save | grep -c '^-A') rules, conntrack entries $(nsx "$NS_S" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null)"
		d+=", DROP counters (packets): $(awk '/^Chain/ {c=$2} $3 == "DROP" && $1 > 0 {printf "%s %s; ", c, $1}' "$RAWC/iptables-counters.txt" | cut -c1-200)"
		d+=", AF_PACKET socket drops in $NS_S now: $(afpacket_drops)"
		;;
	jvs-* | kernel-routed | kernel-snat)
		jvs_diag "" jvsctl "" daemon.log
		d+=", AF_PACKET socket drops in $NS_S now: $(afpacket_drops)"
		;;
	ovs-gre)
		ovs_diag "host $NS_S" ""
		OVSD=$WORK/ovs2 ovs_diag "host $NS_T" -t
		d+=", AF_PACKET socket drops now: $(afpacket_drops)"
		;;
	ovs*)
		ovs_diag "" ""
		d+=", AF_PACKET socket drops in $NS_S now: $(afpacket_drops)"
		;;
	esac
	rec diag 0 "$d"
}
jvs_diag() { # $1 label, $2 CLI function, $3 file suffix, $4 daemon log; appends to d
	local s w=${1:+ ($1)} br
	for br in $JVS_BRIDGES; do $2 dump-ports "$br"; done >"$RAWC/dump-ports$3.txt" 2>&1
	$2 dpctl/show >"$RAWC/dpctl-show$3.txt" 2>&1
	s=$(awk '/^port / {p=$2} /drops=[1-9]|dropped=[1-9]|errors=[1-9]|kernel_drops=[1-9]/ || (/drops:/ && !/none/) {gsub(/^ +/, ""); printf "%s %s; ", p, $0}' "$RAWC/dump-ports$3.txt" | cut -c1-400)
	d+=", jvs dump-ports$w: ${s:-no drops or errors}"
	s=$(grep -iE 'exception|error|warn|stall' "$RAWC/$4" | grep -v 'WARNING: A restricted method\|WARNING: .*sun.misc\|--enable-native-access' | head -3 | tr '\n\t' '  ' | cut -c1-300)
	d+=", daemon log$w: ${s:-no errors or warnings}"
}
ovs_diag() { # $1 label, $2 file suffix; instance $OVSD; appends to d
	local s w=${1:+ ($1)}
	{ vsctl show; appctl dpif/show; appctl dpctl/show -s; appctl dpctl/dump-flows -m | head -30; appctl tnl/neigh/show; } >"$RAWC/ovs-state$2.txt" 2>&1
	cp "$OVSD/ovs-vswitchd.log" "$RAWC/ovs-vswitchd$2.log" 2>/dev/null
	d+=", OVS dpctl/show -s$w: $(appctl dpctl/show -s 2>/dev/null | grep -m1 -o 'lookups:.*' | cut -c1-120)"
	s=$(grep -E '\|(ERR|WARN|EMER)\|' "$RAWC/ovs-vswitchd$2.log" 2>/dev/null | grep -v "enumerate system datapaths\|ovs_datapath\|ovs_vport\|ovs_flow\|ovs_packet\|ovs_meter\|ovs_ct_limit" | head -2 | cut -d'|' -f5- | tr '\n' ' ' | cut -c1-250)
	[ -n "$s" ] && d+=", vswitchd log$w: $s"
}

wait_idle() { # bounded wait until others leave the CPUs alone; the load is recorded either way
	local i b
	[ "$IDLE_WAIT" -gt 0 ] || return 0
	for i in $(seq 1 $((IDLE_WAIT * 2))); do
		b=$($PY -c "
import time
r=lambda: [int(x) for x in open('/proc/stat').readline().split()[1:9]]
a=r(); time.sleep(0.5); c=r(); d=[y-x for x,y in zip(a,c)]
print('%.2f' % ((sum(d)-d[3]-d[4])/max(sum(d),1)*$(nproc)))")
		$PY -c "import sys; sys.exit(0 if $b < 0.3 else 1)" && return 0
	done
	log "    machine busy ($b of $(nproc) cores used by others after ${IDLE_WAIT} s): measuring anyway"
	rec note 0 "machine was busy ($b of $(nproc) cores used by other processes) before this config"
}

# --profile: one more run of each workload with the jvs daemon(s) of this config under JFR's CPU-time sampler. The
# recordings start before and stop after the run (jcmd of the daemon's own JDK); the run's figures go to
# raw/<config>/profiled/ only, since sampling costs the switch a little.
jvs_pids() { local p; for p in $SWPID; do [ "$(cat /proc/$p/comm 2>/dev/null)" = java ] && echo "$p"; done; }
jvs_daemons() { # "index pid bin" per jvs daemon of this config; bin = its JDK's bin directory (jcmd, jfr)
	local p i=0
	for p in $(jvs_pids); do
		i=$((i + 1))
		echo "$i $p $(dirname "$(readlink -f "/proc/$p/exe")")"
	done
}
prof_file() { # $1 workload, $2 daemon index (1, 2): profiles/<config>/<workload>[-host2].jfr
	echo "$PROFD/$1$([ "$2" = 1 ] || echo "-host$2").jfr"
}
prof_start() { # $1 workload
	local i p bin
	while read -r i p bin; do
		"$bin/jcmd" "$p" JFR.start name=jvsbench filename="$(prof_file "$1" "$i")" \
			'jdk.CPUTimeSample#enabled=true' 'jdk.CPUTimeSample#throttle=1ms' </dev/null >>"$RAWC/jcmd.log" 2>&1 9<&- ||
			log "    $CFG: JFR.start failed in pid $p (see $RAWC/jcmd.log)"
	done < <(jvs_daemons)
}
prof_stop() { # $1 workload: stops the recordings and summarizes them next to the .jfr
	local i p bin f
	while read -r i p bin; do
		f=$(prof_file "$1" "$i")
		"$bin/jcmd" "$p" JFR.stop name=jvsbench </dev/null >>"$RAWC/jcmd.log" 2>&1 9<&-
		[ -s "$f" ] && $PY "$HELP/jfrsum.py" "$bin/jfr" "$f" </dev/null >"${f%.jfr}.txt" 2>&1 9<&-
	done < <(jvs_daemons)
}
profile_workloads() {
	local tsv=$TSV runs=$RUNS rawc=$RAWC w
	PROFD=$OUTDIR/profiles/$CFG
	rm -rf "$PROFD"
	mkdir -p "$PROFD" "$RAWC/profiled"
	TSV=$RAWC/profiled/results.tsv RUNS=1 RAWC=$RAWC/profiled
	for w in tcp1 tcp4 pps lat; do
		has "${w%[14]}" || continue
		log "    $CFG: profiled run of $w (JFR)"
		prof_start "$w"
		case $w in tcp1) t_tcp 1 ;; tcp4) t_tcp 4 ;; pps) t_pps ;; lat) t_lat ;; esac
		prof_stop "$w"
	done
	TSV=$tsv RUNS=$runs RAWC=$rawc
}
run_config() {
	CFG=$1
	RAWC=$RAW/$CFG
	rm -rf "$RAWC"
	mkdir -p "$RAWC"
	DESC="" DEV_A="" DEV_B="" SWPID="" OVSD="" IPA=$IPA0 IPB=$IPB0 GW_A="" JVS_BRIDGES="br0"
	local fn=cfg_${CFG//-/_} t0=$SECONDS
	wait_idle
	rec loadavg 0 "$(cut -d' ' -f1 /proc/loadavg)"
	log "=== $CFG: setup (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
	if "$fn" && ensure_ping && start_iperf_server; then
		rec desc 0 "$DESC"
		{ nsx "$NS_A" ethtool -k "$DEV_A"; nsx "$NS_B" ethtool -k "$DEV_B"; } >"$RAWC/ethtool-k.txt" 2>&1
		# warm-up (JIT of the switch, ARP, MAC learning, flow caches); not recorded
		[ $QUICK = 1 ] && [ -z "$SWPID" ] || nsx "$NS_A" timeout 15 iperf3 -c $IPB -p $PORT_IPERF -t 1 >/dev/null 2>&1
		if has tcp; then t_tcp 1; [ -n "$TCP_CC2" ] && t_tcp 1 "$TCP_CC2"; t_tcp 4; fi
		has pps && t_pps
		if has pps && [ "$NDR_STEPS" -gt 0 ]; then for r_ndr in $(seq 1 "$RUNS"); do t_ndr; done; fi
		has lat && t_lat
		[ $PROFILE = 1 ] && [ -n "$(jvs_pids)" ] && profile_workloads
		diagnostics
	else
		rec desc 0 "$DESC"
		log "$CFG: setup or forwarding check (ping $IPA -> $IPB) FAILED, not measured"
		rec note 0 "setup or ping check failed: not measured"
		rec failed 0 yes
		case $CFG in jvs-* | kernel-routed | kernel-snat | qbr-iptables) [ -n "$SWPID" ] && { jvsctl show >"$RAWC/show.txt" 2>&1; [ -S "$RUN2/jvs.sock" ] && jvsctl2 show >"$RAWC/show-t.txt" 2>&1; diagnostics; } ;; esac
		FAILED+=("$CFG")
	fi
	teardown
	log "=== $CFG done in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- main
LOCK=/run/lock/jvs-bench.lock
[ -d /run/lock ] || LOCK=/tmp/jvs-bench.lock
exec 9>>"$LOCK"
flock -n 9 || die "another bench.sh is measuring on this machine (lock $LOCK)"
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP
teardown # leftovers of an earlier, interrupted run (netns jvb????[abstr] only)
rm -rf /tmp/jvs-bench.jvb[0-9a-f][0-9a-f][0-9a-f][0-9a-f]
need_tools
mkdir -p "$WORK" "$OUTDIR" || die "cannot create $OUTDIR"
rm -rf "$RAW"
mkdir -p "$RAW"
TSV=$RAW/results.tsv
: >"$TSV"
WHEN=$(date -u '+%Y-%m-%dT%H:%MZ')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$SECONDS
log "bench $PFX: configs [$CONFIGS], workloads [$ONLY], RUNS=$RUNS, TCP ${T_TCP}s, flood ${T_PPS}s, latency ${T_LAT}s, loadavg $LOAD0"
for c in $CONFIGS; do run_config "$c"; done
IPA=$IPA0 IPB=$IPB0
ELAPSED=$((SECONDS - START))
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
meta when "$WHEN"; meta elapsed_s "$ELAPSED"; meta runs "$RUNS"; meta only "$ONLY"; meta configs "$CONFIGS"
meta t_tcp_s "$T_TCP"; meta t_pps_s "$T_PPS"; meta t_lat_s "$T_LAT"; meta quick "$QUICK"; meta threads "${THREADS:-default}"
meta tcp_cc "$TCP_CC"; meta tcp_cc2 "$TCP_CC2"; meta ncpu "$(nproc)"; meta load_start "$LOAD0"; meta load_end "$LOAD1"; meta pps_tool "$PPS_TOOL"; meta lat_tool "$LAT_TOOL"
meta jvs_commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
meta kernel "$(uname -r)"
meta cpu "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
MD=$OUTDIR/results.md JSON=$OUTDIR/results.json PNG=$OUTDIR/results.png
{
	case " $CONFIGS " in
	*" jvs-veth "* | *" jvs-tap "* | *" bridge "* | *" ovs "* | *" ovs-txoff "* | *" veth "*) echo "# jvs vs the kernel bridge, OVS userspace and a bare veth (./jvs bench)" ;;
	*" jvs-gre "* | *" jvs-vxlan "* | *" ovs-gre "* | *" kernel-vxlan "*) echo "# jvs tunnels vs OVS GRE and the kernel's VXLAN (./jvs bench)" ;;
	*" jvs-sg "* | *" jvs-nosg "* | *" qbr-iptables "*) echo "# jvs security groups vs Neutron's qbr + iptables arrangement (./jvs bench)" ;;
	*) echo "# jvs' userspace router vs a kernel qrouter namespace behind the same jvs bridges (./jvs bench)" ;;
	esac
	echo
	echo "Measured $WHEN in ${ELAPSED} s; jvs $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?');" \
		"options: $([ $QUICK = 1 ] && echo '--quick ')--runs $RUNS --only ${ONLY// /,} --configs ${CONFIGS// /,}${THREADS:+ --threads $THREADS}."
	echo "Machine: $(nproc) vCPU $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r);" \
		"**loadavg at start $LOAD0, at end $LOAD1** (other engineers build and test on this machine: see the machine rows)."
	case " $CONFIGS " in *" jvs-routed "* | *" jvs-snat "* | *" kernel-routed "* | *" kernel-snat "*)
		echo "Router configs use their own addresses: A $R_IPA (VLAN 1); B $R_IPB (VLAN 2, routed) or $R_EXT_PEER (outside, SNAT); the other configs $IPA0 -> $IPB0." ;;
	esac
	echo "Tests: TCP ${T_TCP} s (iperf3 -P 1 / -P 4), 64-byte UDP flood ${T_PPS} s ($PPS_TOOL, one sender), latency ${T_LAT} s ($LAT_TOOL, 64-byte UDP, one request in flight);" \
		"traffic $IPA -> $IPB only, between namespaces this script made."
	echo
	$PY "$HELP/report.py" "$TSV" "$JSON" 2>"$WORK/report.err"
	echo "${PIPESTATUS[0]}" >"$WORK/report.rc"
	echo
	echo "Commands (A = sender netns, B = receiver netns, S = switch netns, T = second host of the tunnel configs):"
	echo
	echo '```sh'
	echo "ip netns exec B iperf3 -s -p $PORT_IPERF; ip netns exec A iperf3 -c $IPB -t $T_TCP -P 1|4 -J   # Gbit/s = end.sum_received"
	echo "ip netns exec A timeout -s INT $T_PPS trafgen -i udp64.trafgen -o <devA> -P 1 -Q   # offered = packets outgoing (+ tx_dropped) / s, received = rx_packets delta of <devB> / s"
	echo "#   udp64.trafgen: { eth(da=<devB mac>, sa=<devA mac>), ipv4(saddr=$IPA, daddr=$IPB, ttl=64), udp(sp=4000, dp=9), fill(0x41, 18) }  (64-byte frames)"
	echo "#   fallback: iperf3 -u -l 18 -b 0"
	echo "ip netns exec A ./jvs pktgen <devA> --dst-mac <devB mac> --src-ip $IPA --dst-ip $IPB --rate R --seconds $T_NDR   # paced; R bracketed then bisected ($NDR_STEPS steps at most); result = highest rx rate with loss < $NDR_LOSS_PCT %"
	echo "# switch CPU per packet = (utime+stime of the switch process, all threads, over the flood + 0.3 s drain) / packets received at B"
	echo "ip netns exec B sockperf server -i $IPB -p $PORT_LAT; ip netns exec A sockperf ping-pong -i $IPB -p $PORT_LAT -t $T_LAT -m 64 --full-rtt"
	echo "ip netns exec S ./jvs daemon --rundir R --db R/conf.json${THREADS:+ --threads $THREADS}; ./jvs --rundir R add-br br0; add-port br0 <veth end in S> | <tap> type=internal netns=A"
	echo "ovsdb-tool create \$R/conf.db; OVS_RUNDIR=\$R ... ip netns exec S ovsdb-server ... --remote=punix:\$R/db.sock &; ovs-vsctl --no-wait init"
	echo "ovs-vsctl --no-wait set Open_vSwitch . other_config:userspace-tso-enable=true   # ovs only, before ovs-vswitchd starts"
	echo "OVS_RUNDIR=\$R ... ip netns exec S ovs-vswitchd unix:\$R/db.sock ... &; ovs-vsctl add-br <br> -- set bridge <br> datapath_type=netdev -- add-port <br> <A0> -- add-port <br> <B0>"
	echo "ip netns exec A ethtool -K <devA> tx off; ip netns exec B ethtool -K <devB> tx off   # ovs-txoff only"
	case " $CONFIGS " in
	*" jvs-gre "* | *" jvs-vxlan "* | *" ovs-gre "* | *" kernel-vxlan "*)
		echo "# tunnel configs: hosts S and T, underlay veth U0 (in S, $UIP_S/24) <-> U1 (in T, $UIP_T/24); VM A behind S, VM B behind T"
		echo "ip netns exec S ./jvs daemon --rundir R ...; ip netns exec T ./jvs daemon --rundir R2 ...; ./jvs --rundir R add-br br0   # jvs-gre, jvs-vxlan (same on T)"
		echo "./jvs --rundir R add-port br0 <tapA> type=internal netns=A; ip -n A link set <tapA> mtu 1458 (gre) | 1450 (vxlan)"
		echo "./jvs --rundir R add-port br0 <tun> type=gre|vxlan options:remote_ip=$UIP_T options:local_ip=$UIP_S options:key=$TUN_KEY   # T: the mirror image"
		echo "ip link add U0 netns S mtu 1600 type veth peer name U1 netns T mtu 1600   # ovs-gre: one ovs-vswitchd (netdev) per host, as above"
		echo "ovs-vsctl add-br <p> -- set bridge <p> datapath_type=netdev -- add-port <p> U0 -- add-br <g> -- set bridge <g> datapath_type=netdev \\"
		echo "  -- add-port <g> <A0> -- add-port <g> <gre> -- set interface <gre> type=gre options:remote_ip=$UIP_T options:key=$TUN_KEY"
		echo "ip -n S addr add $UIP_S/24 dev <p>; ip -n S link set <p> mtu 1600 up; ovs-appctl tnl/neigh/set <p> $UIP_T <mac of T's <p>>; A: mtu 1458, ethtool -K <devA> tx off"
		echo "ip -n S link add <vx> type vxlan id $TUN_KEY remote $UIP_T local $UIP_S dstport 4789 dev U0; bridge <br> with <vx> and <A0>; A: mtu 1450   # kernel-vxlan"
		;;
	esac
	case " $CONFIGS " in
	*" jvs-routed "* | *" jvs-snat "* | *" kernel-routed "* | *" kernel-snat "*)
		echo "# router configs: one jvs daemon in S, br0 (tenant VLANs 1, 2), br1 (external); VMs A, B = internal ports with tags"
		echo "./jvs --rundir R add-port br0 <tapA> type=internal netns=A tag=1; A: $R_IPA/24, default via $R_GW_A (B likewise: VLAN 2, $R_IPB, via $R_GW_B)"
		echo "./jvs --rundir R add-router <r>; add-port br0 <qa> type=router options:router=<r> options:ip=$R_GW_A/24 tag=1   # jvs-routed: <qb> $R_GW_B/24 tag=2"
		echo "./jvs --rundir R add-port br1 <qg> type=router options:router=<r> options:ip=$R_EXT/24; router/set-gateway <r> <qg> $R_EXT_PEER   # jvs-snat"
		echo "#   jvs-snat / kernel-snat: B = outside netns on a veth system port of br1, $R_EXT_PEER/24, no route to 10.77.1.0/24"
		echo "./jvs --rundir R add-port br0 <qa> type=internal netns=Q tag=1; ip -n Q addr add $R_GW_A/24 dev <qa>; sysctl net.ipv4.ip_forward=1   # kernel-*"
		echo "ip -n Q route add default via $R_EXT_PEER dev <qg>; ip netns exec Q iptables -t nat -A POSTROUTING -o <qg> -j SNAT --to-source $R_EXT   # kernel-snat"
		echo "# 64-byte flood: trafgen frames addressed to A's gateway MAC (ip neigh), $R_IPA -> B"
		;;
	esac
	case " $CONFIGS " in
	*" jvs-sg "* | *" jvs-nosg "* | *" qbr-iptables "*)
		echo "# security-group configs: VMs A, B on veths (A1 in A <-> A0 in S); per VM port $(sg_dummies) rules per direction that never match"
		echo "#   (TCP 20001..), then TCP 5201, UDP 9, UDP 11111, ICMP, all remote $SG_NET; raw: $RAW/<config>/acl-*.txt, iptables.rules"
		echo "./jvs --rundir R add-port br0 <A0>; set port <A0> security=on allowed=<mac of A1>,$IPA; acl/del <A0> default-egress-ipv4 (and -ipv6)   # jvs-sg"
		echo "./jvs --rundir R acl/add <A0> ingress|egress proto=tcp port=20001 remote=$SG_NET ...   # (sent over the control socket by scripts/bench/ctl.py)"
		echo "ip -n S link add <qbrA> type bridge; ip -n S link add <qvbA> type veth peer name <qvoA>; <A0>, <qvbA> master <qbrA>; ./jvs add-port br0 <qvoA>   # qbr-iptables"
		echo "ip netns exec S sysctl net.bridge.bridge-nf-call-iptables=1; ip netns exec S iptables-restore < iptables.rules   # raw: CT --zone per port; filter: FORWARD -m physdev -> sg-chain -> i<X>/o<X>/s<X>"
		;;
	esac
	echo '```'
	echo
	echo "Raw outputs (iperf3 JSON, trafgen/sockperf text, counters, jvs dump-ports/dpctl-show and daemon log, OVS state and log): \`$RAW/<config>/\`."
	if [ $PROFILE = 1 ]; then
		echo "Where the jvs daemons' CPU went in the profiled runs (JFR CPU-time samples by innermost jvs method; a system call counts on the method that made it):"
		echo
		for f in "$OUTDIR"/profiles/*/*.txt; do
			[ -s "$f" ] && echo "- $(basename "$(dirname "$f")") $(basename "${f%.txt}"): $(sed -n 's/^digest: //p' "$f")"
		done
		echo
	fi
	[ $PROFILE = 1 ] && echo "JFR profiles of the jvs daemons (one extra run per workload, not in the table): \`$OUTDIR/profiles/<config>/<workload>.jfr\` and \`.txt\` (\`jfr view cpu-time-hot-methods <file>\` for more)."
} >"$MD"
cat "$MD"
rc=$(cat "$WORK/report.rc" 2>/dev/null || echo 0)
[ -s "$WORK/report.err" ] && cat "$WORK/report.err" >&2
if [ "$HAVE_PLOT" = 1 ] && [ -s "$JSON" ]; then
	$PY "$HELP/plot.py" "$JSON" "$PNG" 2>"$WORK/plot.err" || { log "PNG chart failed: $(tail -1 "$WORK/plot.err")"; PNG="(none)"; }
else
	PNG="(none: no matplotlib)"
fi
log "results: $MD, $JSON, $PNG (${ELAPSED} s; loadavg at start $LOAD0, at end $LOAD1)"
for c in "${FAILED[@]}"; do
	case $c in jvs-*) rc=3 ;; esac
done
exit "$rc"
