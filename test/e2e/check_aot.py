#!/usr/bin/env python3
"""Ahead-of-time end-to-end check: sievec compiles an ONNX model to an object
file or shared library plus header; a generated C program built against the
header reads raw inputs, runs the model and writes raw outputs; the outputs
must match onnxruntime's (on this machine).

  check_aot.py --sievec build/bin/sievec --model m.onnx --format so|o --workdir DIR

Cross-compiled, run under emulation (docs/tools.md):

  check_aot.py ... --target aarch64 --mcpu neoverse-v1 --cc aarch64-linux-gnu-gcc \\
      --static --runner "qemu-aarch64 -cpu max,sve-default-vector-length=32"

Inputs are random (seeded: floats normal, integers in [0, 4), bools 0/1)
unless given with --input name=file.npy. The C program names its variables
by position (in0, out0, ...) and calls <entry>_run positionally: the
header's identifiers are sanitised ONNX names, which this script does not
predict. Which inputs take a `_dims` array (dynamic dimensions) is read from
the header's comment block. run_aot() is the same check as a function, for
scripts that build their own models (check_aarch64.py).
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

import numpy as np
import onnxruntime as ort

# numpy dtype -> the C type the header uses (cType in ObjectEmitter.cpp).
C_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double",
           np.dtype(np.float16): "uint16_t", np.dtype(np.int8): "int8_t",
           np.dtype(np.uint8): "uint8_t", np.dtype(np.bool_): "uint8_t",
           np.dtype(np.int16): "int16_t", np.dtype(np.uint16): "uint16_t",
           np.dtype(np.int32): "int32_t", np.dtype(np.uint32): "uint32_t",
           np.dtype(np.int64): "int64_t", np.dtype(np.uint64): "uint64_t"}

ORT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
             "tensor(float16)": np.float16, "tensor(int8)": np.int8,
             "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_,
             "tensor(int16)": np.int16, "tensor(uint16)": np.uint16,
             "tensor(int32)": np.int32, "tensor(uint32)": np.uint32,
             "tensor(int64)": np.int64, "tensor(uint64)": np.uint64}


def random_feeds(sess, seed=0, dynamic_size=1):
    """Seeded inputs for every graph input, dynamic dimensions `dynamic_size`."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for inp in sess.get_inputs():
        shape = [d if isinstance(d, int) else dynamic_size for d in inp.shape]
        dtype = np.dtype(ORT_TYPES[inp.type])
        if dtype == np.bool_:
            value = rng.integers(0, 2, shape).astype(np.bool_)
        elif dtype.kind in "iu":
            value = rng.integers(0, 4, shape).astype(dtype)
        else:
            value = rng.standard_normal(shape).astype(dtype)
        feeds[inp.name] = value
    return feeds


def header_shapes(header):
    """The shapes the header's comment block lists, in order: (inputs,
    outputs), each a list of lists with None for a dynamic dimension."""
    text = open(header).read()
    block = text[text.index("/* Inputs"):]
    block = block[:block.index("*/")]
    ins, outs, cur = [], [], None
    for line in block.splitlines():
        if line.startswith(" * Outputs:"):
            cur = outs
            continue
        m = re.match(r"^ \*   \S+: \w+\[(.*)\]$", line)
        if m:
            dims = [None if d.strip() == "?" else int(d)
                    for d in m.group(1).split(",") if d.strip()]
            (outs if cur is outs else ins).append(dims)
    return ins, outs


def harness(entry, feeds, in_shapes, expected, out_shapes):
    """A C program: main(argc, argv) reads input i from argv[1 + i], runs
    the model and writes output j to argv[1 + #inputs + j]."""
    n_in = len(feeds)
    lines = ["#include <stdint.h>", "#include <stdio.h>", f'#include "{entry}.h"',
             "static int load(const char *path, void *buf, size_t bytes) {",
             '  FILE *f = fopen(path, "rb");',
             "  if (!f) return 1;",
             "  size_t got = bytes ? fread(buf, 1, bytes, f) : 0;",
             "  fclose(f);",
             "  return got != bytes;",
             "}",
             "static int store(const char *path, const void *buf, size_t bytes) {",
             '  FILE *f = fopen(path, "wb");',
             "  if (!f) return 1;",
             "  size_t put = bytes ? fwrite(buf, 1, bytes, f) : 0;",
             "  return fclose(f) != 0 || put != bytes;",
             "}",
             "int main(int argc, char **argv) {",
             f"  if (argc != {1 + n_in + len(expected)}) return 3;"]
    args = []
    for i, (value, dims) in enumerate(zip(feeds, in_shapes)):
        ctype = C_TYPES[value.dtype]
        lines += [f"  static {ctype} in{i}[{max(value.size, 1)}];",
                  f"  if (load(argv[{1 + i}], in{i}, {value.nbytes})) return 2;"]
        args.append(f"in{i}")
        if None in dims:
            sizes = ", ".join(str(s) for s in value.shape)
            lines.append(f"  static const int64_t in{i}_dims[{len(dims)}] = {{{sizes}}};")
            args.append(f"in{i}_dims")
    for j, (value, dims) in enumerate(zip(expected, out_shapes)):
        ctype = C_TYPES[value.dtype]
        lines.append(f"  static {ctype} out{j}[{max(value.size, 1)}];")
        args.append(f"out{j}")
        if dims:
            lines.append(f"  static int64_t out{j}_dims[{len(dims)}];")
            args.append(f"out{j}_dims")
    lines.append(f"  {entry}_run({', '.join(args)});")
    for j, (value, dims) in enumerate(zip(expected, out_shapes)):
        for d, size in enumerate(value.shape):
            lines.append(f"  if (out{j}_dims[{d}] != {size}) {{ fprintf(stderr, "
                         f'"output {j} dimension {d}: %lld, expected {size}\\n", '
                         f"(long long)out{j}_dims[{d}]); return 4; }}")
        lines.append(f"  if (store(argv[{1 + n_in + j}], out{j}, {value.nbytes})) return 2;")
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"


def run_aot(sievec, model, workdir, feeds=None, fmt="o", target=None, mcpu=None,
            mattr=None, cc="cc", runner="", static=False, sievec_args=(),
            rtol=1e-4, atol=1e-5, seed=0, dynamic_size=1, label=None, quiet=False,
            entry="model"):
    """Compiles `model` with sievec, runs it through a generated C program
    (under `runner`, e.g. qemu; a list of runners: the same program under
    each, e.g. qemu CPUs of several SVE vector lengths) and compares every
    output with onnxruntime. Prints one line per output (and runner) and
    returns (ok, outputs of the last run, sievec's stderr: its remarks)."""
    os.makedirs(workdir, exist_ok=True)
    lib = os.path.join(workdir, f"{entry}.{fmt}")
    cmd = [sievec, model, "-o", lib, f"--entry={entry}"]
    if target:
        cmd.append(f"--target={target}")
    if mcpu or not target:
        cmd.append(f"--mcpu={mcpu or 'native'}")
    if mattr:
        cmd.append(f"--mattr={mattr}")
    cmd += list(sievec_args)
    env = dict(os.environ, SIEVE_CC=cc)
    done = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise subprocess.CalledProcessError(done.returncode, cmd)
    header = os.path.join(workdir, f"{entry}.h")
    assert os.path.exists(header), "sievec wrote no header"

    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    if feeds is None:
        feeds = random_feeds(sess, seed, dynamic_size)
    inputs = [np.ascontiguousarray(feeds[i.name]) for i in sess.get_inputs()]
    expected = sess.run(None, dict(zip([i.name for i in sess.get_inputs()], inputs)))
    in_shapes, out_shapes = header_shapes(header)
    assert len(in_shapes) == len(inputs) and len(out_shapes) == len(expected), \
        "the header's inputs and outputs differ from the model's"

    main_c = os.path.join(workdir, "main.c")
    with open(main_c, "w") as f:
        f.write(harness(entry, inputs, in_shapes, expected, out_shapes))
    exe = os.path.join(workdir, "main")
    if fmt == "o":
        link = [lib, "-lm"]
        # Code for several threads calls LLVM's OpenMP runtime (the header
        # says so); a shared library links it itself.
        if "OpenMP runtime" in open(header).read():
            link.append("-lomp")
    else:
        link = [lib, f"-Wl,-rpath,{os.path.abspath(workdir)}"]
    subprocess.run(shlex.split(cc) + ["-std=c99", "-O1", "-Wall", "-Werror", "-o", exe,
                                      main_c, f"-I{workdir}"] + link +
                   (["-static"] if static else []), check=True)
    in_paths, out_paths = [], []
    for i, value in enumerate(inputs):
        in_paths.append(os.path.join(workdir, f"in{i}.bin"))
        value.tofile(in_paths[-1])
    for j in range(len(expected)):
        out_paths.append(os.path.join(workdir, f"out{j}.bin"))
    runners = [runner] if isinstance(runner, str) else list(runner)
    ok, outputs = True, []
    for run_with in runners:
        for path in out_paths:
            if os.path.exists(path):
                os.remove(path)
        subprocess.run(shlex.split(run_with) + [exe] + in_paths + out_paths, check=True)
        where = f" [{run_with}]" if len(runners) > 1 else ""
        outputs = []
        for j, (out, want) in enumerate(zip(sess.get_outputs(), expected)):
            got = np.fromfile(out_paths[j], dtype=want.dtype).reshape(want.shape)
            outputs.append(got)
            if want.dtype.kind in "fc":
                err = float(np.max(np.abs(got - want))) if want.size else 0.0
                good = np.allclose(got, want, rtol=rtol, atol=atol)
            else:
                err = float(np.count_nonzero(got != want))
                good = err == 0
            if not quiet:
                print(f"{label + ': ' if label else ''}output {j} '{out.name}' "
                      f"{list(want.shape)}{where}: max abs error {err:.3g}: "
                      f"{'OK' if good else 'MISMATCH'}")
            ok &= good
    return ok, outputs, done.stderr


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sievec", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--format", choices=["so", "o"], default="so")
    p.add_argument("--workdir", required=True)
    p.add_argument("--target", help="sievec --target (default: this machine)")
    p.add_argument("--mcpu", help="sievec --mcpu (default: native for this machine)")
    p.add_argument("--mattr", help="sievec --mattr")
    p.add_argument("--sievec-arg", action="append", default=[],
                   help="one more sievec argument (repeatable), e.g. --sparsity=exact")
    p.add_argument("--cc", default="cc",
                   help="C compiler that builds and links the harness (and, as "
                        "SIEVE_CC, the .so), e.g. aarch64-linux-gnu-gcc")
    p.add_argument("--static", action="store_true", help="link the harness statically")
    p.add_argument("--entry", default="model",
                   help="sievec --entry (e.g. a C library function's name)")
    p.add_argument("--runner", action="append",
                   help='command that runs the executable, e.g. "qemu-aarch64 -L '
                        '/usr/aarch64-linux-gnu"; repeated: the same executable '
                        'under each (e.g. SVE vector lengths)')
    p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dynamic-size", type=int, default=1,
                   help="size given to dynamic (symbolic) input dimensions")
    args = p.parse_args()

    feeds = None
    if args.input:
        sess = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
        feeds = random_feeds(sess, args.seed, args.dynamic_size)
        for spec in args.input:
            name, path = spec.split("=", 1)
            assert name in feeds, f"the model has no input '{name}'"
            feeds[name] = np.load(path)
    ok, _, _ = run_aot(args.sievec, args.model, args.workdir, feeds, args.format,
                    args.target, args.mcpu, args.mattr, args.cc, args.runner or "",
                    args.static, args.sievec_arg, args.rtol, args.atol, args.seed,
                    args.dynamic_size, entry=args.entry)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
