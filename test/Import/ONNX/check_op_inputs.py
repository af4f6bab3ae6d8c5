#!/usr/bin/env python3
"""Checks the importer's input arities (lib/Import/ONNX/OpInputs.def).

  check_op_inputs.py SOURCE_ROOT schemas
      OpInputs.def against the ONNX schemas (onnx.defs): prints the lines
      that differ.
  check_op_inputs.py SOURCE_ROOT nodes SIEVE_TRANSLATE WORKDIR
      Imports, for every op of Ops.def, nodes with too few inputs (none at
      all, one short of the minimum), too many, and with each input slot
      omitted (the empty name), at the op's oldest and newest opset. Each
      import must succeed or fail with an error: a crash, an abort or an
      "importer bug" message is reported. Prints one line per bad case and a
      summary.
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from onnx import TensorProto, defs, helper, numpy_helper

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "test", "conformance"))
from run_backend_tests import read_ops_def  # noqa: E402


def read_op_inputs():
    """{op: [(since, min, max)]} from OpInputs.def."""
    table = {}
    with open(os.path.join(root, "lib", "Import", "ONNX", "OpInputs.def")) as f:
        for line in f:
            m = re.match(r"\s*SIEVE_ONNX_INPUTS\((\w+),\s*(\d+),\s*(\d+),\s*(-?\d+)\)", line)
            if m:
                table.setdefault(m.group(1), []).append(
                    tuple(int(m.group(i)) for i in (2, 3, 4)))
    return table


def schema_inputs(op):
    rows, prev = [], None
    for version in range(1, defs.onnx_opset_version() + 1):
        try:
            s = defs.get_schema(op, version)
        except Exception:  # noqa: BLE001 - not defined yet at this opset
            continue
        key = (s.min_input, s.max_input if s.max_input < 1000 else -1)
        if key != prev:
            rows.append((s.since_version,) + key)
            prev = key
    return rows


def check_schemas():
    table = read_op_inputs()
    ops = read_ops_def(os.path.join(root, "lib", "Import", "ONNX", "Ops.def"))
    bad = 0
    for op in sorted(set(ops) | set(table)):
        expected = schema_inputs(op) if op in ops else []
        if table.get(op, []) != expected:
            print(f"error: {op}: OpInputs.def has {table.get(op)}, the schemas {expected}")
            bad += 1
    print(f"{len(table)} ops checked against the schemas, {bad} differ")


def node_cases(op, rows):
    """(name, opset, input names) for the malformed and edge-case nodes."""
    cases = []
    for since, lo, hi in sorted({rows[0], rows[-1]}):
        opset = max(since, 7)
        top = hi if hi >= 0 else lo + 2
        counts = sorted({0, max(lo - 1, 0), lo, top, top + 1 if hi >= 0 else top})
        for n in counts:
            cases.append((f"{op}_{opset}_n{n}", opset, [f"in{i}" for i in range(n)]))
        for k in range(top):
            names = [f"in{i}" for i in range(top)]
            names[k] = ""
            cases.append((f"{op}_{opset}_omit{k}", opset, names))
    return cases


def build(op, opset, names, path):
    # Input 0 is a float graph input; the others are small integer
    # constants, the kind of value a shape argument is.
    inputs = [helper.make_tensor_value_info("in0", TensorProto.FLOAT, [2, 3, 4, 4])]
    inits = [numpy_helper.from_array(np.array([1], np.int64), f"in{i}")
             for i in range(1, 8)]
    node = helper.make_node(op, names, ["y"], name=f"node_{op}")
    graph = helper.make_graph(
        [node], "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(model, path)


def run_case(tool, workdir, op, case):
    name, opset, names = case
    path = os.path.join(workdir, name + ".onnx")
    build(op, opset, names, path)
    proc = subprocess.run([tool, "--import-onnx", path, "-o", os.devnull],
                          capture_output=True, text=True, timeout=60)
    err = proc.stderr
    if proc.returncode not in (0, 1) or "importer bug" in err or \
            "LLVM ERROR" in err or "Stack dump" in err:
        return f"error: {name} {names}: exit {proc.returncode}: {err.strip()[:300]}"
    if proc.returncode == 1 and "error:" not in err:
        return f"error: {name} {names}: failed without a diagnostic"
    if len([n for n in names if n]) < min(r[1] for r in read_op_inputs()[op]) and \
            proc.returncode == 0:
        return f"error: {name} {names}: imported a node with too few inputs"
    return None


def check_nodes(tool, workdir):
    os.makedirs(workdir, exist_ok=True)
    table = read_op_inputs()
    jobs = []
    for op in sorted(read_ops_def(os.path.join(root, "lib", "Import", "ONNX", "Ops.def"))):
        for case in node_cases(op, table[op]):
            jobs.append((op, case))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda j: run_case(tool, workdir, *j), jobs))
    bad = [r for r in results if r]
    for r in bad:
        print(r)
    print(f"{len(jobs)} nodes of {len(table)} ops imported, {len(bad)} crashed or misbehaved")


if __name__ == "__main__":
    if sys.argv[2] == "schemas":
        check_schemas()
    else:
        check_nodes(sys.argv[3], sys.argv[4])
