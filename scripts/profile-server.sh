#!/usr/bin/env bash
# Profiles a fresh server (async-profiler agent, collapsed stacks; EVENT=cpu (default) or alloc) under a closed load of 64 users.
# Usage: scripts/profile-server.sh [SCENARIO] [OUT.txt]   (json | binary | grpc | classify; default json)
# Needs async-profiler's jar (Maven Central: tools.profiler:async-profiler:4.1) in ~/.m2; unpacked to /tmp/ap.
set -eu
cd "$(dirname "$0")/.."
source scripts/env.sh >/dev/null
SC=${1:-json}; OUT=$(realpath -m "${2:-target/profile-$SC.txt}")
AP=/tmp/ap/linux-x64/libasyncProfiler.so
[ -f "$AP" ] || (mkdir -p /tmp/ap && cd /tmp/ap && unzip -o -q ~/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar)
$JAVA_HOME/bin/java -agentpath:$AP=start,event=${EVENT:-cpu},$([ "${EVENT:-cpu}" = cpu ] && echo interval=1ms,)file=$OUT,collapsed \
  --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dserver.host=127.0.0.1 -jar server/target/server.jar --models models --port 18090 > /tmp/prof-server.log 2>&1 &
pid=$!
for i in $(seq 1 60); do curl -sf localhost:18090/v2/health/ready >/dev/null && break; sleep 1; done
loadtest/run.sh --target http://127.0.0.1:18090 --scenario $SC --profile closed --users 64 --duration 15s --warmup 5s --max-error-pct 100 > /tmp/prof-load.log 2>&1
kill $pid; wait $pid
