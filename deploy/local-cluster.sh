#!/usr/bin/env bash
# Runs a Kafka broker, the RunComfy emulator and the three workers as separate processes on this
# machine, publishes a job file through them and waits for its manifest. Usage:
#   deploy/local-cluster.sh [JOBS.jsonl]      (default: examples/demo-jobs.jsonl)
# Logs and outputs go to ./local-cluster/. Ctrl-C stops everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${1:-$root/examples/demo-jobs.jsonl}"
work="$PWD/local-cluster"; mkdir -p "$work"
es="$root/editstream"
"$es" --version >/dev/null   # builds on first run
export RUNCOMFY_TOKEN="local-$RANDOM$RANDOM" RUNCOMFY_MODEL_API_BASE="http://127.0.0.1:18080/v1"
export EDITSTREAM_ASSET_KEY="${EDITSTREAM_ASSET_KEY:-local-cluster-asset-key-$RANDOM$RANDOM}"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$es" broker --port 19092 --controller-port 19093 --data-dir "$work/kafka" >"$work/broker.log" 2>&1 & pids+=($!)
"$es" emulator --port 18080 --token "$RUNCOMFY_TOKEN" --output-dir "$work/emulator" --rate-429 0.05 --rate-5xx 0.05 >"$work/emulator.log" 2>&1 & pids+=($!)
"$es" assets --port 18181 >"$work/assets.log" 2>&1 & pids+=($!)
sleep 5
b=(--bootstrap-servers localhost:19092)
"$es" router-worker "${b[@]}" --asset-server 127.0.0.1:18181 --instance-id local-router >"$work/router.log" 2>&1 & pids+=($!)
"$es" poller-worker "${b[@]}" --instance-id local-poller >"$work/poller.log" 2>&1 & pids+=($!)
"$es" downloader-worker "${b[@]}" --allow-download-host 127.0.0.1:18080 --out "$work/out" --instance-id local-downloader >"$work/downloader.log" 2>&1 & pids+=($!)
sleep 3
"$es" produce "$jobs" "${b[@]}" --allow-input "$root/examples" || true
echo "outputs: $work/out (manifest.jsonl grows as jobs finish); Ctrl-C to stop"
wait
