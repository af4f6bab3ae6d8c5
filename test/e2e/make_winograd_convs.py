#!/usr/bin/env python3
"""Writes an ONNX model of 3x3 stride-1 convolutions that Sieve computes
with Winograd's F(2x2, 3x3) (vectorizeWinogradConv, docs/convolutions.md):

  out_pad    96 -> 96 channels on 28x28, pad 1, bias, ReLU (196 tiles of
             2x2; the products' last register tile of columns masked);
  out_odd    96 -> 96 on 27x27, pad 1, bias (odd height and width: the
             last tile row and column keep one output row and column);
  out_valid  96 -> 96, no padding, 30x29 -> 28x27, bias, ReLU (the
             unpadded input read as it is);
  out_asym   96 -> 96, pads top 1, left 1, bottom 0, right 0, 28x28 ->
             27x27, bias;
  out_small  192 -> 192 on 14x14, pad 1, bias, ReLU (49 tiles: one whole
             register tile of columns and one masked);
  out_chain  two of out_pad's shape in a row (the second reads the
             first's output), a residual Add of the input and ReLU.

  make_winograd_convs.py OUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    rng = np.random.default_rng(11)

    def const(name, *shape):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        return numpy_helper.from_array(
            (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32), name)

    f = TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info("a", f, [1, 96, 28, 28]),
              helper.make_tensor_value_info("b", f, [1, 96, 27, 27]),
              helper.make_tensor_value_info("c", f, [1, 96, 30, 29]),
              helper.make_tensor_value_info("d", f, [1, 96, 28, 28]),
              helper.make_tensor_value_info("e", f, [1, 192, 14, 14])]
    outputs = [helper.make_tensor_value_info("out_pad", f, [1, 96, 28, 28]),
               helper.make_tensor_value_info("out_odd", f, [1, 96, 27, 27]),
               helper.make_tensor_value_info("out_valid", f, [1, 96, 28, 27]),
               helper.make_tensor_value_info("out_asym", f, [1, 96, 27, 27]),
               helper.make_tensor_value_info("out_small", f, [1, 192, 14, 14]),
               helper.make_tensor_value_info("out_chain", f, [1, 96, 28, 28])]
    inits = [const("wa", 96, 96, 3, 3), const("ba", 96), const("wb", 96, 96, 3, 3),
             const("bb", 96), const("wc", 96, 96, 3, 3), const("bc", 96),
             const("wd", 96, 96, 3, 3), const("bd", 96), const("we", 192, 192, 3, 3),
             const("be", 192), const("wk1", 96, 96, 3, 3), const("bk1", 96),
             const("wk2", 96, 96, 3, 3), const("bk2", 96)]
    conv = lambda x, w, b, out, name, pads: helper.make_node(
        "Conv", [x, w, b], [out], name=name, kernel_shape=[3, 3], pads=pads)
    nodes = [
        conv("a", "wa", "ba", "pa", "pad_conv", [1, 1, 1, 1]),
        helper.make_node("Relu", ["pa"], ["out_pad"], name="pad_relu"),
        conv("b", "wb", "bb", "out_odd", "odd_conv", [1, 1, 1, 1]),
        conv("c", "wc", "bc", "va", "valid_conv", [0, 0, 0, 0]),
        helper.make_node("Relu", ["va"], ["out_valid"], name="valid_relu"),
        conv("d", "wd", "bd", "out_asym", "asym_conv", [1, 1, 0, 0]),
        conv("e", "we", "be", "sa", "small_conv", [1, 1, 1, 1]),
        helper.make_node("Relu", ["sa"], ["out_small"], name="small_relu"),
        conv("a", "wk1", "bk1", "k1", "chain_conv1", [1, 1, 1, 1]),
        helper.make_node("Relu", ["k1"], ["kr1"], name="chain_relu1"),
        conv("kr1", "wk2", "bk2", "k2", "chain_conv2", [1, 1, 1, 1]),
        helper.make_node("Add", ["k2", "a"], ["ka"], name="chain_add"),
        helper.make_node("Relu", ["ka"], ["out_chain"], name="chain_relu2"),
    ]
    graph = helper.make_graph(nodes, "winograd_convs", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
