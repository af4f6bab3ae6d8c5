#!/usr/bin/env bash
# Installs everything Sieve needs on a fresh Debian 12 machine (run as root).
# The single source of truth for dependencies: CI, the README commands and developers all call this.
# Idempotent: when everything is present it only checks, and returns in seconds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(
  # LLVM/MLIR 22 toolchain (headers, libMLIR.so, mlir-tblgen, FileCheck, lit, not, llc, clang, lld).
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  # ONNX protobuf classes and the ONNX backend node tests.
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  # LLVM's OpenMP runtime (libomp): code compiled for several threads (--threads) calls it; the JIT
  # loads it and shared libraries link it.
  libomp-22-dev
  # Build tools.
  cmake ninja-build g++ ccache libgtest-dev libzstd-dev zlib1g-dev libedit-dev libcurl4-openssl-dev
  # AArch64: cross C compiler and sysroot (links sievec --target=aarch64 objects) and user-mode
  # emulation (qemu-aarch64, with SVE via -cpu max) for the e2e tests under test/e2e/aarch64.test.
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  # Sanitizer and libFuzzer runtimes for the hardening build (scripts/sanitize.sh, scripts/fuzz.sh).
  libclang-rt-22-dev
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" - "$here/requirements.txt" <<'PY' 2>/dev/null
import sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, version = line.split("==")
    if metadata.version(name) != version:
        sys.exit(1)
PY
then
  echo "install-deps: installing Python packages from requirements.txt"
  "$PYTHON" -m pip install -q -r "$here/requirements.txt"
fi
echo "install-deps: all dependencies present"
