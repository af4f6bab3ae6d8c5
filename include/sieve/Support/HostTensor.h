//===- HostTensor.h - Tensors in host memory and their files ----*- C++ -*-===//
//
// The data that tools pass to and get from compiled models: ONNX TensorProto
// files (.pb, as in the ONNX backend test layout) and numpy .npy files.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_SUPPORT_HOSTTENSOR_H
#define SIEVE_SUPPORT_HOSTTENSOR_H

#include "sieve/Support/ModelSignature.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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

//===--- Size limits --------------------------------------------------===//

/// The number of elements of `shape`, or nullopt when a dimension is
/// negative (dynamic) or the product overflows int64.
std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape);
/// The bytes of a dense tensor of `shape` with `elementBytes`-byte elements
/// (as checkedNumElements; nullopt on overflow).
std::optional<int64_t> checkedByteSize(llvm::ArrayRef<int64_t> shape,
                                       int64_t elementBytes);
/// The default limit on the bytes of one tensor that Sieve materialises
/// while importing or reading data (initializers, constants, test data):
/// a quarter of the physical memory, or 4 GiB where it cannot be
/// determined.
int64_t defaultMaxTensorBytes();
/// `shape` as error messages write it: "[2, 3]".
std::string describeShape(llvm::ArrayRef<int64_t> shape);
/// An error message when a tensor of `shape` with `elementBytes`-byte
/// elements overflows int64 or holds more than `maxBytes` bytes (a
/// `maxBytes` of 0 means defaultMaxTensorBytes()); empty when it fits.
std::string checkTensorSize(llvm::ArrayRef<int64_t> shape, int64_t elementBytes,
                            int64_t maxBytes);

//===--- Files --------------------------------------------------------===//

/// Reads a serialized ONNX TensorProto. Returns false with `error` set.
/// Tensors larger than `maxBytes` (0: defaultMaxTensorBytes()) are refused.
bool readTensorProtoFile(llvm::StringRef path, HostTensor &tensor,
                         std::string &error, int64_t maxBytes = 0);

/// Reads the initializers of the ONNX model file at `path` (its graph's,
/// embedded data only), by name in file order; `maxBytes` as for
/// readTensorProtoFile, per tensor. Returns false with `error` set.
bool readModelInitializers(
    llvm::StringRef path,
    std::vector<std::pair<std::string, HostTensor>> &initializers,
    std::string &error, int64_t maxBytes = 0);

/// Reads a numpy .npy file (little-endian, C order); `maxBytes` as for
/// readTensorProtoFile.
bool readNpyFile(llvm::StringRef path, HostTensor &tensor, std::string &error,
                 int64_t maxBytes = 0);

/// As readTensorProtoFile and readNpyFile, from the file's bytes; `name`
/// (the file's path) is what error messages call it.
bool parseTensorProto(llvm::StringRef bytes, llvm::StringRef name,
                      HostTensor &tensor, std::string &error,
                      int64_t maxBytes = 0);
bool parseNpy(llvm::StringRef bytes, llvm::StringRef name, HostTensor &tensor,
              std::string &error, int64_t maxBytes = 0);

/// Writes a numpy .npy file.
bool writeNpyFile(llvm::StringRef path, const HostTensor &tensor,
                  std::string &error);

/// Decodes a TensorProto (shape, element type, and data from raw_data or the
/// typed fields) into little-endian bytes. Used for test data and by the
/// importer for initializers. The shape is checked (no overflow, at most
/// `maxBytes`, 0: defaultMaxTensorBytes()) before anything is allocated.
/// Tensors whose data is in an external file (data_location EXTERNAL) are
/// refused: the importer reads those (it knows the model's directory).
bool decodeTensorProto(const ::onnx::TensorProto &proto, HostTensor &tensor,
                       std::string &error, int64_t maxBytes = 0);

} // namespace mlir::sieve

#endif // SIEVE_SUPPORT_HOSTTENSOR_H
