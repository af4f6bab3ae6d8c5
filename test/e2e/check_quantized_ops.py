#!/usr/bin/env python3
"""Numeric checks of the quantized ops in the cases the ONNX node tests do
not cover, through sieve-run:

  check_quantized_ops.py --sieve-run build/bin/sieve-run --workdir DIR

- matmulinteger: MatMulInteger with a per-row zero point for A ([M]) and a
  per-column one for B ([N]), batched A; expected from numpy in int64.
- qlinearconv: QLinearConv, depthwise, stride 2, pads, per-channel weight
  scales, an int32 bias; expected from onnxruntime.
- convinteger: ConvInteger with per-output-channel weight zero points,
  groups and dilations; expected from numpy (float64 convolution of the
  shifted integers, exact).
- quantize_dynamic_batch: QuantizeLinear per axis (int8) then
  DequantizeLinear over a symbolic batch, sizes 1 and 5; expected from
  onnxruntime.
- int4_blocked_matmul: weight-only int4 with blocked scales and zero points
  (DequantizeLinear, opset 21) feeding a MatMul, as LLM weight quantizers
  write it; expected from onnxruntime.

Integer outputs must match exactly, float ones within 1e-5 relative.
Prints one line per case and PASS or FAIL.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def model(nodes, inputs, outputs, inits, opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs,
                          [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(m)
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def ort_run(m, feeds):
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, feeds)


def conv2d(x, w, group, stride, pads, dilation):
    """Reference NCHW convolution in float64."""
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - dilation * (kh - 1) - 1) // stride + 1
    ow = (x.shape[3] - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, f, oh, ow))
    fg = f // group
    for o in range(f):
        gi = o // fg
        for i in range(kh):
            for j in range(kw):
                patch = x[:, gi * cg:(gi + 1) * cg,
                          i * dilation:i * dilation + stride * (oh - 1) + 1:stride,
                          j * dilation:j * dilation + stride * (ow - 1) + 1:stride]
                y[:, o] += np.einsum("nchw,c->nhw", patch, w[o, :, i, j])
    return y


def cases():
    # MatMulInteger: A [2, 4, 5] uint8 with a_zero_point [4] per row,
    # B [5, 6] int8 with b_zero_point [6] per column.
    a = rng.integers(0, 256, (2, 4, 5)).astype(np.uint8)
    az = rng.integers(0, 256, 4).astype(np.uint8)
    b = rng.integers(-128, 128, (5, 6)).astype(np.int8)
    bz = rng.integers(-128, 128, 6).astype(np.int8)
    m = model([helper.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["y"])],
              [vi("a", TensorProto.UINT8, [2, 4, 5])],
              [vi("y", TensorProto.INT32, [2, 4, 6])], {"b": b, "az": az, "bz": bz})
    want = (a.astype(np.int64) - az[:, None]) @ (b.astype(np.int64) - bz[None, :])
    yield "matmulinteger", m, {"a": a}, [want.astype(np.int32)]

    # QLinearConv, depthwise 3x3 stride 2 pads 1, per-channel weight scales.
    c = 4
    x = rng.integers(0, 256, (1, c, 9, 9)).astype(np.uint8)
    w = rng.integers(-128, 128, (c, 1, 3, 3)).astype(np.int8)
    inits = {"xs": np.float32(0.02), "xz": np.uint8(120), "w": w,
             "ws": rng.uniform(0.001, 0.01, c).astype(np.float32),
             "wz": np.zeros(c, np.int8), "ys": np.float32(0.05),
             "yz": np.uint8(100), "bias": rng.integers(-2000, 2000, c).astype(np.int32)}
    m = model([helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz",
                                                "ys", "yz", "bias"], ["y"],
                                group=c, strides=[2, 2], pads=[1, 1, 1, 1])],
              [vi("x", TensorProto.UINT8, [1, c, 9, 9])],
              [vi("y", TensorProto.UINT8, [1, c, 5, 5])], inits)
    yield "qlinearconv", m, {"x": x}, ort_run(m, {"x": x})

    # ConvInteger: groups 2, dilation 2, per-output-channel weight zero points.
    x = rng.integers(0, 256, (2, 4, 8, 8)).astype(np.uint8)
    w = rng.integers(0, 256, (6, 2, 3, 3)).astype(np.uint8)
    xz, wz = np.uint8(17), rng.integers(0, 256, 6).astype(np.uint8)
    m = model([helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"],
                                group=2, dilations=[2, 2], pads=[2, 1, 2, 1])],
              [vi("x", TensorProto.UINT8, [2, 4, 8, 8])],
              [vi("y", TensorProto.INT32, [2, 6, 8, 6])], {"w": w, "xz": xz, "wz": wz})
    want = conv2d(x.astype(np.float64) - 17, w.astype(np.float64) - wz[:, None, None, None],
                  2, 1, [2, 1, 2, 1], 2)
    yield "convinteger", m, {"x": x}, [want.astype(np.int32)]

    # QuantizeLinear int8 per channel (axis 1) and back, symbolic batch.
    scale = np.array([0.01, 0.1, 1.0], np.float32)
    zp = np.array([-5, 0, 7], np.int8)
    m = model([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1),
               helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], axis=1)],
              [vi("x", TensorProto.FLOAT, ["N", 3, 4])],
              [vi("q", TensorProto.INT8, ["N", 3, 4]), vi("y", TensorProto.FLOAT, ["N", 3, 4])],
              {"s": scale, "z": zp})
    for n in (1, 5):
        # Values up to 200 saturate the finer channels.
        x = (rng.standard_normal((n, 3, 4)) * 60).astype(np.float32)
        x[0, 0, 0] = 0.025  # a halfway case: rounds to even
        yield f"quantize_dynamic_batch_{n}", m, {"x": x}, ort_run(m, {"x": x})

    # Weight-only int4, blocks of 16 along K, with zero points.
    k, n, block = 64, 24, 16
    wq = rng.integers(-8, 8, (k, n))
    ws = rng.uniform(0.01, 0.05, (k // block, n)).astype(np.float32)
    wz = rng.integers(-8, 8, (k // block, n))
    g = helper.make_graph(
        [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0,
                          block_size=block),
         helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [vi("x", TensorProto.FLOAT, [3, k])], [vi("y", TensorProto.FLOAT, [3, n])],
        [helper.make_tensor("wq", TensorProto.INT4, [k, n], wq.ravel().tolist()),
         numpy_helper.from_array(ws, "ws"),
         helper.make_tensor("wz", TensorProto.INT4, [k // block, n], wz.ravel().tolist())])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
    onnx.checker.check_model(m)
    x = rng.standard_normal((3, k)).astype(np.float32)
    want = x.astype(np.float64) @ ((wq - np.repeat(wz, block, axis=0)) *
                                   np.repeat(ws, block, axis=0))
    yield "int4_blocked_matmul", m, {"x": x}, [want.astype(np.float32)]


def run_cases(cases, sieve_run, workdir, sieve_args=(), float_atol=None):
    """Runs each (name, model, feeds, expected) case through sieve-run in
    workdir/name and compares its outputs: integers exactly, floats within
    1e-5 (or float_atol(name, expected) absolute). Prints one line per
    output; returns whether all matched."""
    ok = True
    for name, m, feeds, expected in cases:
        d = os.path.join(workdir, name)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "model.onnx")
        onnx.save(m, path)
        cmd = [sieve_run, path, "--output-dir", d, "--quiet", *sieve_args]
        for k, v in feeds.items():
            np.save(os.path.join(d, f"in_{k}.npy"), v)
            cmd += ["--input", f"{k}={os.path.join(d, f'in_{k}.npy')}"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{name}: sieve-run failed: {r.stderr.strip()[-300:]}")
            ok = False
            continue
        for out, want in zip(m.graph.output, expected):
            got = np.load(os.path.join(d, f"{out.name}.npy"))
            if np.issubdtype(want.dtype, np.integer):
                good = got.dtype == want.dtype and np.array_equal(got, want)
                err = int(np.max(np.abs(got.astype(np.int64) - want))) if want.size else 0
            else:
                atol = float_atol(name, want) if float_atol else 1e-5
                good = np.allclose(got, want, rtol=1e-5, atol=atol)
                err = float(np.max(np.abs(got - want)))
            print(f"{name}: output '{out.name}' {want.dtype}{list(want.shape)}: "
                  f"max abs error {err:.3g}: {'OK' if good else 'MISMATCH'}")
            ok &= bool(good)
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ok = run_cases(cases(), args.sieve_run, args.workdir)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
