#!/usr/bin/env python3
"""Code compiled for several threads computes what onnxruntime computes.

Every model runs through `sieve-run --threads 2` twice: with the cost
model's chunk limit (large kernels only are split) and with
`--parallel-chunk-cycles=1` (every kernel that can be split is, so that the
small models of a test exercise the parallel code: the matmul column and
row splits, the batch-matmul batch split, the convolution and pooling
splits, the activation gather by output columns and the packed sparse
kernels, one row and batch, static and dynamic batch). Outputs must match
onnxruntime's (rtol 1e-4, atol 1e-5). Then the ahead-of-time path: a shared
library and an object file compiled with `--threads 2` run from a C program
(check_aot.py), the object file linked with -lomp as its header says.

  check_threads.py --bin build/bin --workdir DIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
sys.path.insert(0, HERE)
from check_aot import run_aot  # noqa: E402
from run import (gated_ffn_at_density, make_model, pruned_gemm,  # noqa: E402
                 relu_ffn_at_density)

MNIST = os.path.join(ROOT, "test", "models", "mnist_mlp", "mnist.onnx")
# Every kernel split, however small.
ALL_SPLIT = ["--parallel-chunk-cycles=1"]


def ffn(batch, d, d_ff, rng):
    w1 = (rng.standard_normal((d, d_ff)) / np.sqrt(d)).astype(np.float32)
    w2 = (rng.standard_normal((d_ff, d)) / np.sqrt(d_ff)).astype(np.float32)
    model = make_model(
        [helper.make_node("MatMul", ["x", "w1"], ["h"]),
         helper.make_node("Relu", ["h"], ["a"]),
         helper.make_node("MatMul", ["a", "w2"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, d])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    return model, {"x": rng.standard_normal((batch, d)).astype(np.float32)}


def tall_matmul(rng):
    """More rows than weight columns: the matmul splits its rows."""
    w = (rng.standard_normal((64, 16)) / 8).astype(np.float32)
    model = make_model(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [256, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [256, 16])],
        [numpy_helper.from_array(w, "w")])
    return model, {"x": rng.standard_normal((256, 64)).astype(np.float32)}


def classifier(rng):
    """A CNN's classifier, Gemm 1280 -> 1000 with a bias at batch 1: 31
    column tiles of 32 (prime) and 8 columns, which the cost model splits
    into 30 tiles the threads share and a rest on the calling thread."""
    w = (rng.standard_normal((1000, 1280)) / 36).astype(np.float32)
    b = rng.standard_normal(1000).astype(np.float32)
    model = make_model(
        [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1280])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1000])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return model, {"x": rng.standard_normal((1, 1280)).astype(np.float32)}


def batch_matmul(rng):
    """Two activations (attention scores): linalg.batch_matmul."""
    model = make_model(
        [helper.make_node("MatMul", ["q", "k"], ["y"])],
        [helper.make_tensor_value_info("q", TensorProto.FLOAT, [4, 32, 64]),
         helper.make_tensor_value_info("k", TensorProto.FLOAT, [4, 64, 48])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 32, 48])], [])
    return model, {"q": rng.standard_normal((4, 32, 64)).astype(np.float32),
                   "k": rng.standard_normal((4, 64, 48)).astype(np.float32)}


def conv_pool(rng):
    """A 3x3 convolution (as a matmul), Relu and a 2x2 max pool."""
    w = (rng.standard_normal((16, 8, 3, 3)) / 8).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32)
    model = make_model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"]),
         helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2],
                          strides=[2, 2])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 20, 20])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 10, 10])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return model, {"x": rng.standard_normal((1, 8, 20, 20)).astype(np.float32)}


def pruned_dynamic(rng):
    """A pruned Gemm with a symbolic batch (both packed kernels, behind the
    run-time test of the batch size)."""
    model, feeds = pruned_gemm(1, 256, 512, 0.05, rng)
    for value in list(model.graph.input) + list(model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    return model, {"x": rng.standard_normal((3, 256)).astype(np.float32)}


def run_sieve(args, path, feeds, extra):
    # Outputs under the work directory, also for a model of the source tree.
    out = os.path.join(args.workdir, os.path.basename(path) + ".out")
    os.makedirs(out, exist_ok=True)
    inputs = []
    for name, value in feeds.items():
        file = os.path.join(out, f"in_{name}.npy")
        np.save(file, value)
        inputs += ["--input", f"{name}={file}"]
    subprocess.run([os.path.join(args.bin, "sieve-run"), path, *inputs,
                    "--output-dir", out, "--quiet", "--threads", "2", *extra],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def check(args, name, model, feeds, extra=()):
    path = os.path.join(args.workdir, f"{name}.onnx")
    if isinstance(model, str):
        path = model
    else:
        onnx.save(model, path)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    want = sess.run(None, feeds)
    ok = True
    for label, split in (("default chunks", []), ("every kernel split", ALL_SPLIT)):
        out = run_sieve(args, path, feeds, [*extra, *split])
        errors = []
        for o, w in zip(sess.get_outputs(), want):
            got = np.load(os.path.join(out, f"{o.name}.npy"))
            errors.append(float(np.max(np.abs(got - w))))
            ok &= got.shape == w.shape and np.allclose(got, w, rtol=1e-4, atol=1e-5)
        print(f"{name} {' '.join(extra)} ({label}): max abs error "
              f"{max(errors):.3g}: {'OK' if ok else 'MISMATCH'}", flush=True)
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    rng = np.random.default_rng(0)
    ok = True
    ok &= check(args, "ffn-256x1024-b1", *ffn(1, 256, 1024, rng))
    ok &= check(args, "ffn-256x1024-b8", *ffn(8, 256, 1024, rng))
    ok &= check(args, "tall-matmul", *tall_matmul(rng))
    ok &= check(args, "batch-matmul", *batch_matmul(rng))
    ok &= check(args, "classifier", *classifier(rng))
    ok &= check(args, "conv-pool", *conv_pool(rng))
    # The gather, forced whatever the density, at one row and a batch.
    for batch in (1, 4):
        model, feeds = relu_ffn_at_density(batch, 256, 1024, 0.3, rng)
        ok &= check(args, f"relu-ffn-b{batch}-d30", model, feeds,
                    ["--sparsity=exact", "--activation-density-limit=1"])
    # The gated FFN's selected dot products (the up projection's columns),
    # at a batch whose rows share the active set, one with distinct rows,
    # and with no neuron active (no chunk runs).
    for batch, density, distinct in ((1, 0.3, False), (4, 0.3, True), (1, 0.0, False)):
        model, feeds = gated_ffn_at_density(batch, 256, 1024, density, rng,
                                            distinct_rows=distinct)
        ok &= check(args, f"gated-ffn-b{batch}-d{int(density * 100)}", model, feeds,
                    ["--sparsity=exact", "--activation-density-limit=1"])
    for batch in (1, 8):
        model, feeds = pruned_gemm(batch, 256, 512, 0.1, rng)
        ok &= check(args, f"pruned-gemm-b{batch}", model, feeds, ["--sparsity=exact"])
    ok &= check(args, "pruned-gemm-dynamic", *pruned_dynamic(rng), ["--sparsity=exact"])
    image = {"image": rng.standard_normal((1, 1, 28, 28)).astype(np.float32)}
    ok &= check(args, "mnist", MNIST, image)
    ok &= check(args, "mnist", MNIST, image,
                ["--sparsity=exact", "--activation-density-limit=1"])

    # Ahead of time: the library links the OpenMP runtime; the object file's
    # header says to link it.
    model, _ = ffn(4, 256, 1024, rng)
    path = os.path.join(args.workdir, "aot-ffn.onnx")
    onnx.save(model, path)
    sievec = os.path.join(args.bin, "sievec")
    for fmt in ("so", "o"):
        work = os.path.join(args.workdir, f"aot-{fmt}")
        good, _, _ = run_aot(sievec, path, work, fmt=fmt, label=f"aot {fmt}",
                             sievec_args=["--threads=2", *ALL_SPLIT])
        header = open(os.path.join(work, "model.h")).read()
        says = "OpenMP runtime" in header
        print(f"aot {fmt}: header names the OpenMP runtime: {'OK' if says else 'MISSING'}")
        ok &= good and says
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
