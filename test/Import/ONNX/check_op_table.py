#!/usr/bin/env python3
"""Checks docs/importer.md's op table against lib/Import/ONNX/Ops.def.

  check_op_table.py SOURCE_ROOT

Each row of the table names a family file (`Family.cpp`) and its ops (an op
may be followed by a parenthesized note). Prints the differences and exits
non-zero when the table and Ops.def disagree.
"""

import os
import re
import sys

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "test", "conformance"))
from run_backend_tests import read_ops_def  # noqa: E402

listed = {}
for op, family in read_ops_def(os.path.join(root, "lib", "Import", "ONNX", "Ops.def")).items():
    listed.setdefault(family, set()).add(op)

documented = {}
with open(os.path.join(root, "docs", "importer.md")) as f:
    for line in f:
        m = re.match(r"\|\s*`(\w+)\.cpp`\s*\|(.*)\|\s*$", line)
        if not m:
            continue
        text = re.sub(r"\([^)]*\)", "", m.group(2))  # drop the notes
        documented[m.group(1)] = {w.split()[0] for w in text.split(",") if w.strip()}

errors = []
for family in sorted(set(listed) | set(documented)):
    for op in sorted(listed.get(family, set()) - documented.get(family, set())):
        errors.append(f"{op} ({family}.cpp) is in Ops.def but not in docs/importer.md")
    for op in sorted(documented.get(family, set()) - listed.get(family, set())):
        errors.append(f"{op} ({family}.cpp) is in docs/importer.md but not in Ops.def")
for e in errors:
    print("error:", e)
total = sum(len(v) for v in listed.values())
print(f"{total} ops in {len(listed)} families" if not errors else f"{len(errors)} differences")
sys.exit(1 if errors else 0)
