#!/usr/bin/env python3
"""Writes a ReLU FFN block whose neurons a low-rank predictor can foresee,
with calibration and held-out inputs, for --sparsity=approx:

  y = relu(x W1 + b1) W2 + b2               (plain; --gated: relu(x Wg + bg) * (x Wu) -> Wd)

(--activation: ReLU6 as Clip(0, 6), or the ReLU squared, in place of relu)

on x [batch, seq, d] with symbolic batch and sequence axes, as exporters
write transformer FFNs (3-D MatMul, Add of a bias). W1 (Wg) is a rank-r
matrix plus noise (trained FFN weights have a decaying spectrum; the noise
sets how much of each pre-activation a low-rank score misses), and b1 (bg)
is set per neuron so that about `density` of the neurons fire on standard
normal inputs. Writes DIR/model.onnx, DIR/calib/test_data_set_*/input_0.pb
(x [1, seq, d]) and DIR/heldout/test_data_set_*/{input_0,output_0}.pb with
onnxruntime's outputs.

  make_predictor_ffn.py DIR [--d 256] [--n 1024] [--rank 32] [--noise 0.3]
                        [--density 0.1] [--gated] [--activation relu]
                        [--calib 16] [--heldout 4]
                        [--seq 16] [--seed 0]
"""

import argparse
import os
import statistics
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def low_rank_plus_noise(rng, d, n, rank, noise):
    left = rng.standard_normal((d, rank)) / np.sqrt(d)
    right = rng.standard_normal((rank, n)) / np.sqrt(rank)
    return (left @ right + noise * rng.standard_normal((d, n)) / np.sqrt(d)).astype(np.float32)


def build(args):
    rng = np.random.default_rng(args.seed)
    d, n = args.d, args.n
    w1 = low_rank_plus_noise(rng, d, n, args.rank, args.noise)
    # A neuron fires when x.w > -b: for standard normal x, x.w is normal
    # with the column's norm as its spread.
    z = statistics.NormalDist().inv_cdf(1.0 - args.density)
    b1 = (-z * np.linalg.norm(w1, axis=0)).astype(np.float32)
    w2 = (rng.standard_normal((n, d)) / np.sqrt(n)).astype(np.float32)
    b2 = (0.1 * rng.standard_normal(d)).astype(np.float32)
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["u"], name="up"),
             helper.make_node("Add", ["u", "b1"], ["ub"], name="up_bias")]
    activation = getattr(args, "activation", "relu")
    if activation == "relu6":
        inits += [numpy_helper.from_array(np.array(0, np.float32), "clip_min"),
                  numpy_helper.from_array(np.array(getattr(args, "clip_max", 6.0), np.float32),
                                          "clip_max")]
        nodes.append(helper.make_node("Clip", ["ub", "clip_min", "clip_max"], ["h"],
                                      name="relu6"))
    elif activation in ("squared-mul", "squared-pow"):
        nodes.append(helper.make_node("Relu", ["ub"], ["r"], name="relu"))
        if activation == "squared-mul":
            nodes.append(helper.make_node("Mul", ["r", "r"], ["h"], name="square"))
        else:
            inits.append(numpy_helper.from_array(np.array(2, np.float32), "two"))
            nodes.append(helper.make_node("Pow", ["r", "two"], ["h"], name="square"))
    else:
        nodes.append(helper.make_node("Relu", ["ub"], ["h"], name="relu"))
    hidden = "h"
    if args.gated:
        wu = (rng.standard_normal((d, n)) / np.sqrt(d)).astype(np.float32)
        inits.append(numpy_helper.from_array(wu, "wu"))
        nodes += [helper.make_node("MatMul", ["x", "wu"], ["v"], name="up_proj"),
                  helper.make_node("Mul", ["h", "v"], ["hv"], name="gate_mul")]
        hidden = "hv"
    nodes += [helper.make_node("MatMul", [hidden, "w2"], ["dn"], name="down"),
              helper.make_node("Add", ["dn", "b2"], ["y"], name="down_bias")]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", d])]
    if getattr(args, "expose_gate", False):
        # The gate projection also read by the caller: no predictor may
        # replace it.
        outputs.append(helper.make_tensor_value_info("u", TensorProto.FLOAT, ["batch", "seq", n]))
    graph = helper.make_graph(nodes, "predictor_ffn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", d])],
                              outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def write_sets(root, model_path, count, seq, d, rng, with_outputs):
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    for i in range(count):
        x = rng.standard_normal((1, seq, d)).astype(np.float32)
        set_dir = os.path.join(root, f"test_data_set_{i}")
        os.makedirs(set_dir, exist_ok=True)
        with open(os.path.join(set_dir, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "x").SerializeToString())
        if with_outputs:
            (y,) = session.run(["y"], {"x": x})
            with open(os.path.join(set_dir, "output_0.pb"), "wb") as f:
                f.write(numpy_helper.from_array(y, "y").SerializeToString())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--d", type=int, default=256)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument("--density", type=float, default=0.1)
    parser.add_argument("--gated", action="store_true")
    parser.add_argument("--activation", default="relu",
                        choices=["relu", "relu6", "squared-mul", "squared-pow"],
                        help="the up (gate) activation: ReLU, Clip(0, 6), or a ReLU "
                             "squared by Mul(r, r) or Pow(r, 2)")
    parser.add_argument("--clip-max", type=float, default=6.0,
                        help="the upper bound of --activation relu6's Clip")
    parser.add_argument("--expose-gate", action="store_true",
                        help="also output the gate (plain: up) projection")
    parser.add_argument("--calib", type=int, default=16)
    parser.add_argument("--heldout", type=int, default=4)
    parser.add_argument("--seq", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    model_path = os.path.join(args.dir, "model.onnx")
    onnx.save(build(args), model_path)
    rng = np.random.default_rng(args.seed + 1000)
    write_sets(os.path.join(args.dir, "calib"), model_path, args.calib, args.seq, args.d, rng, False)
    write_sets(os.path.join(args.dir, "heldout"), model_path, args.heldout, args.seq, args.d, rng, True)


if __name__ == "__main__":
    sys.exit(main())
