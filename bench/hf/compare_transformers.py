"""Loads each exported directory with transformers' AutoModelForCausalLM and compares its float32 logits with
Cohort's (cohort_logits.safetensors beside the weights). Prints one JSON line per model; exits 1 on a mismatch."""
import json
import sys

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

TOLERANCE = 1e-5  # float32 rounding of logits of order one; a wrong weight or name is off by orders more

failed = False
for directory in sys.argv[1:]:
    reference = load_file(f"{directory}/cohort_logits.safetensors")
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        logits = model(reference["tokens"]).logits
    gap = (logits - reference["logits"]).abs().max().item()
    failed |= gap > TOLERANCE
    print(json.dumps({"model": directory, "class": type(model).__name__, "max_abs_logit_gap": gap}))
sys.exit(1 if failed else 0)
