"""Loads a model compiled by `sievec -o model.so` and calls it from numpy.

The shared library exports `_mlir_ciface_<entry>(results*, inputs*...)`,
whose arguments are MLIR memref descriptors (see the header sievec writes);
this module builds them with ctypes. Results are allocated by the model and
freed here after copying.
"""

import _ctypes
import ctypes
import os
import subprocess

import numpy as np

_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]

_CTYPES = {np.float32: ctypes.c_float, np.float64: ctypes.c_double,
           np.int64: ctypes.c_int64, np.int32: ctypes.c_int32}


def descriptor_type(rank):
    """The ctypes struct of an MLIR memref descriptor of `rank`."""
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


def descriptor(a):
    """A memref descriptor viewing the C-contiguous numpy array `a`."""
    assert a.flags["C_CONTIGUOUS"]
    d = descriptor_type(a.ndim)()
    d.allocated = d.aligned = a.ctypes.data
    d.offset = 0
    for i, (size, stride) in enumerate(zip(a.shape, a.strides)):
        d.sizes[i] = size
        d.strides[i] = stride // a.itemsize
    return d


class SieveModel:
    """A compiled model: `model(*arrays)` returns the outputs as arrays."""

    def __init__(self, library, entry, output_specs):
        """output_specs: [(rank, numpy dtype)] for each output, in order."""
        self.lib = ctypes.CDLL(os.path.abspath(library))
        self.fn = getattr(self.lib, f"_mlir_ciface_{entry}")
        self.fn.restype = None
        self.output_specs = output_specs
        fields = [(f"r{i}", descriptor_type(rank)) for i, (rank, _) in enumerate(output_specs)]
        self.Results = type("Results", (ctypes.Structure,), {"_fields_": fields})

    @staticmethod
    def compile(sievec, model_path, library, entry, output_specs, extra_args=()):
        subprocess.run([sievec, model_path, "-o", library, "--entry", entry,
                        "--mcpu=native", *extra_args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return SieveModel(library, entry, output_specs)

    def __call__(self, *arrays):
        return self.prepare(*arrays)()

    def prepare(self, *arrays, collect=True):
        """A no-argument callable that runs the model on `arrays`: the
        descriptors are built once, so that timing measures the model and
        not Python. With collect=False the outputs are freed, not copied
        out (as onnxruntime's run_with_iobinding leaves them in place)."""
        descs = [descriptor(a) for a in arrays]
        results = self.Results()
        args = [ctypes.byref(results)] + [ctypes.byref(d) for d in descs]

        def run():
            self.fn(*args)
            if collect:
                return self._collect(results)
            for i in range(len(self.output_specs)):
                _libc.free(getattr(results, f"r{i}").allocated)
            return None

        run.keep_alive = (arrays, descs)
        return run

    def close(self):
        """Unloads the library (dlclose): its mapped weights stop holding
        memory and, once the file is deleted, disk. The model, and every
        callable prepare() returned, must not be called afterwards."""
        if self.lib is not None:
            _ctypes.dlclose(self.lib._handle)
            self.lib = self.fn = None

    def _collect(self, results):
        outputs = []
        for i, (rank, dtype) in enumerate(self.output_specs):
            d = getattr(results, f"r{i}")
            shape = [d.sizes[k] for k in range(rank)]
            strides = [d.strides[k] * np.dtype(dtype).itemsize for k in range(rank)]
            extent = d.offset + 1 + sum((s - 1) * d.strides[k]
                                        for k, s in enumerate(shape) if s > 0)
            base = ctypes.cast(d.aligned, ctypes.POINTER(_CTYPES[dtype]))
            view = np.ctypeslib.as_array(base, shape=(extent,))
            flat = np.lib.stride_tricks.as_strided(view[d.offset:], shape=shape,
                                                   strides=strides)
            outputs.append(np.array(flat, copy=True))
            _libc.free(d.allocated)
        return outputs
