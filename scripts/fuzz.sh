#!/usr/bin/env bash
# Runs one of Sieve's libFuzzer targets (fuzz/, docs/hardening.md):
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]
#   scripts/fuzz.sh all SECONDS          # each target for SECONDS in turn
#
# TARGET is import, compile, tensorproto, npy or profile. The first run
# configures and builds the sanitizer build (${SIEVE_ASAN_BUILD_DIR:-build-asan},
# clang-22 with AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer)
# and seeds each target's corpus from the ONNX node tests, the bundled models
# and fuzz/seeds; the inputs of fuzz/regressions/TARGET (past findings) run
# first. The corpus grows in <build>/fuzz/corpus/TARGET between
# runs (SIEVE_FUZZ_CORPUS=DIR uses another directory); findings are written
# to <build>/fuzz/findings/TARGET and fail the run (exit status 1). Set SIEVE_FUZZ_FORK=N to run N processes in parallel.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIEVE_ASAN_BUILD_DIR:-$root/build-asan}"
targets=(import compile tensorproto npy profile)

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
target="$1"; seconds="$2"; shift 2
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a number" >&2; exit 2;; esac
if [ "$target" = all ]; then
  for t in "${targets[@]}"; do "$0" "$t" "$seconds" "$@"; done
  exit 0
fi
case " ${targets[*]} " in *" $target "*) ;; *)
  echo "fuzz.sh: unknown target '$target' (one of: ${targets[*]}, all)" >&2; exit 2;; esac

"$root/scripts/sanitize.sh" --configure-only
cmake --build "$build" --target "sieve-fuzz-$target" -j "${SIEVE_JOBS:-2}"

# Seeds: small inputs of the right format, copied once.
seeds="$build/fuzz/seeds/$target"
testdata=/usr/share/libonnx-testdata/data/node
if [ ! -d "$seeds" ]; then
  mkdir -p "$seeds.tmp"
  case "$target" in
    import|compile)
      # The node tests' models (one per op case) and the bundled models;
      # compile gets the small ones only (the pipeline is slow per input).
      # compile takes a quarter of them (its start-up runs every seed
      # through the whole pipeline, a few per second).
      limit=$([ "$target" = compile ] && echo 4096 || echo 65536)
      every=$([ "$target" = compile ] && echo 4 || echo 1)
      find "$testdata" "$root/test/models" -name '*.onnx' -size -"$limit"c 2>/dev/null |
        sort | awk -v n="$every" 'NR % n == 1 || n == 1' |
        while read -r f; do cp "$f" "$seeds.tmp/$(echo "$f" | md5sum | cut -c1-16).onnx"; done ;;
    tensorproto)
      find "$testdata" -name '*.pb' -size -16384c 2>/dev/null | sort | awk 'NR % 4 == 1' |
        while read -r f; do cp "$f" "$seeds.tmp/$(echo "$f" | md5sum | cut -c1-16).pb"; done ;;
    npy)
      python3 - "$seeds.tmp" <<'PY'
import sys, numpy as np
out = sys.argv[1]
arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros((), np.float64),
          np.array([True, False]), np.arange(4, dtype=np.int64), np.ones((1, 2, 2), np.float16),
          np.array([1, 2], np.uint8), np.array([-1], np.int8), np.zeros((0, 3), np.int32)]
for i, a in enumerate(arrays):
    np.save(f"{out}/seed{i}.npy", a)
np.save(f"{out}/fortran.npy", np.asfortranarray(np.ones((2, 3), np.float32)))
PY
      ;;
    profile)
      cp "$root"/fuzz/seeds/profile/*.json "$seeds.tmp/" ;;
  esac
  mv "$seeds.tmp" "$seeds"
fi

corpus="${SIEVE_FUZZ_CORPUS:-$build/fuzz/corpus/$target}"
findings="$build/fuzz/findings/$target"
mkdir -p "$corpus" "$findings"
case "$target" in
  compile) maxlen=8192 ;;
  import) maxlen=65536 ;;
  *) maxlen=16384 ;;
esac
# Inputs that once crashed a target (fuzz/regressions/TARGET) run first on
# every start, so CI's short runs retest each of them.
regressions=()
[ -d "$root/fuzz/regressions/$target" ] && regressions=("$root/fuzz/regressions/$target")
fork=()
[ -n "${SIEVE_FUZZ_FORK:-}" ] && fork=(-fork="$SIEVE_FUZZ_FORK" -ignore_crashes=0)
# Findings fail the run: crashes, sanitizer reports, leaks, inputs over 10 s
# and over 2 GB of memory.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "fuzz.sh: $target for $seconds s (corpus $corpus)"
"$build/bin/sieve-fuzz-$target" "${fork[@]}" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" -print_final_stats=1 \
  -artifact_prefix="$findings/" "$@" "$corpus" "$seeds" "${regressions[@]}"
