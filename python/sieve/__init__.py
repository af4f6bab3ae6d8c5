"""Sieve: compile ONNX models to native code that skips zeros.

    import sieve
    session = sieve.InferenceSession("model.onnx", sparsity="auto")
    outputs = session.run(None, {"x": x})

`InferenceSession` follows onnxruntime's surface (get_inputs, get_outputs,
run); `compile` writes an object file or shared library; `analyze` returns
the sparsity report of `sieve-analyze`. The package binds Sieve's C API
(libSieveCAPI.so) with ctypes; see docs/python.md.
"""

import ctypes
import json
import os
import tempfile

import numpy as np

from . import _capi

__all__ = ["InferenceSession", "NodeArg", "SieveError", "compile", "analyze"]

SPARSITY_MODES = ("off", "exact", "auto", "approx")
DEVICES = ("cpu", "cuda", "emulated-gpu")


class SieveError(RuntimeError):
    """A model that cannot be compiled or run (the message names the ONNX
    node and op where there is one)."""


class NodeArg:
    """An input or output of a model, as onnxruntime's NodeArg: `name`,
    `type` ("tensor(float)"), `shape` (None for a dynamic dimension)."""

    def __init__(self, name, dtype, shape):
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.type = "tensor(%s)" % _ORT_TYPE_NAMES.get(dtype, dtype)

    def __repr__(self):
        return "NodeArg(name=%r, type=%r, shape=%r)" % (self.name, self.type,
                                                        self.shape)


_ORT_TYPE_NAMES = {"float32": "float", "float64": "double"}


def _options(sparsity="off", profile=None, activation_density_limit=None,
             weight_density_limit=None, target=None, cpu=None, features=None,
             entry=None, vectorize=True, max_tensor_bytes=None, threads=0,
             calibrate=None, calibrate_random=0, predictor_recall=0.99,
             predictor_rank=0, predictors=None, sve_vector_bits=None,
             gpu_arch=None, emulate_gpu=False):
    if sparsity not in SPARSITY_MODES:
        raise ValueError("sparsity must be one of %s, got %r" %
                         (", ".join(SPARSITY_MODES), sparsity))
    options = _capi.SieveCompileOptions()
    _capi.lib.sieveCompileOptionsInit(ctypes.byref(options))
    keep = []  # The encoded strings must outlive the call.

    def text(value):
        if value is None:
            return None
        encoded = os.fsencode(value) if isinstance(value, os.PathLike) \
            else str(value).encode()
        keep.append(encoded)
        return encoded

    options.sparsity = text(sparsity)
    options.profile = text(profile)
    options.target = text(target)
    options.cpu = text(cpu)
    options.features = text(features)
    options.entryName = text(entry)
    for field, value in (("activationDensityLimit", activation_density_limit),
                         ("weightDensityLimit", weight_density_limit)):
        if value is not None:
            value = float(value)
            if not value >= 0 or value == float("inf"):
                raise ValueError("%s must be a finite non-negative number, "
                                 "got %r" % (field, value))
            setattr(options, field, value)
    options.vectorize = 1 if vectorize else 0
    if max_tensor_bytes is not None:
        if int(max_tensor_bytes) <= 0:
            raise ValueError("max_tensor_bytes must be positive, got %r"
                             % (max_tensor_bytes,))
        options.maxTensorBytes = int(max_tensor_bytes)
    options.threads = _check_threads(threads)
    options.calibrateDir = text(calibrate)
    if isinstance(calibrate_random, bool) or not isinstance(calibrate_random, int) \
            or calibrate_random < 0:
        raise ValueError("calibrate_random must be a non-negative integer, got %r"
                         % (calibrate_random,))
    options.calibrateRandom = calibrate_random
    options.predictorRecall = float(predictor_recall)
    if isinstance(predictor_rank, bool) or not isinstance(predictor_rank, int) \
            or predictor_rank < 0:
        raise ValueError("predictor_rank must be a non-negative integer, got %r"
                         % (predictor_rank,))
    options.predictorRank = predictor_rank
    options.predictors = text(predictors)
    if sve_vector_bits is not None:
        if isinstance(sve_vector_bits, bool) or \
                not isinstance(sve_vector_bits, int) or sve_vector_bits < 0:
            raise ValueError("sve_vector_bits must be a non-negative integer, "
                             "got %r" % (sve_vector_bits,))
        options.sveVectorBits = sve_vector_bits
    options.gpuArch = text(gpu_arch)
    options.emulateGPU = 1 if emulate_gpu else 0
    return options, keep


def _model_path(model, tmpdir):
    """A path for `model` (a path, or the bytes of a serialized model)."""
    if isinstance(model, (bytes, bytearray)):
        path = os.path.join(tmpdir, "model.onnx")
        with open(path, "wb") as f:
            f.write(model)
        return path
    path = os.fspath(model)
    if not os.path.isfile(path):
        raise FileNotFoundError("no model file '%s'" % path)
    return path


def _check_threads(threads):
    """The thread count for the C API: None and 0 mean every core."""
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, int) \
            or threads < 0:
        raise ValueError("threads must be a non-negative integer (0: every "
                         "physical core, 1: single-threaded code), got %r"
                         % (threads,))
    return threads


class InferenceSession:
    """A model compiled for this CPU, run with onnxruntime's calls.

    model: a path to an .onnx file (external data beside it), or its bytes.
    sparsity: "off", "exact" (skip the zeros: results equal the dense ones
      up to float rounding), "auto" (exact where a profile says it pays) or
      "approx" (exact, and each ReLU FFN predicts its active neurons before
      the up projection: faster, approximate; needs calibration inputs,
      docs/predictors.md).
    calibrate, calibrate_random: with sparsity="approx", the calibration
      inputs: a directory (ONNX test-data layout or .npy files named after
      the inputs) and/or a number of random input sets.
    predictor_recall, predictor_rank: with sparsity="approx", the recall the
      predictors aim at (default 0.99) and their rank (0: the cost model).
    predictors: with sparsity="approx", an ONNX file whose initializers are
      trained predictors to use instead of fitted ones (docs/predictors.md);
      the calibration inputs measure them.
    profile: with sparsity="auto", a `sieve-analyze --json` report.
    threads: the threads the compiled code runs on; 0 (the default, as
      onnxruntime's): every physical core; 1: single-threaded code. Large
      matmuls, convolutions and sparse kernels run in parallel chunks
      (LLVM's OpenMP runtime); small ones stay on the calling thread.
    max_tensor_bytes: the largest tensor the importer materialises
      (default: a quarter of the machine's memory).
    device: "cpu" (the default), "cuda" (this machine's NVIDIA GPU, through
      Sieve's CUDA runtime; an error names what is missing without one) or
      "emulated-gpu" (the GPU's kernels run on the CPU one GPU thread after
      another: slow, for tests), as sieve-run's --device; `threads` is for
      the CPU only.
    gpu_arch: with device "cuda", the GPU architecture the kernels are
      compiled for, "sm_80" or "sm_90" (None: sm_90).
    """

    def __init__(self, model, sparsity="off", threads=0, profile=None,
                 activation_density_limit=None, weight_density_limit=None,
                 vectorize=True, max_tensor_bytes=None, calibrate=None,
                 calibrate_random=0, predictor_recall=0.99, predictor_rank=0,
                 predictors=None, device="cpu", gpu_arch=None):
        if device not in DEVICES:
            raise ValueError("device must be one of %s, got %r" %
                             (", ".join(DEVICES), device))
        if gpu_arch is not None and device == "cpu":
            raise ValueError("gpu_arch is used by device \"cuda\"")
        gpu = device != "cpu"
        if gpu and threads not in (0, 1):
            raise ValueError("threads is for device \"cpu\", got %r with "
                             "device %r" % (threads, device))
        options, keep = _options(sparsity, profile, activation_density_limit,
                                 weight_density_limit,
                                 target="nvptx" if gpu else None,
                                 gpu_arch=gpu_arch,
                                 emulate_gpu=device == "emulated-gpu",
                                 vectorize=vectorize,
                                 max_tensor_bytes=max_tensor_bytes,
                                 threads=0 if gpu else threads,
                                 calibrate=calibrate,
                                 calibrate_random=calibrate_random,
                                 predictor_recall=predictor_recall,
                                 predictor_rank=predictor_rank,
                                 predictors=predictors)
        error = ctypes.c_void_p()
        with tempfile.TemporaryDirectory(prefix="sieve-") as tmp:
            path = _model_path(model, tmp)
            handle = _capi.lib.sieveModelLoad(os.fsencode(path),
                                              ctypes.byref(options),
                                              ctypes.byref(error))
        del keep
        if not handle:
            raise SieveError(_capi.take_error(error))
        self._handle = handle
        self._inputs = [self._arg(_capi.lib.sieveModelInputName,
                                  _capi.lib.sieveModelInputType, i)
                        for i in range(_capi.lib.sieveModelNumInputs(handle))]
        self._outputs = [self._arg(_capi.lib.sieveModelOutputName,
                                   _capi.lib.sieveModelOutputType, i)
                         for i in range(_capi.lib.sieveModelNumOutputs(handle))]

    def _arg(self, name_fn, type_fn, i):
        name = name_fn(self._handle, i).decode()
        t = type_fn(self._handle, i)
        dtype = _capi.element_type_name(t.elementType) or "unsupported"
        shape = [None if t.shape[d] < 0 else int(t.shape[d])
                 for d in range(t.rank)]
        return NodeArg(name, dtype, shape)

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle:
            _capi.lib.sieveModelDestroy(handle)
            self._handle = None

    def get_inputs(self):
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def _feed(self, input_feed):
        if not isinstance(input_feed, dict):
            raise ValueError("input_feed must be a dict {name: ndarray}")
        names = [a.name for a in self._inputs]
        for name in input_feed:
            if name not in names:
                raise ValueError("the model has no input named '%s' (its "
                                 "inputs: %s)" % (name, ", ".join(names)))
        arrays = []
        for arg in self._inputs:
            if arg.name not in input_feed:
                raise ValueError("input '%s' is missing" % arg.name)
            value = np.asarray(input_feed[arg.name])
            if value.dtype.name != arg.dtype:
                raise ValueError("input '%s' must be %s, got %s" %
                                 (arg.name, arg.dtype, value.dtype.name))
            if value.ndim != len(arg.shape):
                raise ValueError("input '%s' must have rank %d (shape %s), "
                                 "got shape %s" % (arg.name, len(arg.shape),
                                                   arg.shape,
                                                   list(value.shape)))
            for d, (want, got) in enumerate(zip(arg.shape, value.shape)):
                if want is not None and want != got:
                    raise ValueError("input '%s' must have shape %s, got %s "
                                     "(dimension %d)" % (arg.name, arg.shape,
                                                         list(value.shape), d))
            arrays.append(np.ascontiguousarray(value))
        return arrays

    def run(self, output_names, input_feed, run_options=None):
        """Runs the model; returns the outputs named in `output_names` (all
        of them when None), as numpy arrays, in that order."""
        all_names = [a.name for a in self._outputs]
        if output_names is None:
            output_names = all_names
        for name in output_names:
            if name not in all_names:
                raise ValueError("the model has no output named '%s' (its "
                                 "outputs: %s)" % (name, ", ".join(all_names)))
        arrays = self._feed(input_feed)
        n_in, n_out = len(arrays), len(self._outputs)
        inputs = (_capi.SieveTensor * max(1, n_in))()
        shapes = []
        for i, (arg, a) in enumerate(zip(self._inputs, arrays)):
            shape = (ctypes.c_int64 * max(1, a.ndim))(*a.shape)
            shapes.append(shape)
            inputs[i] = _capi.SieveTensor(
                _capi.element_type_code(arg.dtype), a.ndim,
                ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64)),
                a.ctypes.data_as(ctypes.c_void_p))
        outputs = (_capi.SieveTensor * max(1, n_out))()
        error = ctypes.c_void_p()
        if _capi.lib.sieveModelRun(self._handle, inputs, n_in, outputs, n_out,
                                   ctypes.byref(error)) != 0:
            raise SieveError(_capi.take_error(error))
        results = {}
        try:
            for i, arg in enumerate(self._outputs):
                t = outputs[i]
                shape = tuple(t.shape[d] for d in range(t.rank))
                dtype = np.dtype(_capi.element_type_name(t.elementType))
                count = int(np.prod(shape, dtype=np.int64))
                buffer = ctypes.string_at(t.data, count * dtype.itemsize) \
                    if count else b""
                results[arg.name] = np.frombuffer(
                    buffer, dtype=dtype).reshape(shape).copy()
        finally:
            for i in range(n_out):
                _capi.lib.sieveTensorFree(ctypes.byref(outputs[i]))
        return [results[name] for name in output_names]


def compile(model, output, target="x86_64", cpu="generic", features=None,
            sparsity="off", profile=None, activation_density_limit=None,
            weight_density_limit=None, entry=None, max_tensor_bytes=None,
            threads=0, calibrate=None, calibrate_random=0,
            predictor_recall=0.99, predictor_rank=0, predictors=None,
            sve_vector_bits=None, gpu_arch=None):
    """Compiles `model` ahead of time to `output` (.o or .so with a .h
    header, .ll, .mlir, .ptx), as `sievec` does. Returns `output`. `threads`
    and the approx options as for InferenceSession (an object file for
    several threads is linked with -lomp; another architecture than the
    host's uses 1). `sve_vector_bits` as sievec's --sve-vector-bits (target
    "aarch64" with SVE; None: the CPU's published length). Target "nvptx"
    compiles for NVIDIA GPUs: `gpu_arch` "sm_80" or "sm_90" (None: sm_90),
    as sievec's --gpu-arch."""
    options, keep = _options(sparsity, profile, activation_density_limit,
                             weight_density_limit, target, cpu, features,
                             entry, max_tensor_bytes=max_tensor_bytes,
                             threads=threads, calibrate=calibrate,
                             calibrate_random=calibrate_random,
                             predictor_recall=predictor_recall,
                             predictor_rank=predictor_rank,
                             predictors=predictors,
                             sve_vector_bits=sve_vector_bits,
                             gpu_arch=gpu_arch)
    error = ctypes.c_void_p()
    with tempfile.TemporaryDirectory(prefix="sieve-") as tmp:
        path = _model_path(model, tmp)
        rc = _capi.lib.sieveCompileModel(os.fsencode(path),
                                         os.fsencode(os.fspath(output)),
                                         ctypes.byref(options),
                                         ctypes.byref(error))
    del keep
    if rc != 0:
        raise SieveError(_capi.take_error(error))
    return output


def analyze(model, random=None, calibrate=None, plot=None):
    """The sparsity report, as `sieve-analyze --json` writes it: a dict with
    "weights" and "activation_sites" (lists of records, ready for
    pandas.DataFrame), "model" and "calibration_runs". With `random=N` or
    `calibrate=DIR` the activation densities are measured; `plot` also
    draws them to a PNG file (needs matplotlib)."""
    if random is not None and calibrate is not None:
        raise ValueError("use either random or calibrate")
    if random is not None and int(random) < 1:
        raise ValueError("random needs at least 1 run, got %r" % (random,))
    if plot is not None and random is None and calibrate is None:
        raise ValueError("plot needs measured densities (random or "
                         "calibrate)")
    if plot is not None and os.path.isdir(plot):
        raise ValueError("cannot write the plot to '%s': it is a directory"
                         % (plot,))
    error = ctypes.c_void_p()
    with tempfile.TemporaryDirectory(prefix="sieve-") as tmp:
        path = _model_path(model, tmp)
        text = _capi.lib.sieveAnalyzeModel(
            os.fsencode(path), int(random or 0),
            None if calibrate is None else os.fsencode(os.fspath(calibrate)),
            ctypes.byref(error))
    if not text:
        raise SieveError(_capi.take_error(error))
    report = json.loads(_capi.take_string(text))
    if plot is not None:
        from . import plot as plotting
        plotting.draw(report, os.fspath(plot))
    return report
