#!/usr/bin/env python3
"""Writes a small ONNX model for the importer's lit tests.

  make_model.py NAME OUTPUT.onnx

NAME picks one of the models below; the bad_* models are malformed on
purpose (the importer must reject them with a clear error), the fuzz_* ones
reduce what the import fuzz target found (test/Import/ONNX/fuzz-regressions.test).
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def graph_model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def tensor(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def huge_tensor(name, dims):
    """A float tensor whose dims claim far more than its 4 bytes of data."""
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
    t.raw_data = b"\0" * 4
    return t


def write_data(name, path):
    """Test data files with shapes that no machine can hold."""
    if name == "huge_npy":
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }"
    else:  # overflow_npy: the element count wraps int64
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
        f.write(b"\0" * 16)


rng = np.random.default_rng(0)
W = rng.standard_normal((8, 4)).astype(np.float32)

MODELS = {
    # Elementwise family.
    "elementwise": lambda: graph_model(
        [helper.make_node("Add", ["x", "b"], ["a"], name="add"),
         helper.make_node("Relu", ["a"], ["r"], name="relu"),
         helper.make_node("Clip", ["r", "lo", "hi"], ["c"], name="clip6"),
         helper.make_node("Sigmoid", ["c"], ["s"], name="sigmoid"),
         helper.make_node("Gelu", ["s"], ["y"], name="gelu", approximate="tanh")],
        [tensor("x", ["batch", 4])], [tensor("y", ["batch", 4])],
        [const("b", np.ones(4, np.float32)), const("lo", np.float32(0)),
         const("hi", np.float32(6))], opset=20),
    # Contraction family.
    "contraction": lambda: graph_model(
        [helper.make_node("MatMul", ["x", "w"], ["m"], name="matmul"),
         helper.make_node("Gemm", ["m", "w2", "c"], ["y"], name="gemm", transB=1,
                          alpha=2.0)],
        [tensor("x", [2, 8])], [tensor("y", [2, 3])],
        [const("w", W), const("w2", rng.standard_normal((3, 4)).astype(np.float32)),
         const("c", np.zeros(3, np.float32))]),
    # Conv family.
    "conv": lambda: graph_model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv3x3",
                          pads=[1, 1, 1, 1], strides=[2, 2]),
         helper.make_node("Conv", ["c", "dw"], ["y"], name="depthwise", group=4,
                          auto_pad="SAME_UPPER")],
        [tensor("x", [1, 3, 8, 8])], [tensor("y", [1, 4, 4, 4])],
        [const("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
         const("b", np.zeros(4, np.float32)),
         const("dw", rng.standard_normal((4, 1, 3, 3)).astype(np.float32))]),
    # Pooling family.
    "pooling": lambda: graph_model(
        [helper.make_node("MaxPool", ["x"], ["m"], name="maxpool", kernel_shape=[2, 2],
                          strides=[2, 2]),
         helper.make_node("AveragePool", ["m"], ["a"], name="avgpool",
                          kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("GlobalAveragePool", ["a"], ["g"], name="gap"),
         helper.make_node("ReduceMean", ["g", "axes"], ["y"], name="mean", keepdims=0)],
        [tensor("x", [1, 2, 8, 8])], [tensor("y", [1, 2])],
        [const("axes", np.array([2, 3], np.int64))], opset=18),
    # A weight tied to an embedding (GPT-2's and OPT's output projection):
    # Gather reads the [vocab, d] table, MatMul its Transpose. The table is
    # above the importer's size limit for folding shape computations
    # (a dense_resource); the Transpose still folds, as bytes. A 3-D int64
    # constant transposed with perm [2, 0, 1] checks the index order.
    "tied_transpose": lambda: graph_model(
        [helper.make_node("Gather", ["table", "ids"], ["emb"], name="embed", axis=0),
         helper.make_node("Transpose", ["table"], ["table_t"], name="transpose", perm=[1, 0]),
         helper.make_node("MatMul", ["emb", "table_t"], ["y"], name="lm_head"),
         helper.make_node("Transpose", ["k"], ["kt"], name="transpose3d", perm=[2, 0, 1]),
         helper.make_node("Cast", ["kt"], ["z"], name="cast", to=TensorProto.FLOAT)],
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [2, 3])],
        [tensor("y", [2, 3, 1000]), tensor("z", [4, 2, 3])],
        [const("table", (rng.standard_normal((1000, 80)) * 0.1).astype(np.float32)),
         const("k", np.arange(24, dtype=np.int64).reshape(2, 3, 4))]),
    # Shape family: a PyTorch-style dynamic flatten folds at import.
    "shape": lambda: graph_model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape"),
         helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
         helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsqueeze"),
         helper.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
         helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
         helper.make_node("Transpose", ["r"], ["y"], name="transpose", perm=[1, 0])],
        [tensor("x", [2, 3, 4])], [tensor("y", [12, 2])],
        [const("zero", np.array(0, np.int64)), const("axes", np.array([0], np.int64)),
         const("minus1", np.array([-1], np.int64))]),
    # Normalization family.
    "normalization": lambda: graph_model(
        [helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"],
                          ["bn"], name="bn", epsilon=1e-5),
         helper.make_node("LRN", ["bn"], ["y"], name="lrn", size=3)],
        [tensor("x", [1, 4, 2, 2])], [tensor("y", [1, 4, 2, 2])],
        [const("scale", np.full(4, 2, np.float32)), const("bias", np.ones(4, np.float32)),
         const("mean", np.zeros(4, np.float32)), const("var", np.ones(4, np.float32))]),
    # Unary math, logical ops and Mod (Math.cpp); activations.
    "math": lambda: graph_model(
        [helper.make_node("Neg", ["x"], ["n"], name="neg"),
         helper.make_node("Abs", ["n"], ["a"], name="abs"),
         helper.make_node("Log", ["a"], ["l"], name="log"),
         helper.make_node("Round", ["l"], ["r"], name="round"),
         helper.make_node("HardSwish", ["r"], ["h"], name="hardswish"),
         helper.make_node("PRelu", ["h", "slope"], ["p"], name="prelu"),
         helper.make_node("Mod", ["p", "p"], ["y"], name="fmod", fmod=1),
         helper.make_node("IsNaN", ["y"], ["nan"], name="isnan"),
         helper.make_node("IsInf", ["y"], ["inf"], name="isinf", detect_negative=0),
         helper.make_node("Or", ["nan", "inf"], ["o"], name="or"),
         helper.make_node("Not", ["o"], ["ok"], name="not"),
         helper.make_node("Mod", ["i", "j"], ["m"], name="pymod")],
        [tensor("x", ["batch", 4]), tensor("i", [3], TensorProto.INT32),
         tensor("j", [1], TensorProto.INT32)],
        [tensor("ok", ["batch", 4], TensorProto.BOOL), tensor("m", [3], TensorProto.INT32)],
        [const("slope", np.full(4, 0.25, np.float32))]),
    # LayerNormalization over the last axis with a symbolic batch; GroupNorm.
    "layernorm": lambda: graph_model(
        [helper.make_node("LayerNormalization", ["x", "scale", "bias"], ["y", "mean"],
                          name="ln", epsilon=1e-6),
         helper.make_node("GroupNormalization", ["img", "gs", "gb"], ["g"], name="gn",
                          num_groups=2)],
        [tensor("x", ["batch", 3, 8]), tensor("img", [1, 4, 2, 2])],
        [tensor("y", ["batch", 3, 8]), tensor("mean", ["batch", 3, 1]),
         tensor("g", [1, 4, 2, 2])],
        [const("scale", np.ones(8, np.float32)), const("bias", np.zeros(8, np.float32)),
         const("gs", np.ones(4, np.float32)), const("gb", np.zeros(4, np.float32))],
        opset=21),
    # DataMovement.cpp: Slice (clamped, negative step, dynamic dim), Split,
    # Tile, Expand, Trilu, CumSum; constant Range and Slice fold.
    "datamovement": lambda: graph_model(
        [helper.make_node("Slice", ["x", "s0", "e0", "a0"], ["s"], name="slice_tail"),
         helper.make_node("Slice", ["s", "s1", "e1", "a1", "st1"], ["rev"],
                          name="slice_reverse"),
         helper.make_node("Split", ["rev", "parts"], ["p0", "p1"], name="split", axis=1),
         helper.make_node("Tile", ["p0", "reps"], ["t"], name="tile"),
         helper.make_node("Trilu", ["t"], ["tri"], name="triu", upper=1),
         helper.make_node("CumSum", ["tri", "ax"], ["y"], name="cumsum", reverse=1),
         helper.make_node("Range", ["r0", "r1", "r2"], ["rng"], name="range"),
         helper.make_node("Slice", ["rng", "s1", "e1", "zero", "st1"], ["rrev"],
                          name="slice_const"),
         helper.make_node("Expand", ["rrev", "shape"], ["z"], name="expand")],
        [tensor("x", ["n", 6])], [tensor("y", ["m", 2]), tensor("p1", ["m", 2]),
                                  tensor("z", [2, 2], TensorProto.INT64)],
        [const("s0", np.array([1], np.int64)),
         const("e0", np.array([2**62], np.int64)), const("a0", np.array([0], np.int64)),
         const("s1", np.array([-1], np.int64)), const("e1", np.array([-2**62], np.int64)),
         const("a1", np.array([1], np.int64)), const("st1", np.array([-2], np.int64)),
         const("parts", np.array([1, 2], np.int64)), const("reps", np.array([1, 2], np.int64)),
         const("ax", np.array(1, np.int64)), const("r0", np.array(0, np.int64)),
         const("r1", np.array(4, np.int64)), const("r2", np.array(1, np.int64)),
         const("zero", np.array([0], np.int64)), const("shape", np.array([2, 1], np.int64))]),
    # Indexing.cpp: GatherElements, GatherND, ScatterND.
    "indexing": lambda: graph_model(
        [helper.make_node("GatherElements", ["x", "ei"], ["ge"], name="gather_elements",
                          axis=1),
         helper.make_node("GatherND", ["x", "ni"], ["gn"], name="gather_nd"),
         helper.make_node("ScatterND", ["x", "si", "su"], ["sc"], name="scatter_nd",
                          reduction="add")],
        [tensor("x", [3, 4])],
        [tensor("ge", [3, 2]), tensor("gn", [2]), tensor("sc", [3, 4])],
        [const("ei", np.array([[0, -1]] * 3, np.int64)),
         const("ni", np.array([[0, 1], [2, 3]], np.int64)),
         const("si", np.array([[1]], np.int64)), const("su", np.ones((1, 4), np.float32))]),
    # Pooling.cpp's ArgMax and composed reductions; Contraction.cpp's Einsum.
    "reductions": lambda: graph_model(
        [helper.make_node("ArgMax", ["x"], ["am"], name="argmax", axis=-1, keepdims=0),
         helper.make_node("ReduceLogSumExp", ["x", "axes"], ["lse"], name="lse"),
         helper.make_node("ReduceL2", ["x", "axes"], ["l2"], name="l2", keepdims=0),
         helper.make_node("Einsum", ["x", "w"], ["e"], name="einsum",
                          equation="bij,jk->bik")],
        [tensor("x", ["batch", 3, 4])],
        [tensor("am", ["batch", 3], TensorProto.INT64), tensor("lse", ["batch", 3, 1]),
         tensor("l2", ["batch", 3]), tensor("e", ["batch", 3, 5])],
        [const("axes", np.array([2], np.int64)),
         const("w", rng.standard_normal((4, 5)).astype(np.float32))], opset=18),
    # ConvTranspose: stride 2, pads, output_padding, a dynamic batch.
    "convtranspose": lambda: graph_model(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="deconv",
                          strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])],
        [tensor("x", ["n", 2, 3, 3])], [tensor("y", ["n", 4, 6, 6])],
        [const("w", rng.standard_normal((2, 4, 3, 3)).astype(np.float32)),
         const("b", np.zeros(4, np.float32))]),
    # Resize: linear with constant scales (static output), nearest with
    # run-time scales (dynamic output, refined by the declared shape).
    "resize": lambda: graph_model(
        [helper.make_node("Resize", ["y", "", "scales"], ["lin"], name="bilinear",
                          mode="linear"),
         helper.make_node("Resize", ["x", "", "s"], ["near"], name="nearest",
                          coordinate_transformation_mode="asymmetric",
                          nearest_mode="floor")],
        [tensor("x", [1, 3, 4, 4]), tensor("s", [4]), tensor("y", ["n", 3, 4, 4])],
        [tensor("lin", ["n", 3, 8, 8]), tensor("near", [None, None, None, None])],
        [const("scales", np.array([1, 1, 2, 2], np.float32))], opset=19),
    # A ReLU FFN with a symbolic batch dimension.
    "dynamic_ffn": lambda: graph_model(
        [helper.make_node("MatMul", ["x", "w1"], ["h"], name="up"),
         helper.make_node("Relu", ["h"], ["a"], name="relu"),
         helper.make_node("MatMul", ["a", "w2"], ["y"], name="down")],
        [tensor("x", ["batch", 8])], [tensor("y", ["batch", 8])],
        [const("w1", rng.standard_normal((8, 32)).astype(np.float32)),
         const("w2", rng.standard_normal((32, 8)).astype(np.float32))]),
    # Malformed models.
    "bad_unknown_op": lambda: graph_model(
        [helper.make_node("FancyOp", ["x"], ["y"], name="fancy_1")],
        [tensor("x", [2])], [tensor("y", [2])]),
    "bad_missing_initializer": lambda: graph_model(
        [helper.make_node("MatMul", ["x", "weights"], ["y"], name="proj")],
        [tensor("x", [2, 8])], [tensor("y", [2, 4])]),
    "bad_rank_mismatch": lambda: graph_model(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")],
        [tensor("x", [2, 5])], [tensor("y", [2, 4])], [const("w", W)]),
    "bad_type_mismatch": lambda: graph_model(
        [helper.make_node("Add", ["x", "i"], ["y"], name="add_mixed")],
        [tensor("x", [2])], [tensor("y", [2])],
        [const("i", np.array([1, 2], np.int64))]),
    "bad_attribute_value": lambda: graph_model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv_bad_pad",
                          auto_pad="SOMETIMES")],
        [tensor("x", [1, 8, 4, 4])], [tensor("y", [1, 4, 4, 4])],
        [const("w", rng.standard_normal((4, 8, 1, 1)).astype(np.float32))]),
    "bad_resize_antialias": lambda: graph_model(
        [helper.make_node("Resize", ["x", "", "scales"], ["y"], name="smooth_down",
                          mode="linear", antialias=1)],
        [tensor("x", [1, 1, 4, 4])], [tensor("y", [1, 1, 2, 2])],
        [const("scales", np.array([1, 1, 0.5, 0.5], np.float32))], opset=18),
    "bad_float_mod": lambda: graph_model(
        [helper.make_node("Mod", ["a", "b"], ["y"], name="mod_f32")],
        [tensor("a", [2]), tensor("b", [2])], [tensor("y", [2])]),
    "bad_dynamic_slice_step": lambda: graph_model(
        [helper.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"], name="every_other")],
        [tensor("x", ["n", 4])], [tensor("y", ["m", 4])],
        [const("s", np.array([0], np.int64)), const("e", np.array([100], np.int64)),
         const("a", np.array([0], np.int64)), const("st", np.array([2], np.int64))]),
    "bad_output_shape": lambda: graph_model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", [2, 3])], [tensor("y", [2, 4])]),
    # Input arity (#14 classes 1 and 2).
    "bad_too_few_inputs": lambda: graph_model(
        [helper.make_node("MatMul", ["x"], ["y"], name="half_matmul")],
        [tensor("x", [2, 2])], [tensor("y", [2, 2])]),
    "bad_omitted_required_input": lambda: graph_model(
        [helper.make_node("Gemm", ["x", "", "c"], ["y"], name="gemm_no_b")],
        [tensor("x", [2, 2])], [tensor("y", [2, 2])],
        [const("c", np.zeros(2, np.float32))]),
    "bad_too_many_inputs": lambda: graph_model(
        [helper.make_node("Relu", ["x", "x", "x"], ["y"], name="relu3")],
        [tensor("x", [2])], [tensor("y", [2])]),
    # Sizes (#14 classes 3, 4 and 6): shapes that claim more than any
    # machine holds, or whose element count wraps int64.
    "bad_huge_initializer": lambda: graph_model(
        [helper.make_node("Add", ["x", "w"], ["y"], name="add_huge")],
        [tensor("x", [1])], [tensor("y", [1])],
        [huge_tensor("w", [2**20, 2**20])]),
    "bad_overflow_initializer": lambda: graph_model(
        [helper.make_node("Add", ["x", "w"], ["y"], name="add_wrap")],
        [tensor("x", [1])], [tensor("y", [1])],
        [huge_tensor("w", [2**32, 2**32, 4])]),
    "bad_huge_constant": lambda: graph_model(
        [helper.make_node("Constant", [], ["c"], name="big_const",
                          value=huge_tensor("v", [2**40, 2**30])),
         helper.make_node("Add", ["x", "c"], ["y"], name="add")],
        [tensor("x", [1])], [tensor("y", [1])]),
    "bad_overflow_input": lambda: graph_model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", [2**32, 2**32, 2])], [tensor("y", [2**32, 2**32, 2])]),
    "bad_overflow_reshape": lambda: graph_model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape_wrap")],
        [tensor("x", [4])], [tensor("y", None)],
        [const("shape", np.array([2**32, 2**32, 4], np.int64))]),
    "bad_huge_constant_of_shape": lambda: graph_model(
        [helper.make_node("ConstantOfShape", ["shape"], ["c"], name="zeros_2_62"),
         helper.make_node("Add", ["x", "c"], ["y"], name="add")],
        [tensor("x", [1])], [tensor("y", None)],
        [const("shape", np.array([2**31, 2**31], np.int64))]),
    "bad_avgpool_pads": lambda: graph_model(
        [helper.make_node("AveragePool", ["x"], ["y"], name="pool_pads",
                          kernel_shape=[2], pads=[2**31, 2**31])],
        [tensor("x", [1, 1, 8])], [tensor("y", None)]),
    # Valid, but its divisor table (8 bytes a position) is twice its input.
    "bad_avgpool_table": lambda: graph_model(
        [helper.make_node("AveragePool", ["x"], ["y"], name="pool_table",
                          kernel_shape=[1])],
        [tensor("x", [1, 1, 1000])], [tensor("y", None)]),
    "bad_tile_overflow": lambda: graph_model(
        [helper.make_node("Tile", ["x", "reps"], ["y"], name="tile_wrap")],
        [tensor("x", [3, 4])], [tensor("y", None)],
        [const("reps", np.array([2**62, 2**62], np.int64))]),
    # Found by the import fuzz target (fuzz/, docs/hardening.md): each
    # crashed the importer or made IR that does not verify.
    "fuzz_resize_dynamic_scales": lambda: graph_model(
        [helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize_dyn",
                          mode="nearest")],
        [tensor("x", [1, 1, 4, 4]), tensor("scales", ["n"])], [tensor("y", None)],
        opset=13),
    "fuzz_convtranspose_output_shape": lambda: graph_model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv_min",
                          output_shape=[-2**63, 4])],
        [tensor("x", [1, 1, 3, 3])], [tensor("y", None)],
        [const("w", np.ones((1, 1, 2, 2), np.float32))]),
    "fuzz_gemm_bias_dynamic_n": lambda: graph_model(
        [helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="gemm_dyn")],
        [tensor("a", [3, 5]), tensor("b", [5, "n"]), tensor("c", [1, 4])],
        [tensor("y", None)], opset=13),
    "fuzz_sum_dynamic_broadcast": lambda: graph_model(
        [helper.make_node("Sum", ["x", "y"], ["z"], name="sum_dyn")],
        [tensor("x", [3, 4, 5, 2]), tensor("y", [5, "n"])], [tensor("z", None)]),
    "fuzz_matmul_dynamic_batch": lambda: graph_model(
        [helper.make_node("MatMul", ["a", "b"], ["y"], name="matmul_dyn")],
        [tensor("a", ["k"]), tensor("b", ["batch", "k", "n"])],
        [tensor("y", None)]),
    "fuzz_transpose_scalar": lambda: graph_model(
        [helper.make_node("Transpose", ["x"], ["y"], name="transpose_0d")],
        [tensor("x", [])], [tensor("y", [])]),
    "fuzz_argmax_scalar": lambda: graph_model(
        [helper.make_node("ArgMax", ["x"], ["y"], name="argmax_0d")],
        [tensor("x", [])], [tensor("y", None, TensorProto.INT64)]),
    "fuzz_concat_scalars": lambda: graph_model(
        [helper.make_node("Concat", ["x", "x"], ["y"], name="concat_0d", axis=0)],
        [tensor("x", [])], [tensor("y", None)]),
    "fuzz_split_scalar": lambda: graph_model(
        [helper.make_node("Split", ["x"], ["y", "z"], name="split_0d", axis=0)],
        [tensor("x", [])], [tensor("y", None), tensor("z", None)]),
    "fuzz_reduce_scalar": lambda: graph_model(
        [helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="reduce_0d")],
        [tensor("x", [])], [tensor("y", None)],
        [const("axes", np.array([0], np.int64))]),
    "fuzz_clip_dynamic_bound": lambda: graph_model(
        [helper.make_node("Clip", ["x", "lo"], ["y"], name="clip_dyn")],
        [tensor("x", [4]), tensor("lo", ["n"])], [tensor("y", [4])]),
    "fuzz_flatten_dynamic": lambda: graph_model(
        [helper.make_node("Flatten", ["x"], ["y"], name="flatten_dyn", axis=2)],
        [tensor("x", ["a", 3, 4, "b"])], [tensor("y", None)]),
    "fuzz_maxpool_dynamic_channels": lambda: graph_model(
        [helper.make_node("MaxPool", ["x"], ["y"], name="pool_dyn",
                          kernel_shape=[2, 2], auto_pad="SAME_UPPER")],
        [tensor("x", [1, "c", 8, 8])], [tensor("y", None)]),
    "fuzz_layernorm_mixed_types": lambda: graph_model(
        [helper.make_node("LayerNormalization", ["x", "w", "b"], ["y"],
                          name="ln_mixed")],
        [tensor("x", [2, 4], TensorProto.DOUBLE), tensor("w", [4]),
         tensor("b", [4])], [tensor("y", None, TensorProto.DOUBLE)]),
    "fuzz_split_empty_part": lambda: graph_model(
        [helper.make_node("Split", ["x", "split"], ["y", "z"], name="split_empty",
                          axis=1)],
        [tensor("x", [2, 4])], [tensor("y", [2, 4]), tensor("z", [2, 0])],
        [const("split", np.array([4, 0], np.int64))]),
    "fuzz_concat_empty": lambda: graph_model(
        [helper.make_node("Concat", ["x", "y"], ["z"], name="concat_empty",
                          axis=1)],
        [tensor("x", [1, 0, 3]), tensor("y", [1, 2, 3])], [tensor("z", [1, 2, 3])]),
    "fuzz_averagepool_huge_kernel": lambda: graph_model(
        [helper.make_node("AveragePool", ["x"], ["y"], name="avg_wide",
                          kernel_shape=[2**31, 3], strides=[2**31, 2],
                          auto_pad="SAME_UPPER")],
        [tensor("x", [1, 1, 5, 5])], [tensor("y", None)]),
    "fuzz_lrn_huge_size": lambda: graph_model(
        [helper.make_node("LRN", ["x"], ["y"], name="lrn_wide", size=2**63 - 1)],
        [tensor("x", [1, 5, 5, 5])], [tensor("y", None)]),
    "fuzz_split_sizes_overflow": lambda: graph_model(
        [helper.make_node("Split", ["x", "split"], ["y", "z"], name="split_wrap")],
        [tensor("x", [3])], [tensor("y", None), tensor("z", None)],
        [const("split", np.array([3, 2**63 - 1], np.int64))]),
    "fuzz_transpose_perm_of_scalar": lambda: graph_model(
        [helper.make_node("Transpose", ["x"], ["y"], name="transpose_perm", perm=[0])],
        [tensor("x", [])], [tensor("y", None)]),
    "fuzz_scatternd_updates_shape": lambda: graph_model(
        [helper.make_node("ScatterND", ["data", "indices", "updates"], ["y"],
                          name="scatter_shape", reduction="add")],
        [tensor("data", [4, 4, 1]), tensor("indices", [2, 1], TensorProto.INT64),
         tensor("updates", [2, 4, 4])], [tensor("y", None)], opset=16),
    "fuzz_shape_sum_wraps": lambda: graph_model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape"),
         helper.make_node("Add", ["s", "s"], ["y"], name="shape_sum")],
        [tensor("x", [0, 2**63 - 1])], [tensor("y", None, TensorProto.INT64)]),
    "fuzz_reshape_dynamic_to_scalar": lambda: graph_model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="to_scalar")],
        [tensor("x", [1, "n", 2])], [tensor("y", None)],
        [const("shape", np.array([], np.int64))]),
    "fuzz_range_huge_float": lambda: graph_model(
        [helper.make_node("Range", ["s", "l", "d"], ["y"], name="range_float")],
        [], [tensor("y", None)],
        [const("s", np.float32(-6.6e35)), const("l", np.float32(0.5)),
         const("d", np.float32(1.0))]),
    "fuzz_range_int_span_wraps": lambda: graph_model(
        [helper.make_node("Range", ["s", "l", "d"], ["y"], name="range_int")],
        [], [tensor("y", None, TensorProto.INT64)],
        [const("s", np.int64(-2**63)), const("l", np.int64(2**63 - 1)),
         const("d", np.int64(1))]),
    "fuzz_range_large": lambda: graph_model(
        [helper.make_node("Range", ["s", "l", "d"], ["y"], name="range_large")],
        [], [tensor("y", None, TensorProto.INT32)],
        [const("s", np.int32(0)), const("l", np.int32(2**31 - 1)),
         const("d", np.int32(1))]),
    "fuzz_convtranspose_empty_image": lambda: graph_model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv_empty",
                          strides=[3, 2], output_shape=[10, 8])],
        [tensor("x", [1, 1, 3, 0])], [tensor("y", None)],
        [const("w", np.ones((1, 2, 3, 3), np.float32))]),
    "fuzz_negative_output_dim": lambda: graph_model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", [2])], [tensor("y", [-5])]),
    # Opsets start at 1 (#14).
    "bad_opset_zero": lambda: graph_model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", [2])], [tensor("y", [2])], opset=0),
    "bad_opset_negative": lambda: graph_model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", [2])], [tensor("y", [2])], opset=-1),
    # Low-precision element types (float8 as i8 bit patterns, int4 one per
    # byte).
    "lowprecision": lambda: graph_model(
        [helper.make_node("Cast", ["x"], ["f8"], name="to_f8",
                          to=TensorProto.FLOAT8E4M3FN, saturate=0),
         helper.make_node("Cast", ["f8"], ["y"], name="from_f8",
                          to=TensorProto.FLOAT),
         helper.make_node("CastLike", ["x", "like"], ["z"], name="like_int4")],
        [tensor("x", [4]), tensor("like", [1], TensorProto.INT4)],
        [tensor("y", [4]), tensor("z", [4], TensorProto.INT4)], opset=25),
    "bad_lowprecision_add": lambda: graph_model(
        [helper.make_node("Add", ["a", "b"], ["y"], name="add_f8")],
        [tensor("a", [4], TensorProto.FLOAT8E5M2),
         tensor("b", [4], TensorProto.FLOAT8E5M2)],
        [tensor("y", [4], TensorProto.FLOAT8E5M2)], opset=25),
    # Quantize family: a QDQ block (per-channel int8 weight dequantized,
    # the activation quantized and dequantized), a dynamically quantized
    # matmul, an integer convolution with per-channel weight zero points.
    "quantize": lambda: graph_model(
        [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q"),
         helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dq"),
         helper.make_node("DequantizeLinear", ["wq", "ws"], ["wd"], name="dqw",
                          axis=1),
         helper.make_node("MatMul", ["xd", "wd"], ["y"], name="mm"),
         helper.make_node("DynamicQuantizeLinear", ["y"], ["yq", "ys", "yz"],
                          name="dyn"),
         helper.make_node("MatMulInteger", ["yq", "w2", "yz", "w2z"], ["z"],
                          name="mmi"),
         helper.make_node("ConvInteger", ["img", "k", "", "kz"], ["c"],
                          name="convi", pads=[1, 1, 1, 1])],
        [tensor("x", [2, 8]), tensor("img", [1, 2, 5, 5], TensorProto.UINT8),
         tensor("wq", [8, 4], TensorProto.INT8)],
        [tensor("z", [2, 3], TensorProto.INT32),
         tensor("c", [1, 4, 5, 5], TensorProto.INT32)],
        [const("xs", np.float32(0.05)), const("xz", np.uint8(128)),
         const("ws", np.full(4, 0.01, np.float32)),
         const("w2", rng.integers(-128, 128, (4, 3)).astype(np.int8)),
         const("w2z", np.zeros(3, np.int8)),
         const("k", rng.integers(-128, 128, (4, 2, 3, 3)).astype(np.int8)),
         const("kz", np.array([0, 1, 2, 3], np.int8))], opset=13),
    # A constant quantized weight, dequantized per column: folded at import.
    "quantize_fold": lambda: graph_model(
        [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dqw",
                          axis=1)],
        [], [tensor("w", [2, 2])],
        [const("wq", np.array([[-128, 127], [0, 1]], np.int8)),
         const("ws", np.array([0.5, 0.25], np.float32)),
         const("wz", np.array([0, 1], np.int8))], opset=13),
    "bad_dq_zero_point_type": lambda: graph_model(
        [helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], name="dq")],
        [tensor("x", [4], TensorProto.UINT8)], [tensor("y", [4])],
        [const("s", np.float32(0.1)), const("z", np.int8(0))], opset=13),
    "bad_dq_axis_size": lambda: graph_model(
        [helper.make_node("DequantizeLinear", ["x", "s"], ["y"], name="dq", axis=1)],
        [tensor("x", [2, 4], TensorProto.INT8)], [tensor("y", [2, 4])],
        [const("s", np.ones(3, np.float32))], opset=13),
    "bad_q_blocked_shape": lambda: graph_model(
        [helper.make_node("QuantizeLinear", ["x", "s"], ["y"], name="q", axis=1,
                          block_size=2)],
        [tensor("x", [2, 6])], [tensor("y", [2, 6], TensorProto.UINT8)],
        [const("s", np.ones((2, 2), np.float32))], opset=21),
    "bad_q_output_type": lambda: graph_model(
        [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], name="q")],
        [tensor("x", [4])], [tensor("y", [4], TensorProto.INT32)],
        [const("s", np.float32(0.1)), const("z", np.int32(0))], opset=13),
    "bad_qlinearmatmul_scales": lambda: graph_model(
        [helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz",
                                            "ys", "yz"], ["y"], name="qmm")],
        [tensor("a", [2, 4], TensorProto.UINT8)], [tensor("y", [2, 3], TensorProto.UINT8)],
        [const("as", np.float32(0.1)), const("az", np.uint8(0)),
         const("b", np.ones((4, 3), np.uint8)), const("bs", np.float16(0.1)),
         const("bz", np.uint8(0)), const("ys", np.float32(0.1)),
         const("yz", np.uint8(0))], opset=13),
    "bad_convinteger_x_zero_point": lambda: graph_model(
        [helper.make_node("ConvInteger", ["x", "w", "xz"], ["y"], name="convi")],
        [tensor("x", [1, 2, 4, 4], TensorProto.UINT8)],
        [tensor("y", [1, 1, 2, 2], TensorProto.INT32)],
        [const("w", np.ones((1, 2, 3, 3), np.uint8)),
         const("xz", np.zeros(2, np.uint8))], opset=13),
    "bad_round_mode": lambda: graph_model(
        [helper.make_node("Cast", ["x"], ["y"], name="to_e8m0",
                          to=TensorProto.FLOAT8E8M0, round_mode="sideways")],
        [tensor("x", [4])], [tensor("y", [4], TensorProto.FLOAT8E8M0)],
        opset=25),
}


def main():
    name, path = sys.argv[1], sys.argv[2]
    if name.endswith("_npy"):
        write_data(name, path)
        return
    if name.endswith("_pb"):  # a TensorProto whose dims claim 4 TiB
        with open(path, "wb") as f:
            f.write(huge_tensor("x", [2**20, 2**20]).SerializeToString())
        return
    model = MODELS[name]()
    if name.startswith(("bad_", "fuzz_")):
        # Skip the checker: these are wrong on purpose, or as a fuzzer made them.
        onnx.save(model, path)
    else:
        onnx.checker.check_model(model)
        onnx.save(model, path)


if __name__ == "__main__":
    main()
