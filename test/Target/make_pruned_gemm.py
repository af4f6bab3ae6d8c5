#!/usr/bin/env python3
"""Writes a Gemm y = x W^T + b (transB=1, as exporters write Linear layers)
whose K x N weight keeps `density` of its entries, unstructured.

  make_pruned_gemm.py OUTPUT.onnx K N DENSITY
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

k, n, density = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rng = np.random.default_rng(0)
w = rng.standard_normal((k, n)).astype(np.float32)
w[rng.random(w.shape) >= density] = 0
b = rng.standard_normal(n).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1, name="fc")],
    "gemm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, k])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
    [numpy_helper.from_array(np.ascontiguousarray(w.T), "W"),
     numpy_helper.from_array(b, "b")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          sys.argv[1])
