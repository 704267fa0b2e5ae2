#!/usr/bin/env bash
# CLI process timings against a running daemon: `xl create examples/web.cfg` + `xl destroy web` as two processes
# through the native client and through the JVM client, and one `xbow --version` process, interleaved round by
# round so that all three see the same machine. Prints the medians (ms) and their ratios.
# Usage: scripts/cli-timing.sh [ROUNDS]   (after: mvn -B -q -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
[ -x control-cli/target/xbow-client ] || { echo "cli-timing: no native client; build with mvn package" >&2; exit 2; }
work=$(mktemp -d -t xbow-timing.XXXXXX)
export XBOW_SOCKET="$work/xbowd.sock"
unset XBOW_JAVA_CLIENT
bin/xbow daemon --state-dir "$work/state" 2> "$work/xbowd.log" &
daemon=$!
cleanup() { kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do [ -S "$XBOW_SOCKET" ] && break; sleep 0.1; done
bin/dladm create-etherstub -t stub0

pair() { bin/xl create examples/web.cfg 2>/dev/null && bin/xl destroy web; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'; }

# Warm up: the daemon's JIT, the class-data archive of the JVM client.
for _ in $(seq 1 20); do pair; done
XBOW_JAVA_CLIENT=1 pair; XBOW_JAVA_CLIENT=1 pair; bin/xbow --version >/dev/null

: > "$work/native"; : > "$work/jvm"; : > "$work/version"
for _ in $(seq 1 "$rounds"); do
    ms pair >> "$work/native"
    XBOW_JAVA_CLIENT=1 ms pair >> "$work/jvm"
    ms bin/xbow --version >> "$work/version"
done
native=$(median < "$work/native"); jvm=$(median < "$work/jvm"); version=$(median < "$work/version")
echo "xl create + xl destroy, two processes, median of $rounds:"
echo "  native client  $native ms"
echo "  JVM client     $jvm ms"
echo "  xbow --version $version ms (one process)"
awk -v n="$native" -v j="$jvm" -v v="$version" 'BEGIN {
    printf "  native / JVM %.3f; JVM / native %.1fx; native pair / one JVM start %.2f\n", n / j, j / n, n / v }'
