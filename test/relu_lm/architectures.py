"""The two byte-level ReLU decoder LMs, in plain PyTorch so that the ONNX
export is simple and under our control.

- `opt`: OPT-like. Learned positions, pre-LayerNorm blocks with biases,
  FFN `y = relu(x W1 + b1) W2 + b2`.
- `llama`: LLaMA-like. Rotary embeddings, RMSNorm, no biases, gated FFN
  `y = (relu(x Wg) * (x Wu)) Wd` (ReLU-LLaMA / ProSparse form).

Both run in two modes: `forward(ids)` (prefill: ids [batch, seq] -> logits)
and `forward(ids, past)` (one decode step: ids [batch, 1] plus each layer's
past keys and values [batch, heads, past, head_dim] -> logits and the
present keys and values, one position longer).

`record` (a list, or None) collects each FFN's ReLU output, for the density
measurements.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

VOCAB = 256
CONFIGS = {
    # d_ff = 4 d (OPT's ratio).
    "opt": dict(layers=4, d_model=192, heads=6, d_ff=768, context=128),
    # d_ff = 2/3 * 4 d, LLaMA's rule: three projections instead of two, the
    # same FFN parameter count as opt.
    "llama": dict(layers=4, d_model=192, heads=6, d_ff=512, context=128),
}


class RMSNorm(torch.nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(torch.nn.Module):
    def __init__(self, cfg, bias, rotary):
        super().__init__()
        d, self.heads = cfg["d_model"], cfg["heads"]
        self.head_dim = d // self.heads
        self.q = torch.nn.Linear(d, d, bias=bias)
        self.k = torch.nn.Linear(d, d, bias=bias)
        self.v = torch.nn.Linear(d, d, bias=bias)
        self.o = torch.nn.Linear(d, d, bias=bias)
        self.rotary = rotary

    def split(self, x):
        b, s, _ = x.shape
        return x.reshape(b, s, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, mask, rope, past):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        if self.rotary:
            cos, sin = rope
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        if mask is not None:
            scores = scores + mask
        y = torch.matmul(torch.softmax(scores, dim=-1), v)
        b, _, s, _ = y.shape
        y = y.transpose(1, 2).reshape(b, s, self.heads * self.head_dim)
        return self.o(y), (k, v)


class ReluFFN(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc1 = torch.nn.Linear(cfg["d_model"], cfg["d_ff"])
        self.fc2 = torch.nn.Linear(cfg["d_ff"], cfg["d_model"])

    def forward(self, x, record):
        h = torch.relu(self.fc1(x))
        if record is not None:
            record.append(h)
        return self.fc2(h)


class GatedReluFFN(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, f = cfg["d_model"], cfg["d_ff"]
        self.gate = torch.nn.Linear(d, f, bias=False)
        self.up = torch.nn.Linear(d, f, bias=False)
        self.down = torch.nn.Linear(f, d, bias=False)

    def forward(self, x, record):
        g = torch.relu(self.gate(x))
        if record is not None:
            record.append(g)
        return self.down(g * self.up(x))


class Block(torch.nn.Module):
    def __init__(self, cfg, arch):
        super().__init__()
        d = cfg["d_model"]
        if arch == "opt":
            self.norm1, self.norm2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
            self.attn = Attention(cfg, bias=True, rotary=False)
            self.ffn = ReluFFN(cfg)
        else:
            self.norm1, self.norm2 = RMSNorm(d), RMSNorm(d)
            self.attn = Attention(cfg, bias=False, rotary=True)
            self.ffn = GatedReluFFN(cfg)

    def forward(self, x, mask, rope, past, record):
        a, present = self.attn(self.norm1(x), mask, rope, past)
        x = x + a
        return x + self.ffn(self.norm2(x), record), present


class DecoderLM(torch.nn.Module):
    def __init__(self, arch):
        super().__init__()
        cfg = CONFIGS[arch]
        self.arch, self.cfg = arch, cfg
        d, n = cfg["d_model"], cfg["context"]
        self.embed = torch.nn.Embedding(VOCAB, d)
        if arch == "opt":
            self.positions = torch.nn.Embedding(n, d)
            self.norm = torch.nn.LayerNorm(d)
        else:
            self.norm = RMSNorm(d)
            hd = d // cfg["heads"]
            inv = 1.0 / (10000.0 ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
            angles = torch.outer(torch.arange(n, dtype=torch.float32), inv)
            angles = torch.cat((angles, angles), dim=-1)
            # Tables, not computed per call: the export slices them.
            self.register_buffer("cos", angles.cos(), persistent=False)
            self.register_buffer("sin", angles.sin(), persistent=False)
        self.blocks = torch.nn.ModuleList(Block(cfg, arch) for _ in range(cfg["layers"]))
        self.lm_head = torch.nn.Linear(d, VOCAB, bias=False)
        causal = torch.full((n, n), torch.finfo(torch.float32).min).triu(1)
        self.register_buffer("causal", causal, persistent=False)
        self.reset_parameters()

    def reset_parameters(self):
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02
                # GPT-2's scaling of the projections into the residual stream.
                if name.endswith(("o.weight", "fc2.weight", "down.weight")):
                    std /= math.sqrt(2 * self.cfg["layers"])
                torch.nn.init.normal_(p, std=std)
            elif name.endswith("bias"):
                torch.nn.init.zeros_(p)

    def forward(self, ids, past=None, record=None):
        seq = ids.shape[1]
        start = 0 if past is None else past[0][0].shape[2]
        x = self.embed(ids)
        if self.arch == "opt":
            x = x + self.positions.weight[start:start + seq]
            rope = None
        else:
            rope = (self.cos[start:start + seq], self.sin[start:start + seq])
        # One new token attends to every past position: no mask.
        mask = self.causal[:seq, :seq] if past is None else None
        presents = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, mask, rope, None if past is None else past[i], record)
            presents.append(present)
        logits = self.lm_head(self.norm(x))
        return logits if past is None else (logits, presents)


def save_weights(model, path):
    """The state dict as float16 arrays (compressed .npz)."""
    arrays = {k: v.detach().to(torch.float16).numpy() for k, v in model.state_dict().items()}
    np.savez_compressed(path, **arrays)


def load_model(arch, path):
    model = DecoderLM(arch)
    with np.load(path) as f:
        state = {k: torch.from_numpy(f[k].astype(np.float32)) for k in f.files}
    model.load_state_dict(state)
    return model.eval()
