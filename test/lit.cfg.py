# -*- Python -*-
# lit configuration of the Sieve regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SIEVE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
# Python tests need the Python that has onnx, onnxruntime and numpy.
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py",
                   "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sieve_obj_root, "test")

config.substitutions.append(("%sieve_src_root", config.sieve_src_root))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%sieve_obj_root", config.sieve_obj_root))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.sieve_tools_dir, config.llvm_tools_dir]
tools = ["sieve-opt", "sieve-translate", "sieve-run", "sievec", "sieve-analyze",
         "sieve-capi-test", "mlir-opt"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Tools built with AddressSanitizer (scripts/sanitize.sh): the JIT's buffer
# pool is off there, so that ASan sees every allocation.
if "address" in getattr(config, "sieve_sanitizers", ""):
    config.available_features.add("asan")

# x86 VNNI (vpdpbusd) on this machine: the 8-bit dot-product kernels run
# here (test/Transforms/dot-bytes-run-vnni.mlir).
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split() for line in cpuinfo if line.startswith("flags")), [])
    if "avx512_vnni" in flags and "avx512vl" in flags:
        config.available_features.add("x86-vnni")
except OSError:
    pass

# MLIR's C runner utilities (vector.print) for tests run by mlir-runner.
config.substitutions.append(
    ("%mlir_c_runner_utils",
     os.path.join(os.path.dirname(config.llvm_tools_dir), "lib",
                  "libmlir_c_runner_utils.so")))

# AArch64 under emulation (test/e2e/aarch64-*.test): the arm64 cross compiler
# and qemu-aarch64, both installed by scripts/install-deps.sh.
import shutil
import subprocess
if shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64"):
    config.available_features.add("aarch64-qemu")

# NVPTX (test/Target/nvptx-*.test): every emitted PTX is validated by
# NVIDIA's assembler, ptxas: $SIEVE_PTXAS, else the one on PATH or in
# /usr/local/cuda, else the one that PyPI's triton wheel bundles (a
# dependency of the pinned torch, so scripts/install-deps.sh installs it;
# triton/backends/nvidia/bin/ptxas of the tests' Python). Without any, those
# tests are UNSUPPORTED. A machine with the CUDA driver (libcuda.so.1) can
# run models on its GPU; the tests of the no-GPU error need one without it.
def find_ptxas():
    candidates = [os.environ.get("SIEVE_PTXAS"), shutil.which("ptxas"),
                  "/usr/local/cuda/bin/ptxas"]
    try:
        triton = subprocess.run(
            [config.python_executable, "-c",
             "import importlib.util, os; s = importlib.util.find_spec('triton'); "
             "print(os.path.dirname(s.origin) if s and s.origin else '')"],
            capture_output=True, text=True, timeout=60).stdout.strip()
        if triton:
            candidates.append(os.path.join(triton, "backends", "nvidia", "bin",
                                           "ptxas"))
    except (OSError, subprocess.SubprocessError):
        pass
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


ptxas = find_ptxas()
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
import ctypes
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
cuda_stub = "/usr/local/cuda/lib64/stubs/libcuda.so"
if os.path.isfile(cuda_stub):
    config.available_features.add("cuda-stub")
    config.substitutions.append(("%cuda_stub", cuda_stub))
