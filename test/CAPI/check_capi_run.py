#!/usr/bin/env python3
"""Runs a model through the C API test program (sieveModelLoad +
sieveModelRun) on random inputs and compares its first output with
onnxruntime's.

  check_capi_run.py --runner sieve-capi-test --model m.onnx --workdir DIR
                    [--sparsity off|exact|auto] [--device cpu|emulated-gpu]
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--sparsity", default="off")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    inp = session.get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    in_path = os.path.join(args.workdir, "input.bin")
    out_path = os.path.join(args.workdir, "output.bin")
    x.tofile(in_path)
    done = subprocess.run([args.runner, "run", args.model, in_path, out_path,
                           args.sparsity, args.device], capture_output=True,
                          text=True)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return 1
    want = session.run(None, {inp.name: x})[0].astype(np.float32).ravel()
    got = np.fromfile(out_path, dtype=np.float32)
    if got.shape != want.shape:
        print(f"MISMATCH: {got.size} values, expected {want.size}")
        return 1
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    ok = np.allclose(got, want, rtol=1e-4, atol=1e-5)
    print(f"sparsity={args.sparsity}: max abs error {err:.3g}: "
          f"{'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
