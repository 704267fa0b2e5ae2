#!/usr/bin/env bash
# Sourced by the demo scripts: starts a daemon on its own socket with a state directory in a new temporary directory
# ($work), exports XBOW_SOCKET for the commands, waits for the socket, and stops the daemon and removes $work on exit.
work=$(mktemp -d -t "xbow-${1:-run}.XXXXXX")
export XBOW_SOCKET="$work/xbowd.sock"
bin/xbow daemon --state-dir "$work/state" 2> "$work/xbowd.log" &
daemon=$!
cleanup() { kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do [ -S "$XBOW_SOCKET" ] && break; sleep 0.1; done
