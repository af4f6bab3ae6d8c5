#!/usr/bin/env python3
"""Imports every model in a directory with sieve-translate and checks that
each either imports (exit status 0) or fails with a clear error (status 1
and an `error:` line): never a crash, an abort or a hang.

  check_no_crash.py SIEVE_TRANSLATE DIR
"""

import pathlib
import subprocess
import sys

tool, directory = sys.argv[1], pathlib.Path(sys.argv[2])
files = sorted(directory.glob("*.onnx"))
if not files:
    sys.exit(f"no .onnx files in {directory}")
bad = 0
for f in files:
    try:
        r = subprocess.run([tool, "--import-onnx", str(f), "-o", "/dev/null"],
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print(f"{f.name}: HANG (over 60 s)")
        bad += 1
        continue
    if r.returncode == 0 or (r.returncode == 1 and "error:" in r.stderr):
        continue
    print(f"{f.name}: exit status {r.returncode}\n{r.stderr[-2000:]}")
    bad += 1
print(f"{len(files)} models, {bad} crashed")
sys.exit(1 if bad else 0)
