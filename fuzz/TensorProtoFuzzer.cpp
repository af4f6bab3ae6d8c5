//===- TensorProtoFuzzer.cpp - Fuzzes the TensorProto reader ----*- C++ -*-===//
//
// Bytes -> parseTensorProto (test data, calibration sets, --constant-inputs
// and the importer's initializers all decode TensorProtos this way).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "sieve/Support/HostTensor.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::sieve::HostTensor tensor;
  std::string error;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (mlir::sieve::parseTensorProto(bytes, "fuzz.pb", tensor, error,
                                    sieve_fuzz::kMaxTensorBytes)) {
    // A decoded tensor holds exactly the bytes its shape says.
    if (static_cast<int64_t>(tensor.data.size()) !=
        tensor.numElements() *
            static_cast<int64_t>(mlir::sieve::elementByteWidth(tensor.kind)))
      sieve_fuzz::fuzzFailure("decoded size differs from the shape's");
  } else if (error.empty()) {
    sieve_fuzz::fuzzFailure("failure without an error message");
  }
  return 0;
}
