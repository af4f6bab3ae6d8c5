#!/usr/bin/env python3
"""sievec's C header with hostile ONNX names and aliased outputs.

Builds a model whose value names are C keywords, collide with the header's
own names (`results`, `x_dims`), or hold comment terminators, quotes and
backslashes; whose two outputs are the same buffer (`z = Identity(y)`).
Compiles it with sievec to a shared library and a header, builds a C
program with -Wall -Werror against the header, runs it, and compares with
onnxruntime. Prints "header ok".

  check_header_safety.py --sievec build/bin/sievec --workdir DIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

NAMES = {
    "x": 'x */ int injected = 1; /* "\\',
    "k": "int",
    "d": "x_dims",
    "y": "results",
    "z": "sieve_results",
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sievec", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    n = NAMES
    graph = helper.make_graph(
        [helper.make_node("Add", [n["x"], n["k"]], ["s"], name="add"),
         helper.make_node("Relu", ["s"], [n["y"]], name="relu"),
         helper.make_node("Identity", [n["y"]], [n["z"]], name="same"),
         helper.make_node("Mul", [n["d"], n["d"]], ["sq"], name="sq")],
        "hostile",
        [helper.make_tensor_value_info(n["x"], TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info(n["k"], TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info(n["d"], TensorProto.FLOAT, ["batch", 3])],
        [helper.make_tensor_value_info(n["y"], TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info(n["z"], TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("sq", TensorProto.FLOAT, ["batch", 3])])
    model_path = os.path.join(args.workdir, "hostile.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              model_path)
    lib = os.path.join(args.workdir, "hostile.so")
    subprocess.run([args.sievec, model_path, "-o", lib, "--quiet"], check=True)
    header = open(os.path.join(args.workdir, "hostile.h")).read()
    assert "injected" not in header.split("hostile_input_name")[0], \
        "an ONNX name reached the header outside a string literal"

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    k = rng.standard_normal((2, 3)).astype(np.float32)
    d = rng.standard_normal((4, 3)).astype(np.float32)
    want = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"]).run(
        None, {n["x"]: x, n["k"]: k, n["d"]: d})

    def arr(values):
        return "{" + ", ".join(f"{v:.9g}f" for v in values.ravel()) + "}"

    program = f"""
#include "hostile.h"
#include <stdio.h>
#include <string.h>
int main(void) {{
  const float x[6] = {arr(x)}, k[6] = {arr(k)}, d[12] = {arr(d)};
  const int64_t d_dims[2] = {{4, 3}};
  float y[6], z[6], sq[12];
  int64_t y_dims[2], z_dims[2], sq_dims[2];
  /* Parameter order: inputs (and dims of dynamic ones), then outputs. */
  hostile_run(x, k, d, d_dims, y, y_dims, z, z_dims, sq, sq_dims);
  for (int i = 0; i < 6; ++i) printf("%.9g %.9g\\n", y[i], z[i]);
  for (int i = 0; i < 12; ++i) printf("%.9g\\n", sq[i]);
  printf("%s|%s|%s\\n", hostile_input_name(0), hostile_input_name(1),
         hostile_output_name(0));
  printf("%d\\n", hostile_input_name(3) == NULL);
  return 0;
}}
"""
    src = os.path.join(args.workdir, "main.c")
    exe = os.path.join(args.workdir, "main")
    open(src, "w").write(program)
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-I", args.workdir, src,
                    lib, "-o", exe, f"-Wl,-rpath,{args.workdir}"], check=True)
    # The same header compiles as C++ too.
    subprocess.run(["c++", "-Wall", "-Werror", "-fsyntax-only", "-x", "c++", "-I",
                    args.workdir, src], check=True)
    lines = subprocess.run([exe], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    yz = np.array([[float(v) for v in l.split()] for l in lines[:6]], np.float32)
    sq = np.array([float(v) for v in lines[6:18]], np.float32)
    assert np.allclose(yz[:, 0], want[0].ravel(), atol=1e-6), "output y"
    assert np.allclose(yz[:, 1], want[1].ravel(), atol=1e-6), "output z"
    assert np.allclose(sq, want[2].ravel(), rtol=1e-5), "output sq"
    assert lines[18] == f'{n["x"]}|{n["k"]}|{n["y"]}', lines[18]
    assert lines[19] == "1"
    print("header ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
