"""Loads each exported directory with transformers' AutoModelForCausalLM and AutoTokenizer and compares the float32
logits and the sample text's token ids with Cohort's (cohort_logits.safetensors beside the weights). Prints one JSON
line per model; exits 1 on a mismatch."""
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

TOLERANCE = 1e-5  # float32 rounding of logits of order one; a wrong weight or name is off by orders more

failed = False
for directory in sys.argv[1:]:
    reference = load_file(f"{directory}/cohort_logits.safetensors")
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        logits = model(reference["tokens"]).logits
    gap = (logits - reference["logits"]).abs().max().item()
    with safe_open(f"{directory}/cohort_logits.safetensors", "pt") as f:
        text = f.metadata()["sample_text"]
    same_ids = AutoTokenizer.from_pretrained(directory).encode(text) == reference["sample_ids"].tolist()
    failed |= gap > TOLERANCE or not same_ids
    print(json.dumps({"model": directory, "class": type(model).__name__, "max_abs_logit_gap": gap,
                      "tokenizer_ids_equal": same_ids}))
sys.exit(1 if failed else 0)
