#!/usr/bin/env bash
# Hot-swap soak benchmark (not a unit test). Builds the server's test classes, writes two real
# models (cnn1, ann: briefly trained, exported) in a JVM of its own, then runs
# dev.tailor.server.SwapSoak, which replaces a served model's file CYCLES times A -> B -> A
# (default 100 cycles = 200 swaps) under concurrent HTTP and gRPC load and prints resident memory
# (VmRSS) after warm-up, every 20 cycles and after the last cycle. Usage: scripts/soak-swap.sh [CYCLES]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./mvnw -B -q -ntp -pl server -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/soak.classpath
# the classpath goes in an argument file: with a 14 KB command line, ONNX Runtime's initialisation
# recursed deep enough to overflow the main thread's stack (a silent SIGSEGV, seen with ORT 1.29.0)
echo "-cp server/target/test-classes:server/target/classes:$(cat server/target/soak.classpath)" > server/target/soak.args
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow @server/target/soak.args)
MODELS=server/target/soak-models
"${JAVA[@]}" -Xmx6g dev.tailor.server.SoakModels "$MODELS" 2>&1 | grep -E '^wrote'
# a fixed, pre-touched heap: otherwise G1 growing its young generation under load reads as RSS growth
# (with -Xmx512m alone, load without any swap grew RSS by ~100 MB in 90 s), hiding what swapping costs
exec "${JAVA[@]}" -Xms256m -Xmx256m -XX:+AlwaysPreTouch dev.tailor.server.SwapSoak "$MODELS" "$@"
