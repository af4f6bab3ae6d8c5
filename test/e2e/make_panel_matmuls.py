#!/usr/bin/env python3
"""Writes an ONNX model whose matmuls take each path of the column-panel
packing in sieve-tile-and-vectorize (docs/performance.md):

  out_ffn    Relu(x @ W1 + b1) @ W2, 32 rows: constant weights rearranged
             into panels at compile time (the bias and ReLU fused into the
             first matmul's column blocks);
  out_input  z @ u, both inputs: each panel of u copied at run time;
  out_odd    v @ W3, 20 rows (pieces of 16 and 4) and 200 columns (192 in
             whole panels, 8 left): one constant read by several pieces,
             copied at run time;
  out_wide   x @ W4, 1056 columns (cache blocks of 96): packed constant,
             panel index from the block's offset.

  make_panel_matmuls.py OUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    rng = np.random.default_rng(3)

    def const(name, *shape):
        return numpy_helper.from_array(
            (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32), name)

    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [32, 256]),
              helper.make_tensor_value_info("z", TensorProto.FLOAT, [24, 64]),
              helper.make_tensor_value_info("u", TensorProto.FLOAT, [64, 96]),
              helper.make_tensor_value_info("v", TensorProto.FLOAT, [20, 128])]
    outputs = [helper.make_tensor_value_info("out_ffn", TensorProto.FLOAT, [32, 256]),
               helper.make_tensor_value_info("out_input", TensorProto.FLOAT, [24, 96]),
               helper.make_tensor_value_info("out_odd", TensorProto.FLOAT, [20, 200]),
               helper.make_tensor_value_info("out_wide", TensorProto.FLOAT, [32, 1056])]
    inits = [const("w1", 256, 512), const("b1", 512), const("w2", 512, 256),
             const("w3", 128, 200), const("w4", 256, 1056)]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h0"], name="up"),
             helper.make_node("Add", ["h0", "b1"], ["h1"], name="up_bias"),
             helper.make_node("Relu", ["h1"], ["h"], name="relu"),
             helper.make_node("MatMul", ["h", "w2"], ["out_ffn"], name="down"),
             helper.make_node("MatMul", ["z", "u"], ["out_input"], name="inputs"),
             helper.make_node("MatMul", ["v", "w3"], ["out_odd"], name="odd"),
             helper.make_node("MatMul", ["x", "w4"], ["out_wide"], name="wide")]
    graph = helper.make_graph(nodes, "panel_matmuls", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
