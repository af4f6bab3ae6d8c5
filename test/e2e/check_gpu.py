#!/usr/bin/env python3
"""End-to-end checks of the GPU target: `sieve-run --device=cuda` (on a
machine with an NVIDIA GPU) or `--device=emulated-gpu` (sieve-gpu-pipeline's
kernels run on the CPU one GPU thread after another: the same launches,
grids and split reductions, without a GPU) runs each model, and its outputs
must match onnxruntime's (CPU) on the same inputs. Which activation gathers
each compilation made is counted from sieve-run's remarks, so the sparse
kernels really ran.

  check_gpu.py --sieve-run build/bin/sieve-run --workdir DIR \\
      --device cuda --group mnist --group ffn --group cnn --cnn squeezenet
  check_gpu.py ... --sieve-arg=--gpu-skip-zeros=test --group ffn  # other kernels

Groups:
  mnist  the MNIST MLP, dense and --sparsity=exact (gather forced), against
         its expected outputs and onnxruntime
  ffn    ReLU FFNs (64 -> 256 -> 64) with --sparsity=exact at several
         activation densities (gather forced, and the run-time branch as the
         cost model sets it), batch 1 and 4; dense
  gated  gated ReLU FFNs (64 -> 256 -> 64) with --sparsity=exact: densities 0,
         10 and 100% (gather forced), batch 3 with rows of different active
         neurons, Gemm with an up bias, ReLU6, the run-time branch
  weights  pruned constant weights (Gemm and MatMul, unstructured, 2:4,
         4x4 blocks, batches 1, 2, 4 and dynamic, 16- and 32-bit rows) packed
         for the GPU with --sparsity=exact; one kept dense, one forced
  tiles  contractions in shared-memory tiles: Gemm and MatMul with partial
         tiles and stages, a batched MatMul of two inputs, a strided
         convolution, a split reduction, dynamic rows tiled or not at run
         time, a convolution with a dynamic batch of 2 and of 0
         (--gpu-tiles=registers: the same models in the other kernel)
  approx predicted FFNs (--sparsity=approx; make_predictor_ffn.py: plain,
         gated, Clip(0, 0.25), gated with a squared-ReLU gate; 1 and 4 rows
         of [batch, seq, d]): the same predictor fitted on the CPU, the
         outputs equal the CPU's approx build with the sparse path at every
         density (what the GPU runs below 32 rows) and are close to
         onnxruntime's; 40 rows (plain) take the dense path: onnxruntime's
  cnn    light ONNX CNNs (test/models/light) with seeded random weights
"""

import argparse
import os
import subprocess
import sys
import zlib

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from check_aarch64 import randomize_weights  # noqa: E402
from check_weight_sparsity import gemm_model, prune  # noqa: E402
from run import gated_ffn_at_density, relu_ffn_at_density  # noqa: E402

FORCE_GATHER = "--activation-density-limit=1"
GATHERED = "gathers the weight rows of active neurons"
GATED = "in a gated FFN with"
PACKED = "packed for the GPU"
TILED = "shared-memory tiles of"


class Checker:
    def __init__(self, args):
        self.args = args
        self.ok = True

    def run(self, name, model_path, feeds=None, sieve_args=(), want_gathered=None,
            rtol=1e-4, atol=1e-5, want_packed=None, want_tiled=None):
        a = self.args
        work = os.path.join(a.workdir, name)
        os.makedirs(work, exist_ok=True)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(model_path, opts,
                                    providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        feeds = dict(feeds or {})
        cmd = [a.sieve_run, model_path, f"--device={a.device}", "--output-dir",
               work, *a.sieve_arg, *sieve_args]
        for i, inp in enumerate(sess.get_inputs()):
            if inp.name not in feeds:
                shape = [d if isinstance(d, int) else 1 for d in inp.shape]
                feeds[inp.name] = rng.standard_normal(shape).astype(np.float32)
            path = os.path.join(work, f"input_{i}.npy")
            np.save(path, feeds[inp.name])
            cmd += ["--input", f"{inp.name}={path}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        log = proc.stderr
        good = proc.returncode == 0
        worst = 0.0
        if good:
            for out, want in zip(sess.get_outputs(), sess.run(None, feeds)):
                got = np.load(os.path.join(work, out.name.replace("/", "_") + ".npy"))
                if want.size:
                    worst = max(worst, float(np.max(np.abs(got - want))))
                good &= got.shape == want.shape and np.allclose(
                    got, want, rtol=rtol, atol=atol)
        else:
            sys.stdout.write(log)
        # A gated FFN's rewrite counts as its gather.
        gathered = log.count(GATHERED) + log.count(GATED)
        if want_gathered is not None:
            good &= gathered == want_gathered
        packed = log.count(PACKED)
        if want_packed is not None:
            good &= packed == want_packed
        tiled = log.count(TILED)
        if want_tiled is not None:
            good &= tiled == want_tiled
        print(f"{name}: gathered {gathered}, "
              f"{f'packed {packed}, ' if want_packed is not None else ''}"
              f"{f'tiled {tiled}, ' if want_tiled is not None else ''}"
              f"max abs error {worst:.3g}: {'OK' if good else 'MISMATCH'}")
        sys.stdout.flush()
        self.ok &= good

    def save(self, name, model):
        path = os.path.join(self.args.workdir, f"{name}.onnx")
        onnx.save(model, path)
        return path


def mnist(c):
    model = os.path.join(ROOT, "test", "models", "mnist_mlp", "mnist.onnx")
    c.run("mnist-dense", model, want_gathered=0)
    c.run("mnist-exact-forced", model, sieve_args=["--sparsity=exact", FORCE_GATHER],
          want_gathered=1)
    # The model's own expected outputs, through sieve-run's test-data check.
    data = os.path.join(ROOT, "test", "models", "mnist_mlp")
    proc = subprocess.run([c.args.sieve_run, model, f"--device={c.args.device}",
                           *c.args.sieve_arg, "--test-data", data, "--quiet"],
                          capture_output=True, text=True)
    good = proc.returncode == 0 and "PASS" in proc.stdout
    print(f"mnist-test-data: {'OK' if good else 'MISMATCH'}")
    if not good:
        sys.stdout.write(proc.stdout + proc.stderr)
    c.ok &= good


def ffn(c):
    for batch, density, forced in ((1, 0.5, True), (1, 0.1, True), (1, 0.0, True),
                                   (4, 0.1, True), (1, 1.0, False),
                                   (1, 0.05, False)):
        rng = np.random.default_rng(int(density * 100) + batch)
        model, feeds = relu_ffn_at_density(batch, 64, 256, density, rng)
        name = f"ffn-b{batch}-d{int(density * 100)}{'-forced' if forced else ''}"
        extra = ["--sparsity=exact"] + ([FORCE_GATHER] if forced else [])
        c.run(name, c.save(name, model), feeds, extra, want_gathered=1)
    # 250 neurons: the last chunk of the split reduction (26) is not a
    # multiple of the zero-skipping loop's step (4): its epilogue runs.
    rng = np.random.default_rng(250)
    model, feeds = relu_ffn_at_density(1, 64, 250, 0.3, rng)
    c.run("ffn-b1-d30-n250-forced", c.save("ffn-b1-d30-n250-forced", model), feeds,
          ["--sparsity=exact", FORCE_GATHER], want_gathered=1)
    rng = np.random.default_rng(7)
    model, feeds = relu_ffn_at_density(1, 64, 256, 0.3, rng)
    c.run("ffn-dense", c.save("ffn-dense", model), feeds, want_gathered=0)
    # A dynamic batch (3 rows): grids and splits sized at run time.
    for dim in (*model.graph.input, *model.graph.output):
        dim.type.tensor_type.shape.dim[0].dim_param = "batch"
    feeds = {"x": rng.standard_normal((3, 64)).astype(np.float32)}
    c.run("ffn-dynamic-batch", c.save("ffn-dynamic-batch", model), feeds,
          ["--sparsity=exact", FORCE_GATHER], want_gathered=1)
    # 40 rows of the same dynamic batch: the branch takes the dense path at
    # run time (from 32 rows); 64 static rows take it at compile time.
    feeds = {"x": rng.standard_normal((40, 64)).astype(np.float32)}
    c.run("ffn-dynamic-batch-40-rows", c.save("ffn-dynamic-batch", model), feeds,
          ["--sparsity=exact", FORCE_GATHER], want_gathered=1)
    model, feeds = relu_ffn_at_density(64, 64, 256, 0.1, np.random.default_rng(64))
    c.run("ffn-b64-d10-forced", c.save("ffn-b64-d10-forced", model), feeds,
          ["--sparsity=exact", FORCE_GATHER], want_gathered=1)


def gated(c):
    # Gated ReLU FFNs (ReLU-LLaMA form): the up projection of the neurons
    # whose gate is non-zero (each point's sum skipped where the gate is
    # zero) and the down rows of the non-zero hidden values, as GPU kernels;
    # Gemm with biases (an up bias), ReLU6, rows that activate different
    # neurons, and the run-time branch as the cost model sets it.
    cases = [("gated-b1-d10-forced", 1, 0.1, True, {}),
             ("gated-b1-d0-forced", 1, 0.0, True, {}),
             ("gated-b1-d100-forced", 1, 1.0, True, {}),
             ("gated-b3-d30-forced", 3, 0.3, True, {"distinct_rows": True}),
             ("gated-gemm-bias-b2-d20-forced", 2, 0.2, True,
              {"gemm": True, "up_bias": True}),
             ("gated-relu6-b1-d20-forced", 1, 0.2, True, {"activation": "relu6"}),
             ("gated-b1-d10", 1, 0.1, False, {})]
    for name, batch, density, forced, variant in cases:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        model, feeds = gated_ffn_at_density(batch, 64, 256, density, rng, **variant)
        extra = ["--sparsity=exact"] + ([FORCE_GATHER] if forced else [])
        c.run(name, c.save(name, model), feeds, extra, want_gathered=1)


def weights(c):
    # Pruned constant weights: the GPU's ELL contraction (16-bit rows, and
    # 32-bit ones past 32767 rows), unstructured, 2:4 and 4x4 blocks, Gemm
    # (transposed weight) and MatMul + Add, batches 1, 2, 4 and dynamic; a
    # weight too dense to pay stays dense.
    for name, k, n, batch, pattern, density, transposed, extra, packed in (
            ("weights-gemm-b1-d10", 256, 64, 1, "unstructured", 0.1, True, [], 1),
            ("weights-matmul-b4-2of4", 256, 64, 4, "2:4", 0.5, False, [], 1),
            ("weights-gemm-b1-block4x4-d25", 128, 64, 1, "block4x4", 0.25, True, [], 1),
            ("weights-gemm-b2-d5-k40000", 40000, 16, 2, "unstructured", 0.05, True,
             [], 1),
            ("weights-gemm-b1-d70-kept-dense", 256, 64, 1, "unstructured", 0.7, True,
             [], 0),
            ("weights-gemm-b1-d70-forced", 256, 64, 1, "unstructured", 0.7, True,
             ["--weight-density-limit=1"], 1)):
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        w = prune(rng.standard_normal((k, n)).astype(np.float32), pattern, density,
                  rng)
        feeds = {"x": rng.standard_normal((batch, k)).astype(np.float32)}
        c.run(name, c.save(name, gemm_model(w, batch, transposed)), feeds,
              ["--sparsity=exact", *extra], want_gathered=0, want_packed=packed,
              rtol=1e-4, atol=1e-4)
    rng = np.random.default_rng(11)
    w = prune(rng.standard_normal((256, 64)).astype(np.float32), "unstructured", 0.1,
              rng)
    model = gemm_model(w, 1, True)
    for value in (*model.graph.input, *model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    feeds = {"x": rng.standard_normal((3, 256)).astype(np.float32)}
    c.run("weights-gemm-dynamic-batch", c.save("weights-gemm-dynamic-batch", model),
          feeds, ["--sparsity=exact"], want_gathered=0, want_packed=1)


def tiles(c):
    # Contractions with two long output sides: shared-memory tiles of 64 x
    # 64 points, 16 reduction steps a stage (--gpu-tiles=registers: none).
    want = 0 if "--gpu-tiles=registers" in c.args.sieve_arg else 1
    rng = np.random.default_rng(5)

    def graph_model(name, nodes, inputs, output, inits=()):
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
             for n, s in inputs],
            [helper.make_tensor_value_info(output[0], TensorProto.FLOAT, output[1])],
            [numpy_helper.from_array(v, n) for n, v in inits])
        return c.save(name, helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", 17)]))

    def weight(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    # Whole tiles along M, a partial one along N; the weight read with K
    # fastest (transB), the input too.
    c.run("tiles-gemm-64x96-k256", graph_model(
        "tiles-gemm-64x96-k256",
        [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1, name="fc")],
        [("x", [64, 256])], ("y", [64, 96]),
        [("W", weight(96, 256)), ("b", weight(96))]), want_tiled=want,
        rtol=1e-4, atol=1e-4)
    # Partial tiles along both sides and a partial last stage (K = 72).
    c.run("tiles-matmul-50x40-k72", graph_model(
        "tiles-matmul-50x40-k72",
        [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
        [("x", [50, 72])], ("y", [50, 40]), [("W", weight(72, 40))]),
        want_tiled=want, rtol=1e-4, atol=1e-4)
    # Two inputs and a batch dimension (attention's scores).
    c.run("tiles-batched-4x48x64-k40", graph_model(
        "tiles-batched-4x48x64-k40",
        [helper.make_node("MatMul", ["q", "k"], ["s"], name="scores")],
        [("q", [4, 48, 40]), ("k", [4, 40, 64])], ("s", [4, 48, 64])),
        want_tiled=want, rtol=1e-4, atol=1e-4)
    # A strided, padded convolution: an implicit GEMM of 40 channels x 2 x 8
    # x 8 pixels over 20 x 3 x 3 steps.
    c.run("tiles-conv-stride2", graph_model(
        "tiles-conv-stride2",
        [helper.make_node("Conv", ["x", "W", "b"], ["y"], strides=[2, 2],
                          pads=[1, 1, 1, 1], name="conv")],
        [("x", [2, 20, 15, 15])], ("y", [2, 40, 8, 8]),
        [("W", weight(40, 20, 3, 3)), ("b", weight(40))]),
        want_tiled=want, rtol=1e-4, atol=1e-4)
    # One tile, a long reduction: split over blocks, added atomically.
    c.run("tiles-split-32x32-k4096", graph_model(
        "tiles-split-32x32-k4096",
        [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
        [("x", [32, 4096])], ("y", [32, 32]), [("W", weight(4096, 32))]),
        want_tiled=want, rtol=1e-3, atol=1e-3)
    # A convolution with a dynamic batch (its pixels side is long enough
    # whatever the batch): batches of 2 and 0 (an empty side's index
    # arithmetic divides by nothing empty).
    path = graph_model(
        "tiles-conv-dynamic-batch",
        [helper.make_node("Conv", ["x", "W"], ["y"], pads=[1, 1, 1, 1], name="conv")],
        [("x", ["n", 8, 10, 10])], ("y", ["n", 40, 10, 10]),
        [("W", weight(40, 8, 3, 3))])
    for batch in (2, 0):
        c.run(f"tiles-conv-dynamic-batch-{batch}", path,
              {"x": rng.standard_normal((batch, 8, 10, 10)).astype(np.float32)},
              want_tiled=want, rtol=1e-4, atol=1e-4)
    # Dynamic rows: tiled at run time when there are at least 32.
    path = graph_model(
        "tiles-dynamic-rows",
        [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
        [("x", ["rows", 64])], ("y", ["rows", 128]), [("W", weight(64, 128))])
    for rows in (40, 3):
        c.run(f"tiles-dynamic-rows-{rows}", path,
              {"x": rng.standard_normal((rows, 64)).astype(np.float32)},
              want_tiled=want, rtol=1e-4, atol=1e-4)


def approx(c):
    # The predictor is fitted on the CPU for both runs, from the same
    # calibration sets: the GPU's kernels (the predictor's contractions and
    # mask, the up projection of the predicted neurons in lanes, the down
    # rows of the non-zeros) must compute what the CPU's approx kernels do
    # with the sparse path at every density.
    from make_predictor_ffn import build, write_sets
    a = c.args
    d, n = 256, 512
    for variant, gated_ffn, activation in (("plain", False, "relu"),
                                           ("gated", True, "relu"),
                                           ("clip", False, "relu6"),
                                           ("gated-squared", True, "squared-pow")):
        opts = argparse.Namespace(d=d, n=n, rank=32, noise=0.3, density=0.1,
                                  gated=gated_ffn, activation=activation,
                                  clip_max=0.25, seed=3)
        base = os.path.join(a.workdir, f"approx-{variant}")
        os.makedirs(base, exist_ok=True)
        model_path = os.path.join(base, "model.onnx")
        onnx.save(build(opts), model_path)
        rng = np.random.default_rng(zlib.crc32(variant.encode()))
        calib = os.path.join(base, "calib")
        write_sets(calib, model_path, 16, 8, d, rng, False)
        sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        for seq in (1, 4, 40):
            if seq == 40 and variant != "plain":
                continue
            name = f"approx-{variant}-s{seq}"
            x = rng.standard_normal((1, seq, d)).astype(np.float32)
            x_path = os.path.join(base, f"x{seq}.npy")
            np.save(x_path, x)
            outputs = {}
            logs = {}
            for device, extra in ((a.device, a.sieve_arg),
                                  ("cpu", ["--activation-density-limit=1"])):
                out = os.path.join(base, f"{device}-s{seq}")
                proc = subprocess.run(
                    [a.sieve_run, model_path, f"--device={device}", "--sparsity=approx",
                     "--calibrate", calib, "--input", f"x={x_path}", "--output-dir", out,
                     *extra], capture_output=True, text=True)
                logs[device] = proc.stderr
                if proc.returncode != 0:
                    sys.stdout.write(proc.stderr)
                    break
                outputs[device] = np.load(os.path.join(out, "y.npy"))
            good = len(outputs) == 2
            predicted = sum("the predicted neurons only" in line and "on the GPU" in line
                            for line in logs.get(a.device, "").splitlines())
            diff = rel_l2 = float("nan")
            if good:
                got, cpu = outputs[a.device], outputs["cpu"]
                (want,) = sess.run(None, {"x": x})
                diff = float(np.max(np.abs(got - cpu)))
                rel_l2 = float(np.linalg.norm(got - want) / np.linalg.norm(want))
                # From 32 rows the GPU takes the dense path (exact), where
                # the CPU build's forced sparse path does not.
                good = (got.shape == cpu.shape and rel_l2 < 0.1 and predicted == 1 and
                        (np.allclose(got, want, rtol=1e-4, atol=1e-4) if seq >= 32
                         else np.allclose(got, cpu, rtol=1e-4, atol=1e-5)))
            print(f"{name}: predicted {predicted}, max abs difference from the CPU's "
                  f"approx {diff:.3g}, relative L2 error against onnxruntime "
                  f"{rel_l2:.3g}: {'OK' if good else 'MISMATCH'}")
            sys.stdout.flush()
            c.ok &= good


def cnn(c):
    for name in c.args.cnn:
        model = onnx.load(os.path.join(ROOT, "test", "models", "light",
                                       f"light_{name}.onnx"))
        path = c.save(name, randomize_weights(model, zlib.crc32(name.encode())))
        c.run(name, path, rtol=1e-3, atol=1e-5)


GROUPS = {"mnist": mnist, "ffn": ffn, "gated": gated, "weights": weights,
          "tiles": tiles, "approx": approx, "cnn": cnn}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--device", choices=["cuda", "emulated-gpu"], required=True)
    p.add_argument("--group", action="append", choices=sorted(GROUPS), required=True)
    p.add_argument("--cnn", action="append", default=[],
                   help="light model for the cnn group (e.g. squeezenet)")
    p.add_argument("--sieve-arg", action="append", default=[],
                   help="a flag for every sieve-run (e.g. --gpu-skip-zeros=test)")
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    c = Checker(args)
    for group in args.group:
        GROUPS[group](c)
    print("PASS" if c.ok else "FAIL")
    return 0 if c.ok else 1


if __name__ == "__main__":
    sys.exit(main())
