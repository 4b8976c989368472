#!/usr/bin/env bash
# The routing comparison of docs/RESULTS.md in one command: the dense twin, the MoE balanced by the auxiliary loss,
# the MoE balanced by DeepSeek-V3's bias, and Doge's CDMoE, each trained on the default corpus and tokenizer with the
# same tokens and the same active parameters per token (conf/recipes/compare/), once per seed, then charted.
#   conf/recipes/compare.sh [SEED ...]      (default seeds: 1337 2024; runs/compare-MODEL-SEED, runs/compare-plots)
# A seed also draws the validation split, so each seed prepares its own copy of the corpus; the models of one seed
# share it and are compared on the same validation documents. A run that exists is resumed (finished ones return).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
models=(dense moe-aux moe-bias cdmoe)
seeds=("$@")
[[ ${#seeds[@]} -eq 0 ]] && seeds=(1337 2024)

for seed in "${seeds[@]}"; do
  for model in "${models[@]}"; do
    run="compare-$model-$seed"
    resume=()
    [[ -f "runs/$run/config.conf" ]] && resume=(--resume)
    ./cohort train --no-progress "${resume[@]}" --config "conf/recipes/compare/$model.conf" --set "run.name=$run" \
      --set "run.seed=$seed" --set "data.prepared=runs/data/brown-8k-seed$seed" >/dev/null
    echo "trained $run" >&2
  done
done

plots=()
for model in "${models[@]}"; do
  for seed in "${seeds[@]}"; do plots+=(--run "runs/compare-$model-$seed"); done
done
./cohort plot --output runs/compare-plots "${plots[@]}"
