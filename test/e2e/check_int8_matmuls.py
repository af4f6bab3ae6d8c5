#!/usr/bin/env python3
"""Numeric checks of the 8-bit matmul kernels (sieve-int8-matmuls: VNNI dot
products over a weight packed at compile time) through sieve-run:

  check_int8_matmuls.py --sieve-run build/bin/sieve-run --workdir DIR [--threads N]
      [--sieve-arg=--parallel-chunk-cycles=1]

Each case is a MatMulInteger, QLinearMatMul or dynamically quantized matmul
with a constant weight, or a QDQ convolution (QuantizeLinear and
DequantizeLinear of the input, DequantizeLinear of an int8 weight per filter,
as quantize_static writes them), in the shapes the kernel handles separately: rows in
whole register tiles and left over (1, 7, 8, 9, 100 rows of a symbolic
axis), a reduction that is no multiple of 4 (37: a tail group read with
padding), columns that are no multiple of the vector (1000 = 62 panels of 16
and 8 columns written with masks; 20; 5), uint8 and int8 rows (an int8 row is
read as unsigned with its top bit flipped), zero points per tensor, per row
and of the weight per column (folded into the packed weight), and a batched
[2, ?, K] operand. Integer outputs must equal numpy's (int64 arithmetic),
QLinearMatMul's and the float outputs onnxruntime's (exactly, and within
1e-5); the convolutions onnxruntime's with graph optimizations off (the
float semantics of the QDQ graph; optimized, it rounds differently) within
1e-4 of their largest output. Convolution shapes: a 7x7 stride-2 stem over 3 channels (one
group of 4, padded), 3x3 stride 1 and 2, 1x1 stride 2, dilation 2, int8
activations, a zero point of 0, no bias, a batch of 3 and a symbolic batch
(run with 2), and a weight of floats that are no multiples of a scale (left
a float convolution). On a CPU without VNNI the
same models run as int32 matmuls and float convolutions and must give the
same numbers. Prints one line per output and PASS or FAIL.
"""

import argparse
import os
import sys

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_quantized_ops import model, run_cases, vi  # noqa: E402

rng = np.random.default_rng(11)


def ort_run(m, feeds, optimize=True):
    options = ort.SessionOptions()
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    s = ort.InferenceSession(m.SerializeToString(), options,
                             providers=["CPUExecutionProvider"])
    return s.run(None, feeds)


def qdq_conv(c, f, hw, k, stride, pad, dilation=1, signed=False, zero=False,
             bias=True, quantized=True, batch=1):
    """Q -> DQ of the input, DQ of a per-filter int8 weight, Conv."""
    wq = rng.integers(-127, 128, (f, c, k, k)).astype(np.int8)
    inits = {"xs": np.float32(0.02),
             "xz": (np.int8(0 if zero else -3) if signed
                    else np.uint8(0 if zero else 131))}
    inputs = ["xd", "w"] + (["b"] if bias else [])
    if bias:
        inits["b"] = rng.standard_normal(f).astype(np.float32)
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"])]
    if quantized:
        inits.update({"wq": wq, "ws": rng.uniform(0.001, 0.01, f).astype(np.float32),
                      "wz": np.zeros(f, np.int8)})
        nodes.append(helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"],
                                      axis=0))
    else:
        inits["w"] = (rng.standard_normal((f, c, k, k)) * 0.05).astype(np.float32)
    nodes.append(helper.make_node("Conv", inputs, ["y"], pads=[pad] * 4,
                                  strides=[stride] * 2, dilations=[dilation] * 2))
    out = (hw + 2 * pad - dilation * (k - 1) - 1) // stride + 1
    return model(nodes, [vi("x", TensorProto.FLOAT, [batch, c, hw, hw])],
                 [vi("y", TensorProto.FLOAT, [batch, f, out, out])], inits)


def product(a, az, b, bz):
    return ((a.astype(np.int64) - az) @ (b.astype(np.int64) - bz)).astype(np.int32)


def cases():
    # uint8 rows, a per-tensor zero point; int8 weight [37, 1000].
    k, n = 37, 1000
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    m = model([helper.make_node("MatMulInteger", ["a", "b", "az"], ["y"])],
              [vi("a", TensorProto.UINT8, ["M", k])], [vi("y", TensorProto.INT32, ["M", n])],
              {"b": b, "az": np.uint8(131)})
    for rows in (1, 7, 8, 9, 100):
        a = rng.integers(0, 256, (rows, k)).astype(np.uint8)
        a[0, :4] = 255  # the extremes: 255 * -128
        yield f"u8_rows_{rows}", m, {"a": a}, [product(a, 131, b, 0)]

    # int8 rows with a zero point per row [13]; a uint8 weight [64, 20] with
    # a zero point per column, every difference within a signed byte.
    k, n, rows = 64, 20, 13
    bz = rng.integers(100, 156, n).astype(np.uint8)
    b = (bz[None, :].astype(np.int64) + rng.integers(-28, 28, (k, n))).astype(np.uint8)
    az = rng.integers(-128, 128, rows).astype(np.int8)
    a = rng.integers(-128, 128, (rows, k)).astype(np.int8)
    a[0, :] = -128
    m = model([helper.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["y"])],
              [vi("a", TensorProto.INT8, [rows, k])], [vi("y", TensorProto.INT32, [rows, n])],
              {"b": b, "az": az, "bz": bz})
    yield "s8_row_zero_points", m, {"a": a}, [product(a, az[:, None], b, bz[None, :])]

    # A batched operand [2, ?, 48] (rows through a collapse), 5 columns.
    k, n = 48, 5
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    m = model([helper.make_node("MatMulInteger", ["a", "b", "az"], ["y"])],
              [vi("a", TensorProto.UINT8, [2, "T", k])], [vi("y", TensorProto.INT32, [2, "T", n])],
              {"b": b, "az": np.uint8(7)})
    a = rng.integers(0, 256, (2, 11, k)).astype(np.uint8)
    yield "batched", m, {"a": a}, [product(a, 7, b, 0)]

    # QLinearMatMul: uint8 rows, int8 weight, requantized to uint8.
    k, n = 40, 32
    inits = {"as": np.float32(0.03), "az": np.uint8(128),
             "b": rng.integers(-128, 128, (k, n)).astype(np.int8),
             "bs": np.float32(0.004), "bz": np.int8(0),
             "ys": np.float32(0.2), "yz": np.uint8(120)}
    m = model([helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz",
                                                  "ys", "yz"], ["y"])],
              [vi("a", TensorProto.UINT8, ["M", k])], [vi("y", TensorProto.UINT8, ["M", n])],
              inits)
    a = rng.integers(0, 256, (9, k)).astype(np.uint8)
    yield "qlinearmatmul", m, {"a": a}, ort_run(m, {"a": a})

    # Dynamic quantization as onnxruntime's quantize_dynamic writes an FFN
    # projection: DynamicQuantizeLinear of float rows (a symbolic axis),
    # MatMulInteger, the product scaled back to float.
    k, n = 64, 96
    w = rng.integers(-127, 128, (k, n)).astype(np.int8)
    m = model([helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
               helper.make_node("MatMulInteger", ["xq", "w", "xz", "wz"], ["acc"]),
               helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
               helper.make_node("Mul", ["xs", "ws"], ["s"]),
               helper.make_node("Mul", ["accf", "s"], ["y"])],
              [vi("x", TensorProto.FLOAT, ["M", k])], [vi("y", TensorProto.FLOAT, ["M", n])],
              {"w": w, "wz": np.int8(0), "ws": np.float32(0.01)})
    for rows in (3, 64):
        x = rng.standard_normal((rows, k)).astype(np.float32)
        yield f"dynamic_quantization_{rows}", m, {"x": x}, ort_run(m, {"x": x})

    # QDQ convolutions.
    for name, args, kwargs in (
            ("conv_stem_7x7_s2", (3, 16, 20, 7, 2, 3), {}),
            ("conv_3x3", (24, 40, 9, 3, 1, 1), {}),
            ("conv_3x3_s2", (32, 16, 10, 3, 2, 1), {}),
            ("conv_1x1_s2", (16, 48, 8, 1, 2, 0), {}),
            ("conv_dilated", (8, 16, 9, 3, 1, 2), {"dilation": 2}),
            ("conv_int8_input", (8, 20, 6, 3, 1, 1), {"signed": True}),
            ("conv_zero_point_0", (8, 16, 6, 3, 1, 0), {"zero": True, "bias": False}),
            ("conv_float_weight", (8, 16, 6, 3, 1, 1), {"quantized": False}),
            ("conv_batch_3", (8, 20, 6, 3, 1, 1), {"batch": 3}),
            ("conv_dynamic_batch", (8, 20, 6, 3, 2, 1), {"batch": "N"})):
        m = qdq_conv(*args, **kwargs)
        batch = kwargs.get("batch", 1)
        x = rng.standard_normal((batch if isinstance(batch, int) else 2, args[0],
                                 args[2], args[2])).astype(np.float32)
        yield name, m, {"x": x}, ort_run(m, {"x": x}, optimize=False)


def conv_atol(name, want):
    """A convolution's sums in another order (exact integers, then scaled,
    against float products summed): within 1e-4 of the largest output."""
    return 1e-4 * float(np.abs(want).max()) if name.startswith("conv_") else 1e-5


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sieve-arg", action="append", default=[],
                   help="an extra sieve-run argument (repeatable)")
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ok = run_cases(cases(), args.sieve_run, args.workdir,
                   [f"--threads={args.threads}", *args.sieve_arg], conv_atol)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
