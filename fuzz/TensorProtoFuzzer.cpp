//===- TensorProtoFuzzer.cpp - Fuzzes the TensorProto reader ----*- C++ -*-===//
//
// Bytes -> parseTensorProto (test data, calibration sets, --constant-inputs
// and the importer's initializers all decode TensorProtos this way).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::sieve::HostTensor tensor;
  std::string error;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  bool decoded = mlir::sieve::parseTensorProto(bytes, "fuzz.pb", tensor, error,
                                               sieve_fuzz::kMaxTensorBytes);
  sieve_fuzz::checkReaderResult(decoded, tensor, error);
  return 0;
}
