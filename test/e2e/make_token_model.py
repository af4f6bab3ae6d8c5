#!/usr/bin/env python3
"""Writes a model whose input is token ids: an embedding lookup (Gather)
whose rows are all zero except for ids 1-3, a ReLU and a projection. Random
calibration must draw ids that hit the non-zero rows.

  make_token_model.py OUTPUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

vocab, d = 8, 16
table = np.zeros((vocab, d), np.float32)
table[1:4] = 1.0
w = np.ones((d, 4), np.float32)
graph = helper.make_graph(
    [helper.make_node("Gather", ["table", "ids"], ["e"], name="embed"),
     helper.make_node("Relu", ["e"], ["h"], name="relu"),
     helper.make_node("MatMul", ["h", "w"], ["y"], name="proj")],
    "tokens",
    [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 6])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 4])],
    [numpy_helper.from_array(table, "table"), numpy_helper.from_array(w, "w")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          sys.argv[1])
