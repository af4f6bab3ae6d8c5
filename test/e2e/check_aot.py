#!/usr/bin/env python3
"""Ahead-of-time end-to-end check: sievec compiles an ONNX model to an object
file or shared library plus header; a C program built against the header
runs it on random inputs; the outputs must match onnxruntime's.

  check_aot.py --sievec build/bin/sievec --model m.onnx --format so|o --workdir DIR
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

NP_TO_C = {np.float32: "float", np.float64: "double", np.int64: "int64_t",
           np.int32: "int32_t"}


def c_identifier(name, used):
    ident = re.sub(r"[^0-9A-Za-z]", "_", name)
    if not ident or ident[0].isdigit():
        ident = "t_" + ident
    unique, i = ident, 2
    while unique in used:
        unique, i = f"{ident}_{i}", i + 1
    used.add(unique)
    return unique


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sievec", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--format", choices=["so", "o"], default="so")
    p.add_argument("--workdir", required=True)
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    args = p.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    entry = c_identifier(os.path.splitext(os.path.basename(args.model))[0], set())
    lib = os.path.join(args.workdir, f"{entry}.{args.format}")
    subprocess.run([args.sievec, args.model, "-o", lib, "--mcpu=native"], check=True)
    header = os.path.join(args.workdir, f"{entry}.h")
    assert os.path.exists(header), "sievec wrote no header"

    model = onnx.load(args.model)
    sess = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {}
    for inp in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in inp.shape]
        feeds[inp.name] = rng.standard_normal(shape).astype(np.float32)
    expected = sess.run(None, feeds)

    used = set()
    in_ids = [c_identifier(i.name, used) for i in sess.get_inputs()]
    out_ids = [c_identifier(o.name, used) for o in sess.get_outputs()]
    lines = ["#include <stdio.h>", f'#include "{entry}.h"', "int main(void) {"]
    for ident, inp in zip(in_ids, sess.get_inputs()):
        n = feeds[inp.name].size
        path = os.path.join(args.workdir, f"in_{ident}.bin")
        feeds[inp.name].tofile(path)
        lines += [f"  static float {ident}[{n}];",
                  f'  FILE *f_{ident} = fopen("{path}", "rb");',
                  f"  if (!f_{ident} || fread({ident}, sizeof(float), {n}, f_{ident}) != {n}) return 2;",
                  f"  fclose(f_{ident});"]
    for ident, value in zip(out_ids, expected):
        lines.append(f"  static float {ident}[{value.size}];")
    call = ", ".join(in_ids + [f"{o}, NULL" for o in out_ids])
    lines.append(f"  {entry}_run({call});")
    for ident, value in zip(out_ids, expected):
        path = os.path.join(args.workdir, f"out_{ident}.bin")
        lines += [f'  FILE *o_{ident} = fopen("{path}", "wb");',
                  f"  fwrite({ident}, sizeof(float), {value.size}, o_{ident});",
                  f"  fclose(o_{ident});"]
    lines += ["  return 0;", "}"]
    main_c = os.path.join(args.workdir, "main.c")
    with open(main_c, "w") as f:
        f.write("\n".join(lines) + "\n")
    exe = os.path.join(args.workdir, "main")
    link = [lib, "-lm"] if args.format == "o" else [lib, f"-Wl,-rpath,{args.workdir}"]
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-o", exe, main_c,
                    f"-I{args.workdir}"] + link, check=True)
    subprocess.run([exe], check=True)

    ok = True
    for ident, value in zip(out_ids, expected):
        got = np.fromfile(os.path.join(args.workdir, f"out_{ident}.bin"),
                          dtype=np.float32).reshape(value.shape)
        err = np.max(np.abs(got - value))
        good = np.allclose(got, value, rtol=args.rtol, atol=args.atol)
        print(f"{ident}: max abs error {err:.3g}: {'OK' if good else 'MISMATCH'}")
        ok &= good
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
