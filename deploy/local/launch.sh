#!/usr/bin/env bash
# N workers on this host, started as separate processes that join a coordinator, exactly as the ssh, Slurm and
# Kubernetes launchers do on several hosts. Every node announces its metrics endpoint (a free port) in
# deploy/prometheus/targets/, where deploy/prometheus/prometheus.yml looks.
#
#   deploy/local/launch.sh -n 2 -- --config conf/model/tiny.conf --set train.steps=50 --set run.name=local2
#
# Options: -n WORKERS (default 2), -p COORDINATOR_PORT (default 25520). Everything after -- goes to
# `cohort train`. COHORT names the launcher to run (default: ./cohort of this checkout).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cohort="${COHORT:-$root/cohort}"
targets="${COHORT_TARGETS:-$root/deploy/prometheus/targets}"
workers=2
port=25520

while getopts "n:p:h" opt; do
  case "$opt" in
    n) workers="$OPTARG" ;;
    p) port="$OPTARG" ;;
    *) sed -n '2,11p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift

worker_pids=()
stop_workers() {
  for pid in "${worker_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_workers EXIT

"$cohort" train --workers "$workers" --external-workers \
  --set cluster.host=127.0.0.1 --set cluster.coordinator-port="$port" \
  --set metrics.targets-dir="\"$targets\"" "$@" &
coordinator=$!

for ((i = 0; i < workers; i++)); do
  "$cohort" worker --join "127.0.0.1:$port" --host 127.0.0.1 --port 0 --parent-pid "$coordinator" \
    --metrics-host 127.0.0.1 --metrics-port 0 --metrics-targets "$targets" &
  worker_pids+=("$!")
done

wait "$coordinator"
