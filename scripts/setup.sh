#!/usr/bin/env bash
# Makes sure this machine can build and run xbow: a JDK 17 or newer and Maven, and for capture libpcap (filters) with
# tcpdump and tshark (the capture tests read our files with them). On a Debian machine where they are missing and we
# are root, installs them; otherwise says what is missing. Sourced by quickstart.sh and test.sh.
set -euo pipefail

need_install=()
java_ok() {
    command -v java >/dev/null 2>&1 || return 1
    local v
    v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
    [ -n "$v" ] && [ "${v%%.*}" -ge 17 ]
}
java_ok && command -v javac >/dev/null 2>&1 || need_install+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_install+=(maven)

if [ ${#need_install[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${need_install[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q "${need_install[@]}" >/dev/null 2>&1 || {
            apt-get update -q >/dev/null
            apt-get install -y -q "${need_install[@]}" >/dev/null
        }
    else
        echo "setup: xbow needs ${need_install[*]} (JDK 17+ and Maven); install them and run again" >&2
        exit 1
    fi
fi

# Capture: libpcap compiles filters; tcpdump and tshark read back what we write. Without them the capture tests skip
# on a developer's machine and fail on CI (CI=true).
capture_install=()
command -v tcpdump >/dev/null 2>&1 || capture_install+=(tcpdump)
command -v tshark >/dev/null 2>&1 || capture_install+=(tshark)
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -q 'libpcap\.so\.0\.8' \
    || capture_install+=(libpcap0.8)
if [ ${#capture_install[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${capture_install[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        # tshark's wireshark-common asks whether non-root users may capture; answer no, without a prompt.
        echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections 2>/dev/null \
            || true
        apt-get install -y -q "${capture_install[@]}" >/dev/null 2>&1 || {
            apt-get update -q >/dev/null
            apt-get install -y -q "${capture_install[@]}" >/dev/null
        }
    else
        echo "setup: capture needs ${capture_install[*]}; without them its tests skip (and fail with CI=true)" >&2
    fi
fi

# Host links and netns guests: their tests run real peers in network namespaces (ip, ping, traceroute, udhcpc, dhclient, iperf3, socat, curl, stun). Without
# them those tests skip on a developer's machine and fail on CI (CI=true). Only as root: they need it anyway.
net_install=()
command -v ip >/dev/null 2>&1 || net_install+=(iproute2)
command -v ping >/dev/null 2>&1 || net_install+=(iputils-ping)
command -v iperf3 >/dev/null 2>&1 || net_install+=(iperf3)
command -v socat >/dev/null 2>&1 || net_install+=(socat)
command -v curl >/dev/null 2>&1 || net_install+=(curl)
command -v ethtool >/dev/null 2>&1 || net_install+=(ethtool)
command -v traceroute >/dev/null 2>&1 || net_install+=(traceroute)
command -v busybox >/dev/null 2>&1 || net_install+=(busybox)          # udhcpc, the DHCP server's first client
command -v dhclient >/dev/null 2>&1 || net_install+=(isc-dhcp-client) # and ISC's
command -v stun >/dev/null 2>&1 || net_install+=(stun-client)         # RFC 3489 NAT behaviour probes
command -v stund >/dev/null 2>&1 || net_install+=(stun-server)        # and their server
if [ ${#net_install[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${net_install[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # iperf3 asks whether to run as a daemon; answer no, without a prompt.
    echo 'iperf3 iperf3/start_daemon boolean false' | debconf-set-selections 2>/dev/null || true
    apt-get install -y -q "${net_install[@]}" >/dev/null 2>&1 || {
        apt-get update -q >/dev/null
        apt-get install -y -q "${net_install[@]}" >/dev/null
    }
fi

# Agrona 2 reaches jdk.internal.misc.Unsafe for its off-heap buffers: every JVM running xbow needs this flag.
export XBOW_JVM_ARGS="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
