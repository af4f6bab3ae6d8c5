#!/usr/bin/env python3
"""Writes a chain of N elementwise nodes (y_i = tanh(y_{i-1}) * 0.5 + x) on
a [rows, 16] input: a long graph for compile-time tests.

  make_chain.py N OUTPUT.onnx [ROWS]
"""

import sys

import onnx
from onnx import TensorProto, helper

n = int(sys.argv[1])
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1
nodes, prev = [], "x"
for i in range(n):
    # Alternate ops so that fusion sees a real chain, not one repeated op.
    op = ["Add", "Mul", "Sub"][i % 3]
    nodes.append(helper.make_node(op, [prev, "x"], [f"a{i}"], name=f"n{i}"))
    nodes.append(helper.make_node("Tanh", [f"a{i}"], [f"t{i}"], name=f"tanh{i}"))
    prev = f"t{i}"
graph = helper.make_graph(
    nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, 16])],
    [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [rows, 16])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          sys.argv[2])
