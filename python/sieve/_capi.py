"""ctypes bindings of Sieve's C API (include/sieve-c/Compiler.h).

Every call into the library releases the GIL (ctypes does so for CDLL
functions), so compiling and running models does not block other Python
threads.
"""

import ctypes
import os

_ELEMENT_TYPES = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
    7: "int64", 9: "bool", 10: "float16", 11: "float64", 12: "uint32",
    13: "uint64",
}


class SieveCompileOptions(ctypes.Structure):
    _fields_ = [
        ("target", ctypes.c_char_p),
        ("cpu", ctypes.c_char_p),
        ("features", ctypes.c_char_p),
        ("sparsity", ctypes.c_char_p),
        ("profile", ctypes.c_char_p),
        ("activationDensityLimit", ctypes.c_double),
        ("weightDensityLimit", ctypes.c_double),
        ("entryName", ctypes.c_char_p),
        ("vectorize", ctypes.c_int),
        ("maxTensorBytes", ctypes.c_int64),
        ("threads", ctypes.c_int64),
        ("calibrateDir", ctypes.c_char_p),
        ("calibrateRandom", ctypes.c_uint),
        ("predictorRecall", ctypes.c_double),
        ("predictorRank", ctypes.c_int64),
        ("predictors", ctypes.c_char_p),
        ("sveVectorBits", ctypes.c_int64),
        ("gpuArch", ctypes.c_char_p),
        ("emulateGPU", ctypes.c_int),
    ]


class SieveTensor(ctypes.Structure):
    _fields_ = [
        ("elementType", ctypes.c_int32),
        ("rank", ctypes.c_int64),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("data", ctypes.c_void_p),
    ]


def _candidates():
    env = os.environ.get("SIEVE_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libSieveCAPI.so")
    # An installed prefix: <prefix>/python/sieve -> <prefix>/lib.
    yield os.path.join(here, "..", "..", "lib", "libSieveCAPI.so")
    # A source checkout: python/sieve -> build/lib.
    root = os.path.dirname(os.path.dirname(here))
    build = os.environ.get("SIEVE_BUILD_DIR", os.path.join(root, "build"))
    yield os.path.join(build, "lib", "libSieveCAPI.so")


def _load():
    tried = []
    for path in _candidates():
        if os.path.exists(path):
            # Its companion (upstream MLIR's C API) may sit beside it, as
            # in an installed package: load that first so the dependency
            # resolves whatever the library's run path says.
            companion = os.path.join(os.path.dirname(path),
                                     "libSieveMLIRCAPI.so")
            if os.path.exists(companion):
                ctypes.CDLL(companion, mode=ctypes.RTLD_GLOBAL)
            return ctypes.CDLL(path)
        tried.append(path)
    raise ImportError(
        "cannot find libSieveCAPI.so (looked at: %s); build Sieve "
        "(scripts/build.sh) or set SIEVE_LIBRARY" % ", ".join(tried))


lib = _load()

_P = ctypes.POINTER
_char_pp = _P(ctypes.c_char_p)

lib.sieveCompileOptionsInit.argtypes = [_P(SieveCompileOptions)]
lib.sieveCompileOptionsInit.restype = None
lib.sieveFreeString.argtypes = [ctypes.c_void_p]
lib.sieveFreeString.restype = None
lib.sieveCompileModel.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                  _P(SieveCompileOptions), _P(ctypes.c_void_p)]
lib.sieveCompileModel.restype = ctypes.c_int
lib.sieveModelLoad.argtypes = [ctypes.c_char_p, _P(SieveCompileOptions),
                               _P(ctypes.c_void_p)]
lib.sieveModelLoad.restype = ctypes.c_void_p
lib.sieveModelDestroy.argtypes = [ctypes.c_void_p]
lib.sieveModelDestroy.restype = None
for name in ("sieveModelNumInputs", "sieveModelNumOutputs"):
    getattr(lib, name).argtypes = [ctypes.c_void_p]
    getattr(lib, name).restype = ctypes.c_size_t
for name in ("sieveModelInputName", "sieveModelOutputName"):
    getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    getattr(lib, name).restype = ctypes.c_char_p
for name in ("sieveModelInputType", "sieveModelOutputType"):
    getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    getattr(lib, name).restype = SieveTensor
lib.sieveModelRun.argtypes = [ctypes.c_void_p, _P(SieveTensor), ctypes.c_size_t,
                              _P(SieveTensor), ctypes.c_size_t,
                              _P(ctypes.c_void_p)]
lib.sieveModelRun.restype = ctypes.c_int
lib.sieveAnalyzeModel.argtypes = [ctypes.c_char_p, ctypes.c_uint,
                                  ctypes.c_char_p, _P(ctypes.c_void_p)]
lib.sieveAnalyzeModel.restype = ctypes.c_void_p
lib.sieveTensorFree.argtypes = [_P(SieveTensor)]
lib.sieveTensorFree.restype = None


def take_error(pointer):
    """The message behind an `error` out-argument, freed."""
    if not pointer.value:
        return "unknown error"
    message = ctypes.string_at(pointer.value).decode("utf-8", "replace")
    lib.sieveFreeString(pointer.value)
    return message


def take_string(pointer):
    """The text at a returned char *, freed."""
    text = ctypes.string_at(pointer).decode("utf-8", "replace")
    lib.sieveFreeString(pointer)
    return text


def element_type_name(code):
    return _ELEMENT_TYPES.get(code)


def element_type_code(name):
    for code, n in _ELEMENT_TYPES.items():
        if n == name:
            return code
    return None
