#!/usr/bin/env bash
# N workers on this host, started as separate processes that join a coordinator, exactly as the ssh, Slurm and
# Kubernetes launchers do on several hosts, and a standby coordinator: if the coordinator process dies, the
# standby continues the run from its newest checkpoint on the same workers. Every node announces its metrics
# endpoint in deploy/prometheus/targets/, where deploy/prometheus/prometheus.yml looks.
#
#   deploy/local/launch.sh -n 2 -- --config conf/model/tiny.conf --set train.steps=50 --set run.name=local2
#
# Options: -n WORKERS (default 2), -p COORDINATOR_PORT (default 25520). Everything after -- goes to
# `cohort train`. COHORT names the launcher to run (default: ./cohort of this checkout). On a GPU host, export
# CUDA_VISIBLE_DEVICES=0,1,... and pass --set train.device=gpu: worker i sees only the (i mod count)-th of them,
# as `cohort train --workers N` gives its workers.
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
    *) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift

pids=()
# shellcheck disable=SC2317  # run by the EXIT trap
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

"$cohort" train --workers "$workers" --external-workers \
  --set cluster.host=127.0.0.1 --set cluster.coordinator-port="$port" \
  --set metrics.targets-dir="\"$targets\"" "$@" &
coordinator=$!
# The standby: the same run and settings, its metrics on a free port (the last --set of a key wins).
"$cohort" train --workers "$workers" --external-workers --standby "127.0.0.1:$port" \
  --set cluster.host=127.0.0.1 --set metrics.targets-dir="\"$targets\"" "$@" --set metrics.port=0 &
standby=$!
pids+=("$coordinator" "$standby")

# The workers watch this script, not the coordinator: they must outlive a lost coordinator.
IFS=, read -r -a gpus <<< "${CUDA_VISIBLE_DEVICES:-}"
for ((i = 0; i < workers; i++)); do
  if (( ${#gpus[@]} > 0 )); then export CUDA_VISIBLE_DEVICES="${gpus[i % ${#gpus[@]}]}"; fi
  "$cohort" worker --join "127.0.0.1:$port" --host 127.0.0.1 --port 0 --parent-pid "$$" \
    --metrics-host 127.0.0.1 --metrics-port 0 --metrics-targets "$targets" &
  pids+=("$!")
done

# The run's outcome: the coordinator's, or the standby's if the coordinator was lost. The standby ends by itself
# once the run is done (it takes over when the coordinator leaves, finds the last checkpoint and stops).
status=0
wait "$coordinator" || status=$?
standby_status=0
wait "$standby" || standby_status=$?
(( status == 0 )) || status=$standby_status
exit "$status"
