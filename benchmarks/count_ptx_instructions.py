#!/usr/bin/env python3
"""Instruction counts of the GPU kernels' inner loops, from the PTX that
`sievec --target=nvptx` writes: what a machine without a GPU can measure
of the GPU code (docs/performance.md).

Two tables:

  gather   a batch-1 ReLU GEMV (d_ff x d) with --sparsity=exact, for each
           --gpu-skip-zeros kernel: the instructions of the product's main
           loop per neuron it steps over, and per *active* neuron at the
           given activation density (the list kernel steps over active
           neurons only; the testing kernel over every neuron).
  models   for each ONNX model given (e.g. the zoo's CNNs): over the
           loops that multiply-add, the instructions, global loads, shared
           loads and stores per multiply-add. A shared-memory tile's loop
           counts whole stages: the loads into shared memory and the
           barriers once, the inner loop of its 16 steps as many times as
           it runs (16 x 16 multiply-adds per thread a stage).

Static counts of one loop body each (what a thread executes per step), not
timings.

  count_ptx_instructions.py --sievec build/bin/sievec --workdir /tmp/ptx \\
      [--model build/zoo/resnet18-dynamo/model.onnx ...] \\
      [--sievec-arg=--gpu-tiles=registers]
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gpu_ffn import gemv  # noqa: E402


def kernels(path):
    """(name, lines) of each kernel in a PTX file."""
    text = open(path).read()
    for body in re.split(r"\n\.visible \.entry ", text)[1:]:
        yield body.split("(")[0], [line.strip() for line in body.split("\n")]


def back_edges(lines):
    """(first, last) line of each loop: a back edge to a label above it."""
    labels = {}
    for i, line in enumerate(lines):
        m = re.match(r"^(\$L__BB\d+_\d+):", line)
        if m:
            labels[m.group(1)] = i
    edges = []
    for i, line in enumerate(lines):
        m = re.search(r"bra(\.uni)?\s+(\$L__BB\d+_\d+);", line)
        if m and m.group(2) in labels and labels[m.group(2)] < i:
            edges.append((labels[m.group(2)], i))
    return edges


def instructions(lines):
    return [x for x in lines
            if x and not x.startswith(("$", "//", "{", "}", "."))]


def loops(lines):
    """(instructions) of each innermost loop: a back edge to a label above
    it with no other back edge inside."""
    edges = back_edges(lines)
    for a, b in edges:
        if any(a <= c and d <= b and (c, d) != (a, b) for c, d in edges):
            continue
        yield instructions(lines[a + 1:b + 1])


# Multiply-adds per thread in one stage of a shared-memory tile: 16 steps
# of 4 x 4 points (sieve-map-to-gpu's GPUSharedTiles.cpp).
STAGE_MULTIPLY_ADDS = 16 * 16


def stages(lines):
    """(outer, inner) instructions of each shared-memory tile's stage loop:
    a loop with a barrier around exactly one inner loop (its steps)."""
    edges = back_edges(lines)
    for a, b in edges:
        inner = [(c, d) for c, d in edges if a <= c and d <= b and (c, d) != (a, b)]
        if len(inner) != 1 or not any("bar.sync" in x for x in lines[a:b + 1]):
            continue
        c, d = inner[0]
        yield (instructions(lines[a + 1:c + 1] + lines[d + 1:b + 1]),
               instructions(lines[c + 1:d + 1]))


def multiply_adds(body):
    return sum(x.startswith(("fma.", "mul.rn.f32", "mul.f32")) for x in body)


def compile_ptx(args, model, name, extra):
    path = os.path.join(args.workdir, name + ".ptx")
    subprocess.run([args.sievec, model, "--target=nvptx", "--quiet", "-o", path, *extra],
                   check=True, stderr=subprocess.DEVNULL)
    return path


def gather_table(args):
    d, d_ff = args.shape
    model = os.path.join(args.workdir, "gemv.onnx")
    onnx.save(gemv(d_ff, d, True, np.random.default_rng(0)), model)
    print(f"gather: ReLU GEMV {d_ff} x {d}, --sparsity=exact, density {args.density:g}")
    print(f"{'kernel':8} {'loop insns':>10} {'neurons/step':>12} {'per neuron':>10} "
          f"{'per active':>10}")
    per_active = {}
    for kind in ("list", "test"):
        ptx = compile_ptx(args, model, f"gemv-{kind}",
                          ["--sparsity=exact", "--activation-density-limit=1",
                           f"--gpu-skip-zeros={kind}"])
        # The product: the kernel with the most multiply-adds in one loop.
        best = max((body for _, lines in kernels(ptx) for body in loops(lines)),
                   key=multiply_adds)
        steps = multiply_adds(best)
        per = len(best) / steps
        active = per if kind == "list" else per / args.density
        print(f"{kind:8} {len(best):10} {steps:12} {per:10.2f} {active:10.2f}")
        per_active[kind] = active
    print(f"list / test per active neuron: {per_active['list'] / per_active['test']:.2f}")


def models_table(args):
    print(f"{'model':28} {'insns/MA':>8} {'global/MA':>9} {'shared/MA':>9} "
          f"{'stores/MA':>9}")
    for model in args.model:
        name = os.path.basename(os.path.dirname(os.path.abspath(model)))
        ptx = compile_ptx(args, model, name, args.sievec_arg)
        insns = mas = loads = shared = stores = 0

        def add(body, times=1):
            nonlocal insns, mas, loads, shared, stores
            insns += times * len(body)
            mas += times * multiply_adds(body)
            # A predicated instruction (`@%p1 ld.global...`) counts as its op.
            body = [re.sub(r"^@!?%p\d+\s+", "", x) for x in body]
            loads += times * sum(x.startswith("ld.") and not
                                 x.startswith(("ld.shared", "ld.param"))
                                 for x in body)
            shared += times * sum(x.startswith("ld.shared") for x in body)
            stores += times * sum(x.startswith("st.") and not
                                  x.startswith("st.shared") for x in body)

        for _, lines in kernels(ptx):
            staged = list(stages(lines))
            inner_loops = {tuple(inner) for _, inner in staged}
            for outer, inner in staged:
                add(outer)
                add(inner, STAGE_MULTIPLY_ADDS // multiply_adds(inner))
            for body in loops(lines):
                if multiply_adds(body) and tuple(body) not in inner_loops:
                    add(body)
        print(f"{name:28} {insns / mas:8.2f} {loads / mas:9.2f} {shared / mas:9.2f} "
              f"{stores / mas:9.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sievec", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--shape", default="1024x4096",
                   type=lambda s: tuple(int(v) for v in s.split("x")),
                   help="d x d_ff of the gather's GEMV")
    p.add_argument("--density", type=float, default=0.1)
    p.add_argument("--model", action="append", default=[])
    p.add_argument("--sievec-arg", action="append", default=[],
                   help="a flag for the models' sievec (e.g. --gpu-tiles=registers)")
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    gather_table(args)
    if args.model:
        print()
        models_table(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
