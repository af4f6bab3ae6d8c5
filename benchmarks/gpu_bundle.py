#!/usr/bin/env python3
"""Sieve's NVPTX target on a GPU machine that cannot build Sieve.

A GPU machine lent for a short while often has the NVIDIA driver and
Python with numpy but no LLVM/MLIR 22, so neither Sieve nor `sieve-run
--device=cuda` (which JIT-compiles there) can run on it. This script splits
the work as a user who deploys a model would:

  prepare   (here, with a Sieve build) compiles every case ahead of time with
            `sievec --target=nvptx -o model.so` (kernels as PTX that the
            driver compiles for the GPU, host code for generic x86-64), a
            small C program per case over the generated header's
            `<entry>_run`, the inputs, and onnxruntime's CPU outputs as the
            reference; one folder, ready to copy.
  run       (on the GPU machine; needs numpy only) runs each case's program:
            the outputs against onnxruntime's, then the run time (median of
            --reps calls: inputs in, every launch, outputs out) and the
            kernels' time from Sieve's CUDA runtime (SIEVE_GPU_TIMING); the
            FFN cases report achieved bandwidth as a share of the HBM peak.
            The MNIST MLP runs once more under compute-sanitizer when the
            machine has it.

Cases: the MNIST MLP dense and --sparsity=exact (gather forced); ReLU FFNs
64 -> 256 -> 64 exact at densities 0-100%, batch 1 and 4, and dense; light
CNNs with seeded random weights; any ONNX model given (--onnx, e.g. the
real-model zoo's torchvision exports); the FFN GEMV benchmark of gpu_ffn.py at
d x d_ff (dense, gather at `--density`, a weight pruned to 10%,
--sparsity=approx on an FFN whose up weight a rank-64 predictor captures,
with its dense build beside it; for the GPU
also the gather with
--gpu-skip-zeros=test and --gpu-launches=sync, to time the list kernels and
queued launches against what they replace; each CNN and --onnx model also
with --gpu-tiles=registers, to time the shared-memory tiles against the
register kernel). The benchmark's weights repeat
with a short period (a prime number of values, shifted per row) so that the
compiled libraries, which hold the weights, compress for the transfer; the
kernels read every byte all the same. The CNNs' weights are rounded to a
few levels per tensor for the same reason.

  gpu_bundle.py prepare --sievec build/bin/sievec --runtime \\
      build/lib/libsieve_cuda_runtime.so --out gpu-bundle
  gpu_bundle.py run --bundle gpu-bundle --out results

`prepare --target cpu` compiles the same cases for this CPU instead, so that
`run` checks the harness itself on a machine without a GPU.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

FORCE_GATHER = "--activation-density-limit=1"
GATHERED = "gathers the weight rows of active neurons"
GATED = "in a gated FFN with"
PREDICTED = "selects the up columns"
# Published HBM peaks (GB/s), when the driver's attributes are unavailable.
PEAKS = {"H200": 4800, "H100 NVL": 3900, "H100 PCIe": 2000, "H100": 3350,
         "A100-SXM4-80GB": 2039, "A100 80GB PCIe": 1935, "A100": 1555}


# ---------------------------------------------------------------- prepare --

def patterned(rng, rows, cols, scale, period=1021):
    """A rows x cols weight whose row i is a fixed random sequence of
    `period` values shifted by 37 i: neighbouring neurons differ, and the
    matrix compresses to almost nothing."""
    base = (rng.standard_normal(period) * scale).astype(np.float32)
    index = (np.arange(rows)[:, None] * 37 + np.arange(cols)[None, :]) % period
    return base[index]


def relu_ffn_model(w1, b1, w2):
    """y = Relu(x @ w1 + b1) @ w2 for one row x of w1's rows."""
    from onnx import TensorProto, helper, numpy_helper
    d = w1.shape[0]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["p"]),
         helper.make_node("Add", ["p", "b1"], ["h"]),
         helper.make_node("Relu", ["h"], ["a"]),
         helper.make_node("MatMul", ["a", "w2"], ["y"])], "ffn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, w2.shape[1]])],
        [numpy_helper.from_array(w1, "w1"),
         numpy_helper.from_array(b1.astype(np.float32), "b1"),
         numpy_helper.from_array(w2, "w2")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def bench_ffn(d, d_ff, density, rng):
    """benchmarks/run.py's relu_ffn_at_density with patterned weights."""
    w1 = patterned(rng, d, d_ff, 1 / np.sqrt(d))
    w2 = patterned(rng, d_ff, d, 1 / np.sqrt(d_ff))
    x = rng.standard_normal((1, d)).astype(np.float32)
    pre = (x @ w1)[0]
    active = rng.permutation(d_ff)[: int(round(density * d_ff))]
    margin = 0.5 * np.abs(pre).mean()
    b1 = -pre - margin
    b1[active] = -pre[active] + margin
    return relu_ffn_model(w1, b1, w2), {"x": x}


def bench_gemv(d_in, d_out, density, rng):
    """y = x @ W (density None) or y = Relu(x) @ W with `density` of x
    positive."""
    from onnx import TensorProto, helper, numpy_helper
    w = patterned(rng, d_in, d_out, 1 / np.sqrt(d_in))
    nodes = [helper.make_node("MatMul", ["x" if density is None else "a", "w"], ["y"])]
    x = rng.standard_normal((1, d_in)).astype(np.float32)
    if density is not None:
        nodes.insert(0, helper.make_node("Relu", ["x"], ["a"]))
        x = -np.abs(x) - 0.1
        active = rng.permutation(d_in)[: int(round(density * d_in))]
        x[0, active] = -x[0, active]
    graph = helper.make_graph(
        nodes, "gemv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, d_in])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, d_out])],
        [numpy_helper.from_array(w, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), {"x": x}


def bench_pruned_gemv(d_in, d_out, keep, rng, period=97):
    """y = x @ W with a pruned W: entry (i, j) kept where (7 i + 13 j) mod
    `period` < keep * period (every column keeps about `keep` of its rows,
    and the weight still compresses). Returns the model, its feeds and the
    bytes sieve-sparsify-weights-gpu's ELL form reads."""
    from onnx import TensorProto, helper, numpy_helper
    w = patterned(rng, d_in, d_out, 1 / np.sqrt(keep * d_in))
    mask = ((np.arange(d_in)[:, None] * 7 + np.arange(d_out)[None, :] * 13)
            % period) < keep * period
    w = np.where(mask, w, 0).astype(np.float32)
    x = rng.standard_normal((1, d_in)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "pruned",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, d_in])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, d_out])],
        [numpy_helper.from_array(w, "w")])
    slots = int(mask.sum(axis=0).max())
    entry = 4 + (2 if d_in <= 32767 else 4)
    return (helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
            {"x": x}, slots * d_out * entry)


def bench_predictable_ffn(d, d_ff, density, rng, period=61):
    """A ReLU FFN whose up weight a rank-64 predictor captures: its rows
    repeat with `period` (< 64) rows (x W1 = x' W1[:period], x' the sums of
    x over the rows' classes), so --sparsity=approx predicts the active
    neurons almost exactly and its output matches onnxruntime's; the
    biases leave about `density` of the neurons active on Gaussian inputs.
    The repeats make the weight compress for the transfer, as the patterned
    ones do."""
    top = (rng.standard_normal((period, d_ff)) / np.sqrt(d)).astype(np.float32)
    w1 = np.ascontiguousarray(top[np.arange(d) % period])
    w2 = patterned(rng, d_ff, d, 1 / np.sqrt(density * d_ff))
    # Neuron j's pre-activation on x ~ N(0, 1): N(0, (d / period) |top_j|^2).
    spread = np.sqrt(d / period) * np.linalg.norm(top, axis=0)
    from statistics import NormalDist
    b1 = (-NormalDist().inv_cdf(1 - density) * spread).astype(np.float32)
    x = rng.standard_normal((1, d)).astype(np.float32)
    return relu_ffn_model(w1, b1, w2), {"x": x}


def predicted_bytes(d, d_ff, rank):
    """The bytes a predicted FFN reads per call, from sievec's note: the
    predictor whole, then the predicted density of both weights."""
    def count(log):
        m = re.search(r"predicted density ([0-9.]+)%", log)
        density = float(m.group(1)) / 100 if m else 1.0
        return (rank * (d + d_ff) + round(density * 2 * d * d_ff)) * 4
    return count


def coarse(model):
    """Rounds every float initializer of more than 1024 values to 15 levels
    of its own scale (compressible; still random)."""
    from onnx import numpy_helper
    for i, init in enumerate(model.graph.initializer):
        a = numpy_helper.to_array(init)
        if a.dtype != np.float32 or a.size <= 1024:
            continue
        step = float(np.abs(a).max()) / 7 or 1.0
        q = (np.clip(np.round(a / step), -7, 7) * step).astype(np.float32)
        model.graph.initializer[i].CopyFrom(numpy_helper.from_array(q, init.name))
    return model


def cases(args, gpu=True):
    """(name, model, feeds, sievec args, gathers wanted, rtol, atol,
    weight bytes read per call for the bandwidth, or 0). With `gpu`, the
    benchmark shapes also get the GPU's other kernels and launches
    (--gpu-skip-zeros=test, --gpu-launches=sync) and the CNNs the register
    kernel (--gpu-tiles=registers), timed beside the defaults."""
    import onnx
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
    sys.path.insert(0, HERE)
    from check_aarch64 import randomize_weights
    from run import gated_ffn_at_density, relu_ffn_at_density
    exact = ["--sparsity=exact"]
    out = []
    mnist = onnx.load(os.path.join(ROOT, "test", "models", "mnist_mlp", "mnist.onnx"))
    out.append(("mnist-dense", mnist, None, [], 0, 1e-4, 1e-5, 0))
    out.append(("mnist-exact", mnist, None, exact + [FORCE_GATHER], 1, 1e-4, 1e-5, 0))
    for batch, density, forced in ((1, 0.5, True), (1, 0.1, True), (1, 0.0, True),
                                   (4, 0.1, True), (1, 1.0, False), (1, 0.05, False)):
        rng = np.random.default_rng(int(density * 100) + batch)
        model, feeds = relu_ffn_at_density(batch, 64, 256, density, rng)
        out.append((f"ffn-b{batch}-d{int(density * 100)}{'-forced' if forced else ''}",
                    model, feeds, exact + ([FORCE_GATHER] if forced else []), 1,
                    1e-4, 1e-5, 0))
    # The zero-skipping loop's epilogue (a chunk of 26 neurons).
    model, feeds = relu_ffn_at_density(1, 64, 250, 0.3, np.random.default_rng(250))
    out.append(("ffn-b1-d30-n250-forced", model, feeds, exact + [FORCE_GATHER], 1,
                1e-4, 1e-5, 0))
    # Gated ReLU FFNs: the up projection's sums skipped where the gate is
    # zero, the down rows of the non-zero products (check_gpu.py's gated group).
    for name, batch, density, variant in (
            ("gated-b1-d10-forced", 1, 0.1, {}),
            ("gated-b1-d100-forced", 1, 1.0, {}),
            ("gated-b3-d30-forced", 3, 0.3, {"distinct_rows": True}),
            ("gated-gemm-bias-b2-d20-forced", 2, 0.2, {"gemm": True, "up_bias": True})):
        model, feeds = gated_ffn_at_density(batch, 64, 256, density,
                                            np.random.default_rng(zlib.crc32(name.encode())),
                                            **variant)
        out.append((name, model, feeds, exact + [FORCE_GATHER], 1, 1e-4, 1e-5, 0))
    rng = np.random.default_rng(7)
    model, feeds = relu_ffn_at_density(1, 64, 256, 0.3, rng)
    out.append(("ffn-dense", model, feeds, [], 0, 1e-4, 1e-5, 0))
    # A dynamic batch (3 rows): grids and splits sized at run time.
    dynamic = onnx.ModelProto()
    dynamic.CopyFrom(model)
    for value in (*dynamic.graph.input, *dynamic.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    feeds = {"x": rng.standard_normal((3, 64)).astype(np.float32)}
    out.append(("ffn-dynamic-batch", dynamic, feeds, exact + [FORCE_GATHER], 1,
                1e-4, 1e-5, 0))
    for name in args.cnn:
        model = onnx.load(os.path.join(ROOT, "test", "models", "light",
                                       f"light_{name}.onnx"))
        model = coarse(randomize_weights(model, zlib.crc32(name.encode())))
        out.append((name, model, None, [], None, 1e-3, 1e-4, 0))
        if gpu:
            # The convolutions in the register kernel (four points per
            # thread), timed beside the shared-memory tiles.
            out.append((f"{name}-registers", model, None, ["--gpu-tiles=registers"],
                        None, 1e-3, 1e-4, 0))
    for path in args.onnx:
        # A user's model (a real-model zoo export, say): its weights rounded
        # the same way, the batch (any dynamic dimension) 1.
        model = onnx.load(path)
        name = os.path.basename(os.path.dirname(os.path.abspath(path)))
        if os.path.basename(path) != "model.onnx":
            name = os.path.splitext(os.path.basename(path))[0]
        out.append((name, coarse(model), None, [], None, 1e-3, 1e-4, 0))
        if gpu:
            out.append((f"{name}-registers", coarse(model), None,
                        ["--gpu-tiles=registers"], None, 1e-3, 1e-4, 0))
    gather = exact + ["--activation-density-limit=0.5"]
    dn = f"{int(args.density * 100)}"
    for shape in args.shapes:
        d, d_ff = (int(v) for v in shape.split("x"))
        rng = np.random.default_rng(d + d_ff)
        m, f = bench_gemv(d_ff, d, None, rng)
        out.append((f"gemv-dense-{d_ff}x{d}", m, f, [], 0, 1e-3, 1e-3, d_ff * d * 4))
        m, f = bench_gemv(d_ff, d, args.density, rng)
        out.append((f"gemv-gather-{d_ff}x{d}-d{dn}", m, f, gather, 1, 1e-3, 1e-3,
                    round(args.density * d_ff) * d * 4))
        if gpu:
            # Every thread testing every activation (the kernel before the
            # list), and the default kernels launched synchronously.
            out.append((f"gemv-gather-{d_ff}x{d}-d{dn}-test", m, f,
                        gather + ["--gpu-skip-zeros=test"], 1, 1e-3, 1e-3,
                        round(args.density * d_ff) * d * 4))
            out.append((f"gemv-gather-{d_ff}x{d}-d{dn}-sync", m, f,
                        gather + ["--gpu-launches=sync"], 1, 1e-3, 1e-3,
                        round(args.density * d_ff) * d * 4))
        # At density 1 the sparse path reads what the dense one does: the
        # cost of skipping zeros where there are none.
        m, f = bench_gemv(d_ff, d, 1.0, rng)
        out.append((f"gemv-gather-{d_ff}x{d}-d100", m, f, gather, 1, 1e-3, 1e-3,
                    d_ff * d * 4))
        if gpu:
            out.append((f"gemv-gather-{d_ff}x{d}-d100-test", m, f,
                        gather + ["--gpu-skip-zeros=test"], 1, 1e-3, 1e-3,
                        d_ff * d * 4))
        # A pruned weight (10% kept): the ELL contraction on the GPU.
        m, f, nbytes = bench_pruned_gemv(d_ff, d, 0.1, rng)
        out.append((f"gemv-pruned-{d_ff}x{d}-w10", m, f, exact, 0, 1e-3, 1e-3,
                    nbytes))
        m, f = bench_ffn(d, d_ff, args.density, rng)
        out.append((f"ffn-dense-{d}x{d_ff}", m, f, [], 0, 1e-3, 1e-3, 2 * d * d_ff * 4))
        out.append((f"ffn-exact-{d}x{d_ff}-d{dn}", m, f, gather, 1, 1e-3, 1e-3,
                    (d * d_ff + round(args.density * d_ff) * d) * 4))
        if gpu:
            out.append((f"ffn-dense-{d}x{d_ff}-sync", m, f, ["--gpu-launches=sync"], 0,
                        1e-3, 1e-3, 2 * d * d_ff * 4))
        # --sparsity=approx: the predictor (rank 64) fitted here on random
        # calibration inputs; on the GPU its mask, the predicted up columns
        # in lanes, the down rows of the non-zeros.
        m, f = bench_predictable_ffn(d, d_ff, args.density, rng)
        out.append((f"ffn-approx-{d}x{d_ff}-d{dn}", m, f,
                    ["--sparsity=approx", "--calibrate-random=64",
                     "--predictor-rank=64", "--predictor-recall=1"], 1, 1e-3, 1e-2,
                    predicted_bytes(d, d_ff, 64)))
        out.append((f"ffn-dense-predictable-{d}x{d_ff}", m, f, [], 0, 1e-3, 1e-3,
                    2 * d * d_ff * 4))
    return out


C_TYPES = {1: "float", 7: "int64_t", 6: "int32_t", 9: "uint8_t"}
NP_TYPES = {1: np.float32, 7: np.int64, 6: np.int32, 9: np.bool_}


def driver_source(inputs, outputs):
    """A C program over model.h's `model_run`: reads the inputs from
    in_<i>.bin, writes the outputs to out_<i>.bin and the dims to
    out_<i>.dims, then times `reps` more calls."""
    lines = ['#include "model.h"', "#include <stdio.h>", "#include <time.h>", "",
             "static void *load(const char *dir, const char *name, size_t bytes) {",
             "  char path[4096];",
             '  snprintf(path, sizeof path, "%s/%s", dir, name);',
             '  FILE *f = fopen(path, "rb");',
             "  void *p = malloc(bytes ? bytes : 1);",
             "  if (!f || fread(p, 1, bytes, f) != bytes) {",
             '    fprintf(stderr, "cannot read %s\\n", path);',
             "    exit(2);", "  }", "  fclose(f);", "  return p;", "}", "",
             "static void save(const char *dir, const char *name, const void *p, "
             "size_t bytes) {",
             "  char path[4096];",
             '  snprintf(path, sizeof path, "%s/%s", dir, name);',
             '  FILE *f = fopen(path, "wb");',
             "  if (!f || fwrite(p, 1, bytes, f) != bytes) {",
             '    fprintf(stderr, "cannot write %s\\n", path);',
             "    exit(2);", "  }", "  fclose(f);", "}", "",
             "static double now(void) {",
             "  struct timespec t;",
             "  clock_gettime(CLOCK_MONOTONIC, &t);",
             "  return t.tv_sec + 1e-9 * t.tv_nsec;", "}", "",
             "static int compare(const void *a, const void *b) {",
             "  double x = *(const double *)a, y = *(const double *)b;",
             "  return (x > y) - (x < y);", "}", "",
             "int main(int argc, char **argv) {",
             "  const char *dir = argv[1];",
             "  int reps = argc > 2 ? atoi(argv[2]) : 0;"]
    args = []
    for i, (shape, elem, dynamic) in enumerate(inputs):
        t = C_TYPES[elem]
        count = int(np.prod(shape)) if shape else 1
        lines.append(f"  {t} *in{i} = load(dir, \"in_{i}.bin\", {count} * sizeof({t}));")
        args.append(f"in{i}")
        if dynamic:
            dims = ", ".join(str(v) for v in shape)
            lines.append(f"  const int64_t in{i}_dims[] = {{{dims}}};")
            args.append(f"in{i}_dims")
    for i, (shape, elem) in enumerate(outputs):
        t = C_TYPES[elem]
        count = int(np.prod(shape)) if shape else 1
        lines.append(f"  {t} *out{i} = malloc({max(count, 1)} * sizeof({t}));")
        args.append(f"out{i}")
        if shape:
            lines.append(f"  int64_t out{i}_dims[{len(shape)}];")
            args.append(f"out{i}_dims")
    call = f"model_run({', '.join(args)})"
    lines += [f"  if ({call} != 0) {{",
              '    fprintf(stderr, "error: cannot run the model: %s\\n", '
              + ("sieve_gpu_error()" if GPU else '"model_run failed"') + ");",
              "    return 1;", "  }"]
    for i, (shape, elem) in enumerate(outputs):
        t = C_TYPES[elem]
        count = int(np.prod(shape)) if shape else 1
        lines.append(f"  save(dir, \"out_{i}.bin\", out{i}, {count} * sizeof({t}));")
        if shape:
            lines.append(f"  save(dir, \"out_{i}.dims\", out{i}_dims, sizeof out{i}_dims);")
    lines += ["  if (reps <= 0)", "    return 0;"]
    if GPU:
        # The kernels' time of the timed calls only (not the first call's
        # module load and weight copies).
        lines.insert(3, "void sieve_gpu_reset_timing(void);")
        lines.append("  sieve_gpu_reset_timing();")
    lines += [
              "  double *t = malloc(reps * sizeof(double));",
              "  for (int r = 0; r < reps; ++r) {",
              "    double start = now();",
              f"    {call};",
              "    t[r] = now() - start;", "  }",
              "  qsort(t, reps, sizeof(double), compare);",
              '  printf("runs %d median %.6f ms min %.6f ms\\n", reps, '
              "1e3 * t[reps / 2], 1e3 * t[0]);",
              "  return 0;", "}"]
    return "\n".join(lines) + "\n"


GPU = True


def prepare(args):
    global GPU
    import onnx
    import onnxruntime as ort
    GPU = args.target == "nvptx"
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "lib"))
    runtime = os.path.join(out, "lib", "libsieve_cuda_runtime.so")
    if GPU:
        shutil.copy(args.runtime, runtime)
    shutil.copy(os.path.abspath(__file__), out)
    manifest = []
    work = os.path.abspath(args.workdir)
    os.makedirs(work, exist_ok=True)
    for name, model, feeds, sieve_args, gathers, rtol, atol, nbytes in cases(args, GPU):
        case = os.path.join(out, name)
        os.makedirs(case)
        path = os.path.join(work, f"{name}.onnx")
        onnx.save(model, path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        feeds = dict(feeds or {})
        inputs = []
        elem = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
        for i, inp in enumerate(sess.get_inputs()):
            if inp.name not in feeds:
                shape = [d if isinstance(d, int) else 1 for d in inp.shape]
                feeds[inp.name] = rng.standard_normal(shape).astype(np.float32)
            value = np.ascontiguousarray(feeds[inp.name])
            value.tofile(os.path.join(case, f"in_{i}.bin"))
            inputs.append((list(value.shape), elem[inp.name],
                           any(not isinstance(d, int) for d in inp.shape)))
        want = sess.run(None, feeds)
        outputs = []
        out_elem = {o.name: o.type.tensor_type.elem_type for o in model.graph.output}
        for i, (o, w) in enumerate(zip(sess.get_outputs(), want)):
            np.save(os.path.join(case, f"want_{i}.npy"), w)
            outputs.append((list(w.shape), out_elem[o.name]))
        cmd = [args.sievec, path, "--entry=model", "-o", os.path.join(case, "model.so"),
               *sieve_args]
        cmd += ["--target=nvptx", f"--gpu-arch={args.gpu_arch}"] if GPU else ["--mcpu=native"]
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{name}: sievec failed:\n{proc.stdout}{proc.stderr}")
        # A gated FFN's rewrite counts as its gather.
        got = sum(text.count(remark) for text in (proc.stderr, proc.stdout)
                  for remark in (GATHERED, GATED, PREDICTED))
        if callable(nbytes):
            nbytes = nbytes(proc.stderr)
        if gathers is not None and got != gathers:
            sys.exit(f"{name}: sievec made {got} gathers, expected {gathers}:\n"
                     f"{proc.stderr}")
        with open(os.path.join(case, "driver.c"), "w") as f:
            f.write(driver_source(inputs, outputs))
        link = ["-L", os.path.join(out, "lib"), "-lsieve_cuda_runtime"] if GPU else []
        subprocess.run([args.cc, "-O2", "-o", os.path.join(case, "run"),
                        os.path.join(case, "driver.c"), "-I", case, "-L", case,
                        "-l:model.so", *link,
                        "-Wl,-rpath,$ORIGIN:$ORIGIN/../lib",
                        *([] if GPU else ["-lomp", "-lm"])], check=True)
        manifest.append({"name": name, "sievec": sieve_args, "gathers": got,
                         "rtol": rtol, "atol": atol, "weight_bytes": nbytes,
                         "outputs": len(outputs)})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"target": args.target, "gpu_arch": args.gpu_arch,
                   "cases": manifest}, f, indent=1)
    print(f"wrote {out}: {len(manifest)} cases")
    return 0


# -------------------------------------------------------------------- run --

def device_info(bundle):
    import ctypes
    try:
        lib = ctypes.CDLL(os.path.join(bundle, "lib", "libsieve_cuda_runtime.so"))
    except OSError as e:
        return None, 0.0, f"cannot load Sieve's CUDA runtime: {e}"
    lib.sieve_gpu_error.restype = ctypes.c_char_p
    lib.sieve_gpu_device_name.restype = ctypes.c_char_p
    lib.sieve_gpu_peak_bandwidth.restype = ctypes.c_double
    error = lib.sieve_gpu_error()
    if error:
        return None, 0.0, error.decode()
    name = lib.sieve_gpu_device_name().decode()
    peak = lib.sieve_gpu_peak_bandwidth()
    if peak <= 0:
        peak = next((g * 1e9 for k, g in PEAKS.items() if k in name), 0.0)
    return name, peak, None


def run(args):
    bundle = os.path.abspath(args.bundle)
    results = os.path.abspath(args.out)
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(bundle, "manifest.json")) as f:
        manifest = json.load(f)
    gpu = manifest["target"] == "nvptx"
    log = open(os.path.join(results, "gpu_bundle.log"), "w")

    def say(text=""):
        print(text, flush=True)
        log.write(text + "\n")

    peak = 0.0
    if gpu:
        name, peak, error = device_info(bundle)
        if error:
            say(f"no usable GPU: {error}")
            return 1
        say(f"device: {name}; HBM peak {peak / 1e9:.0f} GB/s")
    env = dict(os.environ, SIEVE_GPU_TIMING="1",
               LD_LIBRARY_PATH=os.path.join(bundle, "lib") + ":" +
               os.environ.get("LD_LIBRARY_PATH", ""))
    rows, ok_all = [], True
    only = set(args.only.split(",")) if args.only else None
    for c in manifest["cases"]:
        if only and c["name"] not in only:
            continue
        case = os.path.join(bundle, c["name"])
        for old in os.listdir(case):
            if old.startswith("out_"):
                os.remove(os.path.join(case, old))
        reps = args.reps if c["weight_bytes"] or args.time_all else 0
        try:
            proc = subprocess.run([os.path.join(case, "run"), case, str(reps)],
                                  capture_output=True, text=True, env=env,
                                  timeout=args.timeout)
            text, rc = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired:
            text, rc = f"timed out after {args.timeout} s", -1
        good, worst = rc == 0, float("nan")
        if good:
            for i in range(c["outputs"]):
                want = np.load(os.path.join(case, f"want_{i}.npy"))
                got = np.fromfile(os.path.join(case, f"out_{i}.bin"), dtype=want.dtype)
                dims = []
                if want.ndim:
                    dims = list(np.fromfile(os.path.join(case, f"out_{i}.dims"),
                                            dtype=np.int64))
                good &= dims == list(want.shape) and got.size == want.size
                if good:
                    got = got.reshape(want.shape)
                    worst = float(np.max(np.abs(got - want))) if want.size else 0.0
                    good &= bool(np.allclose(got, want, rtol=c["rtol"], atol=c["atol"]))
        median = fastest = kernel = None
        m = re.search(r"median ([0-9.]+) ms min ([0-9.]+) ms", text)
        if m:
            median, fastest = float(m.group(1)) * 1e-3, float(m.group(2)) * 1e-3
        m = re.search(r"GPU kernel time: (\d+) launches, ([0-9.]+) ms", text)
        if m:
            kernel = float(m.group(2)) * 1e-3 / max(reps, 1)
        ok_all &= good
        say(f"{c['name']}: {'OK' if good else 'MISMATCH' if rc == 0 else 'FAILED'}"
            f" (max abs error {worst:.3g}, gathers compiled {c['gathers']})")
        if not good or args.verbose:
            say(text.rstrip())
        rows.append({"name": c["name"], "ok": good, "max_abs_error": worst,
                     "gathers": c["gathers"], "weight_bytes": c["weight_bytes"],
                     "run_s": median, "fastest_s": fastest, "kernel_s": kernel, "log": text})
    bench = [r for r in rows if r["weight_bytes"] and r["run_s"]]
    if bench:
        say()
        say("run: median of the timed calls (inputs in, launches, outputs out), "
            "min: the fastest call, kernels: the kernels' time per call")
        say(f"{'workload':34} {'MB read':>8} {'run ms':>8} {'GB/s':>7} {'%peak':>6} "
            f"{'min ms':>8} {'kernels ms':>10} {'GB/s':>7} {'%peak':>6}")
        for r in bench:
            nb = r["weight_bytes"]
            line = (f"{r['name']:34} {nb / 1e6:8.1f} {r['run_s'] * 1e3:8.3f} "
                    f"{nb / r['run_s'] / 1e9:7.0f} "
                    f"{100 * nb / r['run_s'] / peak if peak else 0:6.1f} "
                    f"{r['fastest_s'] * 1e3:8.3f}")
            if r["kernel_s"]:
                line += (f" {r['kernel_s'] * 1e3:10.3f} {nb / r['kernel_s'] / 1e9:7.0f} "
                         f"{100 * nb / r['kernel_s'] / peak if peak else 0:6.1f}")
            say(line)
    timed = [r for r in rows if not r["weight_bytes"] and r["run_s"]]
    if timed:
        say()
        say(f"{'model':28} {'run ms':>8} {'min ms':>8} {'kernels ms':>10} {'launches':>8}")
        for r in timed:
            m = re.search(r"GPU kernel time: (\d+) launches", r["log"])
            launches = int(m.group(1)) / args.reps if m else 0
            say(f"{r['name']:28} {r['run_s'] * 1e3:8.3f} {r['fastest_s'] * 1e3:8.3f} "
                f"{(r['kernel_s'] or 0) * 1e3:10.3f} {launches:8.0f}")
    sanitizer = shutil.which("compute-sanitizer") or "/usr/local/cuda/bin/compute-sanitizer"
    if gpu and args.memcheck and os.path.exists(sanitizer):
        for name in args.memcheck.split(","):
            case = os.path.join(bundle, name)
            proc = subprocess.run([sanitizer, "--tool", "memcheck", "--error-exitcode", "1",
                                   os.path.join(case, "run"), case, "1"],
                                  capture_output=True, text=True, env=env)
            good = proc.returncode == 0
            ok_all &= good
            say(f"memcheck {name}: {'OK' if good else 'ERRORS'}")
            if not good:
                say((proc.stdout + proc.stderr)[-4000:])
    with open(os.path.join(results, "gpu_bundle.json"), "w") as f:
        json.dump({"peak_bytes_per_s": peak, "rows": rows}, f, indent=1)
    say("PASS" if ok_all else "FAIL")
    return 0 if ok_all else 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    q = sub.add_parser("prepare", help="compile the cases (needs a Sieve build)")
    q.add_argument("--sievec", required=True)
    q.add_argument("--runtime", help="libsieve_cuda_runtime.so (for --target nvptx)")
    q.add_argument("--out", required=True, help="the bundle folder (replaced)")
    q.add_argument("--workdir", required=True, help="where the ONNX models go")
    q.add_argument("--target", choices=["nvptx", "cpu"], default="nvptx")
    q.add_argument("--gpu-arch", default="sm_90", choices=["sm_80", "sm_90"])
    q.add_argument("--cc", default="cc")
    q.add_argument("--cnn", action="append", default=[],
                   help="a light model (test/models/light/light_NAME.onnx)")
    q.add_argument("--onnx", action="append", default=[],
                   help="another ONNX model (external data is read); its "
                   "case is named after its folder (zoo layout) or file")
    q.add_argument("--shapes", default="",
                   help="comma-separated d x d_ff for the FFN benchmark")
    q.add_argument("--density", type=float, default=0.1)
    r = sub.add_parser("run", help="run a bundle (needs numpy only)")
    r.add_argument("--bundle", required=True)
    r.add_argument("--out", required=True, help="folder for the log and results")
    r.add_argument("--reps", type=int, default=50)
    r.add_argument("--time-all", action="store_true",
                   help="time every case, not only the benchmark")
    r.add_argument("--only", help="comma-separated case names")
    r.add_argument("--memcheck", default="mnist-exact",
                   help="cases to run once under compute-sanitizer ('' for none)")
    r.add_argument("--timeout", type=float, default=300)
    r.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    if args.command == "prepare":
        args.shapes = [s for s in args.shapes.split(",") if s]
        if args.target == "nvptx" and not args.runtime:
            p.error("--target nvptx needs --runtime")
        return prepare(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
