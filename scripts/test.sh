#!/usr/bin/env bash
# Runs every test of every module (the README's test command; .ci/run calls it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "Using JDK at $JAVA_HOME"
exec ./mvnw -B -ntp verify "$@"
