//===- NpyFuzzer.cpp - Fuzzes the .npy reader -------------------*- C++ -*-===//
//
// Bytes -> parseNpy (sieve-run --input, calibration directories).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "sieve/Support/HostTensor.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::sieve::HostTensor tensor;
  std::string error;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (mlir::sieve::parseNpy(bytes, "fuzz.npy", tensor, error,
                            sieve_fuzz::kMaxTensorBytes)) {
    if (static_cast<int64_t>(tensor.data.size()) !=
        tensor.numElements() *
            static_cast<int64_t>(mlir::sieve::elementByteWidth(tensor.kind)))
      sieve_fuzz::fuzzFailure("decoded size differs from the shape's");
  } else if (error.empty()) {
    sieve_fuzz::fuzzFailure("failure without an error message");
  }
  return 0;
}
