#!/usr/bin/env python3
"""Finds the first ONNX node whose output Sieve gets wrong (or crashes on):
truncates the graph after node k (its outputs become the graph outputs),
runs sieve-run and onnxruntime on one test set, and bisects over k.
A developer tool for zoo failures.

  bisect_model.py --sieve-run build/bin/sieve-run MODEL_DIR [--set 0] [--sieve-arg=...]
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper


def run_prefix(model, k, feeds, args, tmp):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    nodes = list(g.node)[:k + 1]
    del g.node[:]
    g.node.extend(nodes)
    del g.output[:]
    for o in nodes[-1].output:
        if o:
            g.output.append(onnx.helper.make_value_info(o, onnx.TypeProto()))
    path = os.path.join(tmp, "prefix.onnx")
    onnx.save(m, path)
    try:
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    except Exception as e:
        return None, f"ort: {e}"
    names = [i.name for i in sess.get_inputs()]
    want = sess.run(None, {n: feeds[n] for n in names})
    cmd = [args.sieve_run, path, "--quiet", "--output-dir", tmp, *args.sieve_arg]
    for n in names:
        np.save(os.path.join(tmp, f"in_{len(cmd)}.npy"), feeds[n])
        cmd += ["--input", f"{n}={os.path.join(tmp, f'in_{len(cmd)}.npy')}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return False, (r.stderr.strip().splitlines() or ["crash"])[-1][:300]
    for o, w in zip(sess.get_outputs(), want):
        got = np.load(os.path.join(tmp, o.name.replace("/", "_") + ".npy"))
        if got.shape != w.shape or not np.allclose(got, w, rtol=1e-3, atol=1e-4):
            err = np.abs(got.astype(np.float64) - w).max() if got.shape == w.shape else "shape"
            return False, f"{o.name}: {got.shape} vs {w.shape}, err {err}"
    return True, ""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-run", required=True)
    p.add_argument("model_dir")
    p.add_argument("--set", type=int, default=0)
    p.add_argument("--sieve-arg", action="append", default=[])
    args = p.parse_args()
    model = onnx.load(os.path.join(args.model_dir, "model.onnx"))
    set_dir = os.path.join(args.model_dir, f"test_data_set_{args.set}")
    feeds = {}
    for i, inp in enumerate(model.graph.input):
        path = os.path.join(set_dir, f"input_{i}.pb")
        if os.path.exists(path):
            t = onnx.TensorProto()
            t.ParseFromString(open(path, "rb").read())
            feeds[inp.name] = numpy_helper.to_array(t)
    lo, hi = 0, len(model.graph.node) - 1
    with tempfile.TemporaryDirectory() as tmp:
        ok, why = run_prefix(model, hi, feeds, args, tmp)
        if ok:
            print("the whole model matches")
            return 0
        last_why = why
        while lo < hi:
            mid = (lo + hi) // 2
            ok, why = run_prefix(model, mid, feeds, args, tmp)
            if ok:
                lo = mid + 1
            else:
                hi, last_why = mid, why
        n = model.graph.node[lo]
        print(f"first bad node #{lo}: {n.name} ({n.op_type}) inputs {list(n.input)}: {last_why}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
