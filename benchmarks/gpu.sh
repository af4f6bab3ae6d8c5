#!/usr/bin/env bash
# benchmarks/gpu.sh: everything Sieve's NVPTX target needs a GPU for, in one
# run on a machine with an NVIDIA GPU (H100/H200 class) and its driver:
#
#   1. builds Sieve (scripts/build.sh; the CUDA toolkit is optional: with
#      ptxas, the lit tests validate every PTX for sm_80 and sm_90);
#   2. the GPU lit tests (PTX generation, pipeline IR, emulated kernels);
#   3. end-to-end checks on the GPU against onnxruntime's CPU outputs
#      (test/e2e/check_gpu.py --device cuda: the MNIST MLP dense and exact,
#      ReLU FFNs with --sparsity=exact at several densities and a dynamic
#      batch, predicted FFNs with --sparsity=approx, light CNNs with random
#      weights; and compare_with_ort.py on
#      the light models), the MNIST MLP once under compute-sanitizer when
#      the toolkit has it;
#   4. the FFN GEMV benchmark (benchmarks/gpu_ffn.py): achieved bandwidth
#      as a share of HBM peak, dense and at 10% activation density (exact,
#      and approx with a predictor), for d x d_ff = 4096 x 11008 and
#      1024 x 4096.
#
# This needs a machine that can build Sieve (LLVM/MLIR 22). On a GPU machine
# that has only the driver and Python, use benchmarks/gpu_bundle.py: compile
# the same checks here (prepare) and run them there (run).
#
# Every step runs even if an earlier one failed (GPU time is scarce); logs
# go to OUT (default gpu-results/), a summary at the end, exit status 1 if
# any step failed.
#
#   benchmarks/gpu.sh [OUT]        # SIEVE_BUILD_DIR, SIEVE_JOBS as build.sh
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIEVE_BUILD_DIR:-$root/build}"
out="$(mkdir -p "${1:-$root/gpu-results}" && cd "${1:-$root/gpu-results}" && pwd)"
python="${PYTHON:-python3}"
lit="${LIT:-/usr/lib/llvm-22/bin/lit}"
export SIEVE_JOBS="${SIEVE_JOBS:-$(nproc)}"
summary=()
failed=0

step() { # step NAME COMMAND...: runs COMMAND, logs to OUT/NAME.log
  local name="$1"; shift
  echo "== $name: $*"
  local start=$SECONDS
  if "$@" > >(tee "$out/$name.log") 2>&1; then
    summary+=("PASS  $name ($((SECONDS - start)) s)")
  else
    summary+=("FAIL  $name ($((SECONDS - start)) s): see $out/$name.log")
    failed=1
  fi
}

{
  echo "date: $(date -u)"
  echo "host: $(uname -a)"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory \
    --format=csv 2>&1 || echo "nvidia-smi: not available"
  command -v ptxas >/dev/null || [ -x /usr/local/cuda/bin/ptxas ] &&
    echo "ptxas: $(command -v ptxas || echo /usr/local/cuda/bin/ptxas)" ||
    echo "ptxas: not found (PTX is still generated; lit tests that need it are UNSUPPORTED)"
  git -C "$root" log -1 --oneline
} 2>&1 | tee "$out/machine.txt"

"$python" - <<'PY' || { echo "missing Python modules: run scripts/install-deps.sh"; exit 1; }
import numpy, onnx, onnxruntime
PY

step build env SIEVE_BUILD_DIR="$build" "$root/scripts/build.sh"

step lit-gpu "$lit" -v "$build/test/Target" "$build/test/Transforms/gpu-pipeline.mlir" \
  "$build/test/Transforms/map-to-gpu.mlir" "$build/test/e2e/gpu-emulated.test"

# The runtime must see the GPU before anything else runs on it.
step cuda-runtime "$python" - "$build/lib/libsieve_cuda_runtime.so" <<'PY'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
for name in ("sieve_gpu_error", "sieve_gpu_device_name"):
    getattr(lib, name).restype = ctypes.c_char_p
lib.sieve_gpu_peak_bandwidth.restype = ctypes.c_double
error = lib.sieve_gpu_error()
if error:
    sys.exit(f"Sieve's CUDA runtime: {error.decode()}")
print(f"device: {lib.sieve_gpu_device_name().decode()}, "
      f"HBM peak {lib.sieve_gpu_peak_bandwidth() / 1e9:.0f} GB/s")
PY

if [ "$failed" != 0 ] || ! grep -q '^device: ' "$out/cuda-runtime.log"; then
  summary+=("SKIP  the GPU steps: no usable GPU (see $out/cuda-runtime.log)")
  echo
  echo "== summary (logs in $out)"
  printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
  exit 1
fi

step mnist-test-data "$build/bin/sieve-run" "$root/test/models/mnist_mlp/mnist.onnx" \
  --device=cuda --test-data "$root/test/models/mnist_mlp"

sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
if [ -x "$sanitizer" ]; then
  step mnist-memcheck "$sanitizer" --tool memcheck --error-exitcode 1 \
    "$build/bin/sieve-run" "$root/test/models/mnist_mlp/mnist.onnx" --device=cuda \
    --sparsity=exact --activation-density-limit=1 --test-data "$root/test/models/mnist_mlp"
fi

step e2e-gpu "$python" "$root/test/e2e/check_gpu.py" --sieve-run "$build/bin/sieve-run" \
  --workdir "$out/e2e" --device cuda --group mnist --group ffn --group gated --group weights --group tiles --group approx --group cnn \
  --cnn squeezenet --cnn shufflenet --cnn inception_v1

for model in squeezenet resnet50 shufflenet inception_v1 bvlc_alexnet; do
  step "ort-$model" "$python" "$root/test/e2e/compare_with_ort.py" \
    --sieve-run "$build/bin/sieve-run" --sieve-arg=--device=cuda \
    --model "$root/test/models/light/light_$model.onnx" --workdir "$out/ort-$model" \
    --rtol 1e-3
done

step ffn-bench "$python" "$root/benchmarks/gpu_ffn.py" --sieve-run "$build/bin/sieve-run" \
  --workdir "$out/bench" --shapes 4096x11008,1024x4096 --density 0.1 --runs 50

echo
echo "== summary (logs in $out)"
printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
exit $failed
