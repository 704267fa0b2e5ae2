#!/usr/bin/env bash
# The quick start: builds xbow, starts a daemon with its own socket and a temporary state directory, creates an
# etherstub and VNICs with dladm, prints show-vnic, show-linkprop and show-link -s, and stops the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
mvn -B -q -ntp -DskipTests package

work=$(mktemp -d -t xbow-quickstart.XXXXXX)
export XBOW_SOCKET="$work/xbowd.sock"
bin/xbow daemon --state-dir "$work/state" 2> "$work/xbowd.log" &
daemon=$!
cleanup() { kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do [ -S "$XBOW_SOCKET" ] && break; sleep 0.1; done

run() { echo "\$ dladm $*"; bin/dladm "$@"; echo; }
run create-etherstub stub0
run create-vnic -l stub0 -v 100 -p maxbw=200M,priority=high web0
run create-vnic -l stub0 -v 100 -m 0:16:3e:12:34:56 -p protection=mac-nospoof db0
run create-vnic -l stub0 -v 200 -m random vnic2
run show-vnic
run show-linkprop -p maxbw,priority,protection web0
run show-link -s
echo "state written to $work/state/xbow.conf:"
cat "$work/state/xbow.conf"
