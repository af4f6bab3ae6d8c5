#!/usr/bin/env python3
"""--sparsity=exact computes what the dense code computes: for ReLU FFNs at
several activation densities and batch sizes (as the cost model's run-time
branch decides, and with the gather path forced), a batch whose rows
activate different neurons into a Gemm with a bias, a rank-3 ReLU, and the
MNIST MLP, the outputs of `sieve-run --sparsity=exact` match
`--sparsity=off` within a relative error of 1e-5 (max |exact - dense| /
max |dense|), and onnxruntime.

  check_exact_sparsity.py --sieve-run build/bin/sieve-run --workdir DIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from run import make_model, relu_ffn_at_density  # noqa: E402


def run_sieve(sieve_run, model, x_path, out_dir, sparsity, extra=()):
    subprocess.run([sieve_run, model, "--input", f"x={x_path}", "--output-dir",
                    out_dir, "--sparsity", sparsity, "--quiet", *extra], check=True,
                   stdout=subprocess.DEVNULL)
    return np.load(os.path.join(out_dir, "y.npy"))


# The gather path runs whatever the density: the run-time branch would take
# the dense path above the cost model's limit, and both must be checked.
FORCE_GATHER = ["--activation-density-limit=1"]


def distinct_rows_ffn(rng, batch, d, d_ff, per_row):
    """A ReLU into a Gemm with a bias (as exporters write Linear layers), and
    a ReLU input whose rows activate different neurons: row i has `per_row`
    positive entries of its own, so the union over the batch holds
    batch * per_row neurons."""
    w2 = (rng.standard_normal((d, d_ff)) / np.sqrt(d_ff)).astype(np.float32)
    b2 = rng.standard_normal(d).astype(np.float32)
    h = -np.abs(rng.standard_normal((batch, d_ff))) - 0.1
    chosen = rng.permutation(d_ff)[: batch * per_row].reshape(batch, per_row)
    for i in range(batch):
        h[i, chosen[i]] = -h[i, chosen[i]]
    model = make_model(
        [helper.make_node("Relu", ["x"], ["a"], name="relu"),
         helper.make_node("Gemm", ["a", "w2", "b2"], ["y"], name="down",
                          transB=1)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, d_ff])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, d])],
        [numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])
    return model, {"x": h.astype(np.float32)}


def check(args, name, model, feeds, extra=(), label=None):
    """Compiles `model` with --sparsity=off and exact (plus `extra`), runs
    both on `feeds` and compares them with each other and onnxruntime."""
    path = os.path.join(args.workdir, f"{name}.onnx")
    onnx.save(model, path)
    x_path = os.path.join(args.workdir, f"x-{name}.npy")
    np.save(x_path, feeds["x"])
    dense = run_sieve(args.sieve_run, path, x_path,
                      os.path.join(args.workdir, f"dense-{name}"), "off")
    exact = run_sieve(args.sieve_run, path, x_path,
                      os.path.join(args.workdir, f"exact-{name}"), "exact", extra)
    ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
        None, feeds)[0]
    scale = max(float(np.max(np.abs(dense))), 1e-30)
    rel = float(np.max(np.abs(exact - dense)) / scale)
    good = rel <= 1e-5 and np.allclose(exact, ref, rtol=1e-4, atol=1e-5)
    print(f"{label or name}: exact vs dense rel error {rel:.2e}: "
          f"{'OK' if good else 'MISMATCH'}")
    return good


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
            ok &= check(args, f"ffn-b{batch}-d{int(density * 100)}", model, feeds,
                        label=f"ffn 64x256 batch {batch} density {density:.2f}")
    # The gather path at every density (forced), batch 1 and 4.
    for batch in (1, 4):
        for density in (1.0, 0.5, 0.2, 0.05, 0.0):
            rng = np.random.default_rng(int(density * 100) + batch)
            model, feeds = relu_ffn_at_density(batch, 64, 256, density, rng)
            ok &= check(args, f"forced-b{batch}-d{int(density * 100)}", model,
                        feeds, FORCE_GATHER)
    # Rows with different active neurons (the union over the batch), into a
    # Gemm with a bias; by the cost model (batch 4: limit 50%) and forced.
    rng = np.random.default_rng(7)
    model, feeds = distinct_rows_ffn(rng, 4, 32, 256, 8)
    ok &= check(args, "distinct-rows-b4", model, feeds)
    ok &= check(args, "distinct-rows-b4-forced", model, feeds, FORCE_GATHER)
    # A ReLU of rank 3 ([batch, seq, d_ff]) whose rows the importer collapses
    # into the matmul's.
    rng = np.random.default_rng(8)
    w1 = (rng.standard_normal((32, 128)) / 6).astype(np.float32)
    w2 = (rng.standard_normal((128, 32)) / 11).astype(np.float32)
    model = make_model(
        [helper.make_node("MatMul", ["x", "w1"], ["h"]),
         helper.make_node("Relu", ["h"], ["a"]),
         helper.make_node("MatMul", ["a", "w2"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 32])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    feeds = {"x": rng.standard_normal((2, 3, 32)).astype(np.float32)}
    ok &= check(args, "rank3-forced", model, feeds, FORCE_GATHER)

    mnist = os.path.join(ROOT, "test", "models", "mnist_mlp")
    for sparsity, extra in (("off", []), ("exact", []), ("exact", FORCE_GATHER)):
        result = subprocess.run([args.sieve_run, os.path.join(mnist, "mnist.onnx"),
                                 "--test-data", mnist, "--sparsity", sparsity, "--quiet",
                                 *extra], capture_output=True, text=True)
        good = result.returncode == 0
        print(f"mnist --sparsity={sparsity}{' (gather forced)' if extra else ''}: "
              f"{'OK' if good else 'MISMATCH'}")
        ok &= good
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
