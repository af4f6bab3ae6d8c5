#!/usr/bin/env python3
"""Writes an ONNX model of matmuls whose reduction fits one cache block
(at most 256 steps), which sieve-tile-and-vectorize computes one register
tile at a time with the accumulator's producer and the epilogue
(fuseRegisterTiles), and neighbours that must keep the blocked schedule:

  out_relu   1x1 convolution 48 -> 64 channels on 16x32, bias, ReLU;
  out_clip   1x1 convolution 24 -> 32 channels on 8x16, no bias, Clip(0, 6);
  out_res    1x1 convolution 64 -> 64 channels on 8x32, bias, plus a
             residual input (the epilogue reads a second tensor);
  out_gemm   Gemm [64, 128] x [96, 128]^T + bias (transB, no activation);
  out_mm     MatMul [40, 256] x [256, 64], no bias (a zero fill; the
             largest reduction that applies);
  out_deep   1x1 convolution 264 -> 32 channels on 8x16, bias, ReLU (two
             reduction blocks: the blocked schedule).

  make_register_epilogues.py OUT.onnx
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
    inputs = [helper.make_tensor_value_info("a", f, [1, 48, 16, 32]),
              helper.make_tensor_value_info("b", f, [1, 24, 8, 16]),
              helper.make_tensor_value_info("c", f, [1, 64, 8, 32]),
              helper.make_tensor_value_info("r", f, [1, 64, 8, 32]),
              helper.make_tensor_value_info("g", f, [64, 128]),
              helper.make_tensor_value_info("m", f, [40, 256]),
              helper.make_tensor_value_info("d", f, [1, 264, 8, 16])]
    outputs = [helper.make_tensor_value_info("out_relu", f, [1, 64, 16, 32]),
               helper.make_tensor_value_info("out_clip", f, [1, 32, 8, 16]),
               helper.make_tensor_value_info("out_res", f, [1, 64, 8, 32]),
               helper.make_tensor_value_info("out_gemm", f, [64, 96]),
               helper.make_tensor_value_info("out_mm", f, [40, 64]),
               helper.make_tensor_value_info("out_deep", f, [1, 32, 8, 16])]
    inits = [const("wa", 64, 48, 1, 1), const("ba", 64), const("wb", 32, 24, 1, 1),
             const("wc", 64, 64, 1, 1), const("bc", 64), const("wg", 96, 128),
             const("bg", 96), const("wm", 256, 64), const("wd", 32, 264, 1, 1),
             const("bd", 32),
             numpy_helper.from_array(np.array(0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6, np.float32), "hi")]
    nodes = [
        helper.make_node("Conv", ["a", "wa", "ba"], ["ca"], name="relu_conv"),
        helper.make_node("Relu", ["ca"], ["out_relu"], name="relu"),
        helper.make_node("Conv", ["b", "wb"], ["cb"], name="clip_conv"),
        helper.make_node("Clip", ["cb", "lo", "hi"], ["out_clip"], name="clip"),
        helper.make_node("Conv", ["c", "wc", "bc"], ["cc"], name="res_conv"),
        helper.make_node("Add", ["cc", "r"], ["out_res"], name="res_add"),
        helper.make_node("Gemm", ["g", "wg", "bg"], ["out_gemm"], name="gemm",
                         transB=1),
        helper.make_node("MatMul", ["m", "wm"], ["out_mm"], name="mm"),
        helper.make_node("Conv", ["d", "wd", "bd"], ["cd"], name="deep_conv"),
        helper.make_node("Relu", ["cd"], ["out_deep"], name="deep_relu"),
    ]
    graph = helper.make_graph(nodes, "register_epilogues", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
