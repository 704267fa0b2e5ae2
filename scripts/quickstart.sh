#!/usr/bin/env bash
# The quick start: builds xbow, starts a daemon with its own socket and a temporary state directory (no root
# needed), creates an etherstub and a VNIC with dladm, creates two emulated domains from examples/, pings one from
# the other while xbow capture shows the vif's frames, prints xl list, xl network-list, dladm show-vnic and
# show-link -s, and stops the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
mvn -B -q -ntp -DskipTests package

source scripts/daemon.sh quickstart

dladm() { echo "\$ dladm $*"; bin/dladm "$@"; echo; }
xl() { echo "\$ xl $*"; bin/xl "$@"; echo; }
dladm create-etherstub stub0
dladm create-vnic -l stub0 -v 100 -p maxbw=200M,priority=high vnic0
xl create examples/web.cfg
xl create examples/db.cfg
xl list
xl network-list web
echo "\$ xbow capture -i vif1.0 -c 6 &    # while web pings db"
bin/xbow capture -i vif1.0 -c 6 > "$work/capture.txt" 2> "$work/capture.err" &
capture=$!
for _ in $(seq 1 100); do grep -q listening "$work/capture.err" 2>/dev/null && break; sleep 0.1; done
xl ping web 10.0.0.20 -c 3 -i 0.2
wait "$capture" || true
cat "$work/capture.txt" "$work/capture.err"
echo
dladm show-vnic
dladm show-linkprop -p maxbw,protection,allowed-ips xvm1_0
dladm show-link -s
xl destroy db
xl list
echo "state written to $work/state:"
cat "$work/state/xbow.conf"

