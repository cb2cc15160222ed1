#!/usr/bin/env bash
# Installs the Debian packages the demo and the system tests use, when any is missing. Idempotent.
set -euo pipefail
PKGS=(iperf3 iproute2 iputils-ping ethtool tcpdump procps netsniff-ng  # netsniff-ng: trafgen, for the MAC-flood test
      dnsmasq-base busybox iptables socat)  # KernelRouterTest: DHCP server, udhcpc, NAT in the qrouter namespace, TCP peer
# dnsmasq-base, not dnsmasq: the binary without the system service, so installing it starts nothing on the host
# (the tests run their own dnsmasq in the foreground inside their namespaces).
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then echo "jvs: missing packages ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2; exit 1; fi
echo "jvs: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
