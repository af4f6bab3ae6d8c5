#!/usr/bin/env python3
"""--sparsity=exact on gated ReLU FFNs (h = act(x Wg + bg) * (x Wu);
y = h Wd, as ReLU-LLaMA/ProSparse exports write them) computes what the
dense code computes: at gate densities 0%, 5%, 10%, 50% and 100%, batch 1
and 4, as the cost model's run-time branch decides and with the gather path
forced, and for the variants the rewrite accepts (Gemm with transB and
biases, Mul operands swapped, ReLU6, squared ReLU as Mul and as Pow, an up
bias added by Add, a [batch, seq, d] input, rows that activate different
neurons), the outputs of `sieve-run --sparsity=exact` match `--sparsity=off`
within a relative error of 1e-5 (max |exact - dense| / max |dense|) and
onnxruntime. Each exact compilation must report the gated rewrite.

  check_gated_sparsity.py --sieve-run build/bin/sieve-run --workdir DIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from run import gated_ffn_at_density  # noqa: E402

# The gather path runs whatever the density (the branch would take the
# dense path above the cost model's limit, and both must be checked), on one
# thread: the up and down gathers in one pass over the neurons (the fused
# kernel of convert-sieve-activation-ops-to-scf); the runs by the cost model
# use every core, where the two gathers run apart in parallel chunks.
FORCE_GATHER = ["--activation-density-limit=1", "--threads=1"]
REWRITE_REMARK = "in a gated FFN with"


def run_sieve(args, model, x_path, name, sparsity, extra=()):
    out_dir = os.path.join(args.workdir, f"{sparsity}-{name}")
    result = subprocess.run(
        [args.sieve_run, model, "--input", f"x={x_path}", "--output-dir", out_dir,
         "--sparsity", sparsity, *extra], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{name}: sieve-run --sparsity={sparsity} failed:\n{result.stderr}")
    return np.load(os.path.join(out_dir, "y.npy")), result.stderr


def gate_density(model, x):
    """The fraction of neurons whose gate is positive in some row (the union
    over the batch, which the active set holds)."""
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    gemm = any(n.op_type == "Gemm" for n in model.graph.node)
    wg = inits["wg"].T if gemm else inits["wg"]
    pre = x.reshape(-1, x.shape[-1]) @ wg + inits["bg"]
    return float(np.mean(np.any(pre > 0, axis=0)))


def check(args, name, model, feeds, extra=()):
    path = os.path.join(args.workdir, f"{name}.onnx")
    onnx.save(model, path)
    x_path = os.path.join(args.workdir, f"x-{name}.npy")
    np.save(x_path, feeds["x"])
    dense, _ = run_sieve(args, path, x_path, name, "off")
    exact, log = run_sieve(args, path, x_path, name, "exact", extra)
    ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    scale = max(float(np.max(np.abs(dense))), 1e-30)
    rel = float(np.max(np.abs(exact - dense)) / scale)
    rewritten = REWRITE_REMARK in log
    good = rel <= 1e-5 and np.allclose(exact, ref, rtol=1e-4, atol=1e-5) and rewritten
    print(f"{name}: gate density {gate_density(model, feeds['x']) * 100:.1f}%, "
          f"exact vs dense rel error {rel:.2e}"
          f"{'' if rewritten else ' (not rewritten)'}: {'OK' if good else 'MISMATCH'}")
    return good


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ok = True
    # Gate densities 0-100%, batch 1 and 4: by the cost model, then forced.
    for extra, tag in (([], "branch"), (FORCE_GATHER, "forced")):
        for batch in (1, 4):
            for density in (1.0, 0.5, 0.1, 0.05, 0.0):
                rng = np.random.default_rng(int(density * 100) + batch)
                model, feeds = gated_ffn_at_density(batch, 64, 256, density, rng)
                ok &= check(args, f"gated-{tag}-b{batch}-d{int(density * 100)}", model,
                            feeds, extra)
    # The variants, at 10% (by the cost model) and 50% (forced).
    variants = {
        "gemm-biases": dict(gemm=True, up_bias=True),
        "swapped": dict(swapped=True),
        "relu6": dict(activation="relu6"),
        "squared-mul": dict(activation="squared"),
        "squared-pow": dict(activation="pow2"),
        "up-bias-add": dict(up_bias=True),
        "seq": dict(seq=5),
        "seq-up-bias": dict(seq=3, up_bias=True, swapped=True),
        "distinct-rows": dict(distinct_rows=True),
    }
    for name, kwargs in variants.items():
        batch = 4 if name.startswith("distinct") else 2 if name.startswith("seq") else 1
        for density, extra in ((0.1, []), (0.5, FORCE_GATHER)):
            rng = np.random.default_rng(11)
            model, feeds = gated_ffn_at_density(batch, 64, 256, density, rng, **kwargs)
            ok &= check(args, f"{name}-d{int(density * 100)}", model, feeds, extra)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
