#!/usr/bin/env bash
# The main job: installs, builds, and runs Sieve on the bundled example, the
# MNIST MLP (test/models/mnist_mlp): compiled for this CPU, checked against
# its expected output, timed; then a ReLU FFN block timed side by side with
# onnxruntime. (The sparsity report and the sparse speed-up join this job
# with the sparsity passes.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIEVE_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

model="$root/test/models/mnist_mlp/mnist.onnx"
echo
echo "== sieve-run $model --test-data (JIT, compared with the expected output)"
"$build/bin/sieve-run" "$model" --test-data "$root/test/models/mnist_mlp" --bench 100

echo
echo "== sievec: ahead-of-time shared library and C header"
out="$(mktemp -d)"
"$build/bin/sievec" "$model" -o "$out/mnist.so" --mcpu=native
ls -l "$out"
rm -rf "$out"

echo
echo "== Sieve dense vs onnxruntime (1 thread): ReLU FFN d=1024, d_ff=4096, batch 1"
python3 "$root/benchmarks/run.py" --sievec "$build/bin/sievec" --only ffn-1024x4096-b1 --reps 20
