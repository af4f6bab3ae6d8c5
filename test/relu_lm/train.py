#!/usr/bin/env python3
"""Trains one of the byte-level ReLU LMs (architectures.py) on the Python
standard library's sources (corpus.py) on the CPU, on one thread, and
writes its weights (float16 .npz) and a JSON of the measurements: training
time, held-out loss and bits per byte, and each FFN's activation density on
held-out text (of the float16 weights that are saved).

  nice python3 test/relu_lm/train.py --arch opt --out test/relu_lm/opt.npz
  nice python3 test/relu_lm/train.py --arch llama --out test/relu_lm/llama.npz
  python3 test/relu_lm/train.py --arch opt --evaluate test/relu_lm/opt.npz

Fixed seeds and a fixed number of steps: the same machine, Python and torch
give the same weights.
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import architectures
import corpus

BATCH = 16
EVAL_WINDOWS = 256
EVAL_SEED = 1234


def lr_at(step, steps, peak, warmup=100):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def evaluate(model, heldout):
    """Held-out loss (nats per byte) and per-layer FFN density on
    EVAL_WINDOWS windows of the context length."""
    n = model.cfg["context"]
    data = torch.from_numpy(corpus.windows(heldout, EVAL_WINDOWS, n + 1, EVAL_SEED))
    total, count = 0.0, 0
    layers = model.cfg["layers"]
    active = [0.0] * layers          # sum over tokens of the active fraction
    ever = [None] * layers           # neurons active on some token
    tokens = 0
    for chunk in data.split(32):
        record = []
        logits = model(chunk[:, :-1], record=record)
        loss = F.cross_entropy(logits.reshape(-1, architectures.VOCAB),
                               chunk[:, 1:].reshape(-1), reduction="sum")
        total += float(loss)
        count += chunk[:, 1:].numel()
        for i, h in enumerate(record):
            on = (h > 0).reshape(-1, h.shape[-1])
            active[i] += float(on.float().mean(1).sum())
            e = on.any(0)
            ever[i] = e if ever[i] is None else ever[i] | e
        tokens += chunk[:, :-1].numel()
    loss = total / count
    return {
        "heldout_loss_nats": round(loss, 4),
        "heldout_bits_per_byte": round(loss / math.log(2), 4),
        "heldout_tokens": count,
        "density_per_layer": [round(a / tokens, 4) for a in active],
        "never_active_per_layer": [round(1 - float(e.float().mean()), 4) for e in ever],
    }


def train(arch, steps, peak_lr, out):
    torch.manual_seed(0)
    train_data, train_files = corpus.load("train")
    heldout, heldout_files = corpus.load("heldout")
    model = architectures.DecoderLM(arch)
    decay = [p for p in model.parameters() if p.dim() == 2]
    other = [p for p in model.parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": other, "weight_decay": 0.0}],
                            lr=peak_lr, betas=(0.9, 0.95))
    n = model.cfg["context"]
    rng = np.random.default_rng(0)
    start, cpu_start = time.time(), time.process_time()
    model.train()
    smoothed = None
    for step in range(steps):
        starts = rng.integers(0, len(train_data) - n - 1, BATCH)
        batch = torch.from_numpy(
            np.stack([train_data[s:s + n + 1] for s in starts]).astype(np.int64))
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, peak_lr)
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, architectures.VOCAB), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item()
        smoothed = value if smoothed is None else 0.98 * smoothed + 0.02 * value
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step}/{steps} loss {smoothed:.3f} "
                  f"({time.time() - start:.0f} s)", flush=True)
    seconds, cpu_seconds = time.time() - start, time.process_time() - cpu_start
    model.eval()
    architectures.save_weights(model, out)
    # Measure what is committed: the float16 weights.
    saved = architectures.load_model(arch, out)
    report = {
        "arch": arch, "config": model.cfg,
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps": steps, "batch": BATCH, "peak_lr": peak_lr,
        "train_tokens": steps * BATCH * n,
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu_seconds, 1),
        "final_train_loss_smoothed": round(smoothed, 4),
        "corpus": {"python": platform.python_version(), "train_files": train_files,
                   "train_bytes": int(len(train_data)), "heldout_files": heldout_files,
                   "heldout_bytes": int(len(heldout))},
        "torch": torch.__version__,
    }
    report.update(evaluate(saved, heldout))
    return report


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", required=True, choices=sorted(architectures.CONFIGS))
    p.add_argument("--out", help="weights to write (.npz); the report goes beside it (.json)")
    p.add_argument("--evaluate", metavar="NPZ", help="only measure these weights")
    p.add_argument("--steps", type=int, default=1600)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.evaluate:
        heldout, _ = corpus.load("heldout")
        report = evaluate(architectures.load_model(args.arch, args.evaluate), heldout)
    elif args.out:
        report = train(args.arch, args.steps, args.lr, args.out)
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
    else:
        p.error("--out or --evaluate is required")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
