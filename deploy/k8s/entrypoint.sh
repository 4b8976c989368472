#!/usr/bin/env bash
# The container's command in the cohort StatefulSet: pod cohort-0 is the coordinator, cohort-1 a standby
# coordinator (if cohort-0 is lost, it continues the run from the newest checkpoint in the shared runs/ volume),
# every other ordinal a worker; cohort-1 and the workers join cohort-0 through the headless Service's stable DNS
# name (the seed). Settings come from the environment the StatefulSet sets: WORKERS, SERVICE (the headless
# Service's name), POD_NAME, POD_IP, COHORT_ARGS (more options for `cohort train`, split on spaces) and, for GPU
# workers, WORKER_DEVICE (cpu, gpu or gpu:N: each worker's `cohort worker --device`).
set -euo pipefail

ordinal="${POD_NAME##*-}"
seed="${POD_NAME%-*}-0.${SERVICE:?}:25520"
read -r -a train_args <<< "${COHORT_ARGS:-}"

if [[ "$ordinal" == "0" ]]; then
  exec ./cohort train --workers "${WORKERS:?}" --external-workers --no-progress \
    --set cluster.host="\"${POD_NAME}.${SERVICE}\"" --set cluster.coordinator-port=25520 \
    --set 'metrics.host="0.0.0.0"' --set metrics.port=9400 "${train_args[@]}"
fi
if [[ "$ordinal" == "1" ]]; then
  exec ./cohort train --workers "${WORKERS:?}" --external-workers --no-progress --standby "$seed" \
    --set cluster.host="\"${POD_NAME}.${SERVICE}\"" \
    --set 'metrics.host="0.0.0.0"' --set metrics.port=9400 "${train_args[@]}"
fi
device_args=()
if [[ -n "${WORKER_DEVICE:-}" ]]; then device_args=(--device "$WORKER_DEVICE"); fi
exec ./cohort worker --join "$seed" --host "${POD_IP:?}" --port 25520 \
  --metrics-host 0.0.0.0 --metrics-port 9400 "${device_args[@]}"
