#!/usr/bin/env bash
# Times the same training step in Cohort (DJL) and in PyTorch eager, one after the other, with the same flags.
# Usage: bench/peer/run-side-by-side.sh --vocab 8192 --d 256 --layers 4 --heads 4 --kv-heads 2 --ffn 512 \
#          --experts 8 --topk 2 --batch 8 --seq 256 --threads 1 --steps 10
# Prints two JSON lines: Cohort's first, then the peer's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
# Debian's interpreter: it is the one python3-torch installs into (a pyenv python3 on PATH has no torch).
readonly PEER_PYTHON="${PEER_PYTHON:-/usr/bin/python3}"

if [[ $# -eq 0 ]]; then
  sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
if ! "$PEER_PYTHON" -c 'import torch' 2>/dev/null; then
  echo "no torch in $PEER_PYTHON: apt-get install -y python3-torch libopenblas0-pthread" >&2
  exit 1
fi

"$ROOT/cohort" bench step "$@"
"$PEER_PYTHON" "$ROOT/bench/peer/pytorch_step.py" "$@"
