#!/usr/bin/env python3
"""Runs the real-model zoo (make_zoo.py's output) through `sieve-run
--test-data` and reports, per model, whether every output of every test set
matches onnxruntime, with the largest absolute and relative errors.

  run_zoo.py --sieve-run build/bin/sieve-run --zoo build/zoo --sparsity off
  run_zoo.py ... --only resnet18-ts,opt-dynamo --sieve-arg=--remarks

Prints one line per model, `<name>: PASS max abs <a> max rel <r> (<s> s)` or
`<name>: FAIL ...` with sieve-run's last error line, then a summary line
`zoo: <passed>/<total> passed`. Exit status 1 when any model fails. A model
whose directory has a `tolerance` file (the quantized ones: a number of
quantization steps, make_zoo.py) is checked with that atol instead.
"""

import argparse
import os
import re
import subprocess
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sieve-run", required=True)
    p.add_argument("--zoo", required=True)
    p.add_argument("--sparsity", default="off")
    p.add_argument("--only", help="comma-separated model names")
    p.add_argument("--exclude", default="", help="comma-separated model names")
    p.add_argument("--timeout", type=int, default=900)
    p.add_argument("--rtol", default="1e-3")
    p.add_argument("--atol", default="1e-4")
    p.add_argument("--sieve-arg", action="append", default=[])
    args = p.parse_args()
    names = args.only.split(",") if args.only else sorted(
        d for d in os.listdir(args.zoo)
        if os.path.exists(os.path.join(args.zoo, d, "model.onnx")))
    names = [n for n in names if n not in args.exclude.split(",")]
    passed = 0
    for name in names:
        directory = os.path.join(args.zoo, name)
        atol = args.atol
        tolerance = os.path.join(directory, "tolerance")
        if os.path.exists(tolerance):
            atol = open(tolerance).read().strip()
        cmd = [args.sieve_run, os.path.join(directory, "model.onnx"), "--test-data",
               directory, f"--sparsity={args.sparsity}", f"--rtol={args.rtol}",
               f"--atol={atol}", *args.sieve_arg]
        start = time.time()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            out, code, verdict = r.stdout + r.stderr, r.returncode, r.stdout.split()[-1:]
        except subprocess.TimeoutExpired:
            out, code, verdict = f"timed out after {args.timeout} s", -1, []
        abs_errors = [float(x) for x in re.findall(r"max abs error ([0-9.e+-]+|nan|inf)", out)]
        rel_errors = [float(x) for x in re.findall(r"max rel error ([0-9.e+-]+|nan|inf)", out)]
        sets = len(re.findall(r"^test_data_set_\d+: ", out, re.M))
        ok = code == 0 and verdict == ["PASS"] and sets > 0
        errors = (f"max abs {max(abs_errors, default=0):.3g} "
                  f"max rel {max(rel_errors, default=0):.3g}")
        if ok:
            passed += 1
            print(f"{name}: PASS {errors} ({sets} outputs checked, "
                  f"{time.time() - start:.1f} s)", flush=True)
        else:
            lines = [l for l in out.splitlines() if l.strip()]
            reason = next((l for l in lines if "error" in l.lower()), lines[-1] if lines else "")
            print(f"{name}: FAIL (exit {code}) {errors}: {reason[:300]}", flush=True)
    print(f"zoo: {passed}/{len(names)} passed (sparsity={args.sparsity})")
    return 0 if passed == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
