#!/usr/bin/env bash
# One worker per line of a hosts file, started over ssh; the coordinator runs on the first host, a standby
# coordinator on the next other host of the file (on the first one if there is no other): if the coordinator is
# lost, the standby continues the run from its newest checkpoint on the same workers. Each host needs this
# checkout at the same path (COHORT_DIR, default: this one) with its jars built, and the prepared corpus at the
# configured data.prepared path (a shared file system, or run `cohort prepare` on each host first).
#
#   deploy/ssh/launch.sh -f hosts.txt -- --config conf/model/demo-25m.conf --set run.name=ssh4
#
# hosts.txt: one address per line, reachable from every other host; repeat a host for several workers on it
# ('#' starts a comment). Workers on one host get metrics ports WORKER_METRICS_PORT, +1, ... (default 9401);
# the coordinator serves metrics on METRICS_PORT (default 9400), the standby on STANDBY_METRICS_PORT (default
# 9399). The launcher writes one Prometheus file_sd targets file per node into deploy/prometheus/targets/.
# Options: -f HOSTS, -p COORDINATOR_PORT (default 25520), -d (dry run: print the commands). Everything after --
# goes to `cohort train`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${COHORT_DIR:-$root}"
targets="${COHORT_TARGETS:-$root/deploy/prometheus/targets}"
metrics_port="${METRICS_PORT:-9400}"
standby_metrics_port="${STANDBY_METRICS_PORT:-9399}"
worker_metrics_port="${WORKER_METRICS_PORT:-9401}"
hosts_file=""
port=25520
dry_run=0

while getopts "f:p:dh" opt; do
  case "$opt" in
    f) hosts_file="$OPTARG" ;;
    p) port="$OPTARG" ;;
    d) dry_run=1 ;;
    *) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift
[[ -f "$hosts_file" ]] || { echo "error: hosts file not found: '$hosts_file' (pass -f HOSTS)" >&2; exit 2; }

hosts=()
while read -r line; do
  line="${line%%#*}"
  line="${line//[[:space:]]/}"
  [[ -n "$line" ]] && hosts+=("$line")
done < "$hosts_file"
(( ${#hosts[@]} > 0 )) || { echo "error: no hosts in $hosts_file" >&2; exit 2; }
coordinator="${hosts[0]}"
standby="$coordinator"
for host in "${hosts[@]}"; do
  if [[ "$host" != "$coordinator" ]]; then standby="$host"; break; fi
done

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# Starts a command on a host in the background (or prints it in a dry run), quoted for the remote shell.
remote() {
  local host="$1"
  shift
  local command
  command="cd $(printf '%q' "$dir") && $(printf '%q ' "$@")"
  if (( dry_run )); then
    echo "ssh $host $command"
  else
    ssh -o BatchMode=yes "$host" "$command" &
    pids+=("$!")
  fi
}

# A file_sd targets file for one node: Prometheus scrapes HOST:PORT with the node's role as a label.
announce() {
  local role="$1" host="$2" metrics="$3"
  mkdir -p "$targets"
  printf '[{"targets": ["%s:%s"], "labels": {"role": "%s"}}]\n' "$host" "$metrics" "$role" \
    > "$targets/$role-$host-$metrics.json"
}

announce coordinator "$coordinator" "$metrics_port"
remote "$coordinator" ./cohort train --workers "${#hosts[@]}" --external-workers \
  --set cluster.host="\"$coordinator\"" --set cluster.coordinator-port="$port" \
  --set metrics.host="\"$coordinator\"" --set metrics.port="$metrics_port" "$@"
announce coordinator "$standby" "$standby_metrics_port"
remote "$standby" ./cohort train --workers "${#hosts[@]}" --external-workers --standby "$coordinator:$port" \
  --set cluster.host="\"$standby\"" --set metrics.host="\"$standby\"" "$@" \
  --set metrics.port="$standby_metrics_port"

declare -A on_host=()
for host in "${hosts[@]}"; do
  index="${on_host[$host]:-0}"
  on_host[$host]=$((index + 1))
  metrics=$((worker_metrics_port + index))
  announce worker "$host" "$metrics"
  remote "$host" ./cohort worker --join "$coordinator:$port" --host "$host" --port 0 \
    --metrics-host "$host" --metrics-port "$metrics"
done

# The run's outcome: the coordinator's, or the standby's if the coordinator was lost (the standby ends by itself
# once the run is done).
if (( ! dry_run )); then
  status=0
  wait "${pids[0]}" || status=$?
  standby_status=0
  wait "${pids[1]}" || standby_status=$?
  (( status == 0 )) || status=$standby_status
  exit "$status"
fi
