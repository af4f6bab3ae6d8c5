#!/usr/bin/env python3
"""--sparsity=approx end to end: for a plain and a gated ReLU FFN (and a
Clip(0, 0.25) one, and a gated one whose gate is a squared ReLU) on
[batch, seq, d] (make_predictor_ffn.py: a low-rank-plus-noise up/gate
weight, ~10% of the neurons active), sievec fits a predictor on calibration
inputs and reports its held-out recall and density; the compiled model
(with the sparse path forced by --activation-density-limit=1, so that every
call runs it) is compared with onnxruntime on other inputs of one token and
of four: the relative L2 error of each output row. Also checks that the
fit's numbers and sievec's own output-error note (held-out calibration
sets) are within bounds, that --sparsity=exact on the same model stays
exact, and the errors for missing calibration inputs.

  check_predictor.py --sievec build/bin/sievec --workdir DIR
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from make_predictor_ffn import build, write_sets  # noqa: E402
from sieve_model import SieveModel  # noqa: E402

NOTE = re.compile(r"predictor of rank (\d+) fitted on (\d+) calibration rows, measured on "
                  r"(\d+) held-out rows: recall ([0-9.]+)% \(of the activation mass ([0-9.]+)%\), "
                  r"predicted density ([0-9.]+)% \(truly active ([0-9.]+)%\)")


OUTPUT_NOTE = re.compile(r"approximate against dense on (\d+) held-out calibration input sets: "
                         r"output 'y': relative L2 error ([0-9.e+-]+), max abs error [0-9.e+-]+, "
                         r"top-1 agreement ([0-9.]+)% of \d+ rows")


def compile_model(args, model_path, lib, extra, threads=1):
    result = subprocess.run([args.sievec, model_path, "-o", lib, "--entry", "ffn",
                             f"--threads={threads}", *extra], capture_output=True, text=True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sievec", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    failures = 0
    d, n = 256, 1024
    variants = [("plain", False, "relu"), ("gated", True, "relu"),
                ("clip", False, "relu6"), ("gated-squared", True, "squared-pow")]
    for name, gated, activation in variants:
        # The Clip's bound (0.25) cuts the larger active values (most are
        # 0-1 here), so that a missing Clip would show.
        opts = argparse.Namespace(d=d, n=n, rank=32, noise=0.3, density=0.1, gated=gated,
                                  activation=activation, clip_max=0.25, seed=3)
        work = os.path.join(args.workdir, name)
        os.makedirs(work, exist_ok=True)
        model = build(opts)
        model_path = os.path.join(work, "model.onnx")
        onnx.save(model, model_path)
        rng = np.random.default_rng(7)
        calib = os.path.join(work, "calib")
        write_sets(calib, model_path, 48, 16, d, rng, False)

        lib = os.path.join(work, "approx.so")
        result = compile_model(args, model_path, lib,
                               ["--sparsity=approx", "--calibrate", calib,
                                "--activation-density-limit=1"])
        if result.returncode != 0:
            sys.exit(f"{name}: sievec --sparsity=approx failed:\n{result.stderr}")
        note = NOTE.search(result.stderr)
        remark = "selects the gate and up columns" if gated else "selects the up columns"
        if not note or remark not in result.stderr:
            sys.exit(f"{name}: no predictor note or rewrite remark:\n{result.stderr}")
        rank, fit_rows, held_rows = (int(g) for g in note.groups()[:3])
        recall, mass, density, active = (float(g) / 100 for g in note.groups()[3:])
        print(f"{name}: predictor rank {rank}, {fit_rows}+{held_rows} calibration rows, "
              f"held-out recall {recall:.3f} (mass {mass:.3f}), predicted density "
              f"{density:.3f}, truly active {active:.3f}")
        if not (recall >= 0.97 and mass >= recall and active < density < 0.5):
            print(f"{name}: FAIL: fit outside the expected bounds")
            failures += 1
        # The compile's own measurement on the held-out calibration sets.
        held = OUTPUT_NOTE.search(result.stderr)
        if not held:
            sys.exit(f"{name}: no output error note:\n{result.stderr}")
        rel_l2, top1 = float(held.group(2)), float(held.group(3)) / 100
        print(f"{name}: sievec's note on {held.group(1)} held-out sets: relative L2 error "
              f"{rel_l2:.1e}, top-1 agreement {top1:.3f}")
        if not (0 < rel_l2 < 0.05):
            print(f"{name}: FAIL: output error outside the expected bounds")
            failures += 1

        # Held-out inputs the fit never saw: one token, and four.
        session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        compiled = SieveModel(lib, "ffn", [(3, np.float32)])
        errors = []
        for seq in [1] * 24 + [4] * 4:
            x = rng.standard_normal((1, seq, d)).astype(np.float32)
            (want,) = session.run(None, {"x": x})
            (got,) = compiled(x)
            for r in range(seq):
                errors.append(np.linalg.norm(got[0, r] - want[0, r]) / np.linalg.norm(want[0, r]))
        errors = np.array(errors)
        print(f"{name}: approx vs onnxruntime on {len(errors)} held-out rows: relative L2 "
              f"error mean {errors.mean():.4f}, max {errors.max():.4f}")
        if not (errors.mean() < 0.05 and errors.max() < 0.25):
            print(f"{name}: FAIL: approximation error too large")
            failures += 1

        # Two threads, every kernel split (the fused FFN kernel's chunks of
        # selected neurons and their partial outputs): the one-thread result
        # up to the order of the partial sums.
        split_lib = os.path.join(work, "approx-t2.so")
        result = compile_model(args, model_path, split_lib,
                               ["--sparsity=approx", "--calibrate", calib,
                                "--activation-density-limit=1",
                                "--parallel-chunk-cycles=1"], threads=2)
        if result.returncode != 0:
            sys.exit(f"{name}: sievec --threads=2 failed:\n{result.stderr}")
        split = SieveModel(split_lib, "ffn", [(3, np.float32)])
        x = rng.standard_normal((1, 4, d)).astype(np.float32)
        (one,) = compiled(x)
        (two,) = split(x)
        err = float(np.abs(two - one).max() / np.abs(one).max())
        print(f"{name}: approx on 2 threads vs 1: relative difference {err:.1e}")
        if err > 1e-5:
            print(f"{name}: FAIL: the parallel approx kernel differs")
            failures += 1

        # The exact mode on the same model stays exact.
        exact_lib = os.path.join(work, "exact.so")
        result = compile_model(args, model_path, exact_lib,
                               ["--sparsity=exact", "--activation-density-limit=1"])
        if result.returncode != 0:
            sys.exit(f"{name}: sievec --sparsity=exact failed:\n{result.stderr}")
        exact = SieveModel(exact_lib, "ffn", [(3, np.float32)])
        x = rng.standard_normal((1, 1, d)).astype(np.float32)
        (want,) = session.run(None, {"x": x})
        (got,) = exact(x)
        err = float(np.abs(got - want).max() / np.abs(want).max())
        print(f"{name}: exact vs onnxruntime: relative error {err:.1e}")
        if err > 1e-5:
            print(f"{name}: FAIL: exact mode is not exact")
            failures += 1

    # No calibration inputs: an error before any work.
    result = compile_model(args, model_path, os.path.join(args.workdir, "none.so"),
                           ["--sparsity=approx"])
    print(f"approx without calibration: exit {result.returncode}: {result.stderr.strip()}")
    result = compile_model(args, model_path, os.path.join(args.workdir, "none.so"),
                           ["--sparsity=exact", "--calibrate", calib])
    print(f"calibration without approx: exit {result.returncode}: {result.stderr.strip()}")
    print("PASS" if failures == 0 else f"FAIL: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
