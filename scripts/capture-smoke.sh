#!/usr/bin/env bash
# A capture as an operator runs one: xbow capture -w FILE in the background, traffic (a ping between two emulated
# domains), then Ctrl-C (SIGINT); checks the exit status 0, tcpdump's summary, and that tcpdump reads the file.
# Needs the jar (mvn package) and tcpdump; run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/daemon.sh capture-smoke
bin/dladm create-etherstub stub0
bin/xl create examples/web.cfg > /dev/null 2>&1
bin/xl create examples/db.cfg > /dev/null 2>&1
set -m # job control: the background capture keeps SIGINT, as it would at a terminal
bin/xbow capture -i vif1.0 -w "$work/vif.pcap" icmp 2> "$work/capture.err" &
capture=$!
set +m
for _ in $(seq 1 100); do grep -q listening "$work/capture.err" 2>/dev/null && break; sleep 0.1; done
bin/xl ping web 10.0.0.20 -c 2 -i 0.2 > /dev/null
sleep 0.5
kill -INT "$capture"
status=0
wait "$capture" || status=$?
cat "$work/capture.err"
fail() { echo "capture smoke run: $*" >&2; exit 1; }
[ "$status" -eq 0 ] || fail "xbow capture exited $status after Ctrl-C"
grep -q '^4 packets captured$' "$work/capture.err" || fail "expected 4 packets captured"
[ "$(stat -c %a "$work/vif.pcap")" = 600 ] || fail "the capture file is not mode 0600"
tcpdump -nn -r "$work/vif.pcap" 2>/dev/null | tee "$work/read.txt"
[ "$(grep -c 'ICMP echo' "$work/read.txt")" -eq 4 ] || fail "tcpdump did not read 4 ICMP echoes back"
echo "capture smoke run: ok"
