//===- ElementKinds.cpp - MLIR types of ONNX element kinds -----*- C++ -*-===//
//
// The importer's view of the element-kind table in lib/Support: the MLIR
// type that holds each kind, and the kind classes the op importers test.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "sieve/Import/ONNX/Importer.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::sieve;
using namespace mlir::sieve::onnx_import;

Type mlir::sieve::onnx_import::getElementType(MLIRContext *ctx,
                                              ElementKind kind) {
  switch (elementStorage(kind)) {
  case ElementStorage::F16:
    return Float16Type::get(ctx);
  case ElementStorage::BF16:
    return BFloat16Type::get(ctx);
  case ElementStorage::F32:
    return Float32Type::get(ctx);
  case ElementStorage::F64:
    return Float64Type::get(ctx);
  case ElementStorage::I1:
    return IntegerType::get(ctx, 1);
  case ElementStorage::I8:
    return IntegerType::get(ctx, 8);
  case ElementStorage::I16:
    return IntegerType::get(ctx, 16);
  case ElementStorage::I32:
    return IntegerType::get(ctx, 32);
  case ElementStorage::I64:
    return IntegerType::get(ctx, 64);
  case ElementStorage::None:
    break;
  }
  return {};
}

bool mlir::sieve::onnx_import::isFloatKind(ElementKind kind) {
  return isFloatElementKind(kind);
}

bool mlir::sieve::onnx_import::isLowPrecisionFloatKind(ElementKind kind) {
  return elementNarrowClass(kind) == NarrowClass::Float;
}

bool mlir::sieve::onnx_import::isLowPrecisionIntKind(ElementKind kind) {
  return elementNarrowClass(kind) == NarrowClass::Int;
}
