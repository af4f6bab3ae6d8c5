#!/usr/bin/env python3
"""Sieve dense against Sieve exact on one FFN workload, in pairs: the two
compiled libraries run alternately (the order flipped every pair), and the
median of the per-pair ratio exact / dense is printed beside both medians.
Pairs close in time cancel most of the drift of a shared, loaded machine,
which moves single medians by several percent; this is how the cost at
100% density (a few tenths of a percent) is measured.

  benchmarks/paired.py --sievec build/bin/sievec gated-ffn-4096x11008-b1-d100 --pairs 200
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import ROOT, WORKLOADS  # noqa: E402
from sieve_model import SieveModel  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", help="a workload name of benchmarks/run.py")
    parser.add_argument("--sievec", default=os.path.join(ROOT, "build", "bin", "sievec"))
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1,
                        help="Sieve's thread count (sievec --threads) for both libraries")
    args = parser.parse_args()
    model, feeds = WORKLOADS[args.workload](np.random.default_rng(0))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        onnx.save(model, path)
        specs = [(len(o.type.tensor_type.shape.dim), np.float32) for o in model.graph.output]
        inputs = [feeds[i.name] for i in model.graph.input]
        dense = SieveModel.compile(args.sievec, path, os.path.join(tmp, "dense.so"),
                                   "bench", specs, [f"--threads={args.threads}"]).prepare(*inputs, collect=False)
        exact = SieveModel.compile(args.sievec, path, os.path.join(tmp, "exact.so"),
                                   "bench", specs, ["--sparsity=exact", f"--threads={args.threads}"]
                                   ).prepare(*inputs, collect=False)
        for _ in range(args.warmup):
            dense()
            exact()
        dense_times, exact_times, ratios = [], [], []
        for i in range(args.pairs):
            for fn, times in ([(dense, dense_times), (exact, exact_times)][::1 if i % 2 else -1]):
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1e3)
            ratios.append(exact_times[-1] / dense_times[-1])
    d, x = statistics.median(dense_times), statistics.median(exact_times)
    print(f"{args.workload}: dense {d:.3f} ms, exact {x:.3f} ms, median of paired "
          f"exact / dense {statistics.median(ratios):.3f}, ratio of medians {x / d:.3f} "
          f"({args.pairs} pairs, {args.threads} thread{'s' if args.threads > 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
