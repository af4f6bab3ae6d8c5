#!/usr/bin/env python3
"""Weight-pruned Gemm and MatMul models: `sieve-run --sparsity=exact` packs
the sparse constant weight into sieve.sparse_matmul (counted from the
compilation's remarks, so the real pipeline is checked) where the cost model
says so, and its outputs match `--sparsity=off` within a relative error of
1e-5 (max |exact - dense| / max |dense|), and onnxruntime. Covers batch 1
(gather kernel), batches 2, 3, 4, 8, 16 and 20 (batch kernel, masked and
whole vectors), a dynamic batch (both kernels behind a run-time test),
unstructured, 1:4, 2:4 and 4x4-block pruning, reductions that are not a
multiple of the 16-entry group (and one shorter than it), weights the cost
model keeps dense, and the MNIST MLP with magnitude-pruned weights.

  check_weight_sparsity.py --bin build/bin --workdir DIR
"""

import argparse
import os
import subprocess
import sys
import zlib

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def prune(w, pattern, density, rng):
    """Zeros in `w` (K x N, reduction along rows) following `pattern`."""
    w = w.copy()
    if pattern == "unstructured":
        w[rng.random(w.shape) >= density] = 0
    elif ":" in pattern:  # N:M along the reduction: keep the N largest of M
        keep, group = map(int, pattern.split(":"))
        k, n = w.shape
        groups = w.reshape(k // group, group, n)
        order = np.argsort(np.abs(groups), axis=1)
        np.put_along_axis(groups, order[:, :group - keep, :], 0, axis=1)
        w = groups.reshape(k, n)
    elif pattern == "block4x4":
        k, n = w.shape
        keep = rng.random((k // 4, n // 4)) < density
        w *= np.kron(keep, np.ones((4, 4), dtype=np.float32))
    return w.astype(np.float32)


def gemm_model(w, batch, transposed):
    """y = x @ w + b as Gemm (with the weight stored transposed, transB=1,
    as exporters write Linear layers) or as MatMul + Add."""
    k, n = w.shape
    rng = np.random.default_rng(1)
    b = rng.standard_normal(n).astype(np.float32)
    if transposed:
        nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1,
                                  name="fc")]
        inits = [numpy_helper.from_array(np.ascontiguousarray(w.T), "W"),
                 numpy_helper.from_array(b, "b")]
    else:
        nodes = [helper.make_node("MatMul", ["x", "W"], ["t"], name="mm"),
                 helper.make_node("Add", ["t", "b"], ["y"], name="bias")]
        inits = [numpy_helper.from_array(w, "W"),
                 numpy_helper.from_array(b, "b")]
    graph = helper.make_graph(
        nodes, "pruned",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, n])],
        inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run_sieve(bin_dir, model, x_path, out_dir, sparsity, extra=()):
    """Runs sieve-run; returns the output and the number of weights the
    compilation packed (counted from its remarks)."""
    done = subprocess.run([os.path.join(bin_dir, "sieve-run"), model, "--input",
                           f"x={x_path}", "--output-dir", out_dir, "--sparsity",
                           sparsity, *extra], check=True, capture_output=True,
                          text=True)
    packed = done.stderr.count("packed into sieve.sparse_matmul")
    return np.load(os.path.join(out_dir, "y.npy")), packed


CASES = [
    # (name, K, N, model batch, run batches, pattern, density, transposed,
    #  --weight-density-limit or None for the cost model, packed expected)
    ("gemm-b1-d5", 200, 72, 1, [1], "unstructured", 0.05, True, None, 1),
    ("gemm-b1-d0", 64, 40, 1, [1], "unstructured", 0.0, True, None, 1),
    # In cache at batch 1, 20% dense is above the cost model's limit (10%).
    ("gemm-b1-d20-dense", 200, 72, 1, [1], "unstructured", 0.2, True, None, 0),
    ("gemm-b2-d10", 256, 40, 2, [2], "unstructured", 0.10, True, None, 1),
    ("gemm-b3-d10", 200, 72, 3, [3], "unstructured", 0.10, True, None, 1),
    ("gemm-b8-d5", 256, 64, 8, [8], "unstructured", 0.05, True, None, 1),
    ("gemm-b20-d10", 128, 48, 20, [20], "unstructured", 0.10, True, None, 1),
    # A reduction shorter than a group: every column is padded beyond K, so
    # only a forced limit packs it.
    ("gemm-b4-k12-forced", 12, 24, 4, [4], "unstructured", 0.3, True, 4.0, 1),
    ("matmul-b16-1:4", 64, 32, 16, [16], "1:4", 0.25, False, None, 1),
    # 2:4 is 50% dense: above the cost model's limits, it stays dense.
    ("matmul-b1-2:4", 64, 32, 1, [1], "2:4", 0.5, False, None, 0),
    ("matmul-b4-block4x4", 256, 32, 4, [4], "block4x4", 0.1, False, None, 1),
    ("gemm-dynamic-d5", 200, 72, "N", [1, 5], "unstructured", 0.05, True, None, 1),
]


def check_pruned_mnist(args):
    """The MNIST MLP with both Gemm weights magnitude-pruned to 5%: the
    196x128 weight is packed (~10 non-zeros per column, padded to 16: 8%
    packed density, limit 10%); the 128x10 one is not (~6 per column, 12.5%
    packed) and, as it consumes the ReLU, gets the activation gather
    instead. Checked against the dense compilation and onnxruntime on the
    bundled digit."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    model = onnx.load(os.path.join(root, "test", "models", "mnist_mlp", "mnist.onnx"))
    pruned = 0
    for init in model.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.ndim != 2:
            continue
        cut = np.quantile(np.abs(w), 0.95)
        w = np.where(np.abs(w) > cut, w, 0).astype(np.float32)
        init.CopyFrom(numpy_helper.from_array(w, init.name))
        pruned += 1
    path = os.path.join(args.workdir, "mnist-pruned.onnx")
    onnx.save(model, path)
    name = model.graph.input[0].name
    tensor = onnx.TensorProto()
    with open(os.path.join(root, "test", "models", "mnist_mlp",
                           "test_data_set_0", "input_0.pb"), "rb") as f:
        tensor.ParseFromString(f.read())
    x = numpy_helper.to_array(tensor)
    x_path = os.path.join(args.workdir, "mnist-x.npy")
    np.save(x_path, x)
    out = model.graph.output[0].name

    def run(sparsity):
        d = os.path.join(args.workdir, f"mnist-{sparsity}")
        done = subprocess.run([os.path.join(args.bin, "sieve-run"), path, "--input",
                               f"{name}={x_path}", "--output-dir", d, "--sparsity",
                               sparsity], check=True, capture_output=True, text=True)
        return (np.load(os.path.join(d, f"{out}.npy")),
                done.stderr.count("packed into sieve.sparse_matmul"),
                done.stderr.count("gathers the weight rows of active neurons"))

    (dense, _, _), (exact, packed, gathered) = run("off"), run("exact")
    ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
        None, {name: x})[0]
    rel = float(np.max(np.abs(exact - dense)) / max(float(np.max(np.abs(dense))), 1e-30))
    good = pruned == 2 and packed == 1 and gathered == 1 and rel <= 1e-5 and \
        np.allclose(exact, ref, rtol=1e-4, atol=1e-5)
    print(f"mnist pruned to 5%: packed {packed} of {pruned} Gemm weights, "
          f"gathered {gathered}, exact vs dense rel error {rel:.2e}: "
          f"{'OK' if good else 'MISMATCH'}")
    return good


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True, help="directory of the Sieve tools")
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ok = True
    for name, k, n, batch, runs, pattern, density, transposed, limit, want in CASES:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        w = prune(rng.standard_normal((k, n)).astype(np.float32), pattern,
                  density, rng)
        path = os.path.join(args.workdir, f"{name}.onnx")
        onnx.save(gemm_model(w, batch, transposed), path)
        extra = [f"--weight-density-limit={limit}"] if limit is not None else []
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        for rows in runs:
            x = rng.standard_normal((rows, k)).astype(np.float32)
            x_path = os.path.join(args.workdir, f"x-{name}-{rows}.npy")
            np.save(x_path, x)
            dense, _ = run_sieve(args.bin, path, x_path,
                                 os.path.join(args.workdir, f"dense-{name}-{rows}"),
                                 "off")
            exact, packed = run_sieve(
                args.bin, path, x_path,
                os.path.join(args.workdir, f"exact-{name}-{rows}"), "exact", extra)
            ref = sess.run(None, {"x": x})[0]
            scale = max(float(np.max(np.abs(dense))), 1e-30)
            rel = float(np.max(np.abs(exact - dense)) / scale)
            good = (rel <= 1e-5 and packed == want and
                    np.allclose(exact, ref, rtol=1e-4, atol=1e-5))
            print(f"{name} batch {rows} density {np.mean(w != 0):.3f}: packed "
                  f"{packed}, exact vs dense rel error {rel:.2e}: "
                  f"{'OK' if good else 'MISMATCH'}")
            ok &= good
    ok &= check_pruned_mnist(args)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
