#!/usr/bin/env bash
# The main job: installs, builds, and runs Sieve on its bundled examples:
#  1. the MNIST MLP (test/models/mnist_mlp), compiled for this CPU, checked
#     against its expected output (dense and with --sparsity=exact), timed;
#  2. a ReLU FFN block (d=1024, d_ff=4096, batch 1) whose ReLU leaves 10%
#     of the neurons active: Sieve dense, Sieve exact (skipping the weight
#     rows of inactive neurons) and onnxruntime, timed side by side;
#  3. a Gemm whose 4096x4096 weight has 90% zeros (pruned): Sieve dense,
#     Sieve's packed sparse kernel, the upstream MLIR sparsifier and
#     onnxruntime.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIEVE_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

model="$root/test/models/mnist_mlp/mnist.onnx"
echo
echo "== sieve-run mnist.onnx --test-data (JIT, compared with the expected output)"
"$build/bin/sieve-run" "$model" --test-data "$root/test/models/mnist_mlp" --bench 100
echo
echo "== the same with --sparsity=exact (48 of its 128 hidden ReLU outputs are zero)"
"$build/bin/sieve-run" "$model" --test-data "$root/test/models/mnist_mlp" --sparsity=exact --quiet

echo
echo "== sievec: ahead-of-time shared library and C header"
out="$(mktemp -d)"
"$build/bin/sievec" "$model" -o "$out/mnist.so" --mcpu=native --sparsity=exact
ls -l "$out"
rm -rf "$out"

echo
echo "== ReLU FFN at 10% activation density: Sieve dense vs Sieve exact vs onnxruntime (1 thread)"
python3 "$root/benchmarks/run.py" --sievec "$build/bin/sievec" \
  --only relu-ffn-1024x4096-b1-d10 --reps 20

echo
echo "== Gemm with a 90%-sparse 4096x4096 weight: Sieve dense vs packed vs upstream sparsifier vs onnxruntime"
python3 "$root/benchmarks/run.py" --sievec "$build/bin/sievec" \
  --only pruned-gemm-4096x4096-b1-w90 --reps 20
