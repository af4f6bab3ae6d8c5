#!/usr/bin/env bash
# The main job: installs, builds, and runs Sieve on the bundled example.
# For now this shows the sieve dialect: an FFN down projection guarded by a
# run-time sparsity branch, parsed, verified and printed back by sieve-opt,
# then lowered to scf.if.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIEVE_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

example="$root/examples/ffn_down_projection.mlir"
echo "== sieve-opt $example (round trip)"
"$build/bin/sieve-opt" "$example"
echo
echo "== sieve-opt --convert-sieve-branch-to-scf $example"
"$build/bin/sieve-opt" --convert-sieve-branch-to-scf "$example"
