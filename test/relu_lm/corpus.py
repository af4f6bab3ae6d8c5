"""The training text: the .py sources of the Python standard library
(`sysconfig.get_paths()['stdlib']`), on every machine with Python.

Files are read in sorted order of their relative path; site-packages,
test suites (`test/`, `tests/`, `idle_test/`) and the machine-specific
`_sysconfigdata*` are left out. A file is held out for evaluation when the
SHA-256 of its relative path ends in a byte divisible by 20 (about 5% of
the files, chosen by name, so the split does not move when other files are
added or removed). Files are joined with a NUL byte between them.
"""

import hashlib
import os
import sysconfig

import numpy as np

SKIP_DIRS = {"site-packages", "dist-packages", "test", "tests", "idle_test", "__pycache__"}


def stdlib_files(root=None):
    root = root or sysconfig.get_paths()["stdlib"]
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [s for s in subdirs if s not in SKIP_DIRS]
        for name in files:
            if name.endswith(".py") and not name.startswith("_sysconfigdata"):
                path = os.path.join(directory, name)
                found.append(os.path.relpath(path, root))
    return root, sorted(found)


def held_out(relpath):
    return hashlib.sha256(relpath.encode()).digest()[-1] % 20 == 0


def load(split, root=None):
    """The bytes of one split ('train' or 'heldout') as a uint8 array, and
    the number of files in it."""
    root, files = stdlib_files(root)
    chosen = [f for f in files if held_out(f) == (split == "heldout")]
    parts = []
    for f in chosen:
        with open(os.path.join(root, f), "rb") as fh:
            parts.append(fh.read())
    return np.frombuffer(b"\0".join(parts), dtype=np.uint8), len(chosen)


def windows(data, count, length, seed):
    """`count` windows of `length` bytes at seeded random offsets, as int64
    [count, length]."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(data) - length, count)
    return np.stack([data[s:s + length] for s in starts]).astype(np.int64)
