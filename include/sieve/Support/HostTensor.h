//===- HostTensor.h - Tensors in host memory and their files ----*- C++ -*-===//
//
// The data that tools pass to and get from compiled models: ONNX TensorProto
// files (.pb, as in the ONNX backend test layout) and numpy .npy files.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_SUPPORT_HOSTTENSOR_H
#define SIEVE_SUPPORT_HOSTTENSOR_H

#include "sieve/Support/ModelSignature.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace mlir::sieve {

/// A dense row-major tensor in host memory.
struct HostTensor {
  std::string name;
  ElementKind kind = ElementKind::Undefined;
  std::vector<int64_t> shape;
  /// numElements() * elementByteWidth(kind) bytes; bools take one byte, and
  /// so do the 4- and 2-bit kinds (unpacked; INT4 and INT2 sign-extended).
  std::vector<char> data;

  int64_t numElements() const;
  /// Element `i` converted to double (for comparisons and printing).
  double at(int64_t i) const;
  /// "float32[1, 10]"
  std::string describe() const;
};

/// Reads a serialized ONNX TensorProto. Returns false with `error` set.
bool readTensorProtoFile(llvm::StringRef path, HostTensor &tensor,
                         std::string &error);

/// Reads a numpy .npy file (little-endian, C order).
bool readNpyFile(llvm::StringRef path, HostTensor &tensor, std::string &error);

/// Writes a numpy .npy file.
bool writeNpyFile(llvm::StringRef path, const HostTensor &tensor,
                  std::string &error);

/// Decodes a TensorProto (shape, element type, and data from raw_data or the
/// typed fields) into little-endian bytes. Used for test data and by the
/// importer for initializers.
bool decodeTensorProto(const ::onnx::TensorProto &proto, HostTensor &tensor,
                       std::string &error);

} // namespace mlir::sieve

#endif // SIEVE_SUPPORT_HOSTTENSOR_H
