#!/usr/bin/env bash
# Latency table (issue 9) and overload (issue 8) for one dispatch policy: a fresh server, JIT warmed for 30 s,
# then JSON REST: unloaded (1 user, closed), open at 30/50/70 % of the saturation rate S, bursty at 50 %,
# then 2 x S for 20 s (overload), then unloaded again.
# Usage: scripts/bench-latency.sh POLICY S OUTDIR   (POLICY: when-idle | after-delay; S: saturation req/s,
#        e.g. the JSON row of scripts/bench-serving.sh). Build first: ./mvnw package -DskipTests
#        SERVER_OPTS: extra JVM flags for the server, e.g. SERVER_OPTS=-Dtailor.batching.max-queue-wait-ms=10
set -u
[ $# -eq 3 ] || { sed -n '2,6p' "$0"; exit 2; }
policy=$1; S=$2; out=$(realpath -m "$3"); mkdir -p "$out"
cd "$(dirname "$0")/.."; source scripts/env.sh >/dev/null
$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dserver.host=127.0.0.1 \
  -Dtailor.batching.dispatch=$policy ${SERVER_OPTS:-} -jar server/target/server.jar --models models --port 18095 > "$out/server.log" 2>&1 &
pid=$!; trap "kill $pid" EXIT
for i in $(seq 1 60); do curl -sf localhost:18095/v2/health/ready >/dev/null && break; sleep 1; done
lt() { loadtest/run.sh --target http://127.0.0.1:18095 --scenario json --max-error-pct 100 --results "$out/gatling" --csv "$out/latency.csv" "$@"; }
lt --profile closed --users 64 --duration 5s --warmup 30s --label warm > "$out/warm.out" 2>&1
lt --profile closed --users 1 --duration 15s --warmup 0s --label unloaded > "$out/unloaded.out" 2>&1
for pct in 30 50 70; do
  lt --profile open --rate $(( S * pct / 100 )) --duration 15s --warmup 0s --label open-$pct > "$out/open-$pct.out" 2>&1
done
lt --profile bursty --rate $(( S / 2 )) --burst-period 100ms --duration 15s --warmup 0s --label bursty-50 > "$out/bursty.out" 2>&1
lt --profile open --rate $(( S * 2 )) --duration 20s --warmup 0s --label overload-200 > "$out/overload.out" 2>&1
lt --profile closed --users 1 --duration 5s --warmup 0s --label after-overload > "$out/after.out" 2>&1
cat "$out/latency.csv"
