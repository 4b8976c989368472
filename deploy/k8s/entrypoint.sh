#!/usr/bin/env bash
# The container's command in the cohort StatefulSet: pod cohort-0 is the coordinator, every other ordinal a worker
# that joins it through the headless Service's stable DNS name (the seed). Settings come from the environment the
# StatefulSet sets: WORKERS, SERVICE (the headless Service's name), POD_NAME, POD_IP, and COHORT_ARGS (more
# options for `cohort train`, split on spaces).
set -euo pipefail

ordinal="${POD_NAME##*-}"
seed="${POD_NAME%-*}-0.${SERVICE:?}:25520"
read -r -a train_args <<< "${COHORT_ARGS:-}"

if [[ "$ordinal" == "0" ]]; then
  exec ./cohort train --workers "${WORKERS:?}" --external-workers --no-progress \
    --set cluster.host="\"${POD_NAME}.${SERVICE}\"" --set cluster.coordinator-port=25520 \
    --set 'metrics.host="0.0.0.0"' --set metrics.port=9400 "${train_args[@]}"
fi
exec ./cohort worker --join "$seed" --host "${POD_IP:?}" --port 25520 \
  --metrics-host 0.0.0.0 --metrics-port 9400
