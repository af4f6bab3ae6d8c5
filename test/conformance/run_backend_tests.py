#!/usr/bin/env python3
"""Runs the ONNX backend tests of the ops Sieve supports through sieve-run.

Sources: Debian's libonnx-testdata (ONNX 1.12) and the node tests of the
pinned onnx wheel. The supported ops are read from the importer's op list,
lib/Import/ONNX/Ops.def. A node test belongs to an op when the op is the one
the test is named after (its expanded variants included); pytorch-converted
and pytorch-operator tests are run when every op they use is supported.

Each test is compiled and run with `sieve-run MODEL --test-data DIR`. When a
model passes a shape argument (Reshape shape, Squeeze axes...) as a graph
input, the test is rerun with --constant-inputs, which compiles integer
inputs as constants; such passes are counted separately.

Every failure must be listed in xfail.txt with a reason; the script exits
non-zero on an unexpected failure or an unexpected pass (so the list stays
honest), and prints the counts.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
DEBIAN_DATA = "/usr/share/libonnx-testdata/data"
WHEEL_DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")

# The supported ops: the importer's op list, lib/Import/ONNX/Ops.def (the
# importer checks that its registered importers are exactly these).
OPS_DEF = os.path.join(HERE, "..", "..", "lib", "Import", "ONNX", "Ops.def")


def read_ops_def(path=OPS_DEF):
    """{op: family} from the SIEVE_ONNX_OP(Family, Op) lines of Ops.def."""
    ops = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*SIEVE_ONNX_OP\((\w+),\s*(\w+)\)", line)
            if m:
                ops[m.group(2)] = m.group(1)
    return ops


SUPPORTED_OPS = set(read_ops_def())

# Test-name spellings that differ from the op name.
NAME_ALIASES = {"batchnorm": "BatchNormalization"}


def squash(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def model_ops(model_path):
    model = onnx.load(model_path, load_external_data=False)
    ops = set()

    def visit(graph):
        for node in graph.node:
            ops.add(node.op_type)
            for attr in node.attribute:
                if attr.g.node:
                    visit(attr.g)

    visit(model.graph)
    return ops


def primary_op(test_name, ops):
    """The op a node test is named after, or None."""
    base = test_name[len("test_"):]
    base = re.sub(r"_expanded(_ver\d+)?$", "", base)
    squashed = squash(base)
    for alias, op in NAME_ALIASES.items():
        if squashed.startswith(alias):
            return op
    best = None
    for op in SUPPORTED_OPS | ops:
        if squashed.startswith(squash(op)) and (best is None or len(op) > len(best)):
            best = op
    return best


def collect(args):
    tests = []
    sources = [("debian", DEBIAN_DATA), ("onnx-" + onnx.__version__, WHEEL_DATA)]
    for label, root in sources:
        node_dir = os.path.join(root, "node")
        if os.path.isdir(node_dir):
            for name in sorted(os.listdir(node_dir)):
                path = os.path.join(node_dir, name)
                model = os.path.join(path, "model.onnx")
                if not os.path.isfile(model):
                    continue
                ops = model_ops(model)
                op = primary_op(name, ops)
                if op in SUPPORTED_OPS:
                    tests.append((f"{label}/node/{name}", path, op))
        for kind in ("pytorch-converted", "pytorch-operator"):
            kind_dir = os.path.join(root, kind)
            if not os.path.isdir(kind_dir):
                continue
            for name in sorted(os.listdir(kind_dir)):
                path = os.path.join(kind_dir, name)
                model = os.path.join(path, "model.onnx")
                if os.path.isfile(model) and model_ops(model) <= SUPPORTED_OPS:
                    tests.append((f"{label}/{kind}/{name}", path, kind))
    if args.filter:
        tests = [t for t in tests if re.search(args.filter, t[0])]
    return tests


def run_one(sieve_run, test, timeout):
    name, path, _ = test
    cmd = [sieve_run, os.path.join(path, "model.onnx"), "--test-data", path, "--quiet"]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return name, "fail", f"timed out after {timeout} s"
    output = result.stdout + result.stderr
    if result.returncode != 0 and "must be a compile-time constant" in output + "must be a constant":
        if "must be a compile-time constant" in output or "must be a constant" in output:
            try:
                again = subprocess.run(cmd + ["--constant-inputs"], capture_output=True,
                                       text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return name, "fail", f"timed out after {timeout} s"
            if again.returncode == 0:
                return name, "pass-constant-inputs", ""
            output = again.stdout + again.stderr
            result = again
    if result.returncode == 0:
        return name, "pass", ""
    lines = [l for l in output.splitlines() if "error" in l or "MISMATCH" in l]
    detail = lines[0] if lines else output.strip().splitlines()[-1] if output.strip() else f"exit {result.returncode}"
    if result.returncode < 0:
        detail = f"crashed with signal {-result.returncode}: " + detail
    return name, "fail", detail[:300]


def read_xfail():
    xfail = {}
    path = os.path.join(HERE, "xfail.txt")
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pattern, _, reason = line.partition("#")
            if not reason.strip():
                sys.exit(f"xfail.txt: '{pattern.strip()}' has no reason")
            xfail[pattern.strip()] = reason.strip()
    return xfail


def xfail_reason(name, xfail):
    for pattern, reason in xfail.items():
        if re.fullmatch(pattern, name):
            return reason
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sieve-run", help="path to sieve-run")
    parser.add_argument("--list-ops", action="store_true",
                        help="print the supported ops (from Ops.def) and exit")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--filter", help="only tests whose name matches this regex")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every test")
    args = parser.parse_args()
    if args.list_ops:
        for op, family in sorted(read_ops_def().items()):
            print(f"{op} {family}")
        return 0
    if not args.sieve_run:
        parser.error("--sieve-run is required")

    tests = collect(args)
    xfail = read_xfail()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_one, args.sieve_run, t, args.timeout) for t in tests]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            name, status, detail = future.result()
            results[name] = (status, detail)
            if args.verbose:
                print(f"[{done}/{len(tests)}] {status.upper()}: {name} {detail}", flush=True)
            elif done % 50 == 0:
                print(f"... {done}/{len(tests)} tests run", flush=True)

    unexpected_fail, unexpected_pass, expected_fail = [], [], []
    counts = {}
    for name, path, group in tests:
        status, detail = results[name]
        source = name.split("/")[0] + "/" + name.split("/")[1]
        c = counts.setdefault(source, {"total": 0, "pass": 0, "pass-constant-inputs": 0})
        c["total"] += 1
        reason = xfail_reason(name, xfail)
        if status.startswith("pass"):
            c[status] += 1
            if reason:
                unexpected_pass.append((name, reason))
        elif reason:
            expected_fail.append((name, reason, detail))
        else:
            unexpected_fail.append((name, detail))

    print("\nSieve ONNX backend conformance")
    total = passed = 0
    for source, c in sorted(counts.items()):
        p = c["pass"] + c["pass-constant-inputs"]
        total += c["total"]
        passed += p
        print(f"  {source:40s} {p:4d} / {c['total']:4d} pass "
              f"({c['pass-constant-inputs']} with shape inputs as constants)")
    print(f"  {'all':40s} {passed:4d} / {total:4d} pass ({100.0 * passed / max(total, 1):.1f}%)")
    print(f"  expected failures (xfail.txt): {len(expected_fail)}")
    for name, detail in unexpected_fail:
        print(f"UNEXPECTED FAIL: {name}: {detail}")
    for name, reason in unexpected_pass:
        print(f"UNEXPECTED PASS: {name} (xfail.txt says: {reason})")
    return 1 if unexpected_fail or unexpected_pass else 0


if __name__ == "__main__":
    sys.exit(main())
