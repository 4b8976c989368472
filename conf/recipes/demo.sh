#!/usr/bin/env bash
# The alignment demo in one command: build the Brown genre task, pretrain, SFT, DPO, and measure held-out accuracy
# after each stage (the model picks the most likely of the genre words). Writes runs/NAME-results.md.
#   conf/recipes/demo.sh [NAME]      (NAME defaults to "demo"; existing runs of that name are not overwritten)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
name="${1:-demo}"
task="runs/$name-task"
results="runs/$name-results.md"

stage() { # stage NAME RECIPE [--set ...]: train one stage, then measure its held-out accuracy
  local stage="$1" recipe="$2"; shift 2
  local start=$SECONDS
  ./cohort train --no-progress --config "conf/recipes/$recipe.conf" --set "run.name=$name-$stage" "$@" >/dev/null
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
