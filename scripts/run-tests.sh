#!/usr/bin/env bash
# Runs every Sieve test on a fresh or existing machine: installs the
# dependencies, builds, then runs the lit suite (check-sieve) and the unit
# tests (ctest). Exits non-zero when anything fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIEVE_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
start=$(date +%s)
"$root/scripts/build.sh"
echo "run-tests: build took $(( $(date +%s) - start )) s"

echo "run-tests: lit suite (check-sieve)"
cmake --build "$build" --target check-sieve
echo "run-tests: unit tests (ctest)"
ctest --test-dir "$build" --output-on-failure -j "${SIEVE_JOBS:-2}"
echo "run-tests: all tests passed"
