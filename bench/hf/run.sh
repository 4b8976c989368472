#!/usr/bin/env bash
# Checks `./cohort export` against Hugging Face transformers: exports random tiny Mixtral, Qwen2-MoE and LLaMA
# models with Cohort's logits beside them, loads each with AutoModelForCausalLM and compares the logits.
# Usage: bench/hf/run.sh [OUT_DIR]   (needs a python with torch and transformers: HF_PYTHON=/path/to/python)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
readonly HF_PYTHON="${HF_PYTHON:-python3}"
readonly OUT="${1:-$(mktemp -d)}"

if ! "$HF_PYTHON" -c 'import torch, transformers' 2>/dev/null; then
  echo "no torch + transformers in $HF_PYTHON: pip install torch transformers, then HF_PYTHON=..." >&2
  exit 1
fi
[[ -f "$ROOT/cli/target/cohort.jar" ]] || (cd "$ROOT" && mvn -B -q -DskipTests package)
CLASSPATH="$ROOT/cli/target/cohort.jar:$(printf '%s:' "$ROOT"/cli/target/lib/*.jar)"
java -Dai.djl.offline=true -cp "$CLASSPATH" "$ROOT/bench/hf/ExportCases.java" "$OUT" "$ROOT/conf/model/tiny.conf"
"$HF_PYTHON" "$ROOT/bench/hf/compare_transformers.py" "$OUT/mixtral" "$OUT/qwen2moe" "$OUT/llama"
