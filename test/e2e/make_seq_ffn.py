#!/usr/bin/env python3
"""Writes a transformer-style FFN block on [batch, seq, d] with symbolic
batch and sequence axes: LayerNormalization-free residual block
y = x + relu(x W1 + b1) W2 * 0.5, as exporters emit it (3-D MatMul with a
2-D weight, Add of a bias, Mul by a constant).

  make_seq_ffn.py OUTPUT.onnx [D] [FF] [SEQ]

With SEQ, the input is [1, SEQ, d] with static sizes instead.
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

d = int(sys.argv[2]) if len(sys.argv) > 2 else 64
ff = int(sys.argv[3]) if len(sys.argv) > 3 else 256
shape = [1, int(sys.argv[4]), d] if len(sys.argv) > 4 else ["batch", "seq", d]
rng = np.random.default_rng(0)
inits = [numpy_helper.from_array((rng.standard_normal((d, ff)) / np.sqrt(d)).astype(np.float32), "w1"),
         numpy_helper.from_array(rng.standard_normal(ff).astype(np.float32) * 0.1, "b1"),
         numpy_helper.from_array((rng.standard_normal((ff, d)) / np.sqrt(ff)).astype(np.float32), "w2"),
         numpy_helper.from_array(np.array(0.5, np.float32), "half")]
nodes = [helper.make_node("MatMul", ["x", "w1"], ["u"], name="up"),
         helper.make_node("Add", ["u", "b1"], ["ub"], name="bias"),
         helper.make_node("Relu", ["ub"], ["h"], name="relu"),
         helper.make_node("MatMul", ["h", "w2"], ["dn"], name="down"),
         helper.make_node("Mul", ["dn", "half"], ["s"], name="scale"),
         helper.make_node("Add", ["x", "s"], ["y"], name="residual")]
graph = helper.make_graph(
    nodes, "seq_ffn",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], inits)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
