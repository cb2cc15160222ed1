#!/usr/bin/env bash
# Installs the Debian packages the demo and the system tests use, when any is missing. Idempotent.
#
# openvswitch-switch: the GRE interop test runs its own private OVS inside a test namespace; the package's
#   system OVS must not stay running (the postinst may start it through systemd or the init script): if it was not
#   running before and runs after the install, it is stopped again.
# tshark: decodes the tunnel test's captures. Its postinst asks whether non-root users may capture; preseeded "no".
set -euo pipefail
PKGS=(iperf3 iproute2 iputils-ping ethtool tcpdump procps
	netsniff-ng        # trafgen, for the MAC-flood test
	openvswitch-switch # a GRE peer nobody here wrote (GreOvsPeerTest)
	tshark             # an independent decoder of our GRE/VXLAN packets (TunnelCaptureTest)
	dnsmasq-base busybox iptables socat)  # KernelRouterTest: DHCP server, udhcpc, NAT in the qrouter namespace, TCP peer
# dnsmasq-base, not dnsmasq: the binary without the system service, so installing it starts nothing on the host
# (the tests run their own dnsmasq in the foreground inside their namespaces).
# The distribution's OVS, recognised by its pidfiles in the system run directory (the tests' own OVS instances use
# private directories and are not affected).
SYS_OVS_RUNDIR=${SYS_OVS_RUNDIR:-/run/openvswitch}
system_ovs_pids() {
	local d pid
	for d in ovs-vswitchd ovsdb-server; do
		pid=$(cat "$SYS_OVS_RUNDIR/$d.pid" 2>/dev/null) || continue
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
	done
	return 0
}
stop_system_ovs() {
	local pid i
	if [ -d /run/systemd/system ]; then
		systemctl stop openvswitch-switch.service ovs-vswitchd.service ovsdb-server.service >/dev/null 2>&1 || true
	elif [ -x /etc/init.d/openvswitch-switch ]; then
		/etc/init.d/openvswitch-switch stop >/dev/null 2>&1 || true
	fi
	# Whatever is still running: by pidfile, vswitchd first, TERM then KILL.
	for pid in $(system_ovs_pids); do
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	done
	if [ -n "$(system_ovs_pids)" ]; then
		echo "jvs: could not stop the system Open vSwitch ($(system_ovs_pids)); stop it by hand" >&2
		return 1
	fi
	echo "jvs: stopped the system Open vSwitch the package install started (the tests run their own)" >&2
}
[ "${1:-}" = --stop-system-ovs-only ] && { stop_system_ovs; exit $?; } # for testing this script

missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then echo "jvs: missing packages ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2; exit 1; fi

echo "jvs: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
ovs_was_running=$(system_ovs_pids)
# Also when the install fails half-way: a system OVS it started must not stay behind.
trap '[ -z "$ovs_was_running" ] && [ -n "$(system_ovs_pids)" ] && stop_system_ovs' EXIT
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
