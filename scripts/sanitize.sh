#!/usr/bin/env bash
# The sanitizer stage of the test suite (docs/hardening.md). Builds Sieve's
# tools and fuzz targets with clang-22, AddressSanitizer,
# UndefinedBehaviorSanitizer and libFuzzer instrumentation (-O1, assertions
# on) into ${SIEVE_ASAN_BUILD_DIR:-build-asan}, runs the importer and the
# error-handling lit tests with those tools, then each fuzz target on its
# seeds for a fixed number of executions (seed 1: the same inputs on every
# machine). Any sanitizer report, crash, leak or fuzz finding fails it.
#
#   scripts/sanitize.sh                   # build, lit tests, short fuzz runs
#   scripts/sanitize.sh --no-fuzz         # build and lit tests only
#   scripts/sanitize.sh --configure-only  # what scripts/fuzz.sh calls
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIEVE_ASAN_BUILD_DIR:-$root/build-asan}"
jobs="${SIEVE_JOBS:-2}"
llvm=/usr/lib/llvm-22
mode="${1:-all}"

if [ ! -f "$build/build.ninja" ]; then
  if [ ! -x "$llvm/bin/clang++" ] ||
     ! ls "$llvm"/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    echo "sanitize.sh: needs clang-22 and libclang-rt-22-dev (scripts/install-deps.sh)" >&2
    exit 1
  fi
  # ccache keys on the compiler, so this build does not evict the main one.
  flags="-O1 -gline-tables-only"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$llvm/bin/clang" -DCMAKE_CXX_COMPILER="$llvm/bin/clang++" \
    -DCMAKE_C_FLAGS_RELEASE="$flags" -DCMAKE_CXX_FLAGS_RELEASE="$flags" \
    -DSIEVE_SANITIZERS="address;undefined" -DSIEVE_ENABLE_FUZZERS=ON \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" >/dev/null
fi
[ "$mode" = --configure-only ] && exit 0

# Every report aborts (so that `not tool` in a lit test fails on it too),
# with a symbolized stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1:external_symbolizer_path=$llvm/bin/llvm-symbolizer}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}"

start=$(date +%s)
cmake --build "$build" -j "$jobs" --target sieve-translate sievec sieve-run sieve-analyze \
  sieve-opt sieve-fuzzers
echo "sanitize.sh: build took $(( $(date +%s) - start )) s"

# The importer's tests (every op family, malformed models, limits) and the
# tools' error and I/O tests, run by the sanitized tools.
tests=(Import/ONNX e2e/sieve-run-io.test e2e/sievec-outputs.test
       e2e/hostile-names.test e2e/mnist.test e2e/long-chain.test)
start=$(date +%s)
"$llvm/bin/lit" -sv -j "$jobs" "${tests[@]/#/$build/test/}"
echo "sanitize.sh: lit tests took $(( $(date +%s) - start )) s"

# Each fuzz target from its seeds, with a fixed seed, a fixed number of
# executions and an empty corpus: the same inputs on every machine, so that
# a failure here is a regression, not the luck of a longer search (long
# searches: scripts/fuzz.sh). SIEVE_FUZZ_RUNS_SCALE multiplies the counts.
if [ "$mode" != --no-fuzz ]; then
  scale="${SIEVE_FUZZ_RUNS_SCALE:-1}"
  for spec in import:5000 compile:400 tensorproto:100000 npy:100000 profile:100000; do
    target="${spec%%:*}"; runs=$(( ${spec##*:} * scale ))
    corpus="$(mktemp -d)"
    SIEVE_FUZZ_CORPUS="$corpus" "$root/scripts/fuzz.sh" "$target" 1200 \
      -seed=1 -runs="$runs"
    rm -rf "$corpus"
  done
fi
echo "sanitize.sh: passed"
