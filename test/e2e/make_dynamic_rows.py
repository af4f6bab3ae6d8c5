#!/usr/bin/env python3
"""Writes attention-style row ops over a symbolic key length: scores x
[batch, 2, seq, seq] scaled and masked by m [batch, 1, 1, seq], then the
softmax over the keys, and sums, minima and maxima of the rows (every row
of dynamic length, as in an export with a symbolic sequence axis).

  make_dynamic_rows.py OUTPUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

scores = ["batch", 2, "seq", "seq"]
rows = ["batch", 2, "seq", 1]
inits = [numpy_helper.from_array(np.array(0.125, np.float32), "scale"),
         numpy_helper.from_array(np.array([-1], np.int64), "last")]
nodes = [helper.make_node("Mul", ["x", "scale"], ["xs"], name="scale"),
         helper.make_node("Add", ["xs", "m"], ["masked"], name="mask"),
         helper.make_node("Softmax", ["masked"], ["probs"], axis=-1, name="softmax"),
         helper.make_node("ReduceSum", ["x", "last"], ["sums"], name="row_sum"),
         helper.make_node("ReduceMin", ["x", "last"], ["mins"], name="row_min"),
         helper.make_node("ReduceMax", ["masked", "last"], ["maxs"], name="row_max")]
graph = helper.make_graph(
    nodes, "dynamic_rows",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, scores),
     helper.make_tensor_value_info("m", TensorProto.FLOAT, ["batch", 1, 1, "seq"])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, scores),
     helper.make_tensor_value_info("sums", TensorProto.FLOAT, rows),
     helper.make_tensor_value_info("mins", TensorProto.FLOAT, rows),
     helper.make_tensor_value_info("maxs", TensorProto.FLOAT, rows)],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
