#!/usr/bin/env python3
"""Models whose Reshape/Expand/ConstantOfShape/Slice/Range arguments are
computed from the shape of an input with symbolic dimensions, as PyTorch's
exporters emit them (test/Import/ONNX/symbolic-shapes.test).

  make_symbolic_shapes.py OUT_DIR     # writes OUT_DIR/<case>.onnx
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h


def const(name, values, dtype=np.int64):
    arr = np.array(values, dtype=dtype)
    return h.make_node("Constant", [], [name], value=onnx.numpy_helper.from_array(arr, name))


def save(path, nodes, inputs, outputs, opset=17, initializers=()):
    graph = h.make_graph(nodes, os.path.basename(path)[:-5], inputs, outputs,
                         list(initializers))
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    x = h.make_tensor_value_info("x", T.FLOAT, ["batch", "seq", 8])

    # TorchScript's view: Shape -> Gather -> Unsqueeze -> Concat -> Reshape,
    # then back with a product computed by Mul.
    save(os.path.join(out, "reshape.onnx"), [
        h.make_node("Shape", ["x"], ["shape"]),
        const("i0", 0), const("i1", 1), const("axes", [0]), const("split", [2, 4]),
        h.make_node("Gather", ["shape", "i0"], ["b"], axis=0),
        h.make_node("Gather", ["shape", "i1"], ["s"], axis=0),
        h.make_node("Unsqueeze", ["b", "axes"], ["b1"]),
        h.make_node("Unsqueeze", ["s", "axes"], ["s1"]),
        h.make_node("Concat", ["b1", "s1", "split"], ["target"], axis=0),
        h.make_node("Reshape", ["x", "target"], ["heads"]),
        h.make_node("Mul", ["b", "s"], ["bs"]),
        h.make_node("Unsqueeze", ["bs", "axes"], ["bs1"]),
        const("eight", [8]),
        h.make_node("Concat", ["bs1", "eight"], ["flat_shape"], axis=0),
        h.make_node("Reshape", ["heads", "flat_shape"], ["y"]),
    ], [x], [h.make_tensor_value_info("y", T.FLOAT, [None, 8])])

    # dynamo's form: Shape(start, end) and an Expand to [batch, seq, 8] of a
    # [1, 1, 8] bias, plus a ConstantOfShape of the same shape.
    bias = h.make_tensor_value_info("bias", T.FLOAT, [1, 1, 8])
    save(os.path.join(out, "expand.onnx"), [
        h.make_node("Shape", ["x"], ["bs"], start=0, end=2),
        const("eight", [8]),
        h.make_node("Concat", ["bs", "eight"], ["target"], axis=0),
        h.make_node("Expand", ["bias", "target"], ["wide"]),
        h.make_node("ConstantOfShape", ["target"], ["ones"],
                    value=h.make_tensor("v", T.FLOAT, [1], [1.0])),
        h.make_node("Add", ["wide", "ones"], ["sum"]),
        h.make_node("Mul", ["sum", "x"], ["y"]),
    ], [x, bias], [h.make_tensor_value_info("y", T.FLOAT, ["batch", "seq", 8])])

    # A causal mask: Range(0, seq) compared with itself, Where on the scores;
    # Slice of the sequence with an end computed as seq - 1 (at least 1).
    save(os.path.join(out, "mask.onnx"), [
        h.make_node("Shape", ["x"], ["shape"]),
        const("i1", 1), const("zero", 0), const("one", 1), const("axes", [0]),
        const("axis1", [1]), const("neg", -1e9, np.float32),
        h.make_node("Gather", ["shape", "i1"], ["s"], axis=0),
        h.make_node("Range", ["zero", "s", "one"], ["pos"]),
        h.make_node("Unsqueeze", ["pos", "axes"], ["row"]),
        h.make_node("Unsqueeze", ["pos", "axis1"], ["col"]),
        h.make_node("LessOrEqual", ["row", "col"], ["keep"]),
        h.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
        h.make_node("MatMul", ["x", "xt"], ["scores"]),
        h.make_node("Where", ["keep", "scores", "neg"], ["masked"]),
        h.make_node("Softmax", ["masked"], ["probs"], axis=-1),
        h.make_node("MatMul", ["probs", "x"], ["attn"]),
        h.make_node("Sub", ["s", "one"], ["s_minus"]),
        h.make_node("Max", ["s_minus", "one"], ["end"]),
        h.make_node("Unsqueeze", ["end", "axes"], ["ends"]),
        const("starts", [0]),
        h.make_node("Slice", ["attn", "starts", "ends", "axis1"], ["y"]),
    ], [x], [h.make_tensor_value_info("y", T.FLOAT, ["batch", None, 8])])

    # Constant shapes with `0` copies of dynamic dimensions next to a `-1`
    # (the ONNX functions' `[0, 0, -1]` reshapes): several dynamic result
    # sizes that the types alone do not give; the second's -1 is static (1:
    # its other sizes are its input's).
    x6 = h.make_tensor_value_info("x", T.FLOAT, ["batch", "seq", 6])
    save(os.path.join(out, "copy_dims.onnx"), [
        const("s1", [0, -1, 3]), const("s2", [0, 0, 0, -1]),
        h.make_node("Reshape", ["x", "s1"], ["halves"]),
        h.make_node("Reshape", ["halves", "s2"], ["y"]),
    ], [x6], [h.make_tensor_value_info("y", T.FLOAT, ["batch", None, 3, None])])

    # TorchScript's `buffer[:, :seq].expand(n, -1)` (BERT-style token type
    # ids): the shape `Where(Equal(s, -1), ones, s)` of a value `s` whose
    # elements are all known ([1, -1]) compares and selects constants.
    table = h.make_tensor("table", T.FLOAT, [1, 32],
                          np.linspace(-1.0, 1.0, 32, dtype=np.float32))
    x2 = h.make_tensor_value_info("x", T.FLOAT, ["batch", "seq"])
    save(os.path.join(out, "expand_minus_one.onnx"), [
        const("i0", 0), const("i1", 1), const("zero", [0]), const("one", [1]),
        const("minus_one", [-1]), const("scalar_minus_one", -1),
        h.make_node("Shape", ["x"], ["xs"]),
        h.make_node("Gather", ["xs", "i1"], ["seq"], axis=0),
        h.make_node("Unsqueeze", ["seq", "zero"], ["seq1"]),
        h.make_node("Slice", ["table", "zero", "seq1", "one", "one"], ["part"]),
        h.make_node("Shape", ["part"], ["ps"]),
        h.make_node("Gather", ["ps", "i0"], ["rows"], axis=0),
        h.make_node("Unsqueeze", ["rows", "zero"], ["rows1"]),
        h.make_node("Concat", ["rows1", "minus_one"], ["cat"], axis=0),
        h.make_node("Reshape", ["cat", "minus_one"], ["target"]),
        h.make_node("Shape", ["target"], ["ts"]),
        h.make_node("ConstantOfShape", ["ts"], ["ones"],
                    value=onnx.numpy_helper.from_array(np.array([1], np.int64))),
        h.make_node("Mul", ["ones", "scalar_minus_one"], ["minus_ones"]),
        h.make_node("Equal", ["target", "minus_ones"], ["is_minus_one"]),
        h.make_node("Where", ["is_minus_one", "ones", "target"], ["expanded"]),
        h.make_node("Expand", ["part", "expanded"], ["wide"]),
        h.make_node("Add", ["x", "wide"], ["y"]),
    ], [x2], [h.make_tensor_value_info("y", T.FLOAT, ["batch", "seq"])],
        initializers=[table])

    # A -1 beside sizes that are the input's dynamic dimensions: GroupNorm's
    # `[0, groups, -1]` (wav2vec2's feature extractor) and SegFormer's
    # `[Shape(y)[0], h, w, -1]` of x, where y = Relu(x) has x's batch: the
    # -1 is static (the quotient of the static sizes).
    x3 = h.make_tensor_value_info("x", T.FLOAT, ["batch", 16, 12])
    save(os.path.join(out, "reshape_static_rest.onnx"), [
        const("groups", [0, 8, -1]), const("i0", 0), const("axes", [0]),
        const("hw", [4, 4, -1]),
        h.make_node("Reshape", ["x", "groups"], ["grouped"]),
        h.make_node("Relu", ["x"], ["r"]),
        h.make_node("Shape", ["r"], ["rs"]),
        h.make_node("Gather", ["rs", "i0"], ["b"], axis=0),
        h.make_node("Unsqueeze", ["b", "axes"], ["b1"]),
        h.make_node("Concat", ["b1", "hw"], ["target"], axis=0),
        h.make_node("Reshape", ["x", "target"], ["image"]),
    ], [x3], [h.make_tensor_value_info("grouped", T.FLOAT, ["batch", 8, 24]),
              h.make_tensor_value_info("image", T.FLOAT, ["batch", 4, 4, 12])])

    # The same with the batch read from tensors whose batch traces back to
    # x's through an Unsqueeze (expand_shape), a Squeeze (collapse_shape),
    # a Slice of another axis (extract_slice) and a Pad of another axis.
    nodes = [const("i0", 0), const("axes", [0]), const("one", [1]),
             const("hw", [4, 4, -1]), const("start", [0]), const("end", [8]),
             const("pads", [0, 0, 1, 0, 0, 1]),
             h.make_node("Unsqueeze", ["x", "one"], ["unsqueezed"]),
             h.make_node("Squeeze", ["unsqueezed", "one"], ["squeezed"]),
             h.make_node("Slice", ["x", "start", "end", "one"], ["sliced"]),
             h.make_node("Pad", ["x", "pads"], ["padded"])]
    outputs = []
    for source in ("unsqueezed", "squeezed", "sliced", "padded"):
        nodes += [h.make_node("Shape", [source], [f"{source}_shape"]),
                  h.make_node("Gather", [f"{source}_shape", "i0"], [f"{source}_b"], axis=0),
                  h.make_node("Unsqueeze", [f"{source}_b", "axes"], [f"{source}_b1"]),
                  h.make_node("Concat", [f"{source}_b1", "hw"], [f"{source}_target"], axis=0),
                  h.make_node("Reshape", ["x", f"{source}_target"], [f"image_{source}"])]
        outputs.append(h.make_tensor_value_info(f"image_{source}", T.FLOAT, ["batch", 4, 4, 12]))
    save(os.path.join(out, "reshape_traced_batch.onnx"), nodes, [x3], outputs)

    # F.pad along the sequence (MobileBERT's embeddings: the shifted token
    # embeddings padded by one row at the end, and one at the start):
    # constant pads on a dynamic dimension; reflect there is refused.
    for mode, pads in (("constant", [0, 1, 0, 0, 1, 0]),
                       ("reflect", [0, 1, 0, 0, 1, 0])):
        save(os.path.join(out, f"pad_{mode}.onnx"), [
            const("pads", pads), const("value", 0.5, np.float32),
            h.make_node("Pad", ["x", "pads", "value"], ["y"], mode=mode),
        ], [x], [h.make_tensor_value_info("y", T.FLOAT, ["batch", None, 8])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
