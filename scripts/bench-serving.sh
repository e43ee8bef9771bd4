#!/usr/bin/env bash
# Serving bench (issue 9, "Performance"): measures, in one run on this machine and one model,
#   (a) the model in ONNX Runtime in-process at each batch size: images/s and CPU us per image (the ceiling);
#   (b) the server at saturation with single-image requests over JSON REST, binary REST and gRPC, with
#       dynamic batching on (the server's defaults): req/s, p50/p95/p99 and the server's CPU us per request,
#       beside the load generator's own CPU per request;
#   (c) the same with batching off (tailor.batching.max-batch-size=1);
# then prints a markdown table of (a), (b), (c) with the ratios issue 9 defines:
#   CPU efficiency   = ORT CPU us per image at the ceiling's best batch size / server CPU us per request
#   throughput ratio = server req/s / ceiling images/s at that batch size
#   batching on / off = req/s with batching on / req/s with it off, per scenario
# The load generator runs beside the server on the same cores, as the issue's goals assume.
#
# Usage: scripts/bench-serving.sh [options]
#   --model NAME          model to bench, served from models/NAME.onnx (default cnn4b)
#   --scenarios LIST      comma list of json, binary, grpc, classify (default json,binary,grpc)
#   --users N             closed profile: requests in flight at once (default 64)
#   --duration TIME       measured load per run, e.g. 20s (default 20s)
#   --warmup TIME         unmeasured load before each run (default 5s)
#   --batches LIST        the ceiling's batch sizes (default 1,8,32,128)
#   --ceiling-seconds S   the ceiling's measured seconds per batch size (default 10)
#   --intra-op-threads N  ONNX Runtime intra-op threads for the ceiling and the server (default 0: one per core)
#   --server-property K=V an extra -DK=V for the server in both phases; repeatable
#   --port P              the server's port on 127.0.0.1 (default 18080; must be free)
#   --out DIR             where results go (default target/bench-serving/<date-time>)
#   -h, --help            show this help and exit
#
# It builds server/target/server.jar and loadtest/target/loadtest.jar first when they are missing or
# older than their sources (./mvnw package, tests skipped; MAVEN_ARGS=-o works offline). Every server it
# starts listens on 127.0.0.1 only and is stopped when the script ends, however it ends. A scenario that
# fails (the binary one, until the server speaks Triton's binary tensor format) is shown as failed in
# the table; the bench carries on. Results in --out: ceiling.csv, serving.csv (one line per run, see
# loadtest/run.sh --csv), the server logs, each run's output, the Gatling reports, and table.md.
# Exit status: 0 the table was written (failed rows included), 1 a step could not run, 2 a wrong option.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; }
die() { echo "error: $*" >&2; exit 1; }
wrong() { echo "error: $* (see --help)" >&2; exit 2; }

model=cnn4b scenarios=json,binary,grpc users=64 duration=20s warmup=5s batches=1,8,32,128 ceiling_seconds=10
intra_op_threads=0 port=18080 out= server_props=()
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --model|--scenarios|--users|--duration|--warmup|--batches|--ceiling-seconds|--intra-op-threads|--server-property|--port|--out)
      [ $# -ge 2 ] || wrong "missing value after $1"
      case $1 in
        --model) model=$2 ;; --scenarios) scenarios=$2 ;; --users) users=$2 ;; --duration) duration=$2 ;;
        --warmup) warmup=$2 ;; --batches) batches=$2 ;; --ceiling-seconds) ceiling_seconds=$2 ;;
        --intra-op-threads) intra_op_threads=$2 ;; --server-property) server_props+=("-D$2") ;;
        --port) port=$2 ;; --out) out=$2 ;;
      esac
      shift 2 ;;
    *) wrong "unknown option $1" ;;
  esac
done
[[ $model =~ ^[A-Za-z0-9._-]+$ ]] || wrong "--model must be a model name (letters, digits, . _ -), got '$model'"
[[ $scenarios =~ ^[a-z]+(,[a-z]+)*$ ]] || wrong "--scenarios must be a comma list such as json,binary,grpc, got '$scenarios'"
[[ $users =~ ^[1-9][0-9]*$ ]] || wrong "--users must be a positive whole number, got '$users'"
[[ $port =~ ^[1-9][0-9]*$ && $port -le 65535 ]] || wrong "--port must be between 1 and 65535, got '$port'"
[[ $intra_op_threads =~ ^[0-9]+$ ]] || wrong "--intra-op-threads must be a whole number, got '$intra_op_threads'"
for p in "${server_props[@]}"; do [[ $p =~ ^-D[^=]+=.*$ ]] || wrong "--server-property must be KEY=VALUE, got '${p#-D}'"; done

cd "$root"
source scripts/env.sh >/dev/null
[ -f "models/$model.onnx" ] || die "no models/$model.onnx"
out=${out:-target/bench-serving/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
out=${out#"$root/"} # shorter commands in the table; the script runs from the repository root
rm -f "$out/ceiling.csv" "$out/serving.csv" # one bench, one table: nothing from an earlier run in the same folder
IFS=, read -r -a scenario_list <<<"$scenarios"

# --- build what is missing or stale ----------------------------------------------------------------
stale() { # $1 = jar, then what it is built from
  local jar=$1; shift
  [ -f "$jar" ] || return 0
  [ -n "$(find "$@" -newer "$jar" -print -quit 2>/dev/null)" ]
}
if stale server/target/server.jar server/src/main server/pom.xml api/src api/pom.xml pom.xml \
   || stale loadtest/target/loadtest.jar loadtest/src/main loadtest/pom.xml api/src api/pom.xml pom.xml; then
  echo "Building the server and the load test (tests skipped)..." >&2
  # client-only: the load test's smoke tests (and their test-scoped server) are not built here
  ./mvnw -B -q -ntp -pl server,loadtest -am -Dloadtest.client-only -Dmaven.test.skip=true package >&2 \
    || die "the build failed (see above)"
fi

java_flags=(--enable-native-access=ALL-UNNAMED)
# JDK 23+ warns about Unsafe use unless told; older JDKs reject the flag
[ "$(tailor_java_version "$JAVA_HOME")" -ge 23 ] 2>/dev/null && java_flags+=(--sun-misc-unsafe-memory-access=allow)
[ "$intra_op_threads" -gt 0 ] && server_props+=("-Dtailor.intra-op-threads=$intra_op_threads")
commands=()

# --- the server: started on 127.0.0.1, always stopped -----------------------------------------------
server_pid=
stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap stop_server EXIT
trap 'exit 130' INT TERM

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_server() { # $1 = phase, then extra -D properties
  local phase=$1; shift
  port_taken "$port" && die "port $port on 127.0.0.1 is taken; choose another with --port"
  local command=("$JAVA_HOME/bin/java" -Dserver.host=127.0.0.1 "$@" "${server_props[@]}" "${java_flags[@]}"
                 -jar server/target/server.jar --models models --port "$port")
  commands+=("${command[*]#"$JAVA_HOME/bin/"}")
  echo "Starting the server ($phase) on 127.0.0.1:$port..." >&2
  "${command[@]}" >"$out/server-$phase.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 240); do
    kill -0 "$server_pid" 2>/dev/null || die "the server ($phase) ended while starting; see $out/server-$phase.log"
    curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready" && return 0
    sleep 0.5
  done
  die "the server ($phase) was not ready within 120 s; see $out/server-$phase.log"
}

# --- the runs ----------------------------------------------------------------------------------------
declare -A failed # "phase,scenario" -> why no line was written
csv_lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

run_scenarios() { # $1 = phase
  local phase=$1 s before status
  for s in "${scenario_list[@]}"; do
    before=$(csv_lines "$out/serving.csv")
    local command=(loadtest/run.sh --target "http://127.0.0.1:$port" --model "$model" --scenario "$s" --profile closed
                   --users "$users" --duration "$duration" --warmup "$warmup" --max-error-pct 100
                   --server-pid "$server_pid" --csv "$out/serving.csv" --label "$phase" --results "$out/gatling")
    local shown="${command[*]}"
    commands+=("${shown/--server-pid $server_pid /--server-pid SERVER_PID }")
    echo "Running $s against the server ($phase)..." >&2
    set +e
    "${command[@]}" 2>&1 | tee "$out/loadtest-$phase-$s.txt"
    status=${PIPESTATUS[0]}
    set -e
    # a run with failed requests still writes its line (shown as failed); no line: the run itself failed
    [ "$(csv_lines "$out/serving.csv")" -gt "$before" ] || failed["$phase,$s"]="loadtest/run.sh exit $status"
  done
}

ceiling_command=(loadtest/run.sh ceiling --model-file "models/$model.onnx" --batches "$batches" --seconds "$ceiling_seconds"
                 --intra-op-threads "$intra_op_threads" --csv "$out/ceiling.csv")
commands+=("${ceiling_command[*]}")
echo "(a) ONNX Runtime in-process..." >&2
if ! "${ceiling_command[@]}" | tee "$out/ceiling.txt"; then
  die "the ceiling failed (see above)"
fi

start_server batching-on
run_scenarios batching-on
stop_server
start_server batching-off -Dtailor.batching.max-batch-size=1
run_scenarios batching-off
stop_server

# --- the table ---------------------------------------------------------------------------------------
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf f "\n", a / b }'; }
fmt() { awk -v a="$1" -v f="$2" 'BEGIN { if (a == "") print "-"; else printf f "\n", a }'; }

# the ceiling's best batch size: the most images/s
read -r best_batch best_ips best_cpu < <(awk -F, 'NR > 1 && $7 + 0 > best { best = $7 + 0; line = $2 " " $7 " " $8 } END { print line }' \
  "$out/ceiling.csv")
serving_line() { # $1 = phase, $2 = scenario: that run's CSV line (the last, if it ran more than once)
  awk -F, -v p="$1" -v s="$2" 'NR > 1 && $1 == p && $2 == s { line = $0 } END { print line }' "$out/serving.csv" 2>/dev/null || true
}

table() {
  echo "## Serving bench: $model, $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo
  echo "$(nproc) cores ($(uname -m)), load average at the end $(cut -d' ' -f1-3 /proc/loadavg);" \
       "$("$JAVA_HOME/bin/java" -version 2>&1 | head -1); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
       "$( [ -n "$(git status --porcelain 2>/dev/null)" ] && echo '(with uncommitted changes)')"
  echo
  echo "### (a) ONNX Runtime in-process, the ceiling"
  echo
  echo "| batch | images/s | CPU µs/image |"
  echo "|---:|---:|---:|"
  awk -F, 'NR > 1 { printf "| %s | %.0f | %.1f |\n", $2, $7, $8 }' "$out/ceiling.csv"
  echo
  echo "Best: batch $best_batch, $(fmt "$best_ips" %.0f) images/s at $(fmt "$best_cpu" %.1f) CPU µs/image."
  echo
  echo "### (b) batching on (server defaults), (c) batching off (max batch 1)"
  echo
  echo "Closed profile, $users users, $duration measured after $warmup of warm-up, one image per request;" \
       "CPU per request = the process's CPU over the measured window ÷ requests."
  echo
  echo "| batching | scenario | req/s | p50 ms | p95 ms | p99 ms | server CPU µs/req | load generator CPU µs/req | CPU efficiency | throughput ratio |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  local phase s line
  for phase in batching-on batching-off; do
    for s in "${scenario_list[@]}"; do
      line=$(serving_line "$phase" "$s")
      if [ -z "$line" ]; then
        echo "| ${phase#batching-} | $s | FAILED: ${failed["$phase,$s"]:-no result} | | | | | | | |"
        continue
      fi
      IFS=, read -r _ _ _ _ _ _ requests ok ko rps p50 p95 p99 server_cpu lg_cpu <<<"$line"
      if [ "$ok" -eq 0 ]; then
        echo "| ${phase#batching-} | $s | FAILED: all $requests requests failed (see loadtest-$phase-$s.txt) | | | | | | | |"
        continue
      fi
      local name=$s
      [ "$ko" -gt 0 ] && name="$s ($ko of $requests failed)"
      echo "| ${phase#batching-} | $name | $(fmt "$rps" %.0f) | $(fmt "$p50" %.0f) | $(fmt "$p95" %.0f) | $(fmt "$p99" %.0f)" \
           "| $(fmt "$server_cpu" %.0f) | $(fmt "$lg_cpu" %.0f) | $(div "$best_cpu" "$server_cpu") | $(div "$rps" "$best_ips" %.3f) |"
    done
  done
  echo
  echo "CPU efficiency = ORT's CPU µs/image at batch $best_batch ÷ the server's CPU µs/request (goal ≥ 0.85 for JSON and gRPC);" \
       "throughput ratio = req/s ÷ the ceiling's $(fmt "$best_ips" %.0f) images/s (goal ≥ 0.70)."
  echo
  echo "### Batching on ÷ off (req/s at saturation; goal ≥ 1.2)"
  echo
  echo "| scenario | on req/s | off req/s | on ÷ off |"
  echo "|---|---:|---:|---:|"
  local on off on_rps off_rps
  for s in "${scenario_list[@]}"; do
    on=$(serving_line batching-on "$s") off=$(serving_line batching-off "$s")
    on_rps=$(awk -F, '$8 + 0 > 0 { print $10 }' <<<"$on") off_rps=$(awk -F, '$8 + 0 > 0 { print $10 }' <<<"$off")
    if [ -z "$on_rps" ] || [ -z "$off_rps" ]; then
      echo "| $s | $(fmt "$on_rps" %.0f) | $(fmt "$off_rps" %.0f) | failed |"
    else
      echo "| $s | $(fmt "$on_rps" %.0f) | $(fmt "$off_rps" %.0f) | $(div "$on_rps" "$off_rps") |"
    fi
  done
  echo
  echo "Commands (from the repository root; scripts/bench-serving.sh ran them all; SERVER_PID is the server started before):"
  echo
  echo '```'
  printf '%s\n' "${commands[@]}"
  echo '```'
}
table >"$out/table.md"
echo
cat "$out/table.md"
echo
echo "table: $out/table.md (with ceiling.csv, serving.csv, the server logs and the Gatling reports beside it)"
