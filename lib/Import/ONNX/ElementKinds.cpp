//===- ElementKinds.cpp - ONNX element types in one table -------*- C++ -*-===//
//
// Every fact about an ONNX element type that the importer and the drivers
// need (its name, its MLIR type, its byte width in host buffers, whether it
// is a low-precision kind held as i8) comes from one table.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "sieve/Import/ONNX/Importer.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// How compiled code holds an element.
enum class Storage { None, F16, BF16, F32, F64, I1, I8, I16, I32, I64 };

/// What a low-precision kind is (held as i8, one element per byte; see
/// LowPrecision.cpp).
enum class Narrow { No, Float, Int };

struct KindInfo {
  ElementKind kind;
  const char *name;
  Storage storage;
  int64_t byteWidth;
  Narrow narrow;
};

constexpr KindInfo kKinds[] = {
    {ElementKind::Float, "float32", Storage::F32, 4, Narrow::No},
    {ElementKind::UInt8, "uint8", Storage::I8, 1, Narrow::No},
    {ElementKind::Int8, "int8", Storage::I8, 1, Narrow::No},
    {ElementKind::UInt16, "uint16", Storage::I16, 2, Narrow::No},
    {ElementKind::Int16, "int16", Storage::I16, 2, Narrow::No},
    {ElementKind::Int32, "int32", Storage::I32, 4, Narrow::No},
    {ElementKind::Int64, "int64", Storage::I64, 8, Narrow::No},
    {ElementKind::String, "string", Storage::None, 0, Narrow::No},
    {ElementKind::Bool, "bool", Storage::I1, 1, Narrow::No},
    {ElementKind::Float16, "float16", Storage::F16, 2, Narrow::No},
    {ElementKind::Double, "float64", Storage::F64, 8, Narrow::No},
    {ElementKind::UInt32, "uint32", Storage::I32, 4, Narrow::No},
    {ElementKind::UInt64, "uint64", Storage::I64, 8, Narrow::No},
    {ElementKind::BFloat16, "bfloat16", Storage::BF16, 2, Narrow::No},
    {ElementKind::Float8E4M3FN, "float8e4m3fn", Storage::I8, 1, Narrow::Float},
    {ElementKind::Float8E4M3FNUZ, "float8e4m3fnuz", Storage::I8, 1,
     Narrow::Float},
    {ElementKind::Float8E5M2, "float8e5m2", Storage::I8, 1, Narrow::Float},
    {ElementKind::Float8E5M2FNUZ, "float8e5m2fnuz", Storage::I8, 1,
     Narrow::Float},
    {ElementKind::UInt4, "uint4", Storage::I8, 1, Narrow::Int},
    {ElementKind::Int4, "int4", Storage::I8, 1, Narrow::Int},
    {ElementKind::Float4E2M1, "float4e2m1", Storage::I8, 1, Narrow::Float},
    {ElementKind::Float8E8M0, "float8e8m0", Storage::I8, 1, Narrow::Float},
    {ElementKind::UInt2, "uint2", Storage::I8, 1, Narrow::Int},
    {ElementKind::Int2, "int2", Storage::I8, 1, Narrow::Int},
};

const KindInfo *lookup(ElementKind kind) {
  for (const KindInfo &info : kKinds)
    if (info.kind == kind)
      return &info;
  return nullptr;
}

} // namespace

llvm::StringRef
mlir::sieve::onnx_import::stringifyElementKind(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info ? info->name : "unsupported";
}

int64_t mlir::sieve::onnx_import::elementByteWidth(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info ? info->byteWidth : 0;
}

Type mlir::sieve::onnx_import::getElementType(MLIRContext *ctx,
                                              ElementKind kind) {
  const KindInfo *info = lookup(kind);
  switch (info ? info->storage : Storage::None) {
  case Storage::F16:
    return Float16Type::get(ctx);
  case Storage::BF16:
    return BFloat16Type::get(ctx);
  case Storage::F32:
    return Float32Type::get(ctx);
  case Storage::F64:
    return Float64Type::get(ctx);
  case Storage::I1:
    return IntegerType::get(ctx, 1);
  case Storage::I8:
    return IntegerType::get(ctx, 8);
  case Storage::I16:
    return IntegerType::get(ctx, 16);
  case Storage::I32:
    return IntegerType::get(ctx, 32);
  case Storage::I64:
    return IntegerType::get(ctx, 64);
  case Storage::None:
    break;
  }
  return {};
}

bool mlir::sieve::onnx_import::isFloatKind(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info &&
         (info->storage == Storage::F16 || info->storage == Storage::BF16 ||
          info->storage == Storage::F32 || info->storage == Storage::F64);
}

bool mlir::sieve::onnx_import::isLowPrecisionFloatKind(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info && info->narrow == Narrow::Float;
}

bool mlir::sieve::onnx_import::isLowPrecisionIntKind(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info && info->narrow == Narrow::Int;
}
