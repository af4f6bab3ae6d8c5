"""Times the upstream MLIR sparsifier on x @ W with a sparse constant weight.

The baseline for Sieve's packed sparse kernel: `build(weight, batch, workdir)`
writes a function computing `linalg.matmul` of a dense x (batch x K) by W
(K x N, a `#sparse_tensor.encoding`) into a dense batch x N output, lowers it
with `mlir-opt --sparsifier` (no runtime library), compiles it with clang and
loads it with ctypes. The weight enters the function as its storage arrays
(positions, coordinates, values, 32-bit indices), which
`sparse_tensor.assemble` wraps without copying, so no conversion from dense
happens per call; the output is written in place into a caller's buffer.

Formats: "csr" (i : dense, j : compressed), "csc" (j : dense, i : compressed)
and "bsr" (blocks of `block` x `block`, block rows dense, block columns
compressed, the inside of a block dense).

The LLVM tools come from $SIEVE_LLVM_BIN, default /usr/lib/llvm-22/bin.

    python3 benchmarks/upstream_sparse.py [workdir]

runs a self-test and prints timings (single-threaded).
"""

import os

if __name__ == "__main__":
    # Single-threaded reference timings: must precede the numpy import.
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"

import ctypes
import hashlib
import sys
import subprocess
import time
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sieve_model import descriptor  # noqa: E402  (memref descriptors)

LLVM_BIN = os.environ.get("SIEVE_LLVM_BIN", "/usr/lib/llvm-22/bin")

FORMATS = ("csr", "csc", "bsr")

# The faster vector length per format when measured on K=N=4096 at 90-95%
# zeros (AVX-512 machine): csr vectorizes into gather+scatter of the output
# row, slower than scalar; csc into a gather of x with a vector reduction,
# a little faster; bsr 4x4 wants vl equal to the block width.
DEFAULT_VL = {"csr": 0, "csc": 16, "bsr": 4}


def _tool(name):
    return os.path.join(LLVM_BIN, name)


def pack(weight, fmt="csr", block=4):
    """The storage arrays (positions, coordinates, values) of `weight` in
    `fmt`, with int32 indices, as `sparse_tensor.assemble` expects them."""
    w = np.asarray(weight, dtype=np.float32)
    if fmt == "csr":
        m = w
    elif fmt == "csc":
        m = w.T
    elif fmt == "bsr":
        k, n = w.shape
        assert k % block == 0 and n % block == 0, "bsr needs K, N multiples of block"
        blocks = w.reshape(k // block, block, n // block, block).transpose(0, 2, 1, 3)
        nonzero = np.any(blocks != 0, axis=(2, 3))
        rows, cols = np.nonzero(nonzero)
        pos = np.zeros(k // block + 1, dtype=np.int32)
        np.cumsum(np.count_nonzero(nonzero, axis=1), out=pos[1:])
        vals = np.ascontiguousarray(blocks[rows, cols].reshape(-1))
        return pos, cols.astype(np.int32), vals
    else:
        raise ValueError(f"unknown format {fmt!r}, expected one of {FORMATS}")
    rows, cols = np.nonzero(m)
    pos = np.zeros(m.shape[0] + 1, dtype=np.int32)
    np.cumsum(np.count_nonzero(m, axis=1), out=pos[1:])
    return pos, cols.astype(np.int32), np.ascontiguousarray(m[rows, cols])


def _encoding(fmt, block):
    if fmt == "csr":
        lvl = "(i, j) -> (i : dense, j : compressed)"
    elif fmt == "csc":
        lvl = "(i, j) -> (j : dense, i : compressed)"
    elif fmt == "bsr":
        b = block
        lvl = (f"(i, j) -> (i floordiv {b} : dense, j floordiv {b} : compressed, "
               f"i mod {b} : dense, j mod {b} : dense)")
    else:
        raise ValueError(f"unknown format {fmt!r}, expected one of {FORMATS}")
    return f"#sparse_tensor.encoding<{{ map = {lvl}, posWidth = 32, crdWidth = 32 }}>"


def mlir_text(batch, k, n, fmt="csr", block=4, entry="spmm"):
    """The MLIR module: `entry(x, positions, coordinates, values, out)` on
    memrefs, out = x @ W. The output is zeroed on the memref, then used as
    the (restrict, writable) destination of the matmul so that bufferization
    writes in place (a tensor fill would be folded into a constant copied
    into a fresh allocation, then copied out)."""
    xt, ot, wt = f"{batch}x{k}xf32", f"{batch}x{n}xf32", f"{k}x{n}xf32, #W"
    return f"""#W = {_encoding(fmt, block)}
func.func @{entry}(%xm: memref<{xt}>, %posm: memref<?xi32>, %crdm: memref<?xi32>,
                   %valm: memref<?xf32>, %outm: memref<{ot}>)
    attributes {{llvm.emit_c_interface}} {{
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%outm : memref<{ot}>)
  %x = bufferization.to_tensor %xm restrict : memref<{xt}> to tensor<{xt}>
  %pos = bufferization.to_tensor %posm restrict : memref<?xi32> to tensor<?xi32>
  %crd = bufferization.to_tensor %crdm restrict : memref<?xi32> to tensor<?xi32>
  %val = bufferization.to_tensor %valm restrict : memref<?xf32> to tensor<?xf32>
  %init = bufferization.to_tensor %outm restrict writable : memref<{ot}> to tensor<{ot}>
  %w = sparse_tensor.assemble (%pos, %crd), %val
      : (tensor<?xi32>, tensor<?xi32>), tensor<?xf32> to tensor<{wt}>
  %r = linalg.matmul ins(%x, %w : tensor<{xt}>, tensor<{wt}>)
                     outs(%init : tensor<{ot}>) -> tensor<{ot}>
  bufferization.materialize_in_destination %r in restrict writable %outm
      : (tensor<{ot}>, memref<{ot}>) -> ()
  return
}}
"""


def sparsifier_options(vl=16, extra=""):
    return f"enable-runtime-library=false vl={vl} {extra}".strip()


def pipeline(vl=16, extra=""):
    """The command lines used to lower and compile (for reports)."""
    return [f"{_tool('mlir-opt')} --sparsifier=\"{sparsifier_options(vl, extra)}\"",
            f"{_tool('mlir-translate')} --mlir-to-llvmir",
            f"{_tool('clang')} -O3 -march=native -shared -fPIC"]


def _compile(text, workdir, vl, extra, name):
    os.makedirs(workdir, exist_ok=True)
    base = os.path.join(workdir, name)
    src, low, ll, so = (base + ext for ext in (".mlir", ".llvm.mlir", ".ll", ".so"))
    with open(src, "w") as f:
        f.write(text)
    run = lambda *cmd: subprocess.run(cmd, check=True, capture_output=True, text=True)
    try:
        run(_tool("mlir-opt"), src, f"--sparsifier={sparsifier_options(vl, extra)}", "-o", low)
        run(_tool("mlir-translate"), "--mlir-to-llvmir", low, "-o", ll)
        run(_tool("clang"), "-O3", "-march=native", "-shared", "-fPIC", ll, "-o", so)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"{' '.join(e.cmd)} failed:\n{e.stderr}") from None
    return so


class SparseMatmul:
    """x @ W through the sparsifier's code; `run = build(...)` is one."""

    def __init__(self, weight, batch, workdir, fmt="csr", vl=None, extra="", block=4):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}, expected one of {FORMATS}")
        if vl is None:
            vl = DEFAULT_VL[fmt] if fmt != "bsr" else block
        w = np.asarray(weight, dtype=np.float32)
        assert w.ndim == 2
        self.batch, (self.k, self.n) = batch, w.shape
        self.fmt, self.vl = fmt, vl
        text = mlir_text(batch, self.k, self.n, fmt, block)
        key = hashlib.sha1(f"{text}|{vl}|{extra}|{LLVM_BIN}".encode()).hexdigest()[:12]
        self.library = _compile(text, workdir, vl, extra, f"spmm_{fmt}_vl{vl}_{key}")
        self.fn = getattr(ctypes.CDLL(os.path.abspath(self.library)), "_mlir_ciface_spmm")
        self.fn.restype = None
        self.storage = pack(w, fmt, block)
        self.nnz = int(np.count_nonzero(w))
        self._weight_descs = [descriptor(a) for a in self.storage]

    def prepare(self, x, out=None):
        """A no-argument callable running the kernel on x into `out` (made
        here when not given) and returning `out`; descriptors built once."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        assert x.shape == (self.batch, self.k), (x.shape, (self.batch, self.k))
        if out is None:
            out = np.empty((self.batch, self.n), dtype=np.float32)
        assert out.shape == (self.batch, self.n) and out.dtype == np.float32
        assert out.flags["C_CONTIGUOUS"]
        descs = [descriptor(x)] + self._weight_descs + [descriptor(out)]
        args = [ctypes.byref(d) for d in descs]
        fn = self.fn

        def call():
            fn(*args)
            return out

        call.keep_alive = (x, out, descs, self.storage)
        return call

    def __call__(self, x):
        return self.prepare(x)().copy()


def build(weight: np.ndarray, batch: int, workdir: str, fmt: str = "csr",
          vl: int | None = None, extra: str = "", block: int = 4
          ) -> Callable[[np.ndarray], np.ndarray]:
    """weight: float32 K x N (mostly zeros). Returns run(x) computing
    x @ weight for x of shape (batch, K) float32, result (batch, N) float32.
    run.prepare(x) gives a no-argument callable doing only the kernel call.
    vl: the sparsifier's vector length (0: scalar; None: DEFAULT_VL[fmt],
    the block width for bsr); extra: more --sparsifier
    options (e.g. "reassociate-fp-reductions=true"); block: the bsr block."""
    return SparseMatmul(weight, batch, workdir, fmt, vl, extra, block)


def median_ms(call, runs=20, warmup=2):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def _self_test(workdir):
    k = n = 4096
    rng = np.random.default_rng(0)
    configs = [("csr", 16), ("csr", 0), ("csc", 16), ("csc", 0), ("bsr", 4), ("bsr", 0)]
    print(f"K=N={k}; median of 20 runs, ms; lowering: {' | '.join(pipeline('<vl>'))}")
    print(f"{'format':>6} {'vl':>3} {'batch':>5} {'zeros':>5} {'nnz':>8} {'ms':>9} {'relerr':>9}")
    failures = 0
    for zeros in (0.90, 0.95):
        w = rng.standard_normal((k, n)).astype(np.float32)
        w[rng.random((k, n)) < zeros] = 0
        for batch in (1, 8):
            x = rng.standard_normal((batch, k)).astype(np.float32)
            ref = x @ w
            dense_ms = median_ms(lambda: x @ w)
            print(f"{'numpy':>6} {'-':>3} {batch:>5} {zeros:>5.2f} {k * n:>8} {dense_ms:>9.3f}")
            for fmt, vl in configs:
                try:
                    m = build(w, batch, workdir, fmt, vl=vl)
                except RuntimeError as e:
                    failures += 1
                    print(f"{fmt:>6} {vl:>3} {batch:>5} {zeros:>5.2f} build failed: "
                          f"{str(e).splitlines()[0]}")
                    continue
                call = m.prepare(x)
                got = call()
                err = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
                ok = err <= 1e-5
                failures += not ok
                print(f"{fmt:>6} {vl:>3} {batch:>5} {zeros:>5.2f} {m.nnz:>8} "
                      f"{median_ms(call):>9.3f} {err:>9.2e}{'' if ok else '  FAIL'}")
    return failures


if __name__ == "__main__":
    import sys
    import tempfile
    wd = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="upstream_sparse_")
    sys.exit(1 if _self_test(wd) else 0)
