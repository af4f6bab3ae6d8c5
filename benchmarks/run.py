#!/usr/bin/env python3
"""Sieve's benchmark harness: Sieve (dense, sparse) against onnxruntime.

Every workload is an ONNX model with random weights. Sieve compiles it with
`sievec -o model.so --mcpu=native --threads=T`; onnxruntime runs it with the
same number of intra-op threads T (1 by default; `--threads 1,2` runs every
workload at both, all engines in one rotation; `--sieve-threads` fixes
Sieve's count). Both run on the same inputs in one process, alternating turn
by turn in a rotating order, with warm-up runs first; the table gives
medians over the repetitions and the ratio Sieve / onnxruntime (below 1:
Sieve is faster). With several threads a turn is one untimed and five timed
runs, with a pause between turns, so that each engine runs with its own
thread pool warm and the other's asleep (--block, --pause).
Outputs are checked against each other before timing.

Sparse workloads add columns: `relu-ffn-*` and `gated-ffn-*` (activation
sparsity; gated: relu(x Wg + bg) * (x Wu) -> Wd) time
`sievec --sparsity=exact` as well; `pruned-gemm-*` (a Gemm whose constant
weight has 90% / 95% random zeros) times Sieve's packed kernel
(`--sparsity=exact`) and the upstream MLIR sparsifier on the same weight in
CSR (scalar) and CSC (vl=16) form (benchmarks/upstream_sparse.py; the
sparsifier's kernel computes x @ W without the bias).

  benchmarks/run.py --sievec build/bin/sievec [--reps 20] [--only ffn]
                    [--threads 1,2] [--sieve-threads N] [--markdown out.md]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sieve_model import SieveModel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def make_model(nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, "bench", inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def ffn(batch, d, d_ff, rng, dynamic=False):
    """MatMul d -> d_ff, Relu, MatMul d_ff -> d (a ReLU FFN block); with
    `dynamic`, the rows are a symbolic dimension (as in an export with a
    dynamic sequence axis) and `batch` rows are fed."""
    w1 = (rng.standard_normal((d, d_ff)) / np.sqrt(d)).astype(np.float32)
    w2 = (rng.standard_normal((d_ff, d)) / np.sqrt(d_ff)).astype(np.float32)
    model = make_model(
        [helper.make_node("MatMul", ["x", "w1"], ["h"]),
         helper.make_node("Relu", ["h"], ["a"]),
         helper.make_node("MatMul", ["a", "w2"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq" if dynamic else batch, d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["seq" if dynamic else batch, d])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    return model, {"x": rng.standard_normal((batch, d)).astype(np.float32)}


def relu_ffn_at_density(batch, d, d_ff, density, rng):
    """MatMul d -> d_ff, Add bias, Relu, MatMul d_ff -> d, with the bias
    chosen so that exactly `density` of the neurons are active for the
    benchmark input (every row of the batch shares the active set, so the
    union over the batch has the same density)."""
    w1 = (rng.standard_normal((d, d_ff)) / np.sqrt(d)).astype(np.float32)
    w2 = (rng.standard_normal((d_ff, d)) / np.sqrt(d_ff)).astype(np.float32)
    x0 = rng.standard_normal((1, d)).astype(np.float32)
    x = np.repeat(x0, batch, axis=0)
    x += 1e-4 * rng.standard_normal(x.shape).astype(np.float32)
    pre = (x0 @ w1)[0]
    active = rng.permutation(d_ff)[: int(round(density * d_ff))]
    margin = 0.5 * np.abs(pre).mean()
    b1 = -pre - margin
    b1[active] = -pre[active] + margin
    model = make_model(
        [helper.make_node("MatMul", ["x", "w1"], ["p"]),
         helper.make_node("Add", ["p", "b1"], ["h"]),
         helper.make_node("Relu", ["h"], ["a"]),
         helper.make_node("MatMul", ["a", "w2"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, d])],
        [numpy_helper.from_array(w1, "w1"),
         numpy_helper.from_array(b1.astype(np.float32), "b1"),
         numpy_helper.from_array(w2, "w2")])
    return model, {"x": x}


# Gate activations of a gated FFN: the nodes from the gate's pre-activation
# `g` to the gated value `r` (a ReLU-like value: zeros where g <= 0).
GATE_ACTIVATIONS = {
    "relu": lambda: [helper.make_node("Relu", ["g"], ["r"], name="relu")],
    "relu6": lambda: [helper.make_node("Clip", ["g", "zero", "six"], ["r"], name="relu6")],
    "squared": lambda: [helper.make_node("Relu", ["g"], ["r0"], name="relu"),
                        helper.make_node("Mul", ["r0", "r0"], ["r"], name="square")],
    "pow2": lambda: [helper.make_node("Relu", ["g"], ["r0"], name="relu"),
                     helper.make_node("Pow", ["r0", "two"], ["r"], name="square")],
}


def gated_ffn_at_density(batch, d, d_ff, density, rng, seq=None, gemm=False,
                         swapped=False, activation="relu", up_bias=False,
                         distinct_rows=False):
    """A gated ReLU FFN as LLaMA-style exports write it:
    h = act(x Wg + bg) * (x Wu); y = h Wd, with the gate bias bg chosen so
    that exactly `density` of the neurons are active for the benchmark input
    (every row shares the active set, unless `distinct_rows`: then each row
    has about `density` of its neurons active, different ones, and the union
    is larger).

    seq: an input [batch, seq, d] (the MatMuls see batch * seq rows);
    gemm: Gemm nodes with transB=1 (weights stored [out, in]) instead of
    MatMul; swapped: Mul(up, gate) instead of Mul(gate, up); activation: a
    key of GATE_ACTIVATIONS; up_bias: the up projection has a bias too."""
    wg = (rng.standard_normal((d, d_ff)) / np.sqrt(d)).astype(np.float32)
    wu = (rng.standard_normal((d, d_ff)) / np.sqrt(d)).astype(np.float32)
    wd = (rng.standard_normal((d_ff, d)) / np.sqrt(d_ff)).astype(np.float32)
    rows = batch * (seq or 1)
    x0 = rng.standard_normal((1, d)).astype(np.float32)
    x = np.repeat(x0, rows, axis=0)
    if distinct_rows:
        x = rng.standard_normal((rows, d)).astype(np.float32)
    else:
        x += 1e-4 * rng.standard_normal(x.shape).astype(np.float32)
    pre = x0 @ wg
    margin = 0.5 * np.abs(pre).mean()
    active = rng.permutation(d_ff)[: int(round(density * d_ff))]
    bg = -pre[0] - margin
    bg[active] = -pre[0][active] + margin
    if distinct_rows:
        # Independent rows, one shift of every neuron's bias: each row has
        # about `density` of its neurons active, the union over the rows more.
        pre = x @ wg
        bg = np.full(d_ff, -np.quantile(pre, 1 - density), np.float32)
    b_up = rng.standard_normal(d_ff).astype(np.float32) * 0.1
    inits = [numpy_helper.from_array(bg.astype(np.float32), "bg"),
             numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
             numpy_helper.from_array(np.array(6.0, np.float32), "six"),
             numpy_helper.from_array(np.array(2.0, np.float32), "two")]
    if gemm:
        inits += [numpy_helper.from_array(np.ascontiguousarray(wg.T), "wg"),
                  numpy_helper.from_array(np.ascontiguousarray(wu.T), "wu"),
                  numpy_helper.from_array(np.ascontiguousarray(wd.T), "wd")]
        if up_bias:
            inits.append(numpy_helper.from_array(b_up, "bu"))
        nodes = [helper.make_node("Gemm", ["x", "wg", "bg"], ["g"], name="gate", transB=1),
                 helper.make_node("Gemm", ["x", "wu"] + (["bu"] if up_bias else []),
                                  ["u"], name="up", transB=1)]
    else:
        inits += [numpy_helper.from_array(wg, "wg"), numpy_helper.from_array(wu, "wu"),
                  numpy_helper.from_array(wd, "wd")]
        nodes = [helper.make_node("MatMul", ["x", "wg"], ["gp"], name="gate"),
                 helper.make_node("Add", ["gp", "bg"], ["g"], name="gate_bias")]
        if up_bias:
            inits.append(numpy_helper.from_array(b_up, "bu"))
            nodes += [helper.make_node("MatMul", ["x", "wu"], ["up"], name="up"),
                      helper.make_node("Add", ["up", "bu"], ["u"], name="up_bias")]
        else:
            nodes.append(helper.make_node("MatMul", ["x", "wu"], ["u"], name="up"))
    nodes += GATE_ACTIVATIONS[activation]()
    nodes.append(helper.make_node("Mul", ["u", "r"] if swapped else ["r", "u"], ["h"],
                                  name="gated"))
    nodes.append(helper.make_node("Gemm" if gemm else "MatMul", ["h", "wd"], ["y"],
                                  name="down", **({"transB": 1} if gemm else {})))
    shape = [batch, seq, d] if seq else [batch, d]
    used = {i for n in nodes for i in n.input}
    model = make_model(
        nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        [t for t in inits if t.name in used])
    return model, {"x": x.reshape(shape)}


def pruned_gemm(batch, k, n, density, rng):
    """Gemm (transB=1, as exporters write Linear layers) with bias, whose
    weight keeps a random `density` of its elements (unstructured)."""
    w = (rng.standard_normal((n, k)) / np.sqrt(density * k)).astype(np.float32)
    w[rng.random((n, k)) >= density] = 0
    b = rng.standard_normal(n).astype(np.float32)
    model = make_model(
        [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, n])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "b")])
    return model, {"x": rng.standard_normal((batch, k)).astype(np.float32)}


def conv(cin, cout, k, hw, rng):
    """One ResNet-50-sized convolution with bias and Relu (NCHW, batch 1)."""
    w = (rng.standard_normal((cout, cin, k, k)) / np.sqrt(cin * k * k)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    pad = k // 2
    model = make_model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[pad] * 4),
         helper.make_node("Relu", ["c"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, cin, hw, hw])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cout, hw, hw])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return model, {"x": rng.standard_normal((1, cin, hw, hw)).astype(np.float32)}


def window_layer(kind, c, hw, rng, k=3, stride=1, groups=None, mult=1,
                 act="clip"):
    """One layer of the zoo's mobile networks (NCHW, batch 1): a depthwise
    (`groups` = c) or grouped k x k convolution with bias and Clip(0, 6)
    (MobileNet's ReLU6) or Relu, or a pooling layer: `maxpool` (k x k,
    stride, ceil_mode as SqueezeNet), `gap` (GlobalAveragePool)."""
    x = rng.standard_normal((1, c, hw, hw)).astype(np.float32)
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, hw, hw])]
    init, nodes = [], []
    cout, side = c, 1
    if kind == "conv":
        g = groups or c
        cout = c * mult if g == c else c
        side = (hw + 2 * (k // 2) - k) // stride + 1
        w = (rng.standard_normal((cout, c // g, k, k)) / np.sqrt(k * k * c // g)).astype(np.float32)
        b = rng.standard_normal(cout).astype(np.float32)
        init = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")]
        nodes.append(helper.make_node("Conv", ["x", "w", "b"], ["c"], group=g,
                                      strides=[stride] * 2, pads=[k // 2] * 4))
        if act == "clip":
            init += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                     numpy_helper.from_array(np.array(6, np.float32), "hi")]
            nodes.append(helper.make_node("Clip", ["c", "lo", "hi"], ["y"]))
        else:
            nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    elif kind == "maxpool":
        nodes.append(helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[k, k],
                                      strides=[stride] * 2, ceil_mode=1))
        side = -(-(hw - k) // stride) + 1
    else:
        nodes.append(helper.make_node("GlobalAveragePool", ["x"], ["y"]))
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cout, side, side])]
    return make_model(nodes, inputs, outputs, init), {"x": x}


def mnist(rng):
    path = os.path.join(ROOT, "test", "models", "mnist_mlp", "mnist.onnx")
    return onnx.load(path), {"image": rng.standard_normal((1, 1, 28, 28)).astype(np.float32)}


# Activation sparsity: (batch, d, d_ff) at each density.
SPARSE_SHAPES = [(1, 4096, 11008), (1, 1024, 4096), (8, 4096, 11008), (8, 1024, 4096)]
SPARSE_DENSITIES = [1.0, 0.5, 0.2, 0.1, 0.05]
# Between them, for the break-even sweeps (--sparse-limit 1): selected by
# full name only, e.g. --only relu-ffn-4096x11008-b1-d30.
SWEEP_DENSITIES = [0.8, 0.6, 0.4, 0.3]

WORKLOADS = {
    "mnist-mlp": lambda rng: mnist(rng),
    "ffn-1024x4096-b1": lambda rng: ffn(1, 1024, 4096, rng),
    "ffn-1024x4096-b32": lambda rng: ffn(32, 1024, 4096, rng),
    "ffn-4096x11008-b1": lambda rng: ffn(1, 4096, 11008, rng),
    # A dynamic sequence axis against the same shapes compiled statically.
    "ffn-1024x4096-s7": lambda rng: ffn(7, 1024, 4096, rng),
    "ffn-1024x4096-s64": lambda rng: ffn(64, 1024, 4096, rng),
    "ffn-dyn-1024x4096-s1": lambda rng: ffn(1, 1024, 4096, rng, dynamic=True),
    "ffn-dyn-1024x4096-s7": lambda rng: ffn(7, 1024, 4096, rng, dynamic=True),
    "ffn-dyn-1024x4096-s64": lambda rng: ffn(64, 1024, 4096, rng, dynamic=True),
    "conv3x3-64-56": lambda rng: conv(64, 64, 3, 56, rng),
    "conv1x1-256to64-56": lambda rng: conv(256, 64, 1, 56, rng),
}
# Layers of the zoo's mobile CNNs (MobileNetV2, EfficientNet, ShuffleNetV2,
# SqueezeNet, ResNeXt-style groups): depthwise 3x3 at stride 1 and 2 from
# 112x112 x 32 channels to 7x7 x 960, a 5x5 one, a channel multiplier of 2,
# a grouped 3x3 (32 groups of 4), MaxPool 3x3/2 and a global average pool.
for _c, _hw, _s in [(32, 112, 1), (96, 112, 2), (144, 56, 1), (144, 56, 2),
                    (192, 28, 1), (384, 14, 1), (576, 14, 2), (960, 7, 1)]:
    WORKLOADS[f"dw3x3-s{_s}-{_c}-{_hw}"] = (
        lambda rng, c=_c, hw=_hw, s=_s: window_layer("conv", c, hw, rng, stride=s))
WORKLOADS["dw5x5-s2-240-28"] = lambda rng: window_layer("conv", 240, 28, rng, k=5, stride=2)
WORKLOADS["dw3x3-m2-32-56"] = lambda rng: window_layer("conv", 32, 56, rng, mult=2)
WORKLOADS["group3x3-g32-128-56"] = lambda rng: window_layer("conv", 128, 56, rng, groups=32, act="relu")
WORKLOADS["maxpool3x3-s2-64-112"] = lambda rng: window_layer("maxpool", 64, 112, rng, stride=2)
WORKLOADS["maxpool3x3-s2-64-111"] = lambda rng: window_layer("maxpool", 64, 111, rng, stride=2)
WORKLOADS["gap-1280-7"] = lambda rng: window_layer("gap", 1280, 7, rng)
WORKLOADS["gap-512-14"] = lambda rng: window_layer("gap", 512, 14, rng)
# Weight sparsity: (batch, K, N) at each fraction of zeros.
PRUNED_SHAPES = [(1, 4096, 4096), (8, 4096, 4096), (1, 1024, 1024), (8, 1024, 1024)]
PRUNED_SPARSITIES = [0.9, 0.95]
for _b, _k, _n in PRUNED_SHAPES:
    for _s in PRUNED_SPARSITIES:
        WORKLOADS[f"pruned-gemm-{_k}x{_n}-b{_b}-w{int(_s * 100)}"] = (
            lambda rng, b=_b, k=_k, n=_n, s=_s: pruned_gemm(b, k, n, 1 - s, rng))
# Gated ReLU FFNs (ReLU-LLaMA shapes and a small one): (batch, d, d_ff) at
# each density.
GATED_SHAPES = [(1, 4096, 11008), (1, 1024, 2816)]
GATED_DENSITIES = [1.0, 0.5, 0.2, 0.1, 0.05]
for _b, _d, _f in GATED_SHAPES:
    for _p in GATED_DENSITIES:
        WORKLOADS[f"gated-ffn-{_d}x{_f}-b{_b}-d{int(_p * 100)}"] = (
            lambda rng, b=_b, d=_d, f=_f, p=_p: gated_ffn_at_density(b, d, f, p, rng))
SWEEP = {}
for _table, _densities in ((WORKLOADS, SPARSE_DENSITIES), (SWEEP, SWEEP_DENSITIES)):
    for _b, _d, _f in SPARSE_SHAPES:
        for _p in _densities:
            _table[f"relu-ffn-{_d}x{_f}-b{_b}-d{int(_p * 100)}"] = (
                lambda rng, b=_b, d=_d, f=_f, p=_p: relu_ffn_at_density(b, d, f, p, rng))


def time_runs(fn, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def thread_counts(text):
    counts = [int(t) for t in text.split(",")]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("thread counts are positive integers")
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sievec", default=os.path.join(ROOT, "build", "bin", "sievec"))
    parser.add_argument("--reps", type=int, default=20,
                        help="turns per engine (each times --block runs)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=thread_counts, default=[1],
                        help="thread counts, comma-separated (e.g. 1,2): every "
                             "workload runs at each, Sieve (sievec --threads) and "
                             "onnxruntime (intra-op threads) alike, all engines "
                             "in one rotation")
    parser.add_argument("--sieve-threads", type=int,
                        help="Sieve's thread count whatever --threads says "
                             "(e.g. 1: single-threaded Sieve against "
                             "onnxruntime at each --threads)")
    parser.add_argument("--block", type=int,
                        help="timed runs per turn of an engine, after one "
                             "untimed run (default 1, or 5 with several "
                             "threads: each engine's thread pool is warm, as "
                             "in repeated inference)")
    parser.add_argument("--pause", type=float,
                        help="seconds between turns (default 0, or 0.25 with "
                             "several threads: the previous engine's threads "
                             "stop spinning first; libomp spins 200 ms)")
    parser.add_argument("--only", help="run workloads whose name contains this "
                                       "(comma-separated: any of these; a full "
                                       "workload name selects that one)")
    parser.add_argument("--sparse-limit", type=float,
                        help="--activation-density-limit for the exact builds of "
                             "relu-ffn-* and gated-ffn-* (e.g. 1: the gathered path "
                             "runs at every density, for measuring break-evens; "
                             "default: the cost model's branch)")
    parser.add_argument("--markdown", help="also write the table as markdown here")
    args = parser.parse_args()
    threaded = max(args.threads + [args.sieve_threads or 1]) > 1
    block = args.block or (5 if threaded else 1)
    pause = args.pause if args.pause is not None else (0.25 if threaded else 0.0)
    base_threads = args.threads[0]

    rows, sparse_rows, gated_rows, pruned_rows = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        parts = args.only.split(",") if args.only else []
        chosen = {**WORKLOADS, **{n: b for n, b in SWEEP.items() if n in parts}}
        for name, build in chosen.items():
            # A part that names a workload selects it alone; others match
            # as substrings.
            if args.only and not any(part == name or (part not in chosen and part in name)
                                     for part in parts):
                continue
            rng = np.random.default_rng(0)
            model, feeds = build(rng)
            # Each workload's files in a folder of their own, deleted (and
            # the libraries unloaded) when it is done: the big FFNs' libraries
            # hold hundreds of MB each.
            wdir = os.path.join(tmp, name)
            os.makedirs(wdir)
            loaded = []
            path = os.path.join(wdir, f"{name}.onnx")
            onnx.save(model, path)
            print(f"{name}: compiling", file=sys.stderr, flush=True)
            # One set of engines per thread count, all timed in one rotation.
            configs, engines = [], []
            for threads in args.threads:
                sieve_threads = args.sieve_threads or threads
                config = {"threads": threads, "sieve_threads": sieve_threads,
                          "sieve": [], "ort": [], "sparse": [], "upstream": []}
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = threads
                opts.inter_op_num_threads = 1
                opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
                specs = [(len(o.shape), np.float32) for o in sess.get_outputs()]
                lib = os.path.join(wdir, f"{name.replace('-', '_')}_t{threads}.so")
                flags = [f"--threads={sieve_threads}"]
                sieve = SieveModel.compile(args.sievec, path, lib, "bench", specs, flags)
                sparse, upstream = None, []
                if name.startswith("pruned-gemm"):
                    sparse = SieveModel.compile(args.sievec, path,
                                                lib.replace(".so", "_packed.so"), "bench",
                                                specs, ["--sparsity=exact", *flags])
                    # The upstream sparsifier's kernels are single-threaded:
                    # timed once, beside the first thread count.
                    if threads == base_threads:
                        import upstream_sparse  # needs only numpy and the LLVM tools
                        weight = np.ascontiguousarray(
                            numpy_helper.to_array(model.graph.initializer[0]).T)
                        bias = numpy_helper.to_array(model.graph.initializer[1])
                        for fmt in ("csr", "csc"):
                            kernel = upstream_sparse.build(weight, feeds["x"].shape[0],
                                                           wdir, fmt)
                            got = kernel(feeds["x"]) + bias
                            upstream.append((fmt, got, kernel.prepare(feeds["x"])))
                if name.startswith(("relu-ffn", "gated-ffn")):
                    sparse_lib = lib.replace(".so", "_exact.so")
                    limit = ([f"--activation-density-limit={args.sparse_limit}"]
                             if args.sparse_limit is not None else [])
                    sparse = SieveModel.compile(args.sievec, path, sparse_lib, "bench",
                                                specs, ["--sparsity=exact", *limit, *flags])
                loaded += [sieve] + ([sparse] if sparse else [])
                inputs = [feeds[i.name] for i in sess.get_inputs()]

                want = sess.run(None, feeds)
                outputs = [engine(*inputs) for engine in [sieve] + ([sparse] if sparse else [])]
                outputs += [[got] for _, got, _ in upstream]
                for got_all in outputs:
                    for g, w in zip(got_all, want):
                        if not np.allclose(g, w, rtol=1e-3, atol=1e-4):
                            sys.exit(f"{name}: Sieve and onnxruntime disagree "
                                     f"(max abs diff {np.max(np.abs(g - w))})")

                # Both engines get their inputs bound once, so that timing
                # measures the models rather than Python argument handling.
                binding = sess.io_binding()
                for input_name, value in feeds.items():
                    binding.bind_cpu_input(input_name, value)
                for out in sess.get_outputs():
                    binding.bind_output(out.name)
                config["session"] = sess  # keeps the binding's session alive
                run_ort = (lambda s=sess, b=binding: s.run_with_iobinding(b))
                engines.append((sieve.prepare(*inputs, collect=False), config["sieve"]))
                engines.append((run_ort, config["ort"]))
                if sparse:
                    engines.append((sparse.prepare(*inputs, collect=False),
                                    config["sparse"]))
                for _, _, run_upstream in upstream:
                    config["upstream"].append([])
                    engines.append((run_upstream, config["upstream"][-1]))
                configs.append(config)
            for _ in range(args.warmup):
                for fn, _ in engines:
                    fn()
            # Alternate turn by turn, so that drift hits all engines alike,
            # and rotate the order every repetition, so that each engine
            # follows each other one equally often (the one before leaves the
            # caches full of its own weights).
            for rep in range(args.reps):
                for i in range(len(engines)):
                    fn, times = engines[(rep + i) % len(engines)]
                    if block > 1:
                        fn()
                    times += time_runs(fn, block)
                    if pause:
                        time.sleep(pause)
            base = None
            for config in configs:
                t = config["threads"]
                label = f"{name} t{t}" + (f" (sieve t{config['sieve_threads']})"
                                          if config["sieve_threads"] != t else "")
                s = statistics.median(config["sieve"])
                o = statistics.median(config["ort"])
                if base is None:
                    base = config
                # Speed-ups at this thread count over the first one.
                gain = statistics.median(base["sieve"]) / s
                ort_gain = statistics.median(base["ort"]) / o
                if config["upstream"] or name.startswith("pruned-gemm"):
                    x = statistics.median(config["sparse"])
                    u = ([statistics.median(times) for times in config["upstream"]]
                         or [float("nan")] * 2)
                    pruned_rows.append((name, t, s, x, *u, o, s / x, s / u[0], s / u[1],
                                        x / o))
                    print(f"{label:36s} dense {s:8.3f} ms  packed {x:8.3f} ms  "
                          f"upstream csr {u[0]:8.3f} ms  csc {u[1]:8.3f} ms  "
                          f"onnxruntime {o:8.3f} ms  packed speed-up {s / x:5.2f}",
                          flush=True)
                elif config["sparse"]:
                    x = statistics.median(config["sparse"])
                    density = int(name.rsplit("-d", 1)[1]) / 100
                    # The down projection alone is gathered in a plain ReLU
                    # FFN; the up and down projections of a gated one (the
                    # gate, a third of the weights, runs dense).
                    gated = name.startswith("gated-ffn")
                    ideal = 3 / (1 + 2 * density) if gated else 2 / (1 + density)
                    (gated_rows if gated else sparse_rows).append(
                        (name, t, s, x, o, s / x, ideal, (s / x) / ideal, x / o,
                         min(config["sparse"])))
                    print(f"{label:34s} dense {s:8.3f} ms  exact {x:8.3f} ms  "
                          f"onnxruntime {o:8.3f} ms  speed-up {s / x:5.2f} "
                          f"(ideal {ideal:4.2f})", flush=True)
                else:
                    # The fastest runs too: on a shared machine, the least
                    # disturbed by other processes.
                    smin, omin = min(config["sieve"]), min(config["ort"])
                    rows.append((name, t, s, o, s / o, gain, ort_gain, smin, omin))
                    print(f"{label:28s} sieve {s:9.3f} ms   onnxruntime {o:9.3f} ms   "
                          f"ratio {s / o:6.2f}   speed-up over t{base['threads']}: "
                          f"sieve {gain:5.2f} onnxruntime {ort_gain:5.2f}   "
                          f"min: sieve {smin:9.3f} ms onnxruntime {omin:9.3f} ms",
                          flush=True)
            engines.clear()
            configs.clear()
            for m in loaded:
                m.close()
            shutil.rmtree(wdir)

    table = []
    if rows:
        table += ["| workload | threads | Sieve dense (ms) | onnxruntime (ms) "
                  f"| Sieve / onnxruntime | Sieve speed-up over {base_threads} "
                  f"| onnxruntime speed-up over {base_threads} "
                  "| fastest run: Sieve (ms) | fastest run: onnxruntime (ms) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        table += [f"| {n} | {t} | {s:.3f} | {o:.3f} | {r:.2f} | {g:.2f} | {og:.2f} "
                  f"| {smin:.3f} | {omin:.3f} |"
                  for n, t, s, o, r, g, og, smin, omin in rows]
    if sparse_rows:
        table += ["" if table else "",
                  "| workload | threads | Sieve dense (ms) | Sieve exact (ms) "
                  "| onnxruntime (ms) | exact speed-up over dense | ideal 2/(1+d) "
                  "| of ideal | exact / onnxruntime | fastest run: Sieve exact (ms) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        table += [f"| {n} | {t} | {s:.3f} | {x:.3f} | {o:.3f} | {sp:.2f} | {i:.2f} | "
                  f"{f * 100:.0f}% | {r:.2f} | {xmin:.3f} |"
                  for n, t, s, x, o, sp, i, f, r, xmin in sparse_rows]
    if gated_rows:
        table += ["" if table else "",
                  "| workload | threads | Sieve dense (ms) | Sieve exact (ms) "
                  "| onnxruntime (ms) | exact speed-up over dense | ideal 3/(1+2d) "
                  "| of ideal | exact / onnxruntime | fastest run: Sieve exact (ms) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        table += [f"| {n} | {t} | {s:.3f} | {x:.3f} | {o:.3f} | {sp:.2f} | {i:.2f} | "
                  f"{f * 100:.0f}% | {r:.2f} | {xmin:.3f} |"
                  for n, t, s, x, o, sp, i, f, r, xmin in gated_rows]
    if pruned_rows:
        table += ["" if table else "",
                  "| workload | threads | Sieve dense (ms) | Sieve packed (ms) "
                  "| upstream CSR (ms) | upstream CSC (ms) | onnxruntime (ms) "
                  "| packed speed-up over dense | upstream CSR speed-up "
                  "| upstream CSC speed-up | packed / onnxruntime |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        table += [f"| {n} | {t} | {s:.3f} | {x:.3f} | {u0:.3f} | {u1:.3f} | {o:.3f} "
                  f"| {a:.2f} | {b:.2f} | {c:.2f} | {r:.2f} |"
                  for n, t, s, x, u0, u1, o, a, b, c, r in pruned_rows]
    print("\n" + "\n".join(table))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(table) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
