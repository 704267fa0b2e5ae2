#!/usr/bin/env bash
# Runs every test, then a capture as an operator runs one (Ctrl-C included), then checks that the benchmark jar runs
# (a one-second smoke run, not a measurement).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
mvn -B -ntp verify
echo "== capture smoke run (xbow capture, Ctrl-C, tcpdump -r)"
scripts/capture-smoke.sh
echo "== benchmark smoke run"
java -jar perf/target/benchmarks.jar L2ForwardBenchmark -p frameSize=64 -p ports=2 -p batch=32 \
    -f 1 -wi 1 -w 1s -i 1 -r 1s -foe true | grep -E '^L2ForwardBenchmark|frames|Result' || {
    echo "benchmark smoke run failed" >&2
    exit 1
}
