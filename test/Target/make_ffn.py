#!/usr/bin/env python3
"""Writes a batch-1 ReLU FFN y = relu(x W1) W2 with K x N weights.

  make_ffn.py OUTPUT.onnx K N
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

k, n = int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
w1 = rng.standard_normal((k, n)).astype(np.float32)
w2 = rng.standard_normal((n, k)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w1"], ["h0"], name="up"),
     helper.make_node("Relu", ["h0"], ["h"], name="relu"),
     helper.make_node("MatMul", ["h", "w2"], ["y"], name="down")],
    "ffn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, k])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, k])],
    [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          sys.argv[1])
