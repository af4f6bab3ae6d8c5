#!/usr/bin/env python3
"""--sparsity=approx against dense, exact and onnxruntime on ReLU FFN blocks
whose neurons a low-rank predictor can foresee (test/e2e/make_predictor_ffn.py:
the up or gate weight is rank-r plus noise, the bias leaves ~`density` of the
neurons active on standard normal inputs; a synthetic stand-in for trained
ReLU LLM FFNs).

For each workload: sievec fits the predictor on calibration inputs (its note
gives the held-out recall and predicted density), and the four engines run
one row (decode, batch 1) on unseen inputs, alternating turn by turn
(with several threads a turn is one untimed run that wakes the engine's
thread pool, three timed ones, and a pause that lets its threads sleep, as
in benchmarks/run.py); the table gives medians, the speed-ups of approx
over Sieve dense and over onnxruntime, the physical limit 1 / (predicted
density + predictor reads), and the relative L2 error of approx against
onnxruntime over the timed inputs.

  benchmarks/approx.py [--sievec build/bin/sievec] [--reps 20]
                       [--only 4096x11008] [--threads 1] [--markdown out.md]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
from make_predictor_ffn import build, write_sets  # noqa: E402
from sieve_model import SieveModel  # noqa: E402

NOTE = re.compile(r"predictor of rank (\d+) fitted on (\d+) calibration rows, measured on "
                  r"(\d+) held-out rows: recall ([0-9.]+)% \(of the activation mass ([0-9.]+)%\), "
                  r"predicted density ([0-9.]+)% \(truly active ([0-9.]+)%\)")

# (d, d_ff, gated, true rank, noise, density)
WORKLOADS = {
    "approx-ffn-4096x11008-d10": (4096, 11008, False, 64, 0.3, 0.10),
    "approx-gated-4096x11008-d10": (4096, 11008, True, 64, 0.3, 0.10),
    "approx-ffn-1024x4096-d10": (1024, 4096, False, 32, 0.3, 0.10),
    "approx-ffn-4096x11008-d5": (4096, 11008, False, 64, 0.3, 0.05),
    # Weights in the last-level cache (2 x 11 MiB): where the branch limit
    # for one row is lower.
    "approx-ffn-1024x2816-d10": (1024, 2816, False, 32, 0.3, 0.10),
    "approx-ffn-1024x2816-d5": (1024, 2816, False, 32, 0.2, 0.05),
}


def compile_model(sievec, path, lib, flags):
    result = subprocess.run([sievec, path, "-o", lib, "--entry", "bench", "--mcpu=native",
                             *flags], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"sievec {' '.join(flags)} failed:\n{result.stderr}")
    return SieveModel(lib, "bench", [(3, np.float32)]), result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sievec", default=os.path.join(ROOT, "build", "bin", "sievec"))
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--inputs", type=int, default=8,
                        help="distinct unseen inputs, used in turn")
    parser.add_argument("--calib", type=int, default=64,
                        help="calibration inputs of 16 tokens each")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only")
    parser.add_argument("--limit", type=float,
                        help="--activation-density-limit for the exact and "
                             "approx builds (e.g. 1: the sparse path always "
                             "runs; default: the cost model's branch)")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (d, n, gated, rank, noise, density) in WORKLOADS.items():
            if args.only and not any(p in name for p in args.only.split(",")):
                continue
            opts = argparse.Namespace(d=d, n=n, rank=rank, noise=noise, density=density,
                                      gated=gated, seed=0)
            path = os.path.join(tmp, f"{name}.onnx")
            onnx.save(build(opts), path)
            rng = np.random.default_rng(1)
            calib = os.path.join(tmp, f"{name}-calib")
            print(f"{name}: calibration inputs", file=sys.stderr, flush=True)
            write_sets(calib, path, args.calib, 16, d, rng, False)
            threads = [f"--threads={args.threads}"]
            limit = [f"--activation-density-limit={args.limit}"] if args.limit else []
            print(f"{name}: compiling dense, exact, approx", file=sys.stderr, flush=True)
            dense, _ = compile_model(args.sievec, path, os.path.join(tmp, f"{name}-d.so"),
                                     threads)
            exact, _ = compile_model(args.sievec, path, os.path.join(tmp, f"{name}-e.so"),
                                     ["--sparsity=exact", *threads, *limit])
            start = time.perf_counter()
            approx, log = compile_model(args.sievec, path, os.path.join(tmp, f"{name}-a.so"),
                                        ["--sparsity=approx", "--calibrate", calib, *threads,
                                         *limit])
            fit_seconds = time.perf_counter() - start
            note = NOTE.search(log)
            if not note:
                sys.exit(f"{name}: no predictor note:\n{log}")
            p_rank = int(note.group(1))
            recall, mass, p_density, true_density = (float(g) / 100 for g in note.groups()[3:])
            so = ort.SessionOptions()
            so.intra_op_num_threads = args.threads
            so.inter_op_num_threads = 1
            sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

            xs = [rng.standard_normal((1, 1, d)).astype(np.float32) for _ in range(args.inputs)]
            errors = []
            for x in xs:
                (want,) = sess.run(None, {"x": x})
                (got,) = approx(x)
                errors.append(float(np.linalg.norm(got - want) / np.linalg.norm(want)))
                (got,) = exact(x)
                if not np.allclose(got, want, rtol=1e-3, atol=1e-4):
                    sys.exit(f"{name}: exact disagrees with onnxruntime")
            engines = {"dense": dense, "exact": exact, "approx": approx}
            runs = {k: [m.prepare(x, collect=False) for x in xs] for k, m in engines.items()}
            bindings = []
            for x in xs:
                b = sess.io_binding()
                b.bind_cpu_input("x", x)
                b.bind_output("y")
                bindings.append(b)
            runs["ort"] = [(lambda b=b: sess.run_with_iobinding(b)) for b in bindings]
            times = {k: [] for k in runs}
            order = list(runs)
            threaded = args.threads > 1
            block = 3 if threaded else 1
            for rep in range(args.reps + 2):
                for i in range(len(order)):
                    k = order[(rep + i) % len(order)]
                    if threaded:
                        # As benchmarks/run.py: wake this engine's thread
                        # pool, time a block of runs (each on another
                        # input: a repeated one would find its weight rows
                        # in cache), then pause so that its threads sleep
                        # before the next engine runs.
                        runs[k][(rep * block + block) % len(xs)]()
                    for b in range(block):
                        fn = runs[k][(rep * block + b) % len(xs)]
                        start = time.perf_counter()
                        fn()
                        if rep >= 2:
                            times[k].append((time.perf_counter() - start) * 1e3)
                    if threaded:
                        time.sleep(0.25)
            med = {k: statistics.median(v) for k, v in times.items()}
            per_neuron = 3 if gated else 2
            predictor_share = p_rank * (d + n) / (per_neuron * d * n)
            limit = 1 / (p_density + predictor_share)
            row = (name, args.threads, med["dense"], med["exact"], med["approx"], med["ort"],
                   med["dense"] / med["approx"], med["ort"] / med["approx"], limit, p_rank,
                   recall, p_density, true_density, statistics.mean(errors), fit_seconds)
            rows.append(row)
            print(f"{name} t{args.threads}: dense {med['dense']:.3f} ms  exact {med['exact']:.3f} ms  "
                  f"approx {med['approx']:.3f} ms  onnxruntime {med['ort']:.3f} ms  "
                  f"approx speed-up over dense {row[6]:.2f} over onnxruntime {row[7]:.2f} "
                  f"(limit {limit:.2f}); rank {p_rank}, held-out recall {recall:.3f}, "
                  f"predicted density {p_density:.3f} (true {true_density:.3f}), "
                  f"rel. L2 error {row[13]:.4f}; compile with fit {fit_seconds:.1f} s",
                  flush=True)
    if args.markdown and rows:
        lines = ["| workload | threads | Sieve dense (ms) | Sieve exact (ms) | Sieve approx (ms) "
                 "| onnxruntime (ms) | approx speed-up over dense | over onnxruntime "
                 "| limit 1/(p + predictor) | rank | held-out recall | predicted density "
                 "| true density | rel. L2 error | approx compile (s) |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            lines.append("| {} | {} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.2f} | {:.2f} "
                         "| {:.2f} | {} | {:.3f} | {:.3f} | {:.3f} | {:.4f} | {:.1f} |".format(*r))
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
