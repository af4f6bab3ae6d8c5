#!/usr/bin/env python3
"""--sparsity=exact computes what the dense code computes: for ReLU FFNs at
several activation densities and batch sizes, and for the MNIST MLP, the
outputs of `sieve-run --sparsity=exact` match `--sparsity=off` within a
relative error of 1e-5 (max |exact - dense| / max |dense|), and onnxruntime.

  check_exact_sparsity.py --sieve-run build/bin/sieve-run --workdir DIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from run import relu_ffn_at_density  # noqa: E402


def run_sieve(sieve_run, model, x_path, out_dir, sparsity):
    subprocess.run([sieve_run, model, "--input", f"x={x_path}", "--output-dir",
                    out_dir, "--sparsity", sparsity, "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    return np.load(os.path.join(out_dir, "y.npy"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ok = True
    for batch in (1, 4):
        for density in (1.0, 0.5, 0.2, 0.05, 0.0):
            rng = np.random.default_rng(int(density * 100) + batch)
            model, feeds = relu_ffn_at_density(batch, 64, 256, density, rng)
            tag = f"b{batch}-d{int(density * 100)}"
            path = os.path.join(args.workdir, f"ffn-{tag}.onnx")
            onnx.save(model, path)
            x_path = os.path.join(args.workdir, f"x-{tag}.npy")
            np.save(x_path, feeds["x"])
            dense = run_sieve(args.sieve_run, path, x_path,
                              os.path.join(args.workdir, f"dense-{tag}"), "off")
            exact = run_sieve(args.sieve_run, path, x_path,
                              os.path.join(args.workdir, f"exact-{tag}"), "exact")
            ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
                None, feeds)[0]
            scale = max(np.max(np.abs(dense)), 1e-30)
            rel = float(np.max(np.abs(exact - dense)) / scale)
            good = rel <= 1e-5 and np.allclose(exact, ref, rtol=1e-4, atol=1e-5)
            print(f"ffn 64x256 batch {batch} density {density:.2f}: "
                  f"exact vs dense rel error {rel:.2e}: {'OK' if good else 'MISMATCH'}")
            ok &= good

    mnist = os.path.join(ROOT, "test", "models", "mnist_mlp")
    for sparsity in ("off", "exact"):
        result = subprocess.run([args.sieve_run, os.path.join(mnist, "mnist.onnx"),
                                 "--test-data", mnist, "--sparsity", sparsity, "--quiet"],
                                capture_output=True, text=True)
        good = result.returncode == 0
        print(f"mnist --sparsity={sparsity}: {'OK' if good else 'MISMATCH'}")
        ok &= good
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
