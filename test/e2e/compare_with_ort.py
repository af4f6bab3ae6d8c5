#!/usr/bin/env python3
"""Runs an ONNX model with sieve-run and with onnxruntime on the same random
inputs and compares every output.

  compare_with_ort.py --sieve-run build/bin/sieve-run --model m.onnx --workdir DIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort

DTYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
          "tensor(int64)": np.int64, "tensor(int32)": np.int32}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sieve-arg", action="append", default=[],
                   help="extra sieve-run flag, e.g. --sieve-arg=--sparsity=exact")
    p.add_argument("--dynamic-size", type=int, default=1,
                   help="size given to dynamic (symbolic) input dimensions")
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(args.model, opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(args.seed)
    cmd = [args.sieve_run, args.model, "--output-dir", args.workdir, "--quiet",
           *args.sieve_arg]
    feeds = {}
    for i, inp in enumerate(sess.get_inputs()):
        shape = [d if isinstance(d, int) else args.dynamic_size for d in inp.shape]
        dtype = DTYPES[inp.type]
        value = rng.standard_normal(shape).astype(dtype)
        feeds[inp.name] = value
        path = os.path.join(args.workdir, f"input_{i}.npy")
        np.save(path, value)
        cmd += ["--input", f"{inp.name}={path}"]
    subprocess.run(cmd, check=True)
    expected = sess.run(None, feeds)
    ok = True
    for out, want in zip(sess.get_outputs(), expected):
        got = np.load(os.path.join(args.workdir, out.name.replace("/", "_") + ".npy"))
        err = float(np.max(np.abs(got - want))) if want.size else 0.0
        good = got.shape == want.shape and np.allclose(got, want, rtol=args.rtol,
                                                       atol=args.atol)
        print(f"output '{out.name}' {list(want.shape)}: max abs error {err:.3g}: "
              f"{'OK' if good else 'MISMATCH'}")
        ok &= good
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
