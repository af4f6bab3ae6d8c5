#!/usr/bin/env python3
"""--sparsity=approx with a trained predictor (--predictors FILE.onnx): for
a plain and a gated ReLU FFN (make_predictor_ffn.py), a Deja Vu-style
linear predictor is "trained" here (a truncated SVD of the up/gate weight,
and a per-neuron bias that keeps the neurons whose score is within 2.5
spreads of firing) and saved as ONNX initializers `relu.fc1.weight`
[r, d], `relu.fc2.weight` [n, r] and `relu.fc2.bias` [n]. sievec must use
it instead of fitting one: its note gives the predictor's rank and the
recall and density it measured on the calibration rows, which must equal
those computed here from the same rows, and the compiled model (sparse
path forced) must equal, within float tolerance, the FFN computed here
with exactly the neurons this predictor selects. Also prints the errors
for trained predictors that do not fit the model, for FileCheck.

  check_trained_predictor.py --sievec build/bin/sievec --workdir DIR
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from make_predictor_ffn import build, write_sets  # noqa: E402
from sieve_model import SieveModel  # noqa: E402

NOTE = re.compile(r"node 'relu': trained predictor of rank (\d+) from '[^']*', measured on "
                  r"(\d+) calibration rows: recall ([0-9.]+)% \(of the activation mass "
                  r"([0-9.]+)%\), predicted density ([0-9.]+)% \(truly active ([0-9.]+)%\)")
D, N, RANK = 256, 1024, 32


def weights(model):
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def train(w, b, rng):
    """A linear predictor of relu(x w + b): the rank-RANK SVD factors of w
    and a bias 2.5 spreads of the score's error below firing."""
    left, s, right = np.linalg.svd(w.astype(np.float64), full_matrices=False)
    u = left[:, :RANK] * s[:RANK]           # d x r
    v = right[:RANK]                        # r x n
    x = rng.standard_normal((512, w.shape[0]))
    err = x @ w - (x @ u) @ v
    bias = b + 2.5 * err.std(axis=0)
    return u.T.astype(np.float32), v.T.astype(np.float32), bias.astype(np.float32)


def save_predictor(path, tensors):
    """`tensors` (name -> array) as the initializers of a small ONNX model."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["in"], ["out"])], "predictors",
        [helper.make_tensor_value_info("in", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1])],
        [numpy_helper.from_array(a, name) for name, a in tensors.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def read_calibration(root, sets):
    rows = []
    for i in range(sets):
        t = onnx.TensorProto()
        with open(os.path.join(root, f"test_data_set_{i}", "input_0.pb"), "rb") as f:
            t.ParseFromString(f.read())
        rows.append(numpy_helper.to_array(t).reshape(-1, D))
    return np.concatenate(rows)


def sievec(args, model, lib, *extra):
    return subprocess.run([args.sievec, model, "-o", lib, "--entry", "ffn", "--threads=1",
                           *extra], capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sievec", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    failures = 0
    for name, gated in (("plain", False), ("gated", True)):
        opts = argparse.Namespace(d=D, n=N, rank=RANK, noise=0.3, density=0.1, gated=gated,
                                  activation="relu", seed=5)
        work = os.path.join(args.workdir, name)
        os.makedirs(work, exist_ok=True)
        model = build(opts)
        model_path = os.path.join(work, "model.onnx")
        onnx.save(model, model_path)
        rng = np.random.default_rng(11)
        calib = os.path.join(work, "calib")
        write_sets(calib, model_path, 16, 16, D, rng, False)
        w = weights(model)
        fc1, fc2, pbias = train(w["w1"], w["b1"], rng)
        predictors = os.path.join(work, "predictors.onnx")
        save_predictor(predictors, {"relu.fc1.weight": fc1, "relu.fc2.weight": fc2,
                                    "relu.fc2.bias": pbias})

        lib = os.path.join(work, "approx.so")
        result = sievec(args, model_path, lib, "--sparsity=approx", "--calibrate", calib,
                        "--predictors", predictors, "--activation-density-limit=1")
        note = NOTE.search(result.stderr)
        if result.returncode != 0 or not note or "fitted on" in result.stderr:
            sys.exit(f"{name}: sievec did not use the trained predictor:\n{result.stderr}")
        rank, rows = int(note.group(1)), int(note.group(2))
        recall, mass, density, active = (float(g) / 100 for g in note.groups()[2:])
        # The same measurement here, on the rows sievec measured on (the
        # first three quarters of the calibration sets: 12 x 16).
        x = read_calibration(calib, 12).astype(np.float64)
        z = x @ w["w1"] + w["b1"]
        on = (x @ fc1.T) @ fc2.T + pbias > 0
        want_recall = (on & (z > 0)).sum() / (z > 0).sum()
        want_density = on.mean()
        print(f"{name}: trained predictor rank {rank} on {rows} rows: recall {recall:.3f} "
              f"(here {want_recall:.3f}), predicted density {density:.3f} (here "
              f"{want_density:.3f}), truly active {active:.3f}")
        if not (rank == RANK and rows == len(x) and abs(recall - want_recall) < 2e-3
                and abs(density - want_density) < 2e-3):
            print(f"{name}: FAIL: sievec's measurement differs")
            failures += 1

        # The compiled FFN computes exactly the predicted neurons.
        compiled = SieveModel(lib, "ffn", [(3, np.float32)])
        worst = 0.0
        for seq in (1, 1, 1, 4):
            xs = rng.standard_normal((1, seq, D)).astype(np.float32)
            (got,) = compiled(xs)
            x2 = xs.reshape(seq, D).astype(np.float64)
            mask = (x2 @ fc1.T) @ fc2.T + pbias > 0
            # One call predicts the union over its rows.
            mask = np.broadcast_to(mask.any(axis=0), mask.shape)
            h = np.maximum(x2 @ w["w1"] + w["b1"], 0) * mask
            if gated:
                h = h * (x2 @ w["wu"])
            want = (h @ w["w2"] + w["b2"]).reshape(got.shape)
            worst = max(worst, float(np.abs(got - want).max() / np.abs(want).max()))
        print(f"{name}: approx vs the FFN on the predicted neurons: relative error {worst:.1e}")
        if worst > 1e-5:
            print(f"{name}: FAIL: the compiled model does not compute the predicted neurons")
            failures += 1

    # Trained predictors that do not fit the model: errors before any work.
    bad = os.path.join(args.workdir, "bad.onnx")
    cases = {
        "unknown node": {"up.fc1.weight": fc1, "up.fc2.weight": fc2},
        "wrong shape": {"relu.fc1.weight": fc1[:, :-1], "relu.fc2.weight": fc2},
        "hidden bias": {"relu.fc1.weight": fc1, "relu.fc1.bias": np.zeros(RANK, np.float32),
                        "relu.fc2.weight": fc2},
        "one layer": {"relu.fc1.weight": fc1},
        "other name": {"relu.weight": fc1},
        "float64": {"relu.fc1.weight": fc1.astype(np.float64), "relu.fc2.weight": fc2},
    }
    for case, tensors in cases.items():
        save_predictor(bad, tensors)
        result = sievec(args, model_path, os.path.join(args.workdir, "bad.so"),
                        "--sparsity=approx", "--calibrate", calib, "--predictors", bad)
        print(f"{case}: exit {result.returncode}: {result.stderr.strip()}")
    result = sievec(args, model_path, os.path.join(args.workdir, "bad.so"),
                    "--sparsity=exact", "--predictors", predictors)
    print(f"without approx: exit {result.returncode}: {result.stderr.strip()}")
    result = sievec(args, model_path, os.path.join(args.workdir, "bad.so"), "--sparsity=approx",
                    "--calibrate", calib, "--predictors", os.path.join(args.workdir, "none"))
    print(f"missing file: exit {result.returncode}: {result.stderr.strip()}")
    print("PASS" if failures == 0 else f"FAIL: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
