#!/usr/bin/env bash
# Overload bench (issue 8) with the load generator off the server's core: the server is pinned to CPU 0
# (one ONNX Runtime intra-op thread), Gatling to CPU 1, so the generator's own backlog cannot pass for
# server latency. A fresh server, JSON REST: warmed 30 s; saturation S measured (closed, 64 users, 15 s);
# unloaded (1 user, 15 s); 2 x S offered (open profile) for 20 s; unloaded again right after (5 s).
# Prints the accepted (OK) requests' percentiles of each phase beside the unloaded p99.
# Usage: [SCENARIO=json|binary|grpc|classify] scripts/bench-overload.sh OUTDIR [extra server -D flags...]
#   e.g. scripts/bench-overload.sh /tmp/ov-25 -Dtailor.batching.max-queue-wait-ms=25
# Needs 2 cores and taskset (util-linux). Build first: ./mvnw package -DskipTests
set -u
[ $# -ge 1 ] || { sed -n '2,9p' "$0"; exit 2; }
out=$(realpath -m "$1"); shift; mkdir -p "$out"
cd "$(dirname "$0")/.."; source scripts/env.sh >/dev/null
port=18099
taskset -c 0 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Dserver.host=127.0.0.1 -Dtailor.intra-op-threads=1 "$@" -jar server/target/server.jar --models models --port $port \
  > "$out/server.log" 2>&1 &
pid=$!; trap "kill $pid 2>/dev/null" EXIT
for i in $(seq 1 60); do curl -sf localhost:$port/v2/health/ready >/dev/null && break; sleep 1; done
lt() { taskset -c 1 loadtest/run.sh --target http://127.0.0.1:$port --scenario ${SCENARIO:-json} --max-error-pct 100 \
  --results "$out/gatling" --csv "$out/latency.csv" --server-pid $pid "$@"; }
# the OK column of a Gatling summary row, e.g. ok 99th percentile
ok() { grep -E "response time $1 percentile" "$2" | awk -F'|' '{gsub(/ /,"",$3); print $3}'; }
lt --profile closed --users 64 --duration 5s --warmup 30s --label warm > "$out/warm.out" 2>&1
lt --profile closed --users 64 --duration 15s --warmup 0s --label saturation > "$out/saturation.out" 2>&1
# answered (200) requests per second: with admission on, the refused ones come back fast and do not count
S=$(awk -F, '$1=="saturation"{printf "%d", $8 / $6}' "$out/latency.csv")
lt --profile closed --users 1 --duration 15s --warmup 0s --label unloaded > "$out/unloaded.out" 2>&1
lt --profile open --rate $((2 * S)) --duration 20s --warmup 0s --label overload > "$out/overload.out" 2>&1
lt --profile closed --users 1 --duration 5s --warmup 0s --label after > "$out/after.out" 2>&1
echo "saturation S = $S req/s (server on CPU 0, generator on CPU 1); overload offered $((2 * S)) req/s for 20 s"
printf "%-10s %8s %8s %10s %10s %10s\n" phase ok ko "ok p50 ms" "ok p99 ms" "ko p50 ms"
for phase in unloaded overload after; do
  row=$(awk -F, -v p=$phase '$1==p{print $8" "$9}' "$out/latency.csv")
  printf "%-10s %8s %8s %10s %10s %10s\n" $phase $row "$(ok 50th "$out/$phase.out")" "$(ok 99th "$out/$phase.out")" \
    "$(grep -E "response time 50th percentile" "$out/$phase.out" | awk -F'|' '{gsub(/ /,"",$4); print $4}')"
done
grep -h '^server:' "$out/overload.out"
