#!/usr/bin/env bash
# The alignment demo in one command: build the Brown genre task, pretrain, SFT, DPO, and measure held-out accuracy
# after each stage (the model picks the most likely of the genre words). Writes runs/NAME-results.md.
#   conf/recipes/demo.sh [NAME]      (NAME defaults to "demo"; a stage whose run exists is resumed, so a rerun
#                                     finishes an interrupted pipeline and re-measures a finished one)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
name="${1:-demo}"
task="runs/$name-task"
results="runs/$name-results.md"

stage() { # stage NAME RECIPE [--set ...]: train one stage (or finish it, if a run of that name exists), measure it
  local stage="$1" recipe="$2"; shift 2
  local start=$SECONDS resume=()
  [[ -f "runs/$name-$stage/config.conf" ]] && resume=(--resume)
  ./cohort train --no-progress "${resume[@]}" --config "conf/recipes/$recipe.conf" --set "run.name=$name-$stage" "$@" \
    >/dev/null
  local trained=$((SECONDS - start))
  local line
  line=$(./cohort accuracy --run "runs/$name-$stage" --choices "$task/held-out.jsonl")
  echo "$line"
  local accuracy steps
  accuracy=$(sed -E 's/.*"accuracy":([0-9.]+).*/\1/' <<<"$line")
  steps=$(sed -E 's/.*"checkpoint_step":([0-9]+).*/\1/' <<<"$line")
  printf '| %s | %s | %s | %.3f |\n' "$stage" "$steps" "$trained" "$accuracy" >>"$results"
}

./cohort task --out "$task"
{
  echo "| stage | steps | train wall s | held-out accuracy |"
  echo "| --- | --- | --- | --- |"
} >"$results"
stage pretrain pretrain
stage sft sft --set "recipe.init-from=runs/$name-pretrain" --set "recipe.examples=$task/sft.jsonl"
stage dpo dpo --set "recipe.init-from=runs/$name-sft" --set "recipe.examples=$task/dpo.jsonl"
cat "$results"
