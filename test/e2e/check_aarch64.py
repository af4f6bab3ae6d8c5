#!/usr/bin/env python3
"""Cross-compiled end-to-end checks: `sievec --target=aarch64` compiles each
model to an object file, the arm64 cross compiler links it statically with a
generated C harness (check_aot.py), qemu-aarch64 runs it, and its outputs must
match onnxruntime's on this (x86) machine. Which sparse kernels each
compilation used is counted from sievec's remarks, so the sparse code really
ran under emulation.

  check_aarch64.py --sievec build/bin/sievec --workdir DIR --mcpu neoverse-n1 \\
      --runner "qemu-aarch64 -cpu neoverse-n1" --group sparsity

Groups:
  mnist     the MNIST MLP, dense and --sparsity=exact (gather forced)
  sparsity  ReLU FFNs (64 -> 256 -> 64) with --sparsity=exact at several
            activation densities (the run-time branch as the cost model sets
            it, and the gather forced), batch 1 and 4; ReLU and gated FFNs
            of width 100 (rows no multiple of the vector length); pruned
            Gemms (packed sparse kernel) at batch 1 and 8, and a denser one
  cnn       light ONNX CNNs (test/models/light) with their constant
            weights replaced by seeded random ones (the originals are all
            0.02, whose outputs are uniform and would hide any error)
  quantized the 8-bit matmuls of check_int8_matmuls.py (MatMulInteger,
            QLinearMatMul, dynamic quantization; usdot kernels on CPUs with
            i8mm), integer outputs exact
"""

import argparse
import os
import sys
import zlib

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from check_aot import run_aot  # noqa: E402
from check_weight_sparsity import gemm_model, prune  # noqa: E402
from run import gated_ffn_at_density, relu_ffn_at_density  # noqa: E402

FORCE_GATHER = "--activation-density-limit=1"
GATHERED = "gathers the weight rows of active neurons"
PACKED = "packed into sieve.sparse_matmul"
GATED = "in a gated FFN with"


class Checker:
    def __init__(self, args):
        self.args = args
        self.ok = True

    def run(self, name, model_path, feeds=None, sievec_args=(), want_gathered=None,
            want_packed=None, want_gated=None, rtol=1e-4, atol=1e-5):
        a = self.args
        good, _, log = run_aot(a.sievec, model_path, os.path.join(a.workdir, name),
                               feeds, "o", "aarch64", a.mcpu, a.mattr, a.cc, a.runner,
                               True, [*a.sievec_arg, *sievec_args], rtol, atol,
                               label=name)
        gathered, packed = log.count(GATHERED), log.count(PACKED)
        if want_gathered is not None:
            good &= gathered == want_gathered
        if want_packed is not None:
            good &= packed == want_packed
        gated = log.count(GATED)
        if want_gated is not None:
            good &= gated == want_gated
        print(f"{name}: gathered {gathered}, packed {packed}"
              f"{f', gated {gated}' if gated else ''}: "
              f"{'OK' if good else 'MISMATCH'}")
        sys.stdout.flush()
        self.ok &= good

    def save(self, name, model):
        path = os.path.join(self.args.workdir, f"{name}.onnx")
        onnx.save(model, path)
        return path


def mnist(c):
    model = os.path.join(ROOT, "test", "models", "mnist_mlp", "mnist.onnx")
    c.run("mnist-dense", model, want_gathered=0, want_packed=0)
    c.run("mnist-exact-forced", model, sievec_args=["--sparsity=exact", FORCE_GATHER],
          want_gathered=1)


def sparsity(c):
    # ReLU FFNs: the gather forced at every density (the sparse path runs),
    # and by the cost model (a run-time branch picks dense or sparse).
    for batch, density, forced in ((1, 0.5, True), (1, 0.2, True), (1, 0.05, True),
                                   (1, 0.0, True), (4, 0.1, True), (1, 1.0, False),
                                   (1, 0.05, False)):
        rng = np.random.default_rng(int(density * 100) + batch)
        model, feeds = relu_ffn_at_density(batch, 64, 256, density, rng)
        name = f"ffn-b{batch}-d{int(density * 100)}{'-forced' if forced else ''}"
        extra = ["--sparsity=exact"] + ([FORCE_GATHER] if forced else [])
        c.run(name, c.save(name, model), feeds, extra, want_gathered=1)
    # Rows that are no multiple of any vector length (100 columns: a partial
    # last step of the gather's rows) and gated FFNs (the up dot products and
    # down rows of the selected neurons in one pass, each over 100 columns).
    for batch, density in ((1, 0.1), (3, 0.5)):
        rng = np.random.default_rng(100 + batch)
        model, feeds = relu_ffn_at_density(batch, 100, 256, density, rng)
        name = f"ffn100-b{batch}-d{int(density * 100)}-forced"
        c.run(name, c.save(name, model), feeds, ["--sparsity=exact", FORCE_GATHER],
              want_gathered=1)
        model, feeds = gated_ffn_at_density(batch, 100, 256, density, rng)
        name = f"gated100-b{batch}-d{int(density * 100)}-forced"
        c.run(name, c.save(name, model), feeds, ["--sparsity=exact", FORCE_GATHER],
              want_gated=1)
    # Pruned Gemms: the packed kernel at batch 1 (gather form) and 8 (batch
    # form); a denser one (packing forced) has columns of about 300 entries,
    # many vectors of any length and a partial last one.
    for name, k, n, batch, density, extra in (
            ("gemm-b1-d5", 200, 72, 1, 0.05, []),
            ("gemm-b8-d5", 256, 64, 8, 0.05, []),
            ("gemm-b1-d30", 1000, 40, 1, 0.3, ["--weight-density-limit=1"])):
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        w = prune(rng.standard_normal((k, n)).astype(np.float32), "unstructured",
                  density, rng)
        feeds = {"x": rng.standard_normal((batch, k)).astype(np.float32)}
        c.run(name, c.save(name, gemm_model(w, batch, True)), feeds,
              ["--sparsity=exact", *extra], want_packed=1)


def randomize_weights(model, seed):
    """Replaces every ConstantOfShape fed by a constant shape (the light
    models' weights) with a seeded random initializer: He-scaled for conv
    and Gemm weights, BatchNormalization statistics near (0, 1) (variance
    positive), small for biases."""
    rng = np.random.default_rng(seed)
    shapes = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    bn_role = {}
    for node in model.graph.node:
        if node.op_type == "BatchNormalization":
            for role, name in zip(("x", "scale", "bias", "mean", "var"), node.input):
                bn_role[name] = role
    nodes, used_shapes = [], set()
    for node in model.graph.node:
        if node.op_type != "ConstantOfShape" or node.input[0] not in shapes:
            nodes.append(node)
            continue
        used_shapes.add(node.input[0])
        shape = [int(d) for d in shapes[node.input[0]]]
        noise = rng.standard_normal(shape)
        role = bn_role.get(node.output[0])
        if role == "scale":
            value = 1 + 0.1 * noise
        elif role == "var":
            value = 1 + 0.1 * np.abs(noise)
        elif len(shape) >= 2:
            value = noise * np.sqrt(2.0 / int(np.prod(shape[1:])))
        else:
            value = 0.1 * noise
        model.graph.initializer.append(
            numpy_helper.from_array(value.astype(np.float32), node.output[0]))
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    # The shapes of the replaced ConstantOfShape nodes are unused now (these
    # IR 3 models also list them as graph inputs).
    for field in (model.graph.initializer, model.graph.input):
        kept = [i for i in field if i.name not in used_shapes]
        del field[:]
        field.extend(kept)
    return model


def cnn(c):
    for name in c.args.cnn:
        model = onnx.load(os.path.join(ROOT, "test", "models", "light",
                                       f"light_{name}.onnx"))
        path = c.save(name, randomize_weights(model, zlib.crc32(name.encode())))
        c.run(name, path, rtol=1e-3, atol=1e-5)


def quantized(c):
    from check_int8_matmuls import cases
    for name, model, feeds, expected in cases():
        # run_aot compares with onnxruntime, which takes no zero point per
        # row (check_int8_matmuls.py checks that case against numpy).
        if name == "s8_row_zero_points":
            continue
        exact = np.issubdtype(expected[0].dtype, np.integer)
        c.run(name, c.save(name, model), feeds, rtol=0 if exact else 1e-5,
              atol=0 if exact else 1e-5)


GROUPS = {"mnist": mnist, "sparsity": sparsity, "cnn": cnn, "quantized": quantized}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sievec", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--mcpu", required=True, help="e.g. neoverse-n1, neoverse-v1")
    p.add_argument("--mattr")
    p.add_argument("--sievec-arg", action="append", default=[],
                   help="another sievec flag for every compilation "
                        "(e.g. --sve-vector-bits=0)")
    p.add_argument("--cc", default="aarch64-linux-gnu-gcc")
    p.add_argument("--runner", action="append",
                   help="the command that runs the program (default qemu-aarch64 -L "
                        "/usr/aarch64-linux-gnu); repeated: the same program under each "
                        "(e.g. SVE vector lengths)")
    p.add_argument("--group", action="append", choices=sorted(GROUPS), required=True)
    p.add_argument("--cnn", action="append", default=[],
                   help="light model for the cnn group (e.g. squeezenet)")
    args = p.parse_args()
    args.runner = args.runner or ["qemu-aarch64 -L /usr/aarch64-linux-gnu"]
    os.makedirs(args.workdir, exist_ok=True)
    c = Checker(args)
    for group in args.group:
        GROUPS[group](c)
    print("PASS" if c.ok else "FAIL")
    return 0 if c.ok else 1


if __name__ == "__main__":
    sys.exit(main())
