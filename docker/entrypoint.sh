#!/usr/bin/env bash
# Starts the Tailor server inside a container (or on a host: every path is an environment variable).
#   TAILOR_HOME                    where server.jar and libs/ are (default /app)
#   TAILOR_MODELS_dash_DIR         the models folder (default /models); files dropped there hot-swap
#   JAVA_HOME / JAVA               the Java runtime (default: JAVA_HOME's java, else java on PATH)
#   TAILOR_JAVA_OPTS               extra JVM options, appended after the container defaults
# Any other TAILOR_* / SERVER_* variable reaches the server's configuration (see docs/api.md);
# arguments are passed to the server (e.g. --port 9090 --device cpu).
set -euo pipefail

home=${TAILOR_HOME:-/app}
export TAILOR_MODELS_dash_DIR=${TAILOR_MODELS_dash_DIR:-/models}
java=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
java=${java:-java}

if [ ! -f "$home/server.jar" ]; then
  echo "entrypoint: no server.jar in $home (set TAILOR_HOME)" >&2
  exit 64
fi
if [ ! -d "$TAILOR_MODELS_dash_DIR" ]; then
  echo "entrypoint: models folder $TAILOR_MODELS_dash_DIR does not exist; mount one or set TAILOR_MODELS_dash_DIR" >&2
  exit 66
fi

# Container-aware memory: the heap takes a share of the cgroup limit and leaves the rest to ONNX
# Runtime's native arenas and the thread stacks; an out-of-memory error ends the process so the
# orchestrator restarts it instead of leaving a half-working server behind.
defaults=(
  -XX:+UseContainerSupport
  -XX:MaxRAMPercentage=40
  -XX:+ExitOnOutOfMemoryError
  -XX:+UseG1GC
  --enable-native-access=ALL-UNNAMED
  --sun-misc-unsafe-memory-access=allow
)
# shellcheck disable=SC2206 # TAILOR_JAVA_OPTS is a list of options by design
extra=(${TAILOR_JAVA_OPTS:-})

exec "$java" "${defaults[@]}" "${extra[@]}" -jar "$home/server.jar" "$@"
