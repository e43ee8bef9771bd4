#!/usr/bin/env bash
# Load-tests a running server with Gatling:  loadtest/run.sh --help  lists every option.
# loadtest/run.sh accuracy --help: the model's accuracy on the test set through the server's classify API.
# loadtest/run.sh ceiling --help: the model in ONNX Runtime in-process, the ceiling a server is measured against.
# Builds the load test (api + loadtest only) the first time and whenever its sources changed, quietly,
# with the Maven wrapper; then runs it. The exit status is the load test's: 0 thresholds held,
# 1 a threshold was breached, 2 wrong option or missing data, 3 target unreachable, 4 the run failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# a JDK 21+ (JAVA_HOME) and the Fashion-MNIST files
source "$root/scripts/env.sh" >/dev/null
jar="$root/loadtest/target/loadtest.jar"

stale() { # true when the jar is missing or older than anything it is built from
  [ -f "$jar" ] || return 0
  [ -n "$(find "$root/loadtest/src/main" "$root/api/src" "$root/loadtest/pom.xml" "$root/api/pom.xml" "$root/pom.xml" \
           -newer "$jar" -print -quit 2>/dev/null)" ]
}

if stale; then
  echo "Building the load test (modules api and loadtest; the first build downloads Gatling)..." >&2
  # client-only: leaves out the smoke tests' test-scoped server, so nothing else is built
  if ! (cd "$root" && ./mvnw -B -q -ntp -pl loadtest -am -Dloadtest.client-only -Dmaven.test.skip=true package >&2); then
    echo "error: building the load test failed (see above)" >&2
    exit 4
  fi
fi

flags=(-Xms512m -Xmx2g -XX:+UseParallelGC)
# JDK 23+ warns about grpc-netty's Unsafe use unless told; older JDKs reject the flag
[ "$(tailor_java_version "$JAVA_HOME")" -ge 23 ] 2>/dev/null && flags+=(--sun-misc-unsafe-memory-access=allow)
# "run.sh accuracy ..." measures a model's accuracy through the classify API instead of load-testing
if [ "${1:-}" = accuracy ]; then
  shift
  exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$jar" dev.tailor.loadtest.accuracy.AccuracyBench "$@"
fi
# "run.sh ceiling ..." runs the model in ONNX Runtime in this process: the serving ceiling
if [ "${1:-}" = ceiling ]; then
  shift
  exec "$JAVA_HOME/bin/java" "${flags[@]}" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.tailor.loadtest.ceiling.CeilingBench "$@"
fi
exec "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$jar" "$@"
