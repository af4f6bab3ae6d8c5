"""Builds the model of profile-layers.test, or checks a printed profile.

  check_profile_layers.py OUT.onnx          # writes the model
  check_profile_layers.py --check PROFILE   # checks the profile's numbers
"""
import re
import sys

import numpy as np


def build(path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    big = numpy_helper.from_array(
        rng.standard_normal((1024, 1024), dtype=np.float32) * 0.03, "w_big")
    small = numpy_helper.from_array(
        rng.standard_normal((1024, 8), dtype=np.float32) * 0.03, "w_small")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w_big"], ["h"], name="big"),
         helper.make_node("MatMul", ["h", "w_small"], ["s"], name="small"),
         helper.make_node("Relu", ["s"], ["y"], name="relu")],
        "two", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [64, 8])],
        [big, small])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def check(path):
    text = open(path).read()
    head = re.search(r"profile: (\d+) runs, ([0-9.]+) ms each on average; (\d+) layers take "
                     r"([0-9.]+) ms \(([0-9.]+)%\), the rest ([0-9.-]+) ms", text)
    assert head, text
    run_ms, layers_ms, share = float(head[2]), float(head[4]), float(head[5])
    assert 0 < layers_ms <= run_ms * 1.001, text
    rows = {}
    section = None
    for line in text.splitlines():
        if line.endswith(":") and line.startswith("by "):
            section = line
            rows[section] = []
            continue
        m = re.match(r"\s+([0-9.]+)%\s+([0-9.]+)\s+(\d+)\s+(.+)$", line)
        if section and m:
            rows[section].append((float(m[1]), float(m[2]), int(m[3]), m[4]))
    for section, table in rows.items():
        assert table, section
        # Each table covers every layer once: its times add up to the
        # layers' total, its shares to the header's.
        assert abs(sum(r[1] for r in table) - layers_ms) <= 0.01 * layers_ms + 0.005, (section, text)
        assert abs(sum(r[0] for r in table) - share) <= 0.1 * len(table) + 0.1, (section, text)
        assert [r[1] for r in table] == sorted((r[1] for r in table), reverse=True), text
        assert all(r[2] >= 1 for r in table), text
    print("profile ok")


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        build(sys.argv[1])
