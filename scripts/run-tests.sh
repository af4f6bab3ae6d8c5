#!/usr/bin/env bash
# Runs every Sieve test on a fresh or existing machine: installs the
# dependencies, builds, then runs the lit suite (check-sieve) and the unit
# tests (ctest), then the sanitizer stage (scripts/sanitize.sh). Exits
# non-zero when anything fails.
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
# The sanitizer build (ASan+UBSan): importer and error tests, short fuzz
# runs (docs/hardening.md). SIEVE_SKIP_SANITIZE=1 leaves it out locally.
if [ "${SIEVE_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "run-tests: sanitizer build and fuzz runs (scripts/sanitize.sh)"
  start=$(date +%s)
  "$root/scripts/sanitize.sh"
  echo "run-tests: sanitizer stage took $(( $(date +%s) - start )) s"
fi
echo "run-tests: all tests passed"
