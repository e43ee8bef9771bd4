#!/usr/bin/env bash
# Issue 9: where the 100-400 ms stalls at 70 % open load come from. A fresh server (JFR + GC/safepoint log),
# warmed 30 s, then JSON REST open at RATE req/s for 15 s while `perf sched` records every context switch.
# Usage: scripts/profile-latency.sh OUTDIR [RATE] [extra server -D flags...]   (RATE default 1330)
# Then: perf sched latency -i OUTDIR/sched.data -s max | head; grep Pause OUTDIR/gc.log; jfr summary OUTDIR/server.jfr
set -u
out=$(realpath -m "$1"); rate=${2:-1330}; shift 2 || shift $#
mkdir -p "$out"; cd /work/main; source scripts/env.sh >/dev/null
$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dserver.host=127.0.0.1 \
  -XX:StartFlightRecording=filename=$out/server.jfr,settings=profile -Xlog:gc*,safepoint:file=$out/gc.log "$@" \
  -jar server/target/server.jar --models models --port 18096 > "$out/server.log" 2>&1 &
pid=$!; trap "kill $pid" EXIT
for i in $(seq 1 60); do curl -sf localhost:18096/v2/health/ready >/dev/null && break; sleep 1; done
lt() { loadtest/run.sh --target http://127.0.0.1:18096 --scenario json --max-error-pct 100 --results "$out/gatling" --csv "$out/latency.csv" --server-pid $pid "$@"; }
lt --profile closed --users 64 --duration 5s --warmup 30s --label warm > "$out/warm.out" 2>&1
( sleep 3; perf sched record -o "$out/sched.data" -- sleep 10 > "$out/perf.out" 2>&1 ) &
perf_pid=$!
lt --profile open --rate $rate --duration 15s --warmup 0s --label open-$rate > "$out/open.out" 2>&1
wait $perf_pid # not the server, which runs until the trap stops it
ps -L -o tid,comm -p $pid > "$out/threads.txt"
cat "$out/latency.csv"
