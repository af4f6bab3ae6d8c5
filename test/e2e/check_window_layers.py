#!/usr/bin/env python3
"""Depthwise and grouped convolutions and pooling (the window kernels of
sieve-tile-and-vectorize, docs/convolutions.md), and plain convolutions of
column counts no register tile divides or in column panels, against
onnxruntime: one
single-layer model per shape, odd sizes, strides, padding, dilation, channel
multipliers, rows wider and narrower than a vector; each run at 1 thread and
at 2 threads with every kernel split (--parallel-chunk-cycles=1). Prints one
line per model and thread count, OK or MISMATCH with the largest error.

  check_window_layers.py --sieve-run build/bin/sieve-run --workdir DIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def conv(name, c, hw, k, group, mult=1, stride=1, pads=None, dil=1, bias=True,
         act=None, rank=2, batch=1, filters=None):
    """Conv with `group` groups and `c * mult // ...` outputs (depthwise:
    group = c), then an optional Clip(0, 6) or Relu."""
    rng = np.random.default_rng(len(name))
    f = filters or c * mult
    spatial = [hw] * rank if isinstance(hw, int) else list(hw)
    w = rng.standard_normal([f, c // group] + [k] * rank).astype(np.float32)
    inputs = ["x", "w"]
    init = [numpy_helper.from_array(w, "w")]
    if bias:
        init.append(numpy_helper.from_array(rng.standard_normal(f).astype(np.float32), "b"))
        inputs.append("b")
    attrs = dict(group=group, strides=[stride] * rank, dilations=[dil] * rank)
    attrs["pads"] = pads if pads is not None else [k // 2 * dil] * (2 * rank)
    nodes = [helper.make_node("Conv", inputs, ["c" if act else "y"], **attrs)]
    if act == "clip":
        init += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                 numpy_helper.from_array(np.array(6, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", ["c", "lo", "hi"], ["y"]))
    elif act == "relu":
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    return name, nodes, [batch, c] + spatial, init


def pool(name, op, c, hw, **attrs):
    return name, [helper.make_node(op, ["x"], ["y"], **attrs)], [1, c, hw, hw], []


def inverted_residual(name, c, hw, expand):
    """MobileNetV2's block: 1x1 Conv + Clip(0, 6) to c * expand channels, a
    padded 3x3 depthwise Conv + Clip, a 1x1 Conv back to c, plus the
    input. On an odd map the elementwise ops run flat over channels and map
    together and the depthwise kernel reads the flat result row by row:
    its lanes past a row's end must not read the next row."""
    rng = np.random.default_rng(len(name))
    e = c * expand
    arrays = {"w1": [e, c, 1, 1], "b1": [e], "w2": [e, 1, 3, 3], "b2": [e],
              "w3": [c, e, 1, 1], "b3": [c]}
    init = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32) * 0.5, n)
            for n, s in arrays.items()]
    init += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6, np.float32), "hi")]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"]),
        helper.make_node("Clip", ["c1", "lo", "hi"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], group=e, pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c2", "lo", "hi"], ["r2"]),
        helper.make_node("Conv", ["r2", "w3", "b3"], ["c3"]),
        helper.make_node("Add", ["c3", "x"], ["y"]),
    ]
    return name, nodes, [1, c, hw, hw], init


MODELS = [
    conv("dw3x3-s1-c5-13", 5, 13, 3, group=5, act="clip"),
    conv("dw3x3-s2-c6-15", 6, 15, 3, group=6, stride=2, act="relu"),
    conv("dw3x3-s2-c3-40", 3, 40, 3, group=3, stride=2),
    conv("dw3x3-s1-c4-37-nobias", 4, 37, 3, group=4, bias=False),
    conv("dw3x3-dil2-c4-19", 4, 19, 3, group=4, dil=2),
    conv("dw5x5-s2-c4-17-asym", 4, 17, 5, group=4, stride=2, pads=[1, 2, 2, 0]),
    conv("dw3x3-s1-c7-9x33", 7, (9, 33), 3, group=7),
    conv("dw3x3-m2-c3-11", 3, 11, 3, group=3, mult=2, act="relu"),
    conv("dw3x3-m3-s2-c2-14", 2, 14, 3, group=2, mult=3, stride=2),
    conv("group3x3-g2-c8-12", 8, 12, 3, group=2, act="relu"),
    conv("group3x3-g4-c16-s2-25", 16, 25, 3, group=4, stride=2),
    # Groups of 8 or more channels (ResNeXt's and RegNet's): with the Relu
    # fused, on 28x28 and 14x14 maps, strided, 1x1, no bias, batch 2.
    conv("group3x3-g4-c32-28-relu", 32, 28, 3, group=4, act="relu"),
    conv("group3x3-g2-c32-14", 32, 14, 3, group=2),
    conv("group3x3-g2-c32-s2-15-nobias", 32, 15, 3, group=2, stride=2, bias=False),
    conv("group1x1-g4-c64-7", 64, 7, 1, group=4),
    conv("group3x3-g2-c16-9-batch2", 16, 9, 3, group=2, batch=2),
    conv("dw1d-k5-c6-31", 6, 31, 5, group=6, rank=1),
    conv("dw3x3-s2-c4-23-batch3", 4, 23, 3, group=4, stride=2, act="relu", batch=3),
    # Channels-last depthwise kernels (stride 1, rows shorter than a
    # vector, 8 or more channels): 7x7 with Clip and with Relu, dilation
    # 2, a 5x5 on 14x14, 24 channels (8-lane vectors) without a bias, a
    # 14x14 map, asymmetric padding on 9x11.
    conv("dwcl3x3-s1-c32-7", 32, 7, 3, group=32, act="clip"),
    conv("dwcl3x3-s1-c48-7", 48, 7, 3, group=48, act="relu"),
    conv("dwcl3x3-dil2-c16-14", 16, 14, 3, group=16, dil=2),
    conv("dwcl5x5-s1-c32-14", 32, 14, 5, group=32, act="clip"),
    conv("dwcl3x3-s1-c24-7-nobias", 24, 7, 3, group=24, bias=False),
    conv("dwcl3x3-s1-c64-14", 64, 14, 3, group=64, act="clip"),
    conv("dwcl3x3-s1-c16-9x11-asym", 16, (9, 11), 3, group=16, pads=[0, 1, 2, 2]),
    # Plain convolutions (matmuls after sieve-conv-to-matmul) whose columns
    # the register tile does not divide: 49 = 32 + 17 masked, 25 masked,
    # 7x7 pointwise, a 55-wide image through shifted taps.
    conv("conv3x3-c16-7", 16, 7, 3, group=1, act="relu"),
    conv("conv3x3-c4-5", 4, 5, 3, group=1),
    conv("conv1x1-c24-7", 24, 7, 1, group=1),
    conv("conv3x3-c8-55", 8, 55, 3, group=1, act="relu"),
    # The direct kernel (whole tiles of 8 filters, 8 or more channels):
    # 28x28 computed 30 wide, dilation 2, a 5x5 without a bias, a 33x47
    # image with asymmetric padding (the last column tiles masked), and
    # strided ones through the input's phases (57 rows: the last phase row
    # zero; a 5x5 at stride 2).
    conv("direct3x3-c16-f32-28", 16, 28, 3, group=1, mult=2, act="relu"),
    conv("direct3x3-dil2-c8-f16-40", 8, 40, 3, group=1, mult=2, dil=2),
    conv("direct5x5-c8-f8-40-nobias", 8, 40, 5, group=1, bias=False),
    conv("direct3x3-c8-f24-33x47-asym", 8, (33, 47), 3, group=1, mult=3,
         pads=[1, 0, 1, 2]),
    conv("direct3x3-s2-c16-f32-57", 16, 57, 3, group=1, mult=2, stride=2,
         act="relu"),
    conv("direct5x5-s2-c8-f16-40", 8, 40, 5, group=1, mult=2, stride=2),
    # Fewer than 8 channels (RGB stems): a loop over the taps, their
    # offsets from tables. A 7x7/2 stem with Relu, a 3x3/2 one on an odd
    # image, a 3x3 stride-1 one over 2 channels.
    conv("direct7x7-s2-c3-f24-64", 3, 64, 7, group=1, mult=8, stride=2,
         act="relu"),
    conv("direct3x3-s2-c3-f24-45", 3, 45, 3, group=1, mult=8, stride=2, act="clip"),
    conv("direct3x3-c2-f8-30", 2, 30, 3, group=1, mult=4),
    # An input too large for a quarter of any L2 up to 4 MiB (32 channels
    # in 4 phases, 5.2 MB): blocks of column tiles, each computed for
    # both filter tiles in turn.
    conv("direct3x3-s2-c32-f16-200", 32, 200, 3, group=1, filters=16, stride=2,
         act="relu"),
    # Image to column in panels (1024 or more columns): a 7x7/2 stem (32
    # outputs per row, a gather), 64 x 60 computed 64 wide, and a
    # 5x5 stride-1 convolution in panels of 16 (one copy per tap).
    conv("conv7x7-s2-c3-64", 3, 64, 7, group=1, stride=2, act="relu"),
    conv("conv3x3-s2-c8-127x119", 8, (127, 119), 3, group=1, stride=2),
    conv("conv5x5-c2-68x20", 2, (68, 20), 5, group=1, pads=[0, 0, 0, 0]),
    pool("maxpool3x3-s2-ceil-c5-15", "MaxPool", 5, 15, kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
    pool("maxpool3x3-s2-ceil-c5-16", "MaxPool", 5, 16, kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
    pool("maxpool3x3-s2-ceil-c2-40", "MaxPool", 2, 40, kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
    pool("maxpool3x3-s2-pad-c4-18", "MaxPool", 4, 18, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    pool("maxpool2x2-dil2-c3-21", "MaxPool", 3, 21, kernel_shape=[2, 2], dilations=[2, 2]),
    pool("maxpool3x3-s1-c3-35", "MaxPool", 3, 35, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    pool("avgpool3x3-s1-pad-c4-13", "AveragePool", 4, 13, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    pool("avgpool3x3-s2-incl-c4-13", "AveragePool", 4, 13, kernel_shape=[3, 3], strides=[2, 2],
         pads=[1, 1, 1, 1], count_include_pad=1),
    pool("gap-c6-9", "GlobalAveragePool", 6, 9),
    inverted_residual("invres-c8-14", 8, 14, 3),
    inverted_residual("invres-c4-7", 4, 7, 6),
    # Wide enough for pixel rows around a channels-last depthwise kernel:
    # the Clip and padding applied to the expansion's rows, the projection
    # reading the depthwise rows with no transpose in between.
    inverted_residual("invres-c32-14", 32, 14, 6),
    inverted_residual("invres-c32-7", 32, 7, 6),
]


def build(name, nodes, shape, init, directory):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [f"d{i}" for i in range(len(shape))])],
        init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    path = os.path.join(directory, name + ".onnx")
    onnx.save(model, path)
    return path


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    failed = False
    for name, nodes, shape, init in MODELS:
        path = build(name, nodes, shape, init, args.workdir)
        x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        xin = os.path.join(args.workdir, name + ".x.npy")
        np.save(xin, x)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        want = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"]).run(
            None, {"x": x})[0]
        for threads in (1, 2):
            out = os.path.join(args.workdir, f"{name}.t{threads}")
            cmd = [args.sieve_run, path, "--quiet", "--input", f"x={xin}", "--output-dir", out,
                   f"--threads={threads}"]
            if threads > 1:
                cmd.append("--parallel-chunk-cycles=1")
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"{name} threads={threads}: FAILED\n{r.stderr}")
                failed = True
                continue
            got = np.load(os.path.join(out, "y.npy"))
            err = float(np.max(np.abs(got - want)))
            # Sums of many terms (the large direct case: 288 per output, up
            # to 100 in size) differ from onnxruntime's order by float
            # rounding of the partial sums, not of the result.
            atol = 1e-6 * float(np.max(np.abs(want))) if want.size > 100000 else 1e-5
            good = got.shape == want.shape and np.allclose(got, want, rtol=1e-4, atol=atol)
            print(f"{name} threads={threads} {list(want.shape)}: max abs error {err:.3g}: "
                  f"{'OK' if good else 'MISMATCH'}")
            failed |= not good
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
