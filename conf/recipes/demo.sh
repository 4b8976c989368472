#!/usr/bin/env bash
# The alignment demo in one command: build the Brown genre task, pretrain, SFT, DPO, and measure dev and held-out
# accuracy after each stage (the model picks the most likely of the genre words). Writes runs/NAME-results.md.
#   conf/recipes/demo.sh [--dense] [NAME]
# NAME defaults to "demo" ("demo-dense" with --dense: the same stages on the dense twin, conf/recipes/dense). A stage
# whose run exists is resumed, so a rerun finishes an interrupted pipeline and re-measures a finished one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
recipes=conf/recipes
name=demo
if [[ "${1:-}" == "--dense" ]]; then
  recipes=conf/recipes/dense
  name=demo-dense
  shift
fi
name="${1:-$name}"
task="runs/$name-task"
results="runs/$name-results.md"

stage() { # stage NAME RECIPE [--set ...]: train one stage (or finish it, if a run of that name exists), measure it
  local stage="$1" recipe="$2"; shift 2
  local start=$SECONDS resume=()
  [[ -f "runs/$name-$stage/config.conf" ]] && resume=(--resume)
  ./cohort train --no-progress "${resume[@]}" --config "$recipes/$recipe.conf" --set "run.name=$name-$stage" "$@" \
    >/dev/null
  local trained=$((SECONDS - start))
  local dev held steps
  dev=$(accuracy "$stage" dev)
  held=$(accuracy "$stage" held-out)
  steps=$(sed -E 's/.*"checkpoint_step":([0-9]+).*/\1/' <<<"$held")
  printf '| %s | %s | %s | %.3f | %.3f |\n' "$stage" "$steps" "$trained" "$(score "$dev")" "$(score "$held")" \
    >>"$results"
}

accuracy() { # accuracy STAGE SPLIT: the JSON line of `cohort accuracy` on one split of the task
  local line
  line=$(./cohort accuracy --run "runs/$name-$1" --choices "$task/$2.jsonl")
  echo "$1 $2: $line" >&2
  echo "$line"
}

score() { sed -E 's/.*"accuracy":([0-9.]+).*/\1/' <<<"$1"; }

./cohort task --out "$task"
{
  echo "| stage | steps | train wall s | dev accuracy | held-out accuracy |"
  echo "| --- | --- | --- | --- | --- |"
} >"$results"
stage pretrain pretrain
stage sft sft --set "recipe.init-from=runs/$name-pretrain" --set "recipe.examples=$task/sft.jsonl" \
  --set "recipe.eval-examples=$task/dev.jsonl"
stage dpo dpo --set "recipe.init-from=runs/$name-sft" --set "recipe.examples=$task/dpo.jsonl" \
  --set "recipe.eval-examples=$task/dev-dpo.jsonl"
cat "$results"
