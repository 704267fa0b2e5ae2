#!/usr/bin/env bash
# The end-to-end harness: the same two-guest topology through (a) xbow with netns guests on an etherstub (as it
# starts by default, and polling 10 ms after its last frame; and a guest to a LAN host through its uplink), (b) the
# Linux bridge with veth pairs, (c) Open vSwitch's userspace datapath (datapath_type=netdev), without and with
# userspace TSO; for each, single-stream and 4-stream TCP (iperf3, 5 s), 64-byte UDP datagrams (received per
# second and loss) and ping RTT (200 pings, 5 ms apart); RUNS rounds (default 3), medians. Prints one table with the
# ratios xbow/bridge and xbow/OVS and appends it to perf/RESULTS.md with the date and the machine. Needs root;
# everything it makes (namespaces, daemons, OVS's database and sockets in a temporary directory) goes when it ends,
# interrupted or not. Also a guest reaching a LAN host through xbow's NAT (ipnat map) against the same through the
# kernel's iptables MASQUERADE in a router namespace. Usage: perf/e2e/harness.sh [RUNS] [--no-ovs] [--only=ROWS]
# (ROWS: a comma list of xbow, xbow-poll, xbow-uplink, bridge, ovs, nat).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
WITH_OVS=1
ONLY=""
for arg in "$@"; do
    [ "$arg" = --no-ovs ] && WITH_OVS=0
    case "$arg" in --only=*) ONLY=",${arg#--only=},";; esac
done
wanted() { [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]; }
wanted ovs || WITH_OVS=0
[ "$(id -u)" -eq 0 ] || { echo "harness: needs root (network namespaces, TAP devices)" >&2; exit 1; }
source scripts/setup.sh
if [ "$WITH_OVS" = 1 ] && ! command -v ovs-vswitchd >/dev/null 2>&1; then
    echo "harness: installing openvswitch-switch (not started as a service)" >&2
    # Debian would start the service on install; policy-rc.d tells invoke-rc.d not to, for this install only.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openvswitch-switch >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q openvswitch-switch >/dev/null; } \
        || WITH_OVS=0
    rm -f /usr/sbin/policy-rc.d
fi
if wanted nat && ! command -v iptables >/dev/null 2>&1; then
    echo "harness: installing iptables (the kernel NAT row's MASQUERADE)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables >/dev/null; }
fi
[ -f control-cli/target/xbow.jar ] || mvn -B -ntp -q -DskipTests install >/dev/null

TAG="xbowe-$$"
WORK=$(mktemp -d /tmp/xbow-harness.XXXXXX)
XBOW_PID=""
cleanup() {
    set +e
    [ -n "$XBOW_PID" ] && kill "$XBOW_PID" 2>/dev/null && wait "$XBOW_PID" 2>/dev/null
    for f in "$WORK"/ovs-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
    for ns in $(ip netns list | awk '{print $1}' | grep "^$TAG-"); do ip netns delete "$ns"; done
    ip link delete "xu$$" 2>/dev/null
    ip link delete "xn$$" 2>/dev/null
    ip link delete "xk$$a" 2>/dev/null; ip link delete "xk$$l" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

A=198.51.100.1
B=198.51.100.2
declare -A RESULT

# measure NAME EXEC_A EXEC_B: one round between guest A (client) and guest B (server).
measure() {
    local name=$1 ea=$2 eb=$3 json
    $eb iperf3 -s -D -1 -B $B --logfile "$WORK/iperf-s.log" >/dev/null 2>&1 || true; sleep 0.3
    json=$($ea iperf3 -c $B -t 5 -J 2>/dev/null || true)
    local tcp1; tcp1=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)' <<<"$json" 2>/dev/null || echo 0)
    $eb iperf3 -s -D -1 -B $B --logfile "$WORK/iperf-s.log" >/dev/null 2>&1 || true; sleep 0.3
    json=$($ea iperf3 -c $B -t 5 -P 4 -J 2>/dev/null || true)
    local tcp4; tcp4=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)' <<<"$json" 2>/dev/null || echo 0)
    $eb iperf3 -s -D -1 -B $B --logfile "$WORK/iperf-s.log" >/dev/null 2>&1 || true; sleep 0.3
    json=$($ea iperf3 -c $B -u -l 18 -b 0 -t 5 -J 2>/dev/null || true)
    local udp; udp=$(python3 -c 'import json,sys; s=json.load(sys.stdin)["end"]["sum"]; print((s["packets"]-s["lost_packets"])/s["seconds"]/1e3, s["lost_percent"])' <<<"$json" 2>/dev/null || echo "0 100")
    local rtt; rtt=$($ea ping -q -c 200 -i 0.005 $B 2>/dev/null | python3 -c '
import sys,re
t=sys.stdin.read(); m=re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms",t)
print(float(m.group(2))*1000 if m else 0)' 2>/dev/null || echo 0)
    RESULT[$name]+="$tcp1 $tcp4 $udp $rtt;"
}

netns_pair() {   # two namespaces with addresses on eth0, the other ends in namespace $TAG-sw (or given)
    local p=$1
    ip netns add "$TAG-$p-a"; ip netns add "$TAG-$p-b"; ip netns add "$TAG-$p-sw"
    for g in a b; do
        ip netns exec "$TAG-$p-$g" ip link set lo up
        ip link add "xe$$$g" type veth peer name eth0 netns "$TAG-$p-$g"
        ip link set "xe$$$g" netns "$TAG-$p-sw"
        ip netns exec "$TAG-$p-sw" ip link set "xe$$$g" up
    done
    ip netns exec "$TAG-$p-a" ip addr add $A/24 dev eth0; ip netns exec "$TAG-$p-a" ip link set eth0 up
    ip netns exec "$TAG-$p-b" ip addr add $B/24 dev eth0; ip netns exec "$TAG-$p-b" ip link set eth0 up
}

run_bridge() {
    netns_pair br
    ip netns exec "$TAG-br-sw" ip link add br0 type bridge
    for g in a b; do ip netns exec "$TAG-br-sw" ip link set "xe$$$g" master br0; done
    ip netns exec "$TAG-br-sw" ip link set br0 up
    for r in $(seq "$RUNS"); do measure bridge "ip netns exec $TAG-br-a" "ip netns exec $TAG-br-b"; done
    for ns in a b sw; do ip netns delete "$TAG-br-$ns"; done
}

run_ovs() {   # $1: name, $2: true to enable userspace TSO (before ovs-vswitchd starts)
    local name=$1 tso=$2
    local dir="$WORK/$name"
    mkdir -p "$dir"; netns_pair "$name"
    local sw="ip netns exec $TAG-$name-sw"
    if [ "$tso" = false ]; then
        # Without userspace TSO, OVS's netdev datapath takes only complete frames: the guests must not hand their
        # veths partial checksums or super-frames (as OVS's documentation says for this mode).
        for g in a b; do ip netns exec "$TAG-$name-$g" ethtool -K eth0 tx off tso off gso off >/dev/null 2>&1 || true; done
    fi
    export OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir"
    ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    $sw ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --pidfile="$WORK/ovs-db-$name.pid" --detach \
        --log-file="$dir/ovsdb.log"
    $sw ovs-vsctl --db="unix:$dir/db.sock" --no-wait init
    $sw ovs-vsctl --db="unix:$dir/db.sock" --no-wait set Open_vSwitch . other_config:userspace-tso-enable=$tso
    $sw ovs-vswitchd "unix:$dir/db.sock" --pidfile="$WORK/ovs-sw-$name.pid" --detach --log-file="$dir/vswitchd.log"
    $sw ovs-vsctl --db="unix:$dir/db.sock" add-br br0 -- set bridge br0 datapath_type=netdev
    for g in a b; do $sw ovs-vsctl --db="unix:$dir/db.sock" add-port br0 "xe$$$g"; done
    $sw ip link set br0 up
    sleep 1
    for r in $(seq "$RUNS"); do measure "$name" "ip netns exec $TAG-$name-a" "ip netns exec $TAG-$name-b"; done
    kill "$(cat "$WORK/ovs-sw-$name.pid")" "$(cat "$WORK/ovs-db-$name.pid")" 2>/dev/null || true
    rm -f "$WORK/ovs-sw-$name.pid" "$WORK/ovs-db-$name.pid"
    for ns in a b sw; do ip netns delete "$TAG-$name-$ns"; done
}

# start_xbow DIR [DAEMON OPTIONS]: a daemon on its own socket and state in DIR, once it listens.
start_xbow() {
    local dir=$1; shift
    bin/xbow --socket "$dir/xbowd.sock" daemon --state-dir "$dir/state" "$@" > "$dir/xbowd.log" 2>&1 &
    XBOW_PID=$!
    for i in $(seq 100); do [ -S "$dir/xbowd.sock" ] && break; sleep 0.1; done
}

stop_xbow() {
    kill "$XBOW_PID"; wait "$XBOW_PID" 2>/dev/null || true; XBOW_PID=""
}

# lan_behind_veth NS LINK: a LAN host ($B) in namespace NS, behind a veth whose other end, LINK, is the host's.
lan_behind_veth() {
    local ns=$1 link=$2
    ip netns add "$ns"; ip netns exec "$ns" ip link set lo up
    ip link add "$link" type veth peer name eth0 netns "$ns"
    sysctl -q -w "net.ipv6.conf.$link.disable_ipv6=1" || true
    ip link set "$link" up
    ip netns exec "$ns" ip addr add $B/24 dev eth0; ip netns exec "$ns" ip link set eth0 up
}

run_xbow() {   # run_xbow NAME [DAEMON OPTIONS]
    local name=$1; shift
    local dir="$WORK/$name"; mkdir -p "$dir"
    start_xbow "$dir" "$@"
    local x="bin/xbow --socket $dir/xbowd.sock"
    $x dladm create-etherstub -t stub0
    printf "name = 'a'\ntype = 'netns'\nvif = [ 'bridge=stub0,ip=$A/24' ]\n" > "$dir/a.cfg"
    printf "name = 'b'\ntype = 'netns'\nvif = [ 'bridge=stub0,ip=$B/24' ]\n" > "$dir/b.cfg"
    $x xl create "$dir/a.cfg"; $x xl create "$dir/b.cfg"
    sleep 0.5
    for r in $(seq "$RUNS"); do measure "$name" "$x xl exec a --" "$x xl exec b --"; done
    $x xl destroy a; $x xl destroy b
    stop_xbow
}

# A netns guest and a LAN host (a namespace behind a veth) through xbow's uplink on the veth's other end: a packet
# socket with PACKET_VNET_HDR (compare with the bridge row, the same two namespaces on a Linux bridge).
run_xbow_uplink() {
    local dir="$WORK/uplink"; mkdir -p "$dir"
    local link="xu$$"
    lan_behind_veth "$TAG-lan" "$link"
    start_xbow "$dir"
    local x="bin/xbow --socket $dir/xbowd.sock"
    printf "name = 'a'\ntype = 'netns'\nvif = [ 'bridge=$link,ip=$A/24' ]\n" > "$dir/a.cfg"
    $x xl create "$dir/a.cfg"
    sleep 0.5
    for r in $(seq "$RUNS"); do measure xbow-uplink "$x xl exec a --" "ip netns exec $TAG-lan"; done
    $x xl destroy a
    stop_xbow
    ip link delete "$link" 2>/dev/null || true; ip netns delete "$TAG-lan"
}

# A guest on a private network (10.0.0.5 behind 10.0.0.1) reaching a LAN host through xbow's router and NAT:
# `map LINK 10.0.0.0/24 -> 0/32 portmap tcp/udp auto` on the uplink, the router's address there 198.51.100.3.
run_xbow_nat() {
    local dir="$WORK/nat"; mkdir -p "$dir"
    local link="xn$$"
    lan_behind_veth "$TAG-nlan" "$link"
    start_xbow "$dir"
    local x="bin/xbow --socket $dir/xbowd.sock"
    $x dladm create-etherstub -t pnet0
    $x ipadm create-addr -t -T static -a 198.51.100.3/24 "$link/v4"
    $x ipadm create-addr -t -T static -a 10.0.0.1/24 pnet0/gw
    $x routeadm -e ipv4-forwarding -u
    echo "map $link 10.0.0.0/24 -> 0/32 portmap tcp/udp auto" | $x ipnat -f -
    printf "name = 'a'\ntype = 'netns'\nvif = [ 'bridge=pnet0,ip=10.0.0.5/24,gateway=10.0.0.1' ]\n" > "$dir/a.cfg"
    $x xl create "$dir/a.cfg"
    sleep 0.5
    for r in $(seq "$RUNS"); do measure xbow-nat "$x xl exec a --" "ip netns exec $TAG-nlan"; done
    $x ipnat -s > "$dir/ipnat-s.txt" 2>&1 || true
    $x xl destroy a
    stop_xbow
    ip link delete "$link" 2>/dev/null || true; ip netns delete "$TAG-nlan"
}

# The same through the kernel: a router namespace forwarding with iptables MASQUERADE out of its LAN side.
run_kernel_nat() {
    local g="$TAG-kn-a" r="$TAG-kn-r" l="$TAG-kn-lan"
    for ns in "$g" "$r" "$l"; do ip netns add "$ns"; ip netns exec "$ns" ip link set lo up; done
    ip link add "xk$$a" type veth peer name eth0 netns "$g"; ip link set "xk$$a" netns "$r"
    ip link add "xk$$l" type veth peer name eth0 netns "$l"; ip link set "xk$$l" netns "$r"
    ip netns exec "$g" ip addr add 10.0.0.5/24 dev eth0; ip netns exec "$g" ip link set eth0 up
    ip netns exec "$g" ip route add default via 10.0.0.1
    ip netns exec "$r" ip addr add 10.0.0.1/24 dev "xk$$a"; ip netns exec "$r" ip link set "xk$$a" up
    ip netns exec "$r" ip addr add 198.51.100.3/24 dev "xk$$l"; ip netns exec "$r" ip link set "xk$$l" up
    ip netns exec "$r" sysctl -q -w net.ipv4.ip_forward=1
    ip netns exec "$r" iptables -t nat -A POSTROUTING -o "xk$$l" -j MASQUERADE
    ip netns exec "$l" ip addr add $B/24 dev eth0; ip netns exec "$l" ip link set eth0 up
    for r2 in $(seq "$RUNS"); do measure kernel-nat "ip netns exec $g" "ip netns exec $l"; done
    for ns in "$g" "$r" "$l"; do ip netns delete "$ns"; done
}

if wanted xbow; then run_xbow xbow; fi
# The same with the datapath polling 10 ms after its last frame (--poll-us): a frame after a pause costs no wakeup.
if wanted xbow-poll; then run_xbow xbow-poll --poll-us 10000; fi
if wanted xbow-uplink; then run_xbow_uplink; fi
if wanted nat; then run_xbow_nat; run_kernel_nat; fi
if wanted bridge; then run_bridge; fi
if [ "$WITH_OVS" = 1 ]; then run_ovs ovs false; run_ovs ovs-tso true; fi

python3 - "$RUNS" "${RESULT[xbow]:-}" "${RESULT[xbow-poll]:-}" "${RESULT[xbow-uplink]:-}" "${RESULT[bridge]:-}" \
    "${RESULT[ovs]:-}" "${RESULT[ovs-tso]:-}" "${RESULT[xbow-nat]:-}" "${RESULT[kernel-nat]:-}" <<'PY' | tee "$WORK/table.md"
import sys, statistics
runs = sys.argv[1]
names = ["xbow", "xbow-poll", "xbow-uplink", "bridge", "ovs", "ovs-tso", "xbow-nat", "kernel-nat"]
labels = {"xbow": "xbow (netns guests, netif rings)", "xbow-poll": "xbow, --poll-us 10000",
          "xbow-uplink": "xbow, guest to LAN host through the uplink",
          "bridge": "Linux bridge (veth)",
          "ovs": "OVS userspace (netdev)", "ovs-tso": "OVS userspace + userspace-tso",
          "xbow-nat": "xbow NAT (ipnat map), guest to LAN host",
          "kernel-nat": "kernel NAT (iptables MASQUERADE in a router namespace)"}
med = {}
for name, raw in zip(names, sys.argv[2:]):
    rounds = [list(map(float, r.split())) for r in raw.split(";") if r.strip()]
    if rounds:
        med[name] = [statistics.median(col) for col in zip(*rounds)]
cols = ["TCP 1 stream Gbit/s", "TCP 4 streams Gbit/s", "UDP 64 B kdatagrams/s received", "UDP loss %", "ping RTT us"]
print(f"medians of {runs} runs\n")
print("| | " + " | ".join(cols) + " |")
print("|---|" + "---|" * len(cols))
for name in names:
    if name in med:
        print(f"| {labels[name]} | " + " | ".join(f"{v:.2f}" if i < 2 else f"{v:.1f}" for i, v in enumerate(med[name])) + " |")
for ours in ["xbow", "xbow-poll", "xbow-uplink"]:
    for other in ["bridge", "ovs", "ovs-tso"] if ours != "xbow-uplink" else ["bridge"]:
        if ours in med and other in med:
            ratios = []
            for i, (x, o) in enumerate(zip(med[ours], med[other])):
                ratios.append("--" if o == 0 or i == 3 else f"{x / o:.2f}")
            print(f"| {ours} / {other} | " + " | ".join(ratios) + " |")
if "xbow-nat" in med and "kernel-nat" in med:
    ratios = ["--" if o == 0 or i == 3 else f"{x / o:.2f}" for i, (x, o) in enumerate(zip(med["xbow-nat"], med["kernel-nat"]))]
    print("| xbow-nat / kernel-nat | " + " | ".join(ratios) + " |")
PY
{
    echo
    echo "## $(date -u +%Y-%m-%d) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Linux $(uname -r)"
    echo
    cat "$WORK/table.md"
} >> perf/RESULTS.md
echo "harness: appended to perf/RESULTS.md" >&2
