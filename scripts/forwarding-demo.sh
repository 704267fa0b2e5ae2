#!/usr/bin/env bash
# The forwarding demo: builds xbow and runs it (a switch with guests on two VLANs and a trunk,
# the forwarding table, a two-second forwarding run and the port counters).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
mvn -B -q -ntp -DskipTests package
exec java $XBOW_JVM_ARGS -cp perf/target/benchmarks.jar io.xbow.perf.demo.ForwardingDemo "${1:-2}"
