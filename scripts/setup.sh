#!/usr/bin/env bash
# Makes sure this machine can build and run xbow: a JDK 17 or newer and Maven. On a Debian machine where they are
# missing and we are root, installs them; otherwise says what is missing. Sourced by quickstart.sh and test.sh.
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

# Agrona 2 reaches jdk.internal.misc.Unsafe for its off-heap buffers: every JVM running xbow needs this flag.
export XBOW_JVM_ARGS="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
