#!/usr/bin/env python3
"""Decode tokens per second of the trained ReLU LMs (test/relu_lm): one
KV-cache decode step (batch 1) compiled by Sieve dense, exact and approx
(predictors fitted on the model's decode-calibrate sets) and run by
onnxruntime, with the same thread count.

A trajectory of decode-step inputs is made once: greedy generation with
onnxruntime from a held-out prompt (past length `--past`), `--tokens`
steps, the past growing by one each step. Every engine runs the whole
trajectory per turn, turns alternate between engines in a rotating order,
and the table gives the median time per token over the turns. For approx,
the top-1 agreement with onnxruntime's logits on the trajectory and their
relative L2 error are reported beside the speed.

  benchmarks/decode.py [--sievec build/bin/sievec] [--models opt,llama]
                       [--tokens 64] [--reps 10] [--threads 1]

The real-model zoo's decode exports at ~10% active neurons (their biases
shifted by shift_relu_bias.py):

  for m in opt-decode-ts llama-relu-decode-ts; do
    benchmarks/shift_relu_bias.py --model build/zoo/$m --out /tmp/shifted/$m; done
  benchmarks/decode.py --zoo /tmp/shifted --models opt-decode-ts,llama-relu-decode-ts
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from sieve_model import SieveModel  # noqa: E402
import shift_relu_bias  # noqa: E402


def compile_model(sievec, path, lib, flags, specs):
    result = subprocess.run([sievec, path, "-o", lib, "--entry", "step", "--mcpu=native",
                             *flags], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"sievec {' '.join(flags)} failed:\n{result.stderr}")
    return SieveModel(lib, "step", specs), result.stderr


def trajectory(sess, prompt_set, tokens):
    """Decode-step feeds of greedy generation from the test set's state."""
    return shift_relu_bias.trajectory(sess, prompt_set, tokens)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sievec", default=os.path.join(ROOT, "build", "bin", "sievec"))
    parser.add_argument("--zoo", default=os.path.join(ROOT, "build", "relu_lm"),
                        help="make_relu_lm.py's output directory (made if missing), or "
                        "shift_relu_bias.py's outputs (one directory per model)")
    parser.add_argument("--models", default="opt,llama")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--markdown")
    args = parser.parse_args()
    if not all(os.path.exists(os.path.join(args.zoo, n, "decode.onnx"))
               for n in args.models.split(",")):
        subprocess.run([sys.executable, os.path.join(ROOT, "test", "relu_lm", "make_relu_lm.py"),
                        "--out", args.zoo], check=True, stdout=subprocess.DEVNULL)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            path = os.path.join(args.zoo, name, "decode.onnx")
            so = ort.SessionOptions()
            so.intra_op_num_threads = args.threads
            so.inter_op_num_threads = 1
            sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            inputs = [i.name for i in sess.get_inputs()]
            specs = [(len(o.shape), np.float32) for o in sess.get_outputs()]
            # The prompt: decode test set 1 (batch 1, past 31 of held-out text).
            prompt = shift_relu_bias.load_set(
                os.path.join(args.zoo, name, "decode", "test_data_set_1"), inputs)
            feeds = trajectory(sess, prompt, args.tokens)
            threads = [f"--threads={args.threads}"]
            print(f"{name}: compiling dense, exact, approx", file=sys.stderr, flush=True)
            engines = {}
            engines["dense"], _ = compile_model(args.sievec, path, os.path.join(tmp, f"{name}-d.so"),
                                                threads, specs)
            engines["exact"], _ = compile_model(args.sievec, path, os.path.join(tmp, f"{name}-e.so"),
                                                ["--sparsity=exact", *threads], specs)
            calib = os.path.join(args.zoo, name, "decode-calibrate")
            engines["approx"], log = compile_model(
                args.sievec, path, os.path.join(tmp, f"{name}-a.so"),
                ["--sparsity=approx", "--calibrate", calib, *threads], specs)
            # Accuracy on the trajectory (each step's own input, so that the
            # approximate model is judged per step, not by a diverging text).
            agree, errors = 0, []
            for feed in feeds:
                want = sess.run(None, feed)[0]
                got = engines["approx"](*[feed[n] for n in inputs])[0]
                agree += int(np.argmax(got[0, -1]) == np.argmax(want[0, -1]))
                errors.append(float(np.linalg.norm(got - want) / np.linalg.norm(want)))
                exact = engines["exact"](*[feed[n] for n in inputs])[0]
                if not np.allclose(exact, want, rtol=1e-3, atol=1e-4):
                    sys.exit(f"{name}: exact disagrees with onnxruntime")
            runs = {k: [m.prepare(*[f[n] for n in inputs], collect=False) for f in feeds]
                    for k, m in engines.items()}
            bindings = []
            for f in feeds:
                b = sess.io_binding()
                for n in inputs:
                    b.bind_cpu_input(n, f[n])
                for o in sess.get_outputs():
                    b.bind_output(o.name)
                bindings.append(b)
            runs["onnxruntime"] = [(lambda b=b: sess.run_with_iobinding(b)) for b in bindings]
            times = {k: [] for k in runs}
            order = list(runs)
            for rep in range(args.reps + 1):
                for i in range(len(order)):
                    k = order[(rep + i) % len(order)]
                    start = time.perf_counter()
                    for fn in runs[k]:
                        fn()
                    if rep:
                        times[k].append((time.perf_counter() - start) / len(feeds) * 1e3)
            med = {k: statistics.median(v) for k, v in times.items()}
            row = (name, args.threads, *(1e3 / med[k] for k in
                                         ("dense", "exact", "approx", "onnxruntime")),
                   med["dense"] / med["approx"], med["onnxruntime"] / med["approx"],
                   agree / len(feeds), statistics.mean(errors))
            rows.append(row)
            print(f"{name} t{args.threads}: tokens/s dense {row[2]:.0f}  exact {row[3]:.0f}  "
                  f"approx {row[4]:.0f}  onnxruntime {row[5]:.0f}  (approx over dense "
                  f"{row[6]:.2f}, over onnxruntime {row[7]:.2f}); approx top-1 agreement "
                  f"{row[8]:.3f}, logits rel. L2 error {row[9]:.4f} over {len(feeds)} steps",
                  flush=True)
    if args.markdown and rows:
        lines = ["| model | threads | Sieve dense (tok/s) | Sieve exact (tok/s) "
                 "| Sieve approx (tok/s) | onnxruntime (tok/s) | approx / dense "
                 "| approx / onnxruntime | approx top-1 agreement | logits rel. L2 error |",
                 "|---|---|---|---|---|---|---|---|---|---|"]
        lines += ["| {} | {} | {:.0f} | {:.0f} | {:.0f} | {:.0f} | {:.2f} | {:.2f} | {:.3f} "
                  "| {:.4f} |".format(*r) for r in rows]
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
