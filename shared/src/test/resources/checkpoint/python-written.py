# Regenerates python-written.safetensors, the interoperability fixture read by SafetensorsTest:
#   python3 python-written.py   (needs numpy and safetensors; written with safetensors 0.8.0)
import numpy as np
from safetensors.numpy import save_file

save_file(
    {
        "model.embed_tokens.weight": np.array([[1.5, -2.0], [3.25, 4.0]], dtype=np.float32),
        "exp_avg.model.norm.weight": np.array([0.125, -1e300, 7.0], dtype=np.float64),
        "data.position": np.array([3, -1, 1 << 40], dtype=np.int64),
        "model.scalar": np.array(2.5, dtype=np.float32),
    },
    "python-written.safetensors",
    metadata={"written_by": "python"},
)
