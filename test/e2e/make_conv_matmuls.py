#!/usr/bin/env python3
"""Writes an ONNX model of convolutions that sieve-conv-to-matmul computes
in each of its matmul layouts (docs/convolutions.md). Small output maps,
as pixel rows against the transposed weights:

  out_res    3x3, pad 1, 64 -> 64 channels on 7x7, bias, ReLU (ResNet's
             last stage; 49 pixels padded to 56 rows);
  out_point  1x1, 32 -> 96 channels on 13x13 (SqueezeNet's expand; 169
             pixels, a transpose);
  out_stride 3x3, stride 2, pad 1, 16 -> 32 channels, 14x14 -> 7x7, its
             weights a graph input (transposed at run time);
  out_dil    3x3, dilation 2, pad 2, 8 -> 32 channels on 14x14, no bias;
  out_resadd 1x1, 32 -> 64 channels on 12x12, bias, a residual Add and
             ReLU, which the transpose back to NCHW applies as it writes
             (144 pixels: whole blocks of 8 rows, which threads split).

Steps along the rows, the input split into phases first:

  out_stem   7x7, stride 2, pad 3, 3 -> 8 channels, 64x64 -> 32x32
             (ResNet's stem; image to column in panels);
  out_s2     3x3, stride 2, pad 1, 4 -> 8 channels, 58x58 -> 29x29 (the
             plain image to column layout).

Two bias-free 1x1 convolutions of one shape, each followed by ReLU, then
concatenated (SqueezeNet's expand layers without a bias): their zero
accumulators are one fill after CSE, which each gets back for itself
(untieSharedFills):

  out_fire   1x1, 16 -> 32 channels twice on 27x27, ReLU, Concat.

Two register tiles of rows, which read the input's column panels in place
(no copy):

  out_squeeze 1x1, 48 -> 16 channels on 16x24, bias, ReLU.

Two concatenations of one shape, each of two 1x1 convolutions of one
shape, the second reading the first (an inception block's outputs): CSE
gives the four convolutions one empty output and the two concatenations
one buffer, which sieve-concat-in-place gives each its own before it
computes the convolutions in their slices:

  out_cat    1x1, 16 -> 8 channels twice on 10x10, ReLU, Concat; then
             1x1, 16 -> 8 twice on that, Concat.

A dense block (DenseNet): each layer reads the concatenation of the
block's input and every earlier layer's output, the block's output is the
concatenation of all; sieve-concat-in-place makes each shorter
concatenation a slice of the longest and computes every output in it once:

  out_dense  1x1 convolutions to 8 channels on 8x8, over 16, 24 and 32
             channels, ReLU; the block's 40 channels.

1x1 convolutions with a step (ResNet's downsampling shortcuts): the input
sampled at the pixels they read (a wide read and a shuffle per vector),
then a 1x1 convolution with unit steps:

  out_down   stride 2, 24 -> 32 channels, 30x30 -> 15x15 (one masked
             vector per row), bias, ReLU;
  out_down3  stride 3, 8 -> 16 channels, 40x40 -> 14x14, no bias;
  out_rows   strides [2, 1] (a step down the columns only), 8 -> 16
             channels, 20x40 -> 10x40, bias;
  out_wide   stride 2, 16 -> 32 channels, 64x70 -> 32x35 (two whole
             vectors and a masked one per row), bias, ReLU.

  make_conv_matmuls.py OUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    rng = np.random.default_rng(5)

    def const(name, *shape):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        return numpy_helper.from_array(
            (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32), name)

    f = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info("a", f, [1, 64, 7, 7]),
              helper.make_tensor_value_info("b", f, [1, 32, 13, 13]),
              helper.make_tensor_value_info("c", f, [1, 16, 14, 14]),
              helper.make_tensor_value_info("wc", f, [32, 16, 3, 3]),
              helper.make_tensor_value_info("d", f, [1, 8, 14, 14]),
              helper.make_tensor_value_info("e", f, [1, 3, 64, 64]),
              helper.make_tensor_value_info("g", f, [1, 4, 58, 58]),
              helper.make_tensor_value_info("h", f, [1, 16, 27, 27]),
              helper.make_tensor_value_info("q", f, [1, 48, 16, 24]),
              helper.make_tensor_value_info("s", f, [1, 24, 30, 30]),
              helper.make_tensor_value_info("t", f, [1, 8, 40, 40]),
              helper.make_tensor_value_info("u", f, [1, 8, 20, 40]),
              helper.make_tensor_value_info("v", f, [1, 16, 64, 70]),
              helper.make_tensor_value_info("k", f, [1, 32, 12, 12]),
              helper.make_tensor_value_info("kr", f, [1, 64, 12, 12]),
              helper.make_tensor_value_info("m", f, [1, 16, 10, 10]),
              helper.make_tensor_value_info("dx", f, [1, 16, 8, 8])]
    outputs = [helper.make_tensor_value_info("out_res", f, [1, 64, 7, 7]),
               helper.make_tensor_value_info("out_point", f, [1, 96, 13, 13]),
               helper.make_tensor_value_info("out_stride", f, [1, 32, 7, 7]),
               helper.make_tensor_value_info("out_dil", f, [1, 32, 14, 14]),
               helper.make_tensor_value_info("out_stem", f, [1, 8, 32, 32]),
               helper.make_tensor_value_info("out_s2", f, [1, 8, 29, 29]),
               helper.make_tensor_value_info("out_fire", f, [1, 64, 27, 27]),
               helper.make_tensor_value_info("out_squeeze", f, [1, 16, 16, 24]),
               helper.make_tensor_value_info("out_down", f, [1, 32, 15, 15]),
               helper.make_tensor_value_info("out_down3", f, [1, 16, 14, 14]),
               helper.make_tensor_value_info("out_rows", f, [1, 16, 10, 40]),
               helper.make_tensor_value_info("out_wide", f, [1, 32, 32, 35]),
               helper.make_tensor_value_info("out_resadd", f, [1, 64, 12, 12]),
               helper.make_tensor_value_info("out_cat", f, [1, 16, 10, 10]),
               helper.make_tensor_value_info("out_dense", f, [1, 40, 8, 8])]
    inits = [const("wa", 64, 64, 3, 3), const("ba", 64), const("wb", 96, 32, 1, 1),
             const("bb", 96), const("wd", 32, 8, 3, 3), const("we", 8, 3, 7, 7),
             const("be", 8), const("wg", 8, 4, 3, 3), const("wh1", 32, 16, 1, 1),
             const("wh2", 32, 16, 1, 1), const("wq", 16, 48, 1, 1), const("bq", 16),
             const("ws", 32, 24, 1, 1), const("bs", 32), const("wt", 16, 8, 1, 1),
             const("wu", 16, 8, 1, 1), const("bu", 16), const("wv", 32, 16, 1, 1),
             const("bv", 32), const("wk", 64, 32, 1, 1), const("bk", 64),
             const("wm1", 8, 16, 1, 1), const("wm2", 8, 16, 1, 1),
             const("wm3", 8, 16, 1, 1), const("wm4", 8, 16, 1, 1),
             const("wd1", 8, 16, 1, 1), const("wd2", 8, 24, 1, 1),
             const("wd3", 8, 32, 1, 1), const("bd3", 8)]
    nodes = [
        helper.make_node("Conv", ["a", "wa", "ba"], ["ra"], name="res_conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["ra"], ["out_res"], name="res_relu"),
        helper.make_node("Conv", ["b", "wb", "bb"], ["out_point"], name="point_conv",
                         kernel_shape=[1, 1]),
        helper.make_node("Conv", ["c", "wc"], ["out_stride"], name="stride_conv",
                         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["d", "wd"], ["out_dil"], name="dilated_conv",
                         kernel_shape=[3, 3], dilations=[2, 2], pads=[2, 2, 2, 2]),
        helper.make_node("Conv", ["e", "we", "be"], ["out_stem"], name="stem_conv",
                         kernel_shape=[7, 7], strides=[2, 2], pads=[3, 3, 3, 3]),
        helper.make_node("Conv", ["g", "wg"], ["out_s2"], name="s2_conv",
                         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["h", "wh1"], ["h1"], name="fire_conv1",
                         kernel_shape=[1, 1]),
        helper.make_node("Relu", ["h1"], ["r1"], name="fire_relu1"),
        helper.make_node("Conv", ["h", "wh2"], ["h2"], name="fire_conv2",
                         kernel_shape=[1, 1]),
        helper.make_node("Relu", ["h2"], ["r2"], name="fire_relu2"),
        helper.make_node("Concat", ["r1", "r2"], ["out_fire"], name="fire_cat", axis=1),
        helper.make_node("Conv", ["q", "wq", "bq"], ["sq"], name="squeeze_conv",
                         kernel_shape=[1, 1]),
        helper.make_node("Relu", ["sq"], ["out_squeeze"], name="squeeze_relu"),
        helper.make_node("Conv", ["s", "ws", "bs"], ["sd"], name="down_conv",
                         kernel_shape=[1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["sd"], ["out_down"], name="down_relu"),
        helper.make_node("Conv", ["t", "wt"], ["out_down3"], name="down3_conv",
                         kernel_shape=[1, 1], strides=[3, 3]),
        helper.make_node("Conv", ["u", "wu", "bu"], ["out_rows"], name="rows_conv",
                         kernel_shape=[1, 1], strides=[2, 1]),
        helper.make_node("Conv", ["v", "wv", "bv"], ["vd"], name="wide_conv",
                         kernel_shape=[1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["vd"], ["out_wide"], name="wide_relu"),
        helper.make_node("Conv", ["k", "wk", "bk"], ["kc"], name="resadd_conv",
                         kernel_shape=[1, 1]),
        helper.make_node("Add", ["kc", "kr"], ["ka"], name="resadd_add"),
        helper.make_node("Relu", ["ka"], ["out_resadd"], name="resadd_relu"),
        helper.make_node("Conv", ["m", "wm1"], ["m1"], name="cat_conv1", kernel_shape=[1, 1]),
        helper.make_node("Relu", ["m1"], ["mr1"], name="cat_relu1"),
        helper.make_node("Conv", ["m", "wm2"], ["m2"], name="cat_conv2", kernel_shape=[1, 1]),
        helper.make_node("Relu", ["m2"], ["mr2"], name="cat_relu2"),
        helper.make_node("Concat", ["mr1", "mr2"], ["mc"], name="cat_first", axis=1),
        helper.make_node("Conv", ["mc", "wm3"], ["m3"], name="cat_conv3", kernel_shape=[1, 1]),
        helper.make_node("Conv", ["mc", "wm4"], ["m4"], name="cat_conv4", kernel_shape=[1, 1]),
        helper.make_node("Concat", ["m3", "m4"], ["out_cat"], name="cat_second", axis=1),
        helper.make_node("Relu", ["dx"], ["d0"], name="dense_input"),
        helper.make_node("Conv", ["d0", "wd1"], ["dc1"], name="dense_conv1", kernel_shape=[1, 1]),
        helper.make_node("Relu", ["dc1"], ["d1"], name="dense_relu1"),
        helper.make_node("Concat", ["d0", "d1"], ["dcat1"], name="dense_cat1", axis=1),
        helper.make_node("Conv", ["dcat1", "wd2"], ["dc2"], name="dense_conv2", kernel_shape=[1, 1]),
        helper.make_node("Relu", ["dc2"], ["d2"], name="dense_relu2"),
        helper.make_node("Concat", ["d0", "d1", "d2"], ["dcat2"], name="dense_cat2", axis=1),
        helper.make_node("Conv", ["dcat2", "wd3", "bd3"], ["d3"], name="dense_conv3",
                         kernel_shape=[1, 1]),
        helper.make_node("Concat", ["d0", "d1", "d2", "d3"], ["out_dense"], name="dense_cat3",
                         axis=1),
    ]
    graph = helper.make_graph(nodes, "conv_matmuls", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
