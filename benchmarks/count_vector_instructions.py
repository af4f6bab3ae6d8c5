#!/usr/bin/env python3
"""Vector instructions per weight element of Sieve's inner loops, counted
from the generated machine code (performance cannot be timed under
emulation, so this is how AArch64 code is compared with x86's).

For each target it compiles three small models with sievec to an object
file and disassembles it with llvm-objdump:

  dense   x[1, 1024] @ w[1024, 256] (the down projection of a batch-1
          FFN), --sparsity=off: the matrix-vector product's inner loop
  gather  Relu(x) @ w, --sparsity=exact with the gather forced
          (--activation-density-limit=1): the loop over the weight rows of
          active neurons (activation gather)
  packed  batch-1 Gemm with a 5%-dense 1024 -> 256 weight,
          --sparsity=exact: the packed sparse kernel's inner loop
          (sieve.sparse_matmul)

It finds the innermost loops (a backward branch whose range holds no other
backward branch), takes the loop with the most multiply-add lanes as the
kernel's inner loop (for the sparse kernels, among the loops that differ
from the dense kernel's: their dense fallback is compiled too), and prints,
per iteration: instructions, vector instructions (SIMD, on xmm/ymm/zmm/k
or v/q/z/p registers; scalar FP excluded), stack accesses (register
spills), multiply-add lanes (= weight elements consumed: one per lane of an
FMA), and instructions and vector instructions per weight element. SVE lanes are
counted at 256 bits for the Neoverse V1 (its fixed length) and at 128 bits for
the Neoverse N2 (scalable vectors at their minimum length). --verbose prints
the loops.

  benchmarks/count_vector_instructions.py --sievec build/bin/sievec
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
from run import make_model  # noqa: E402
from check_weight_sparsity import gemm_model, prune  # noqa: E402

OBJDUMP = "/usr/lib/llvm-22/bin/llvm-objdump"
# (arch, cpu, --mattr, SVE bits an SVE instruction's lanes are counted at):
# the Neoverse V1's code is fixed-length SVE for its 256-bit vectors; the
# Neoverse N2's (128-bit SVE) uses scalable vectors in the sparse kernels,
# counted at their minimum, 128 bits (the same loop covers twice the
# weights per iteration on a 256-bit CPU).
TARGETS = [("x86_64", "znver4", None, 0), ("aarch64", "neoverse-n1", None, 0),
           ("aarch64", "neoverse-n2", None, 128),
           ("aarch64", "neoverse-v1", None, 256)]

KERNELS = [("dense", "dense", ["--sparsity=off"]),
           ("gather", "gather", ["--sparsity=exact", "--activation-density-limit=1"]),
           ("packed", "packed", ["--sparsity=exact"])]


def disassemble(obj, arch):
    mattr = ["--mattr=+sve"] if arch == "aarch64" else []
    text = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", *mattr, obj],
                          check=True, capture_output=True, text=True).stdout
    insns = []
    for line in text.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if m:
            insns.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return insns


def branch_target(arch, mnemonic, operands):
    if arch == "x86_64":
        if not mnemonic.startswith("j"):
            return None
    elif not (mnemonic == "b" or mnemonic.startswith("b.") or
              mnemonic in ("cbz", "cbnz", "tbz", "tbnz")):
        return None
    m = re.search(r"(?:0x)?([0-9a-f]+) <", operands)
    return int(m.group(1), 16) if m else None


def innermost_loops(arch, insns):
    """(start index, end index) of every backward-branch range that contains
    no other backward branch."""
    index = {addr: i for i, (addr, _, _) in enumerate(insns)}
    loops = []
    for i, (addr, mnem, ops) in enumerate(insns):
        target = branch_target(arch, mnem, ops)
        if target is not None and target <= addr and target in index:
            loops.append((index[target], i))
    return [(s, e) for s, e in loops
            if not any((s2, e2) != (s, e) and s <= s2 and e2 <= e for s2, e2 in loops)]


def is_vector(arch, mnemonic, operands):
    if arch == "x86_64":
        if not re.search(r"%[xyz]mm\d|%k\d", operands):
            return False
        return not re.search(r"s[sd]$", mnemonic) or mnemonic.startswith("vbroadcast")
    # AArch64: NEON arrangements (v0.4s), q registers, SVE z/p registers.
    return bool(re.search(r"\bv\d+\.\d*[bhsd]|\bq\d+\b|\bz\d+\b|\bp\d+(/[mz]|\.)?\b",
                          operands))


def fma_lanes(arch, mnemonic, operands, sve_bits):
    if arch == "x86_64":
        if not re.match(r"vf(n)?m(add|sub)\d*ps", mnemonic):
            return 0
        reg = re.search(r"%([xyz])mm", operands)
        return {"x": 4, "y": 8, "z": 16}[reg.group(1)] if reg else 0
    if mnemonic not in ("fmla", "fmad", "fmls", "fmsb"):
        return 0
    m = re.search(r"\bv\d+\.(\d+)s", operands)
    if m:
        return int(m.group(1))
    if re.search(r"\bz\d+\.s", operands):
        return sve_bits // 32
    return 1 if re.search(r"\bs\d+\b", operands) else 0


def analyse(arch, insns, sve_bits):
    """Every innermost loop with a multiply-add, most lanes first."""
    loops = []
    for s, e in innermost_loops(arch, insns):
        body = insns[s:e + 1]
        lanes = sum(fma_lanes(arch, m, o, sve_bits) for _, m, o in body)
        vector = sum(is_vector(arch, m, o) for _, m, o in body)
        stack = sum(bool(re.search(r"\[sp\b|\(%rsp\)", o)) for _, m, o in body)
        if lanes:
            loops.append({"insns": len(body), "vector": vector, "lanes": lanes,
                          "stack": stack, "body": body})
    return sorted(loops, key=lambda l: -l["lanes"])


# Output columns of the dense and gather models.
N = 256


def models(workdir):
    """dense.onnx: x[1, 1024] @ w[1024, 256]; gather.onnx: Relu(x) @ w;
    packed.onnx: Gemm with a 5%-dense weight (transB, 256x1024)."""
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((1024, N)) / 32).astype(np.float32)
    for name, relu in (("dense", False), ("gather", True)):
        nodes = ([helper.make_node("Relu", ["x"], ["a"])] if relu else []) + \
            [helper.make_node("MatMul", ["a" if relu else "x", "w"], ["y"])]
        onnx.save(make_model(nodes,
                             [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1024])],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, N])],
                             [numpy_helper.from_array(w, "w")]),
                  os.path.join(workdir, f"{name}.onnx"))
    w = prune(rng.standard_normal((1024, 256)).astype(np.float32), "unstructured",
              0.05, rng)
    onnx.save(gemm_model(w, 1, True), os.path.join(workdir, "packed.onnx"))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sievec", required=True)
    p.add_argument("--verbose", action="store_true", help="print each inner loop")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        models(workdir)
        print(f"{'target':<22} {'kernel':<7} {'insns':>5} {'vector':>6} {'stack':>5} {'weights':>7} "
              f"{'insns/weight':>12} {'vector/weight':>13}")
        for arch, cpu, mattr, sve_bits in TARGETS:
            dense_bodies = []
            for kernel, model, flags in KERNELS:
                obj = os.path.join(workdir, f"{kernel}-{arch}-{cpu}.o")
                cmd = [args.sievec, os.path.join(workdir, f"{model}.onnx"), "-o", obj,
                       f"--target={arch}", f"--mcpu={cpu}", "--quiet", *flags]
                if mattr:
                    cmd.append(f"--mattr={mattr}")
                subprocess.run(cmd, check=True, capture_output=True)
                loops = analyse(arch, disassemble(obj, arch), sve_bits)
                if kernel == "dense":
                    dense_bodies = [[m for _, m, _ in l["body"]] for l in loops]
                else:
                    # The sparse kernels keep a dense fallback: skip its loops.
                    loops = [l for l in loops
                             if [m for _, m, _ in l["body"]] not in dense_bodies]
                if not loops:
                    print(f"{arch + ' ' + cpu:<22} {kernel:<7} no inner loop found")
                    continue
                loop = loops[0]
                print(f"{arch + ' ' + cpu:<22} {kernel:<7} {loop['insns']:>5} "
                      f"{loop['vector']:>6} {loop['stack']:>5} {loop['lanes']:>7} "
                      f"{loop['insns'] / loop['lanes']:>12.3f} "
                      f"{loop['vector'] / loop['lanes']:>13.3f}")
                if args.verbose:
                    for _, m, o in loop["body"]:
                        print(f"      {m:<12} {o}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
