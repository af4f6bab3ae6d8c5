#!/usr/bin/env python3
"""Times single MatMul models (one thread by default) with Sieve and
onnxruntime side by side, alternating run by run, and prints each
engine's median and GFLOP/s: the matmul kernel's rate on the shapes the
zoo's layers reduce to.

  benchmarks/gemm.py 32x1024x4096 1000x512x169:input
  benchmarks/gemm.py --threads 2 256x1024x1024

A shape is MxKxN ([M, K] @ [K, N]); the weight [K, N] is a constant
initializer (as a layer's weights) unless the shape ends in ':input' (a
second graph input, as a convolution's image-to-column operand).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sieve_model import SieveModel  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def model(m, k, n, constant, rng):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])
    w = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    feeds = {"x": rng.standard_normal((m, k)).astype(np.float32)}
    inputs, inits = [x], []
    if constant:
        inits.append(numpy_helper.from_array(w, "w"))
    else:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [k, n]))
        feeds["w"] = w
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])],
                              "gemm", inputs, [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), feeds


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shapes", nargs="+", help="MxKxN, optionally with ':input'")
    parser.add_argument("--sievec", default=os.path.join(ROOT, "build", "bin", "sievec"))
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| shape | weight | Sieve (ms) | GFLOP/s | onnxruntime (ms) | GFLOP/s | Sieve / onnxruntime |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for index, spec in enumerate(args.shapes):
            dims, _, kind = spec.partition(":")
            m, k, n = (int(v) for v in dims.split("x"))
            constant = kind != "input"
            onnx_model, feeds = model(m, k, n, constant, rng)
            path = os.path.join(tmp, "gemm.onnx")
            onnx.save(onnx_model, path)
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = args.threads
            sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
            # One library per spec: dlopen would return an earlier library of the same path.
            lib = os.path.join(tmp, f"gemm{index}_{m}_{k}_{n}_{int(constant)}.so")
            sieve = SieveModel.compile(args.sievec, path, lib, "bench", [(2, np.float32)],
                                       [f"--threads={args.threads}"])
            inputs = [feeds[i.name] for i in sess.get_inputs()]
            want = sess.run(None, feeds)[0]
            got = sieve(*inputs)[0]
            if not np.allclose(got, want, rtol=1e-3, atol=1e-3):
                sys.exit(f"{spec}: Sieve and onnxruntime disagree "
                         f"(max abs diff {np.max(np.abs(got - want))})")
            run_sieve = sieve.prepare(*inputs, collect=False)
            engines = [(run_sieve, []), (lambda: sess.run(None, feeds), [])]
            for fn, _ in engines:
                fn()
            for _ in range(args.reps):
                for fn, times in engines:
                    start = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - start)
            flops = 2.0 * m * k * n
            s, o = (statistics.median(t) for _, t in engines)
            print(f"| {dims} | {'constant' if constant else 'input'} | {s * 1e3:.3f} | "
                  f"{flops / s / 1e9:.1f} | {o * 1e3:.3f} | {flops / o / 1e9:.1f} | "
                  f"{s / o:.2f} |", flush=True)


if __name__ == "__main__":
    main()
