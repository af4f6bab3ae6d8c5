#!/usr/bin/env python3
"""How dense the union of active FFN neurons gets as a batch grows, on the
real activations of the trained ReLU LMs (test/relu_lm).

A sparse FFN at batch B reads the weight rows of the union of its rows'
active neurons (`--sparsity=exact` and `--sparsity=approx` gather that
union once and compute every row on it), so what batching costs the
sparse path is how fast the union fills. Two batches are measured on
held-out standard-library text:

- independent: B tokens from B different windows (a decode step serving B
  sequences);
- consecutive: B neighbouring tokens of one window (a prefill chunk, or
  speculative decoding verifying B drafted tokens);

beside what B independent draws at each neuron's own firing rate would
give, mean_j 1 - (1 - p_j)^B (hot neurons keep the union below the
uniform-rate estimate 1 - (1 - d)^B), the ratio of the union's reads to B
separate per-row gathers (U / (B d): below 1, the union reads less), and
the ideal speed-up of the union gather over dense for a memory-bound FFN
(1 / U).

The activations come from onnxruntime running the prefill graph with each
FFN ReLU (the gate's ReLU in the gated model) as an extra output.

  benchmarks/union_density.py [--relu-lm build/relu_lm] [--models opt,llama]
                              [--windows 64] [--length 128] [--markdown out.md]
"""

import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "relu_lm"))
import corpus  # noqa: E402

BATCHES = (1, 2, 4, 8, 16, 32, 64)
# Tokens this close to a window's start have too little context to be
# typical; they are left out.
SKIP = 16


def relu_outputs(path):
    """The model with every Relu output also a graph output, and their
    names in graph order."""
    model = onnx.load(path)
    names = [n.output[0] for n in model.graph.node if n.op_type == "Relu"]
    for name in names:
        model.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    return model, names


def activations(path, windows):
    """Per Relu, the active mask [windows, positions, neurons]."""
    model, names = relu_outputs(path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])
    masks = {n: [] for n in names}
    for w in windows:
        out = sess.run(names, {"input_ids": w[None, :]})
        for n, a in zip(names, out):
            masks[n].append(a[0, SKIP:] > 0)
    return {n: np.stack(m) for n, m in masks.items()}


def unions(mask, batch, rng, groups):
    """Mean union density of `groups` batches, independent and
    consecutive."""
    windows, positions, neurons = mask.shape
    indep, consec = [], []
    for _ in range(groups):
        w = rng.choice(windows, size=min(batch, windows), replace=batch > windows)
        p = rng.integers(0, positions, size=len(w))
        indep.append(mask[w, p].any(axis=0).mean())
        if batch <= positions:
            start = rng.integers(0, positions - batch + 1)
            consec.append(mask[rng.integers(0, windows), start:start + batch].any(axis=0).mean())
    return float(np.mean(indep)), (float(np.mean(consec)) if consec else float("nan"))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--relu-lm", default=os.path.join(ROOT, "build", "relu_lm"),
                        help="test/relu_lm/make_relu_lm.py's output directory")
    parser.add_argument("--models", default="opt,llama")
    parser.add_argument("--windows", type=int, default=64, help="held-out text windows")
    parser.add_argument("--length", type=int, default=128, help="tokens per window")
    parser.add_argument("--groups", type=int, default=200, help="batches drawn per size")
    parser.add_argument("--markdown", help="also write the table here")
    args = parser.parse_args()
    if args.length <= SKIP:
        parser.error(f"--length must be above {SKIP}")

    heldout, _ = corpus.load("heldout")
    # Windows the make_relu_lm.py test and calibration sets do not use.
    windows = corpus.windows(heldout, args.windows, args.length, seed=7000)
    header = ("| model | ReLU | batch | per-token density | union, independent | union, "
              "consecutive | at each neuron's rate | at a uniform rate | union reads / per-row "
              "reads | ideal union speed-up |")
    lines = [header, "|" + "---|" * 10]
    for name in args.models.split(","):
        path = os.path.join(args.relu_lm, name, "prefill.onnx")
        if not os.path.exists(path):
            sys.exit(f"union_density.py: {path} is missing: run "
                     f"test/relu_lm/make_relu_lm.py --out {args.relu_lm}")
        masks = activations(path, windows)
        rng = np.random.default_rng(1)
        for relu, mask in masks.items():
            rates = mask.reshape(-1, mask.shape[-1]).mean(axis=0)
            d = float(rates.mean())
            for b in BATCHES:
                indep, consec = unions(mask, b, rng, args.groups)
                own = float(np.mean(1 - (1 - rates) ** b))
                uniform = 1 - (1 - d) ** b
                line = (f"| {name} | {relu} | {b} | {d:.3f} | {indep:.3f} | {consec:.3f} | "
                        f"{own:.3f} | {uniform:.3f} | {indep / (b * d):.2f} | {1 / indep:.2f} |")
                lines.append(line)
                print(f"{name} {relu} B={b}: per token {d:.3f}, union independent {indep:.3f}, "
                      f"consecutive {consec:.3f}, at each neuron's rate {own:.3f}, "
                      f"uniform rate {uniform:.3f}", flush=True)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
