#!/usr/bin/env bash
# scripts/measure-candidate.sh MODEL RUN_DIR VERSION [WORK_DIR]
# Measures a candidate model before it replaces a shipped one: exports RUN_DIR as MODEL.onnx into a
# copy of models/ (WORK_DIR, default /var/tmp/tailor-measure/MODEL-vVERSION), serves that copy on port
# 18111 with the ensemble on, and sends the 10,000 test images through the classify API for MODEL and
# for the ensemble (loadtest/run.sh accuracy). The shipped models/MODEL.onnx is served beside it as
# MODEL-shipped and measured first, so the candidate's run ends with McNemar's test against it: how many
# images only one of the two gets right, and whether that is more than chance (accuracy-*.txt and
# predictions-*.csv land in WORK_DIR). models/ itself is not touched. Run on a quiet machine when the
# images/s figures matter. Needs the jars (./mvnw package -DskipTests).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 MODEL RUN_DIR VERSION [WORK_DIR]" >&2; exit 2; }
MODEL=$1 RUN=$(realpath "$2") VERSION=$3
cd "$(dirname "$0")/.."
source scripts/env.sh
DIR=${4:-/var/tmp/tailor-measure/$MODEL-v$VERSION}
J=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
mkdir -p "$DIR" && cp models/*.onnx "$DIR/" && rm -f "$DIR/$MODEL.onnx"
shipped=""
if [ -f "models/$MODEL.onnx" ]; then
  shipped="$MODEL-shipped"
  cp "models/$MODEL.onnx" "$DIR/$shipped.onnx"
fi
"${J[@]}" -jar exporter/target/exporter-0.1.0-SNAPSHOT.jar export --run-dir "$RUN" --out "$DIR/$MODEL.onnx" --model-version "$VERSION"
TAILOR_ENSEMBLE_MEMBERS=cnn4b,miniresnet "${J[@]}" -jar server/target/server.jar --models "$DIR" --port 18111 > "$DIR/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 120); do
  curl -sf http://localhost:18111/v2/health/ready > /dev/null && break
  kill -0 $server 2>/dev/null || { echo "the server stopped; see $DIR/server.log" >&2; exit 1; }
  sleep 1
done
accuracy() { loadtest/run.sh accuracy --target http://localhost:18111 --model "$@"; }
if [ -n "$shipped" ]; then
  accuracy "$shipped" --predictions "$DIR/predictions-$shipped.csv" | tee "$DIR/accuracy-$shipped.txt"
  accuracy "$MODEL" --predictions "$DIR/predictions-$MODEL.csv" --compare "$DIR/predictions-$shipped.csv" | tee "$DIR/accuracy-$MODEL.txt"
else
  accuracy "$MODEL" --predictions "$DIR/predictions-$MODEL.csv" | tee "$DIR/accuracy-$MODEL.txt"
fi
accuracy ensemble | tee "$DIR/accuracy-ensemble.txt"
