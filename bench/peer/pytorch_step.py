#!/usr/bin/python3
"""PyTorch eager peer of `./cohort bench step`: times full training steps of the same MoE decoder.

The model mirrors dev.cohort.model (Mixtral-style, float32, tied embedding) op for op where it matters for
speed: attention is matmul + additive causal mask + softmax + matmul (the Java side has no fused kernel),
experts run on contiguous blocks of expert-sorted tokens. Prints one JSON line.
Weight names follow Hugging Face's Mixtral so a reader can map them to the Java model and to checkpoints.
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import time
from dataclasses import dataclass

# libgomp reads this once, when torch loads it. Its default (spin after each parallel region) starves OpenBLAS's
# own threads on 2 cores: 2 threads measured 2.4 s/step spinning against 1.1 s passive.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402 (must follow the environment above)
import torch.nn.functional as F
from torch import nn

ROPE_THETA = 10000.0
RMS_NORM_EPS = 1e-5
INIT_STD = 0.02  # GPT-2's normal init, as cohort.model.init-std
AUX_LOSS_WEIGHT = 0.01  # Switch / Mixtral load-balancing loss
Z_LOSS_WEIGHT = 0.001  # router z-loss (ST-MoE)
LR = 1e-3
BETAS = (0.9, 0.95)
WEIGHT_DECAY = 0.1
ADAM_EPS = 1e-8
GRAD_CLIP_NORM = 1.0
ADAMW_FOREACH = False  # one chain of small kernels per parameter, as a hand-written optimizer does; see adamw_impl
SEED = 1234
OPENBLAS_LIBRARY = "libopenblas.so.0"  # Debian's alternative; the pthread flavour with libopenblas0-pthread


@dataclass(frozen=True)
class Shape:
    vocab: int  # rows of the embedding and of the tied LM head
    d: int  # model width
    layers: int  # decoder layers, every one with an MoE block
    heads: int  # query heads
    kv_heads: int  # key/value heads (grouped-query attention); divides heads
    ffn: int  # hidden width of one expert's SwiGLU
    experts: int  # routed experts per layer (E)
    topk: int  # experts per token (k)
    batch: int
    seq: int

    @property
    def head_dim(self):
        return self.d // self.heads


class RmsNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_NORM_EPS) * self.weight


class Rope(nn.Module):
    """Rotary position embedding, rotate-half convention (GPT-NeoX / Llama in Hugging Face)."""

    def __init__(self, head_dim, seq):
        super().__init__()
        inv_freq = ROPE_THETA ** (-torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)  # (hd/2)
        angles = torch.outer(torch.arange(seq, dtype=torch.float32), inv_freq)  # (T, hd/2)
        angles = torch.cat([angles, angles], dim=-1)  # (T, hd)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)

    def forward(self, x):  # x: (B, heads, T, hd)
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * self.cos + rotated * self.sin


def sdpa_function():
    """(name, fused attention function) if this torch has one (public from 2.0, private in 1.13), else None."""
    if hasattr(F, "scaled_dot_product_attention"):
        return "F.scaled_dot_product_attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)
    if hasattr(F, "_scaled_dot_product_attention"):
        return "F._scaled_dot_product_attention", \
            lambda q, k, v: F._scaled_dot_product_attention(q, k, v, is_causal=True)[0]
    return None


class Attention(nn.Module):
    def __init__(self, shape, rope):
        super().__init__()
        self.shape = shape
        self.rope = rope
        kv_width = shape.kv_heads * shape.head_dim
        self.q_proj = nn.Linear(shape.d, shape.d, bias=False)
        self.k_proj = nn.Linear(shape.d, kv_width, bias=False)
        self.v_proj = nn.Linear(shape.d, kv_width, bias=False)
        self.o_proj = nn.Linear(shape.d, shape.d, bias=False)
        causal = torch.full((shape.seq, shape.seq), float("-inf")).triu(1)  # (T, T): 0 on and below diagonal
        self.register_buffer("causal_mask", causal, persistent=False)
        self.sdpa = None  # set by use_sdpa(); None means plain matmul-softmax-matmul

    def forward(self, x):  # x: (B, T, d)
        s = self.shape
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, s.heads, s.head_dim).transpose(1, 2)  # (B, H, T, hd)
        k = self.k_proj(x).view(b, t, s.kv_heads, s.head_dim).transpose(1, 2)  # (B, KV, T, hd)
        v = self.v_proj(x).view(b, t, s.kv_heads, s.head_dim).transpose(1, 2)  # (B, KV, T, hd)
        q, k = self.rope(q), self.rope(k)
        group = s.heads // s.kv_heads  # query head h reads kv head h // group
        k = k.repeat_interleave(group, dim=1)  # (B, H, T, hd)
        v = v.repeat_interleave(group, dim=1)  # (B, H, T, hd)
        if self.sdpa is None:
            scores = q @ k.transpose(-2, -1) / math.sqrt(s.head_dim) + self.causal_mask  # (B, H, T, T)
            y = scores.softmax(dim=-1) @ v  # (B, H, T, hd)
        else:
            y = self.sdpa(q, k, v)  # (B, H, T, hd)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, s.d))  # (B, T, d)


class Expert(nn.Module):
    """SwiGLU feed-forward: w2(silu(w1 x) * w3 x)."""

    def __init__(self, d, ffn):
        super().__init__()
        self.w1 = nn.Linear(d, ffn, bias=False)
        self.w2 = nn.Linear(ffn, d, bias=False)
        self.w3 = nn.Linear(d, ffn, bias=False)

    def forward(self, x):  # x: (n, d)
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class MoeBlock(nn.Module):
    """Dropless top-k routing; returns the output and this layer's weighted router losses."""

    def __init__(self, shape):
        super().__init__()
        self.shape = shape
        self.gate = nn.Linear(shape.d, shape.experts, bias=False)
        self.experts = nn.ModuleList(Expert(shape.d, shape.ffn) for _ in range(shape.experts))

    def forward(self, x):  # x: (B, T, d)
        s = self.shape
        tokens = x.reshape(-1, s.d)  # (N, d)
        logits = self.gate(tokens)  # (N, E)
        probs = logits.softmax(dim=-1)  # (N, E)
        top_w, top_e = probs.topk(s.topk, dim=-1)  # (N, k), (N, k)
        top_w = top_w / top_w.sum(dim=-1, keepdim=True)  # renormalised, Mixtral-style

        flat_e = top_e.reshape(-1)  # (N*k): assignment a belongs to token a // k
        order = flat_e.argsort()  # (N*k): assignments grouped by expert
        token_of = order // s.topk  # (N*k)
        counts = torch.bincount(flat_e, minlength=s.experts)  # (E)
        routed = tokens[token_of]  # (N*k, d)
        blocks = routed.split(counts.tolist())  # E contiguous blocks
        expert_out = torch.cat([expert(block) for expert, block in zip(self.experts, blocks)])  # (N*k, d)
        expert_out = expert_out * top_w.reshape(-1)[order].unsqueeze(-1)  # (N*k, d)
        combined = torch.zeros_like(tokens).index_add(0, token_of, expert_out)  # (N, d)

        n = tokens.shape[0]
        aux = s.experts * (counts.to(probs.dtype) / n * probs.mean(dim=0)).sum()  # counts over all k choices
        z = torch.logsumexp(logits, dim=-1).pow(2).mean()
        return combined.view_as(x), AUX_LOSS_WEIGHT * aux + Z_LOSS_WEIGHT * z


class DecoderLayer(nn.Module):
    def __init__(self, shape, rope):
        super().__init__()
        self.input_layernorm = RmsNorm(shape.d)
        self.self_attn = Attention(shape, rope)
        self.post_attention_layernorm = RmsNorm(shape.d)
        self.block_sparse_moe = MoeBlock(shape)

    def forward(self, x):  # x: (B, T, d)
        x = x + self.self_attn(self.input_layernorm(x))
        moe_out, router_loss = self.block_sparse_moe(self.post_attention_layernorm(x))
        return x + moe_out, router_loss


class Transformer(nn.Module):
    def __init__(self, shape):
        super().__init__()
        rope = Rope(shape.head_dim, shape.seq)
        self.embed_tokens = nn.Embedding(shape.vocab, shape.d)
        self.layers = nn.ModuleList(DecoderLayer(shape, rope) for _ in range(shape.layers))
        self.norm = RmsNorm(shape.d)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=INIT_STD)

    def use_sdpa(self, sdpa):
        for layer in self.layers:
            layer.self_attn.sdpa = sdpa

    def forward(self, ids, targets):  # ids, targets: (B, T)
        h = self.embed_tokens(ids)  # (B, T, d)
        router_loss = h.new_zeros(())
        for layer in self.layers:
            h, layer_loss = layer(h)
            router_loss = router_loss + layer_loss  # summed over layers, as Switch does
        logits = self.norm(h) @ self.embed_tokens.weight.t()  # (B, T, vocab): tied LM head
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)) + router_loss


def make_optimizer(model):
    """AdamW with decay on matrices only (embedding, projections, experts), not on norm weights."""
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=LR, betas=BETAS, eps=ADAM_EPS, foreach=ADAMW_FOREACH)


def timed_step(model, optimizer, ids, targets):
    """One full training step; returns wall seconds of (forward, backward, optimizer) and CPU seconds of all."""
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    loss = model(ids, targets)
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP_NORM)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, time.process_time() - cpu0


def run_steps(model, optimizer, shape, attention_modes, warmup, steps, generator):
    """Median forward, backward, optimizer and total milliseconds per attention mode.

    The modes take turns step by step, so load from other processes on this shared machine falls on all alike.
    CPU milliseconds per step show that load: with N threads on an idle machine, cpu <= N * wall, about equal.
    """
    phases = {name: [] for name in attention_modes}
    for i in range(warmup + steps):
        for name, sdpa in attention_modes.items():
            model.use_sdpa(sdpa)
            tokens = torch.randint(shape.vocab, (shape.batch, shape.seq + 1), generator=generator)  # (B, T+1)
            times = timed_step(model, optimizer, tokens[:, :-1], tokens[:, 1:])
            if i >= warmup:
                phases[name].append(times)
    median_ms = lambda values: round(statistics.median(values) * 1000.0, 2)
    return {name: {"step_ms": median_ms([sum(p[:3]) for p in timed]),
                   "forward_ms": median_ms([p[0] for p in timed]),
                   "backward_ms": median_ms([p[1] for p in timed]),
                   "optimizer_ms": median_ms([p[2] for p in timed]),
                   "step_cpu_ms": median_ms([p[3] for p in timed])}
            for name, timed in phases.items()}


def limit_blas_threads(threads):
    """Give OpenBLAS the same thread count; returns its configuration, or None if torch does not use OpenBLAS.

    Debian's torch hands matmuls to the system BLAS and torch.set_num_threads does not reach it: without this,
    a "1-thread" run multiplies on every core.
    """
    try:
        openblas = ctypes.CDLL(OPENBLAS_LIBRARY)
    except OSError:
        return None
    openblas.openblas_set_num_threads(threads)
    openblas.openblas_get_config.restype = ctypes.c_char_p
    return f"{openblas.openblas_get_config().decode()} threads={openblas.openblas_get_num_threads()}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ("vocab", "d", "layers", "heads", "kv-heads", "ffn", "experts", "topk", "batch", "seq", "threads",
                 "steps"):
        parser.add_argument("--" + flag, type=int, required=True)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps before the timed ones")
    parser.add_argument("--no-sdpa", action="store_true", help="time only matmul attention, not also fused SDPA")
    args = parser.parse_args()
    if args.d % args.heads or (args.d // args.heads) % 2:
        parser.error(f"--heads={args.heads} must divide --d={args.d} into an even head dim (RoPE)")
    if args.heads % args.kv_heads:
        parser.error(f"--kv-heads={args.kv_heads} must divide --heads={args.heads}")
    if not 1 <= args.topk <= args.experts:
        parser.error(f"--topk={args.topk} must be in [1, --experts={args.experts}]")
    if args.steps < 1:
        parser.error(f"--steps={args.steps} must be at least 1")
    return args


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    blas = limit_blas_threads(args.threads)
    torch.manual_seed(SEED)
    shape = Shape(args.vocab, args.d, args.layers, args.heads, args.kv_heads, args.ffn, args.experts, args.topk,
                  args.batch, args.seq)
    model = Transformer(shape)
    optimizer = make_optimizer(model)
    generator = torch.Generator().manual_seed(SEED)

    sdpa = None if args.no_sdpa else sdpa_function()
    modes = {"matmul": None} if sdpa is None else {"matmul": None, "sdpa": sdpa[1]}
    medians = run_steps(model, optimizer, shape, modes, args.warmup, args.steps, generator)

    result = {"impl": "pytorch-eager", "torch": torch.__version__, "threads": torch.get_num_threads()}
    result.update(medians["matmul"])
    result["tokens_per_s"] = round(shape.batch * shape.seq * 1000.0 / result["step_ms"], 1)
    if "sdpa" in medians:
        result["step_ms_sdpa"] = medians["sdpa"]["step_ms"]
        result["sdpa_impl"] = sdpa[0]
    result["params"] = sum(p.numel() for p in model.parameters())
    result["blas"] = blas or "not OpenBLAS: thread count not limited"
    result["omp_wait_policy"] = os.environ["OMP_WAIT_POLICY"]
    result["adamw_impl"] = "foreach" if ADAMW_FOREACH else "single-tensor (foreach=False)"
    result.update({"vocab": shape.vocab, "d": shape.d, "layers": shape.layers, "heads": shape.heads,
                   "kv_heads": shape.kv_heads, "ffn": shape.ffn, "experts": shape.experts, "topk": shape.topk,
                   "batch": shape.batch, "seq": shape.seq, "steps": args.steps, "warmup": args.warmup})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
