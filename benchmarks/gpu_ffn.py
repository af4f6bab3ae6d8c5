#!/usr/bin/env python3
"""The FFN matrix-vector products on the GPU: achieved memory bandwidth as a
share of the GPU's HBM peak, dense and with the activation gather.

A batch-1 FFN layer is memory-bound: its time is the bytes of weight it
reads over the memory bandwidth. Workloads, for each shape d x d_ff:

  gemv-dense     y = x @ W (W: d_ff x d), --sparsity=off: reads all of W
  gemv-gather    y = Relu(x) @ W with `density` of x positive,
                 --sparsity=exact: reads the active rows of W only
  ffn-dense      y = Relu(x @ W1 + b) @ W2, --sparsity=off
  ffn-exact      the same FFN at `density`, --sparsity=exact (the down
                 projection gathers; the up projection stays dense)
  ffn-approx     an FFN whose up weight a rank-64 predictor captures
                 (gpu_bundle.py's bench_predictable_ffn), --sparsity=approx
                 with random calibration inputs: the predictor, then the
                 predicted up columns and down rows only (bytes: the
                 predictor plus sievec's predicted density of both
                 weights); and its dense build

and, beside them, what the defaults replaced: the gather with
--gpu-skip-zeros=test (every thread tests every activation, no list) and
the FFNs with --gpu-launches=sync (the host waits for each kernel).

Each model runs with `sieve-run --device=cuda --bench N` (outputs checked
against onnxruntime on the CPU first). Two times per run: the median of
sieve-run's whole run (inputs copied in, every launch, outputs copied out)
and the GPU kernel time per run from Sieve's CUDA runtime
(SIEVE_GPU_TIMING: launch to synchronization, summed over launches).
Bandwidth = weight bytes read / time; the peak is the device's memory clock
x bus width (CUDA driver attributes), or --peak-gbs.

  benchmarks/gpu_ffn.py --sieve-run build/bin/sieve-run --workdir /tmp/gpu \\
      [--shapes 4096x11008,1024x4096] [--density 0.1] [--runs 50]

`--device emulated-gpu` runs the same script on the CPU (tiny shapes; the
times mean nothing), to check the script itself without a GPU.
"""

import argparse
import ctypes
import os
import re
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gpu_bundle import bench_predictable_ffn, predicted_bytes  # noqa: E402
from run import relu_ffn_at_density  # noqa: E402

# Published HBM peaks (GB/s), when the driver's attributes are unavailable.
PEAKS = {"H200": 4800, "H100 NVL": 3900, "H100 PCIe": 2000, "H100": 3350,
         "A100-SXM4-80GB": 2039, "A100 80GB PCIe": 1935, "A100": 1555}


def gemv(d_in, d_out, relu, rng):
    w = (rng.standard_normal((d_in, d_out)) / np.sqrt(d_in)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["a" if relu else "x", "w"], ["y"])]
    if relu:
        nodes.insert(0, helper.make_node("Relu", ["x"], ["a"]))
    graph = helper.make_graph(
        nodes, "gemv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, d_in])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, d_out])],
        [numpy_helper.from_array(w, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def relu_input(d, density, rng):
    """A 1 x d input with exactly `density` of its entries positive."""
    x = -np.abs(rng.standard_normal((1, d))).astype(np.float32) - 0.1
    active = rng.permutation(d)[: int(round(density * d))]
    x[0, active] = np.abs(x[0, active]) + 0.1
    return x


def peak_bandwidth(runtime, override):
    if override:
        return override * 1e9, "given"
    name = ""
    try:
        lib = ctypes.CDLL(runtime)
        lib.sieve_gpu_error.restype = ctypes.c_char_p
        lib.sieve_gpu_device_name.restype = ctypes.c_char_p
        lib.sieve_gpu_peak_bandwidth.restype = ctypes.c_double
        if lib.sieve_gpu_error() is None:
            name = lib.sieve_gpu_device_name().decode()
            peak = lib.sieve_gpu_peak_bandwidth()
            if peak > 0:
                return peak, f"{name}, driver attributes"
    except OSError:
        pass
    for key, gbs in PEAKS.items():
        if key in name:
            return gbs * 1e9, f"{name}, published"
    return 0.0, name or "unknown device"


def run_model(args, name, model, feeds, sieve_args):
    work = os.path.join(args.workdir, name)
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path)
    cmd = [args.sieve_run, path, f"--device={args.device}", *sieve_args]
    for i, (key, value) in enumerate(feeds.items()):
        np.save(os.path.join(work, f"input_{i}.npy"), value)
        cmd += ["--input", f"{key}={os.path.join(work, f'input_{i}.npy')}"]
    # Check the outputs against onnxruntime first.
    subprocess.run(cmd + ["--output-dir", work, "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    want = sess.run(None, feeds)[0]
    got = np.load(os.path.join(work, sess.get_outputs()[0].name + ".npy"))
    ok = got.shape == want.shape and np.allclose(got, want, rtol=1e-3, atol=1e-3)
    err = float(np.max(np.abs(got - want)))
    env = dict(os.environ, SIEVE_GPU_TIMING="1")
    proc = subprocess.run(cmd + ["--bench", str(args.runs), "--quiet"], env=env,
                          capture_output=True, text=True, check=True)
    text = proc.stdout + proc.stderr
    median = float(re.search(r"median ([0-9.]+) ms", text).group(1)) * 1e-3
    kernel = None
    m = re.search(r"GPU kernel time: (\d+) launches, ([0-9.]+) ms", text)
    if m:
        # The first run and the N timed ones.
        kernel = float(m.group(2)) * 1e-3 / (args.runs + 1)
    log = subprocess.run(cmd + ["--bench", "0"], capture_output=True,
                         text=True).stderr
    gathered = "gathers the weight rows" in log or "selects the up columns" in log
    return ok, err, median, kernel, gathered, log


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--device", default="cuda", choices=["cuda", "emulated-gpu"])
    p.add_argument("--shapes", default="4096x11008,1024x4096",
                   help="comma-separated d x d_ff")
    p.add_argument("--density", type=float, default=0.1)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--runtime", help="libsieve_cuda_runtime.so (default: beside "
                   "sieve-run, ../lib)")
    p.add_argument("--peak-gbs", type=float, help="HBM peak in GB/s")
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    runtime = args.runtime or os.path.join(
        os.path.dirname(os.path.abspath(args.sieve_run)), "..", "lib",
        "libsieve_cuda_runtime.so")
    peak, source = peak_bandwidth(runtime, args.peak_gbs)
    print(f"device: {source}; HBM peak "
          f"{peak / 1e9:.0f} GB/s" if peak else f"device: {source}; peak unknown")
    exact = ["--sparsity=exact", "--activation-density-limit=0.5"]
    rows = []
    ok_all = True
    for shape in args.shapes.split(","):
        d, d_ff = (int(v) for v in shape.split("x"))
        rng = np.random.default_rng(d + d_ff)
        dn = f"{int(args.density * 100)}%"
        sparse_model = gemv(d_ff, d, True, rng)
        sparse_feed = {"x": relu_input(d_ff, args.density, rng)}
        sparse_bytes = round(args.density * d_ff) * d * 4
        work = [
            (f"gemv-dense {d_ff}x{d}", gemv(d_ff, d, False, rng),
             {"x": rng.standard_normal((1, d_ff)).astype(np.float32)}, [],
             d_ff * d * 4),
            (f"gemv-gather {d_ff}x{d} @{dn}", sparse_model, sparse_feed, exact,
             sparse_bytes),
            (f"gemv-gather {d_ff}x{d} @{dn} test", sparse_model, sparse_feed,
             exact + ["--gpu-skip-zeros=test"], sparse_bytes),
        ]
        ffn, feeds = relu_ffn_at_density(1, d, d_ff, args.density, rng)
        ffn_bytes = (d * d_ff + round(args.density * d_ff) * d) * 4
        work += [(f"ffn-dense {d}x{d_ff}", ffn, feeds, [], 2 * d * d_ff * 4),
                 (f"ffn-dense {d}x{d_ff} sync", ffn, feeds, ["--gpu-launches=sync"],
                  2 * d * d_ff * 4),
                 (f"ffn-exact {d}x{d_ff} @{dn}", ffn, feeds, exact, ffn_bytes),
                 (f"ffn-exact {d}x{d_ff} @{dn} sync", ffn, feeds,
                  exact + ["--gpu-launches=sync"], ffn_bytes)]
        predictable, feeds = bench_predictable_ffn(d, d_ff, args.density, rng)
        work += [(f"ffn-approx {d}x{d_ff} @{dn}", predictable, feeds,
                  ["--sparsity=approx", "--calibrate-random=64",
                   "--predictor-rank=64", "--predictor-recall=1"],
                  predicted_bytes(d, d_ff, 64)),
                 (f"ffn-dense {d}x{d_ff} predictable", predictable, feeds, [],
                  2 * d * d_ff * 4)]
        for name, model, feed, sieve_args, weight_bytes in work:
            ok, err, median, kernel, gathered, log = run_model(
                args, re.sub(r"[^A-Za-z0-9]+", "_", name), model, feed, sieve_args)
            sparse = any(a in sieve_args for a in ("--sparsity=exact",
                                                   "--sparsity=approx"))
            ok_all &= ok and gathered == sparse
            if callable(weight_bytes):
                weight_bytes = weight_bytes(log)
            rows.append((name, ok, err, gathered, weight_bytes, median, kernel))
    print(f"{'workload':34} {'check':>7} {'gather':>6} {'MB read':>8} "
          f"{'run ms':>8} {'GB/s':>7} {'%peak':>6} {'kernel ms':>9} {'GB/s':>7} "
          f"{'%peak':>6}")
    for name, ok, err, gathered, nbytes, median, kernel in rows:
        line = (f"{name:34} {'OK' if ok else 'BAD':>7} {'yes' if gathered else 'no':>6} "
                f"{nbytes / 1e6:8.1f} {median * 1e3:8.3f} {nbytes / median / 1e9:7.0f} "
                f"{100 * nbytes / median / peak if peak else 0:6.1f}")
        if kernel:
            line += (f" {kernel * 1e3:9.3f} {nbytes / kernel / 1e9:7.0f} "
                     f"{100 * nbytes / kernel / peak if peak else 0:6.1f}")
        print(line)
    print("PASS" if ok_all else "FAIL (an output differs from onnxruntime's, "
          "or a gather did not happen)")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
