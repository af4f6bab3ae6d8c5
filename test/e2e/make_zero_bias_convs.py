#!/usr/bin/env python3
"""Writes a SqueezeNet fire module as the TorchScript exporter writes it
when the convolutions' biases are all zeros (torchvision's initialization):
one zero bias initializer shared by the 1x1 and 3x3 expand layers through
Identity nodes, each followed by a Relu, then the channel Concat.

  make_zero_bias_convs.py OUTPUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)


def weight(name, shape):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32), name)


inits = [weight("w_squeeze", (16, 64, 1, 1)), weight("w_e1", (64, 16, 1, 1)),
         weight("w_e3", (64, 16, 3, 3)),
         numpy_helper.from_array(np.zeros(16, np.float32), "b16"),
         numpy_helper.from_array(np.zeros(64, np.float32), "b64")]
nodes = [helper.make_node("Identity", ["b64"], ["b_e1"], name="bias_e1"),
         helper.make_node("Identity", ["b64"], ["b_e3"], name="bias_e3"),
         helper.make_node("Conv", ["x", "w_squeeze", "b16"], ["s"], name="squeeze"),
         helper.make_node("Relu", ["s"], ["sr"], name="squeeze_relu"),
         helper.make_node("Conv", ["sr", "w_e1", "b_e1"], ["e1"], name="expand1x1"),
         helper.make_node("Relu", ["e1"], ["e1r"], name="expand1x1_relu"),
         helper.make_node("Conv", ["sr", "w_e3", "b_e3"], ["e3"], name="expand3x3",
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["e3"], ["e3r"], name="expand3x3_relu"),
         helper.make_node("Concat", ["e1r", "e3r"], ["y"], name="concat", axis=1)]
graph = helper.make_graph(
    nodes, "zero_bias_fire",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64, 55, 55])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 128, 55, 55])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
