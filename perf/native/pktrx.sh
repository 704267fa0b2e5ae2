#!/usr/bin/env bash
# Measures receiving from a packet socket with recvmmsg against a TPACKET_V3 ring (pktrx.c), alternating, on a veth
# pair whose far end is in a namespace of its own where a sender blasts 64-byte frames. Root; removes what it made.
# Usage: perf/native/pktrx.sh [ROUNDS] [SECONDS]
set -euo pipefail
rounds=${1:-3}; seconds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp -d)/pktrx
ns=xbow-pktrx-$$; host=xbpr$$; peer=xbps$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; ip link del "$host" 2>/dev/null || true; rm -rf "$(dirname "$bin")"; }
trap cleanup EXIT INT TERM
gcc -O2 -o "$bin" "$here/pktrx.c"
ip netns add "$ns"
ip link add "$host" type veth peer name "$peer"
ip link set "$peer" netns "$ns"
ip link set "$host" up
ip -n "$ns" link set "$peer" up
for round in $(seq "$rounds"); do
    for mode in mmsg v2 v3; do
        ip netns exec "$ns" "$bin" send "$peer" "$((seconds + 1))" >/dev/null &
        sleep 0.3
        "$bin" recv "$host" "$seconds" "$mode"
        wait
        ip netns exec "$ns" "$bin" pace "$peer" "$((seconds + 1))" >/dev/null &
        sleep 0.3
        "$bin" ping "$host" "$seconds" "$mode"
        wait
    done
done
