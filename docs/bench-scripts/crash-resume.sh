#!/bin/bash
# The same command after a crash (docs/benchmarks.md, "The same command after a crash").
# Starts an emulator, runs 120 jobs with `run` on its embedded broker, SIGKILLs it 2 s after its
# 30th accepted POST, runs the same command again and prints the time from the second command to
# its first status, result or POST call. Usage, from the repository's root after a build:
#   docs/bench-scripts/crash-resume.sh [work folder, default /tmp/crash-resume]
set -euo pipefail
JAR=${JAR:-$PWD/tools/target/editstream-tools.jar}
WORK=${1:-/tmp/crash-resume}
PORT=${PORT:-18777}
if curl -s "http://127.0.0.1:$PORT/" > /dev/null; then echo "port $PORT is in use (set PORT)" >&2; exit 1; fi
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
cp "$OLDPWD/examples/a_products/a05_duffel_bag_white.jpg" .
for i in $(seq 1 120); do
  echo "{\"id\": \"j$i\", \"prompt\": \"Keep the bag exactly unchanged. Replace the white background with a sunlit gym floor number $i.\", \"images\": [\"a05_duffel_bag_white.jpg\"]}"
done > jobs.jsonl
java -jar "$JAR" emulator --port "$PORT" --token tok --latency-ms 4000..6000 --concurrency 20 \
  --output-dir "$WORK/emu" > emu.log 2>&1 &
EMU=$!
trap 'kill $EMU 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/_emulator/stats" > /dev/null; do sleep 0.2; done
export RUNCOMFY_MODEL_API_BASE=http://127.0.0.1:$PORT/v1 RUNCOMFY_TOKEN=tok
ARGS=(run jobs.jsonl --out out --serve-local-files --allow-download-host "127.0.0.1:$PORT")
stat() { curl -s "http://127.0.0.1:$PORT/_emulator/stats"; }
calls() { stat | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c["submit"]+c["status"]+c["result"])'; }
subs() { stat | python3 -c 'import json,sys; print(json.load(sys.stdin)["submits"])'; }
java -jar "$JAR" "${ARGS[@]}" > run1.log 2>&1 &
P=$!
for _ in $(seq 1 300); do [ "$(subs)" -ge 30 ] && break; sleep 0.2; done
sleep 2
kill -9 $P; wait $P 2>/dev/null || true
before=$(calls)
t0=$(date +%s%N)
java -jar "$JAR" "${ARGS[@]}" > run2.log 2>&1 &
P2=$!
while [ "$(calls)" = "$before" ]; do sleep 0.05; done
t1=$(date +%s%N)
echo "restart to the next API call: $(( (t1 - t0) / 1000000 )) ms"
wait $P2 || true
grep "start-up" run2.log || true
