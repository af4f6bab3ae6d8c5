//===- FuzzSupport.h - What Sieve's fuzz targets share ----------*- C++ -*-===//
//
// The fuzz targets (docs/hardening.md) run Sieve's readers, importer and
// pipeline on arbitrary bytes. A clean error is success; a crash, a
// sanitizer report, a leak, a hang or an abort is a finding. Invariants a
// target checks itself (an imported module verifies) end in fuzzFailure().
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_FUZZ_FUZZSUPPORT_H
#define SIEVE_FUZZ_FUZZSUPPORT_H

#include "sieve/Support/HostTensor.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sieve_fuzz {

/// The largest tensor the fuzzed code may materialise: small, so that a
/// mutated dimension is refused quickly instead of allocating gigabytes
/// under the fuzzer's memory limit (the limit itself is tested by
/// test/Import/ONNX/limits.test).
constexpr int64_t kMaxTensorBytes = 16 << 20;

/// Reports a broken invariant and aborts, so that libFuzzer saves the input.
[[noreturn]] inline void fuzzFailure(const char *what) {
  std::fprintf(stderr, "sieve fuzz invariant broken: %s\n", what);
  std::abort();
}

/// The invariants of a tensor reader's answer: a decoded tensor holds
/// exactly the bytes its shape says; a failure says why.
inline void checkReaderResult(bool decoded,
                              const mlir::sieve::HostTensor &tensor,
                              const std::string &error) {
  if (decoded &&
      static_cast<int64_t>(tensor.data.size()) !=
          tensor.numElements() *
              static_cast<int64_t>(mlir::sieve::elementByteWidth(tensor.kind)))
    fuzzFailure("decoded size differs from the shape's");
  if (!decoded && error.empty())
    fuzzFailure("failure without an error message");
}

} // namespace sieve_fuzz

#endif // SIEVE_FUZZ_FUZZSUPPORT_H
