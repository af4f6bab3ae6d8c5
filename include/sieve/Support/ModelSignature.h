//===- ModelSignature.h - Element kinds and model signatures ----*- C++ -*-===//
//
// What a compiled model takes and returns: the element kinds of its tensors
// (numbered as ONNX's TensorProto.DataType) and the shapes of its inputs and
// outputs. Shared by the importer, the targets, the compile API and the
// tools; independent of ONNX's protobuf classes.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_SUPPORT_MODELSIGNATURE_H
#define SIEVE_SUPPORT_MODELSIGNATURE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::sieve {

/// Element types of tensors, as ONNX's TensorProto.DataType enum numbers
/// them (MLIR integers are signless, so Sieve keeps this alongside).
enum class ElementKind : int32_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
  // Low-precision kinds: compiled code holds them as i8, one element per
  // byte (the 8-bit floats as bit patterns, FLOAT4E2M1 as its 4-bit code,
  // the narrow integers sign- or zero-extended).
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};

/// How compiled code holds an element of a kind.
enum class ElementStorage { None, F16, BF16, F32, F64, I1, I8, I16, I32, I64 };

/// Whether a kind is a low-precision kind held as i8, and of which class.
enum class NarrowClass { No, Float, Int };

/// The name of an element kind ("float32", "int64", ...; "unsupported").
llvm::StringRef stringifyElementKind(ElementKind kind);

/// The kind named `name` (as stringifyElementKind spells it).
std::optional<ElementKind> parseElementKind(llvm::StringRef name);

/// Size in bytes of one element of `kind` in host buffers (0 for
/// unsupported kinds).
int64_t elementByteWidth(ElementKind kind);

/// How compiled code holds `kind` (None for unsupported kinds).
ElementStorage elementStorage(ElementKind kind);

/// Whether `kind` is a low-precision kind, and of which class.
NarrowClass elementNarrowClass(ElementKind kind);

/// Whether compiled code holds `kind` as a floating-point type (f16, bf16,
/// f32, f64; not the low-precision floats, which are held as i8).
bool isFloatElementKind(ElementKind kind);

/// Describes one input or output of a compiled model's entry function.
struct TensorSignature {
  std::string name;
  ElementKind kind = ElementKind::Undefined;
  /// Dimension sizes; -1 marks a dynamic dimension.
  std::vector<int64_t> shape;
};

/// Describes the entry function: what a caller passes and gets back.
struct ModelSignature {
  std::string entryName;
  std::vector<TensorSignature> inputs;
  std::vector<TensorSignature> outputs;
};

} // namespace mlir::sieve

#endif // SIEVE_SUPPORT_MODELSIGNATURE_H
