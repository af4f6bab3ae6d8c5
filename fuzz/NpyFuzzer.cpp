//===- NpyFuzzer.cpp - Fuzzes the .npy reader -------------------*- C++ -*-===//
//
// Bytes -> parseNpy (sieve-run --input, calibration directories).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::sieve::HostTensor tensor;
  std::string error;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  bool decoded = mlir::sieve::parseNpy(bytes, "fuzz.npy", tensor, error,
                                       sieve_fuzz::kMaxTensorBytes);
  sieve_fuzz::checkReaderResult(decoded, tensor, error);
  return 0;
}
