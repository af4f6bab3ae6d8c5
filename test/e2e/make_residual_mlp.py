#!/usr/bin/env python3
"""Writes a transformer block's MLP and the next layer's projection as one
ONNX model: x [ROWS, 96] -> Relu(x W1 + b1) W2 + b2 + x -> (...) W3, with
W1 96 x 384, W2 384 x 96, W3 96 x 288 (Swin-T's first stage). On two
threads every product's weight is split into column pieces of their own
and packed into panels; the packed copies were once shared by constant op
address, which a later constant could reuse after an erased one (the
second product then read the third's panels: test/e2e/panel-matmuls.test).

  make_residual_mlp.py OUT.onnx ROWS
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(5)

    def const(name, *shape):
        return numpy_helper.from_array(
            (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32), name)

    inits = [const("w1", 96, 384), const("b1", 384), const("w2", 384, 96),
             const("b2", 96), const("w3", 96, 288)]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["a1"]),
             helper.make_node("Relu", ["a1"], ["r1"]),
             helper.make_node("MatMul", ["r1", "w2"], ["m2"]),
             helper.make_node("Add", ["m2", "b2"], ["a2"]),
             helper.make_node("Add", ["a2", "x"], ["residual"]),
             helper.make_node("MatMul", ["residual", "w3"], ["y"])]
    graph = helper.make_graph(
        nodes, "residual_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, 96])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, 288])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main()
