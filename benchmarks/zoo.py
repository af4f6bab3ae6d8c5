#!/usr/bin/env python3
"""Times the real-model zoo (test/zoo/make_zoo.py) with Sieve and
onnxruntime side by side: per model, the median of N runs of each engine on
the same inputs (test set K), alternating engines model by model, at the
same thread count. Prints a markdown table and the geometric mean of the
ratios.

  benchmarks/zoo.py --sieve-run build/bin/sieve-run --zoo build/zoo --reps 10
  benchmarks/zoo.py ... --only resnet18-ts,opt-ts --set 2 --threads 1
"""

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper


def load_set(directory, k):
    set_dir = os.path.join(directory, f"test_data_set_{k}")
    if not os.path.isdir(set_dir):
        set_dir = os.path.join(directory, "test_data_set_0")
    inputs = []
    i = 0
    while os.path.exists(os.path.join(set_dir, f"input_{i}.pb")):
        t = onnx.TensorProto()
        t.ParseFromString(open(os.path.join(set_dir, f"input_{i}.pb"), "rb").read())
        inputs.append(numpy_helper.to_array(t))
        i += 1
    return inputs


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--zoo", required=True)
    p.add_argument("--only", help="comma-separated model names")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--set", type=int, default=-1,
                   help="test set to time (default: the last, the longest sequence)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=3,
                   help="onnxruntime runs before the timed ones (its thread pool and "
                        "arena settle over the first calls; sieve-run runs the model once "
                        "before its --bench runs)")
    p.add_argument("--sieve-arg", action="append", default=[])
    args = p.parse_args()
    names = args.only.split(",") if args.only else sorted(
        d for d in os.listdir(args.zoo)
        if os.path.exists(os.path.join(args.zoo, d, "model.onnx")))
    print(f"| model | Sieve (ms) | onnxruntime (ms) | Sieve / onnxruntime |")
    print("|---|---|---|---|")
    ratios = []
    for name in names:
        directory = os.path.join(args.zoo, name)
        model = os.path.join(directory, "model.onnx")
        sets = sorted(d for d in os.listdir(directory) if d.startswith("test_data_set_"))
        k = args.set if args.set >= 0 else len(sets) - 1
        inputs = load_set(directory, k)
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        feeds = {i.name: v for i, v in zip(session.get_inputs(), inputs)}
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [args.sieve_run, model, "--quiet", f"--bench={args.reps}", *args.sieve_arg]
            for i, (inp, v) in enumerate(zip(session.get_inputs(), inputs)):
                path = os.path.join(tmp, f"in{i}.npy")
                np.save(path, v)
                cmd += ["--input", f"{inp.name}={path}"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            m = re.search(r"median ([0-9.]+) ms", r.stdout)
            if r.returncode != 0 or not m:
                print(f"| {name} | error | | |", flush=True)
                continue
            sieve_ms = float(m.group(1))
        for _ in range(max(1, args.warmup)):
            session.run(None, feeds)
        times = []
        for _ in range(args.reps):
            start = time.perf_counter()
            session.run(None, feeds)
            times.append((time.perf_counter() - start) * 1e3)
        ort_ms = sorted(times)[len(times) // 2]
        ratio = sieve_ms / ort_ms
        ratios.append(ratio)
        print(f"| {name} | {sieve_ms:.2f} | {ort_ms:.2f} | {ratio:.2f} |", flush=True)
    if ratios:
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"\ngeometric mean of Sieve / onnxruntime over {len(ratios)} models: {geo:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
