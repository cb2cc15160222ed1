#!/usr/bin/env bash
# jvs demo: the seed's two-node Neutron cloud (shared/notes/topology.md) on one machine, every hop proven.
#
#   sudo ./jvs demo                  build it, run the checks, remove everything again (also on failure or Ctrl-C)
#   sudo ./jvs demo --keep           the same, but leave it running to look inside (prints how)
#   sudo ./jvs demo --down           remove what an earlier --keep (or an interrupted run) left behind
#   sudo ./jvs demo --kernel-router  route with the seed's qrouter namespace (iptables) even when jvs has a router
#
# Two "hosts" are network namespaces, each running its own jvs daemon (own rundir and db), joined by a veth
# underlay; VMs, the qdhcp and qrouter namespaces and the outside world are namespaces too:
#
#       COMPUTE NODE (ns jvsdemo-compute, daemon 1)      NETWORK NODE (ns jvsdemo-network, daemon 2)
#
#  ns vm1       ns vm2       ns vm3          ns qdhcp-a   ns qdhcp-b   router r1: jvs's router stage
#  10.10.1.x    10.10.1.y    10.10.2.z       10.10.1.2    10.10.2.2    (or ns qrouter with iptables)
#  DHCP client  DHCP client  DHCP client     dnsmasq      dnsmasq      qr-a      qr-b      qg 172.24.4.10
#    | tag 1      | tag 1      | tag 2         | tag 5      | tag 6      | tag 5   | tag 6   |  + FIP 172.24.4.20
# +--+------------+------------+--+       +----+------------+------------+---------+--+   +--+---+   (-> vm1)
# |  br-int   net A = VLAN 1      |       |  br-int   net A = VLAN 5                  |   | br-ex|
# |           net B = VLAN 2      |       |           net B = VLAN 6                  |   +--+---+
# +--------------+----------------+       +--------------+----------------------------+      | veth
#                | patch-tun = patch-int                 | patch-int = patch-tun             |
# +--------------+----------------+       +--------------+----------------------------+   ns external
# |  br-tun   VLAN 1 <-> key 100  |       |  br-tun   VLAN 5 <-> key 100              |   172.24.4.1
# |           VLAN 2 <-> key 200  |       |           VLAN 6 <-> key 200              |   (socat, iperf3 -s)
# +--------------+----------------+       +--------------+----------------------------+
#                | gre-network                           | gre-compute
#                += GRE, underlay 10.0.0.1 <-> 10.0.0.2 =+
#
# Tenant net A 10.10.1.0/24 (segmentation id 100), net B 10.10.2.0/24 (id 200), external 172.24.4.0/24: router
# gateway 172.24.4.10, vm1's floating IP 172.24.4.20. The router is jvs's userspace router stage when the daemon
# has it (`jvs add-router`), else a kernel qrouter namespace with iptables SNAT/DNAT, as Neutron's L3 agent builds.
# Security groups (ingress TCP 22 and ICMP) go on the VM ports when the daemon has them (`jvs acl/add`).
#
# Every name starts with JVS_DEMO_NAME (default jvsdemo, at most 9 bytes), so the system test can run the demo
# next to one someone keeps running. Logs, dbs and rundirs live in a temporary directory named in the output.
set -uo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
JVS="$ROOT/jvs"
NAME="${JVS_DEMO_NAME:-jvsdemo}"
STATE_DIR=/run/jvs-demo
STATE="$STATE_DIR/$NAME"   # the work directory of a demo that may still be running, for --down and the next run

# Namespaces (the "machines") and netdevs; netdev names are NAME + at most 4 bytes (15-byte limit).
NS_COMPUTE="$NAME-compute"; NS_NETWORK="$NAME-network"; NS_EXT="$NAME-external"
NS_VM1="$NAME-vm1"; NS_VM2="$NAME-vm2"; NS_VM3="$NAME-vm3"
NS_DHCP_A="$NAME-qdhcp-a"; NS_DHCP_B="$NAME-qdhcp-b"; NS_ROUTER="$NAME-qrouter"
ALL_NS=("$NS_VM1" "$NS_VM2" "$NS_VM3" "$NS_DHCP_A" "$NS_DHCP_B" "$NS_ROUTER" "$NS_EXT" "$NS_COMPUTE" "$NS_NETWORK")
VM1="$NAME-vm1"; VM2="$NAME-vm2"; VM3="$NAME-vm3"   # each VM's TAP, named like its namespace
DH_A="$NAME-dha"; DH_B="$NAME-dhb"                  # the qdhcp ports
QR_A="$NAME-qra"; QR_B="$NAME-qrb"; QG="$NAME-qg"   # the kernel qrouter's ports
UL_C="$NAME-ulc"; UL_N="$NAME-uln"                  # the underlay veth: compute end, network end
EXT="$NAME-ext"; EXT_BR="$NAME-exv"                 # the external veth: in ns external, on br-ex

UNDERLAY_C=10.0.0.1; UNDERLAY_N=10.0.0.2
NET_A=10.10.1; NET_B=10.10.2; KEY_A=100; KEY_B=200
VLAN_C_A=1; VLAN_C_B=2   # local VLANs on the compute node ...
VLAN_N_A=5; VLAN_N_B=6   # ... and on the network node: each host numbers its own, the keys are what they share
EXT_PEER=172.24.4.1; ROUTER_GW=172.24.4.10; FIP=172.24.4.20
VM_MTU=1458              # 1500 minus GRE's 42 bytes, handed out by dnsmasq (DHCP option 26)
PEER_PORT=7000           # the external server answers each TCP connection with the source address it saw
IPERF_SECONDS=3
RTT_COUNT=20

usage() { sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

KEEP=0; DOWN=0; KERNEL_ROUTER=0
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    --down) DOWN=1 ;;
    --kernel-router) KERNEL_ROUTER=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "jvs demo: unknown argument '$arg' (expected --keep, --down, --kernel-router or --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "jvs demo: needs root to create namespaces and devices; run: sudo ./jvs demo" >&2
  exit 1
fi
if [ "${#NAME}" -gt 9 ] || ! [[ "$NAME" =~ ^[A-Za-z0-9][A-Za-z0-9_]*$ ]]; then
  echo "jvs demo: JVS_DEMO_NAME='$NAME' must be 1-9 letters, digits or _ (device names are NAME plus 4 bytes)" >&2
  exit 2
fi

# Removes everything a demo with this NAME made, whatever state it is in: the processes in its namespaces
# (daemons first, TERM then KILL), every device in them (the TAPs are persistent: deleting the namespace alone
# might not free them), the namespaces, the work directory. Idempotent.
teardown() {
  local work="" ns p pids=() i dev
  if [ -f "$STATE" ]; then read -r work < "$STATE" || true; fi
  for ns in "${ALL_NS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do pids+=("$p"); kill -TERM "$p" 2>/dev/null; done
  done
  for i in $(seq 50); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for ns in "${ALL_NS[@]}"; do
    [ -e "/var/run/netns/$ns" ] || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    for dev in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
      [ "$dev" = lo ] || ip -n "$ns" link del "$dev" 2>/dev/null
    done
    ip netns del "$ns" 2>/dev/null
  done
  for dev in "$VM1" "$VM2" "$VM3" "$DH_A" "$DH_B" "$QR_A" "$QR_B" "$QG" "$UL_C" "$UL_N" "$EXT" "$EXT_BR"; do
    ip link del "$dev" 2>/dev/null   # anything that ended up in the root namespace
  done
  case "$work" in /tmp/"$NAME".*) rm -rf -- "$work" ;; esac
  rm -f -- "$STATE"
  return 0
}

if [ "$DOWN" = 1 ]; then
  teardown
  echo "jvs demo: removed the $NAME-* namespaces, their devices, daemons and dnsmasqs"
  exit 0
fi

START=$(date +%s)
bash "$ROOT/scripts/install-deps.sh" || exit 1
teardown   # leftovers of an earlier --keep or interrupted run

WORK="$(mktemp -d "/tmp/$NAME.XXXXXX")"
LOG="$WORK/demo.log"       # every command's output; the terminal gets one line per step and per check
mkdir -p "$STATE_DIR" "$WORK/compute" "$WORK/network"
echo "$WORK" > "$STATE"
FINISHED=0
on_exit() {
  if [ "$KEEP" = 1 ] && [ "$FINISHED" = 1 ]; then return; fi
  teardown
}
trap on_exit EXIT
trap 'echo; echo "jvs demo: interrupted, cleaning up" >&2; exit 130' INT TERM

# The launcher ("./jvs demo") has just built the jars when sources changed; do not check again on every call.
[ -f "$ROOT/datapath/target/jvs-datapath.jar" ] && export JVS_NO_BUILD=1
jc() { "$JVS" --rundir "$WORK/compute/run" "$@" >> "$LOG" 2>&1; }   # the compute node's CLI
jn() { "$JVS" --rundir "$WORK/network/run" "$@" >> "$LOG" 2>&1; }   # the network node's CLI
jco() { "$JVS" --rundir "$WORK/compute/run" "$@" 2>> "$LOG"; }       # ... when we read the output
jno() { "$JVS" --rundir "$WORK/network/run" "$@" 2>> "$LOG"; }
nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }
run() { echo "+ $*" >> "$LOG"; "$@" >> "$LOG" 2>&1; }               # a setup step; its status counts

PASSED=0; FAILED=0; SKIPPED=0; SKIP_WHY=()
check() {   # check STATUS TEXT: STATUS 0 passed, anything else failed
  if [ "$1" = 0 ]; then printf '✔ %s\n' "$2"; PASSED=$((PASSED + 1)); else printf '✘ %s\n' "$2"; FAILED=$((FAILED + 1)); fi
  echo "check: $1 $2" >> "$LOG"
}
skip() { printf -- '- skipped: %s\n' "$1"; SKIPPED=$((SKIPPED + 1)); SKIP_WHY+=("$1"); echo "skipped: $1" >> "$LOG"; }
step() { printf '  %s\n' "$*"; }
BUILD_OK=0
fail_build() { BUILD_OK=1; echo "    failed: $* (see $LOG)"; }

wait_listen() {   # wait_listen NS tcp|udp PORT: up to 10 s
  local flags=-Hltn; [ "$2" = udp ] && flags=-Hlun
  for _ in $(seq 100); do
    [ -n "$(nsx "$1" ss $flags "sport = :$3" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  return 1
}
# seen NS IP PORT: connects and prints the source address the server saw (the server echoes it), or nothing.
seen() { nsx "$1" timeout 12 socat -u -T 5 "TCP4:$2:$3,connect-timeout=5" STDOUT 2>> "$LOG" | tr -d '\r\n'; }
echo_server() {   # echo_server NS IP PORT: answers every connection with the client address it saw
  nsx "$1" socat "TCP4-LISTEN:$3,bind=$2,reuseaddr,fork" 'SYSTEM:echo $SOCAT_PEERADDR' < /dev/null >> "$LOG" 2>&1 &
  wait_listen "$1" tcp "$3"
}
# pingq NS IP COUNT: prints "received avg_rtt_ms"
pingq() {
  local out; out="$(nsx "$1" ping -n -c "$3" -i 0.05 -W 2 -w 10 "$2" 2>&1)"
  echo "$out" >> "$LOG"
  printf '%s %s\n' "$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<< "$out")" \
    "$(sed -n 's|^rtt .* = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<< "$out")"
}
vm_ip() { ip -n "$1" -4 -o addr show dev "$2" 2>/dev/null | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n1; }
vm_mac() { ip -n "$1" -o link show dev "$2" 2>/dev/null | sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p'; }

echo "jvs demo: the seed's two-node cloud, names $NAME-*, logs in $WORK"

# ---------------------------------------------------------------- the two hosts, their underlay, their daemons
step "hosts: namespaces $NS_COMPUTE and $NS_NETWORK, veth underlay $UNDERLAY_C <-> $UNDERLAY_N, a jvs daemon in each"
for ns in "${ALL_NS[@]}"; do
  [ "$ns" = "$NS_ROUTER" ] && continue   # only the kernel router needs it
  run ip netns add "$ns" && run ip -n "$ns" link set lo up || fail_build "namespace $ns"
done
run ip link add "$UL_C" netns "$NS_COMPUTE" type veth peer name "$UL_N" netns "$NS_NETWORK" || fail_build underlay
run ip -n "$NS_COMPUTE" addr add "$UNDERLAY_C/24" dev "$UL_C"; run ip -n "$NS_COMPUTE" link set "$UL_C" up
run ip -n "$NS_NETWORK" addr add "$UNDERLAY_N/24" dev "$UL_N"; run ip -n "$NS_NETWORK" link set "$UL_N" up

DAEMON_PIDS=()
for host in compute network; do
  ns="$NAME-$host"
  ip netns exec "$ns" "$JVS" daemon --rundir "$WORK/$host/run" --db "$WORK/$host/conf.json" --threads 1 \
    --metrics off < /dev/null > "$WORK/$host/daemon.out" 2> "$WORK/$host/daemon.log" &
  DAEMON_PIDS+=($!)
done
for i in 0 1; do
  host=compute; [ "$i" = 1 ] && host=network
  ready=1
  for _ in $(seq 150); do
    kill -0 "${DAEMON_PIDS[$i]}" 2>/dev/null || break
    if [ -S "$WORK/$host/run/jvs.sock" ] && "$JVS" --rundir "$WORK/$host/run" list-br > /dev/null 2>&1; then ready=0; break; fi
    sleep 0.2
  done
  if [ "$ready" != 0 ]; then
    fail_build "the $host daemon is not ready (log: $WORK/$host/daemon.log)"
    tail -n 20 "$WORK/$host/daemon.log" >&2
  fi
done

# br-int and br-tun on both hosts, as Neutron's OVS agent builds them; br-ex on the network node.
for host in compute network; do
  if [ "$host" = compute ]; then j=jc; remote=$UNDERLAY_N; peer=network; va=$VLAN_C_A; vb=$VLAN_C_B
  else j=jn; remote=$UNDERLAY_C; peer=compute; va=$VLAN_N_A; vb=$VLAN_N_B; fi
  $j add-br br-int && $j add-br br-tun &&
    $j add-port br-int patch-tun type=patch options:peer=patch-int &&
    $j add-port br-tun patch-int type=patch options:peer=patch-tun &&
    $j add-port br-tun "gre-$peer" type=gre options:remote_ip="$remote" options:key=flow &&
    $j add-vlan-map br-tun "$va" "$KEY_A" && $j add-vlan-map br-tun "$vb" "$KEY_B" || fail_build "$host bridges"
done
step "compute: br-int, br-tun (GRE to $UNDERLAY_N, VLAN $VLAN_C_A<->key $KEY_A, $VLAN_C_B<->key $KEY_B)"
step "network: br-int, br-tun (GRE to $UNDERLAY_C, VLAN $VLAN_N_A<->key $KEY_A, $VLAN_N_B<->key $KEY_B), br-ex"
jn add-br br-ex || fail_build br-ex

# ---------------------------------------------------------------- the outside world, on br-ex
run ip link add "$EXT" netns "$NS_EXT" type veth peer name "$EXT_BR" netns "$NS_NETWORK" || fail_build "external veth"
run ip -n "$NS_EXT" addr add "$EXT_PEER/24" dev "$EXT"; run ip -n "$NS_EXT" link set "$EXT" up
jn add-port br-ex "$EXT_BR" || fail_build "br-ex uplink"
step "external: namespace $NS_EXT ($EXT_PEER/24) behind br-ex, no route to any tenant subnet"

# ---------------------------------------------------------------- qdhcp namespaces with dnsmasq
cat > "$WORK/udhcpc.script" <<'EOF'
#!/bin/sh
# udhcpc event script of the jvs demo: configures the VM's interface in its namespace, nothing else.
case "$1" in
  deconfig) ip -4 addr flush dev "$interface" ;;
  bound|renew)
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    if [ -n "$router" ]; then set -- $router; ip route replace default via "$1" dev "$interface"; fi ;;
esac
exit 0
EOF
chmod 700 "$WORK/udhcpc.script"
for net in a b; do
  if [ "$net" = a ]; then ns=$NS_DHCP_A; port=$DH_A; prefix=$NET_A; vlan=$VLAN_N_A
  else ns=$NS_DHCP_B; port=$DH_B; prefix=$NET_B; vlan=$VLAN_N_B; fi
  mkdir -p "$WORK/qdhcp-$net"
  jn add-port br-int "$port" type=internal netns="$ns" tag="$vlan" || fail_build "qdhcp-$net port"
  run ip -n "$ns" link set "$port" mtu "$VM_MTU"
  run ip -n "$ns" addr add "$prefix.2/24" dev "$port"
  nsx "$ns" dnsmasq --no-daemon --conf-file=/dev/null --no-hosts --no-resolv --port=0 --bind-interfaces \
    --interface="$port" --except-interface=lo --pid-file="$WORK/qdhcp-$net/dnsmasq.pid" \
    --dhcp-leasefile="$WORK/qdhcp-$net/leases" --dhcp-range="$prefix.100,$prefix.199,255.255.255.0,600" \
    --dhcp-option=3,"$prefix.1" --dhcp-option=26,"$VM_MTU" --no-ping --log-dhcp < /dev/null > "$WORK/qdhcp-$net/dnsmasq.log" 2>&1 &
done
wait_listen "$NS_DHCP_A" udp 67 && wait_listen "$NS_DHCP_B" udp 67 || fail_build "dnsmasq not listening"
step "network: qdhcp-a ($NET_A.2, VLAN $VLAN_N_A) and qdhcp-b ($NET_B.2, VLAN $VLAN_N_B) running dnsmasq"

# ---------------------------------------------------------------- the router
# The userspace router stage when this build has it; its absence shows as "unknown command" from the daemon.
ROUTER=kernel
if [ "$KERNEL_ROUTER" = 0 ]; then
  out="$("$JVS" --rundir "$WORK/network/run" add-router r1 2>&1)"; rc=$?
  echo "+ add-router r1: $rc $out" >> "$LOG"
  if [ "$rc" = 0 ]; then
    ROUTER=userspace
  elif grep -q "unknown command" <<< "$out"; then
    step "userspace router not available in this build: using the kernel qrouter"
  else
    fail_build "jvs add-router r1: $out"
  fi
fi
if [ "$ROUTER" = userspace ]; then
  jn add-port br-int qr-a type=router options:router=r1 options:ip="$NET_A.1/24" tag="$VLAN_N_A" &&
    jn add-port br-int qr-b type=router options:router=r1 options:ip="$NET_B.1/24" tag="$VLAN_N_B" &&
    jn add-port br-ex qg type=router options:router=r1 options:ip="$ROUTER_GW/24" &&
    jn router/set-gateway r1 qg "$EXT_PEER" || fail_build "userspace router r1"
  step "network: userspace router r1 (jvs's router stage): qr-a $NET_A.1, qr-b $NET_B.1, gateway qg $ROUTER_GW -> $EXT_PEER, SNAT"
else
  run ip netns add "$NS_ROUTER" && run ip -n "$NS_ROUTER" link set lo up || fail_build "namespace $NS_ROUTER"
  jn add-port br-int "$QR_A" type=internal netns="$NS_ROUTER" tag="$VLAN_N_A" &&
    jn add-port br-int "$QR_B" type=internal netns="$NS_ROUTER" tag="$VLAN_N_B" &&
    jn add-port br-ex "$QG" type=internal netns="$NS_ROUTER" || fail_build "qrouter ports"
  run ip -n "$NS_ROUTER" link set "$QR_A" mtu "$VM_MTU"; run ip -n "$NS_ROUTER" link set "$QR_B" mtu "$VM_MTU"
  run ip -n "$NS_ROUTER" addr add "$NET_A.1/24" dev "$QR_A" && run ip -n "$NS_ROUTER" addr add "$NET_B.1/24" dev "$QR_B" &&
    run ip -n "$NS_ROUTER" addr add "$ROUTER_GW/24" dev "$QG" &&
    run ip -n "$NS_ROUTER" route add default via "$EXT_PEER" dev "$QG" &&
    run nsx "$NS_ROUTER" sysctl -q -w net.ipv4.ip_forward=1 &&
    run nsx "$NS_ROUTER" iptables -t nat -A POSTROUTING -o "$QG" -j SNAT --to-source "$ROUTER_GW" || fail_build "qrouter"
  step "network: kernel router $NS_ROUTER: qr-a $NET_A.1, qr-b $NET_B.1, qg $ROUTER_GW on br-ex, iptables SNAT"
fi

# ---------------------------------------------------------------- the VMs on the compute node
jc add-port br-int "$VM1" type=internal netns="$NS_VM1" tag="$VLAN_C_A" &&
  jc add-port br-int "$VM2" type=internal netns="$NS_VM2" tag="$VLAN_C_A" &&
  jc add-port br-int "$VM3" type=internal netns="$NS_VM3" tag="$VLAN_C_B" || fail_build "VM ports"
step "compute: vm1, vm2 on net A ($NET_A.0/24, VLAN $VLAN_C_A), vm3 on net B ($NET_B.0/24, VLAN $VLAN_C_B)"
check "$BUILD_OK" "topology: 2 hosts with a daemon each, GRE $UNDERLAY_C <-> $UNDERLAY_N, 3 VMs, 2 qdhcp, $ROUTER router, external"

# ---------------------------------------------------------------- checks
# DHCP: the three VMs ask at once; every DISCOVER crosses br-int, br-tun and the GRE tunnel to the network node.
declare -A DHCP_PID DHCP_T0
for vm in 1 2 3; do
  ns="$NAME-vm$vm"
  DHCP_T0[$vm]=$(date +%s%N)
  ( nsx "$ns" busybox udhcpc -i "$ns" -s "$WORK/udhcpc.script" -f -q -n -t 15 -T 1 -O mtu > "$WORK/udhcpc-vm$vm.log" 2>&1
    echo $? > "$WORK/udhcpc-vm$vm.rc"; date +%s%N > "$WORK/udhcpc-vm$vm.t1" ) &
  DHCP_PID[$vm]=$!
done
declare -A IP
for vm in 1 2 3; do
  ns="$NAME-vm$vm"; net=A; prefix=$NET_A; [ "$vm" = 3 ] && { net=B; prefix=$NET_B; }
  wait "${DHCP_PID[$vm]}"
  rc="$(cat "$WORK/udhcpc-vm$vm.rc" 2>/dev/null)"
  IP[$vm]="$(vm_ip "$ns" "$ns")"
  secs="$(awk -v a="${DHCP_T0[$vm]}" -v b="$(cat "$WORK/udhcpc-vm$vm.t1" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
  mtu="$(ip -n "$ns" -o link show dev "$ns" 2>/dev/null | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')"
  gw="$(ip -n "$ns" -4 route show default 2>/dev/null | awk '{ print $3 }')"
  [ "$rc" = 0 ] && [[ "${IP[$vm]}" == "$prefix".1[0-9][0-9] ]] && [ "$gw" = "$prefix.1" ]
  check $? "DHCP vm$vm: ${IP[$vm]:-no lease} from qdhcp-$(tr AB ab <<< "$net") across the GRE tunnel in ${secs} s (gateway ${gw:-none}, mtu ${mtu:-?})"
done

read -r got rtt <<< "$(pingq "$NS_VM1" "${IP[2]:-$NET_A.250}" 5)"
read -r got2 rtt2 <<< "$(pingq "$NS_VM2" "${IP[1]:-$NET_A.250}" 5)"
[ "${got:-0}" = 5 ] && [ "${got2:-0}" = 5 ]
check $? "vm1 <-> vm2 (net A, same host, br-int only): ${got:-0}/5 and ${got2:-0}/5 replies, rtt avg ${rtt:-n/a} ms"

read -r got rtt <<< "$(pingq "$NS_VM1" "${IP[3]:-$NET_B.250}" 5)"
read -r got2 rtt2 <<< "$(pingq "$NS_VM3" "${IP[1]:-$NET_A.250}" 5)"
[ "${got:-0}" = 5 ] && [ "${got2:-0}" = 5 ]
check $? "vm1 <-> vm3 (net A <-> net B through the $ROUTER router on the network node, 2 tunnel crossings each way): ${got:-0}/5 and ${got2:-0}/5 replies, rtt avg ${rtt:-n/a} ms"

# Both hosts learned the other side's MACs behind their GRE port, each in its own local VLAN.
fdb_n="$(jno fdb/show br-tun)"; fdb_c="$(jco fdb/show br-tun)"
echo "$fdb_n" >> "$LOG"; echo "$fdb_c" >> "$LOG"
mac1="$(vm_mac "$NS_VM1" "$VM1")"; macd="$(vm_mac "$NS_DHCP_A" "$DH_A")"
awk -v m="$mac1" -v v="$VLAN_N_A" 'tolower($0) ~ m && $0 ~ /gre-compute/ && $2 == v { f = 1 } END { exit !f }' <<< "$fdb_n" &&
  awk -v m="$macd" -v v="$VLAN_C_A" 'tolower($0) ~ m && $0 ~ /gre-network/ && $2 == v { f = 1 } END { exit !f }' <<< "$fdb_c"
check $? "tunnel learning: network br-tun has vm1 ${mac1:-?} behind gre-compute in VLAN $VLAN_N_A, compute br-tun has qdhcp-a ${macd:-?} behind gre-network in VLAN $VLAN_C_A"

# North-south: the outside world's server sees vm1 as the router's gateway address (SNAT), before vm1 has a
# floating IP (with one, Neutron SNATs it to the floating IP instead, checked below).
echo_server "$NS_EXT" "$EXT_PEER" "$PEER_PORT" >> "$LOG" 2>&1
src="$(seen "$NS_VM1" "$EXT_PEER" "$PEER_PORT")"
[ "$src" = "$ROUTER_GW" ]
check $? "vm1 -> external $EXT_PEER:$PEER_PORT: seen there as ${src:-nothing} (the router's gateway address: SNAT)"

# The floating IP: DNAT in to vm1, SNAT out from vm1.
if [ "$ROUTER" = userspace ]; then
  jn router/add-fip r1 "$FIP" "${IP[1]:-$NET_A.250}"; fip_rc=$?
else
  run ip -n "$NS_ROUTER" addr add "$FIP/32" dev "$QG" &&
    run nsx "$NS_ROUTER" iptables -t nat -A PREROUTING -d "$FIP/32" -j DNAT --to-destination "${IP[1]:-$NET_A.250}" &&
    run nsx "$NS_ROUTER" iptables -t nat -I POSTROUTING 1 -s "${IP[1]:-$NET_A.250}/32" -o "$QG" -j SNAT --to-source "$FIP"
  fip_rc=$?
fi
echo_server "$NS_VM1" "${IP[1]:-$NET_A.250}" 22 >> "$LOG" 2>&1
echo_server "$NS_VM1" "${IP[1]:-$NET_A.250}" 8080 >> "$LOG" 2>&1
read -r got rtt <<< "$(pingq "$NS_EXT" "$FIP" 3)"
src_in="$(seen "$NS_EXT" "$FIP" 22)"
src_out="$(seen "$NS_VM1" "$EXT_PEER" "$PEER_PORT")"
[ "$fip_rc" = 0 ] && [ "${got:-0}" = 3 ] && [ "$src_in" = "$EXT_PEER" ] && [ "$src_out" = "$FIP" ]
check $? "external -> vm1 by its floating IP $FIP: ping ${got:-0}/3, TCP 22 reached vm1 (it saw ${src_in:-nothing}); vm1 now leaves as ${src_out:-nothing}"

# Security groups: ingress TCP 22 and ICMP allowed on every VM port (egress open, stateful), nothing else in.
if out="$("$JVS" --rundir "$WORK/compute/run" acl/show "$VM1" 2>&1)"; echo "+ acl/show: $out" >> "$LOG"; grep -q "unknown command" <<< "$out"; then
  skip "security groups not in this build (vm2 -> vm1 on a port the group does not allow would be refused)"
else
  sg=0
  for vm in 1 2 3; do
    p="$NAME-vm$vm"
    jc set port "$p" security=on allowed="$(vm_mac "$p" "$p"),${IP[$vm]}" &&
      jc acl/add "$p" ingress proto=tcp port=22 && jc acl/add "$p" ingress proto=icmp || sg=1
  done
  ok22="$(seen "$NS_VM2" "${IP[1]}" 22)"
  no8080="$(seen "$NS_VM2" "${IP[1]}" 8080)"
  read -r got rtt <<< "$(pingq "$NS_VM2" "${IP[1]}" 3)"
  drops="$(jco dump-ports br-int | tr ' ' '\n' | grep -o 'sg_ingress=[0-9]*' | awk -F= '{ s += $2 } END { print s + 0 }')"
  [ "$sg" = 0 ] && [ "$ok22" = "${IP[2]}" ] && [ -z "$no8080" ] && [ "${got:-0}" = 3 ]
  check $? "security groups (ingress tcp/22 + icmp): vm2 -> vm1 tcp/22 $([ -n "$ok22" ] && echo answered || echo 'NOT answered'), ping ${got:-0}/3, tcp/8080 $([ -z "$no8080" ] && echo refused || echo 'NOT refused') (sg_ingress drops on br-int: ${drops:-?})"
fi

# Bulk TCP from vm1 to the outside world: VM TAP, br-int, br-tun, GRE, br-tun, br-int, router, br-ex, veth.
nsx "$NS_EXT" iperf3 -s -1 -B "$EXT_PEER" < /dev/null > "$WORK/iperf3-server.log" 2>&1 &
wait_listen "$NS_EXT" tcp 5201 >> "$LOG" 2>&1
iperf_out="$(nsx "$NS_VM1" timeout $((IPERF_SECONDS + 30)) iperf3 -c "$EXT_PEER" -t "$IPERF_SECONDS" -f g --connect-timeout 5000 2>&1)"
echo "$iperf_out" >> "$LOG"
gbps="$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' <<< "$iperf_out")"
retr="$(awk '/sender/ { print $(NF - 1) }' <<< "$iperf_out")"
awk -v g="${gbps:-0}" 'BEGIN { exit !(g > 0) }'
check $? "iperf3 TCP ${IPERF_SECONDS} s vm1 -> external (tunnel, router, br-ex): ${gbps:-0} Gbit/s, ${retr:-?} retransmits"

out="$(nsx "$NS_VM1" ping -n -c "$RTT_COUNT" -i 0.05 -W 2 -w 15 "$EXT_PEER" 2>&1)"
echo "$out" >> "$LOG"
got="$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<< "$out")"
mam="$(sed -n 's|^rtt .* = \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\1/\2/\3|p' <<< "$out")"
[ "${got:-0}" = "$RTT_COUNT" ]
check $? "ping RTT vm1 -> external: ${got:-0}/$RTT_COUNT replies, min/avg/max ${mam:-n/a} ms"

# ---------------------------------------------------------------- summary
ELAPSED=$(( $(date +%s) - START ))
# A skipped check is not a passed one: the run succeeds only when every check ran and passed.
total=$((PASSED + FAILED + SKIPPED))
summary="$PASSED of $total checks passed"
if [ "$SKIPPED" -gt 0 ]; then
  summary="$summary ($SKIPPED skipped: $(IFS=';'; echo "${SKIP_WHY[*]%% (*}"))"
fi
echo "$summary"
echo "router: $ROUTER; run time ${ELAPSED} s; log $LOG"

FINISHED=1
if [ "$KEEP" = 1 ]; then
  cat <<EOF

Left running (--keep). To look inside:
  sudo ip netns exec $NS_COMPUTE ./jvs --rundir $WORK/compute/run show        (the compute node's switch)
  sudo ./jvs --rundir $WORK/network/run show                                 (the network node's; any namespace works)
  sudo ./jvs --rundir $WORK/compute/run fdb/show br-int                      (also fdb/show br-tun, dump-ports br-tun)
EOF
  if [ "$ROUTER" = userspace ]; then
    echo "  sudo ./jvs --rundir $WORK/network/run ct/show                              (the router's connections)"
    echo "  sudo ./jvs --rundir $WORK/network/run router/show r1"
  else
    echo "  sudo ip netns exec $NS_ROUTER iptables -t nat -L -n -v                   (the kernel router's NAT)"
  fi
  cat <<EOF
  sudo ip netns exec $NS_VM1 ping $EXT_PEER          (namespaces: ip netns list | grep $NAME-)
  daemon logs: $WORK/{compute,network}/daemon.log; dnsmasq: $WORK/qdhcp-{a,b}/dnsmasq.log
To remove it: sudo ./jvs demo --down
EOF
fi
[ "$FAILED" = 0 ] && [ "$SKIPPED" = 0 ] && [ "$PASSED" -gt 0 ]
