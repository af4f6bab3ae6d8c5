//===- ElementKinds.cpp - Element kinds in one table ------------*- C++ -*-===//
//
// Every fact about an element kind that the importer, the targets and the
// tools need (its name, how compiled code holds it, its byte width in host
// buffers, whether it is a low-precision kind held as i8) comes from one
// table.
//
//===----------------------------------------------------------------------===//

#include "sieve/Support/ModelSignature.h"

using namespace mlir::sieve;

namespace {

struct KindInfo {
  ElementKind kind;
  const char *name;
  ElementStorage storage;
  int64_t byteWidth;
  NarrowClass narrow;
};

using S = ElementStorage;
using N = NarrowClass;

constexpr KindInfo kKinds[] = {
    {ElementKind::Float, "float32", S::F32, 4, N::No},
    {ElementKind::UInt8, "uint8", S::I8, 1, N::No},
    {ElementKind::Int8, "int8", S::I8, 1, N::No},
    {ElementKind::UInt16, "uint16", S::I16, 2, N::No},
    {ElementKind::Int16, "int16", S::I16, 2, N::No},
    {ElementKind::Int32, "int32", S::I32, 4, N::No},
    {ElementKind::Int64, "int64", S::I64, 8, N::No},
    {ElementKind::String, "string", S::None, 0, N::No},
    {ElementKind::Bool, "bool", S::I1, 1, N::No},
    {ElementKind::Float16, "float16", S::F16, 2, N::No},
    {ElementKind::Double, "float64", S::F64, 8, N::No},
    {ElementKind::UInt32, "uint32", S::I32, 4, N::No},
    {ElementKind::UInt64, "uint64", S::I64, 8, N::No},
    {ElementKind::BFloat16, "bfloat16", S::BF16, 2, N::No},
    {ElementKind::Float8E4M3FN, "float8e4m3fn", S::I8, 1, N::Float},
    {ElementKind::Float8E4M3FNUZ, "float8e4m3fnuz", S::I8, 1, N::Float},
    {ElementKind::Float8E5M2, "float8e5m2", S::I8, 1, N::Float},
    {ElementKind::Float8E5M2FNUZ, "float8e5m2fnuz", S::I8, 1, N::Float},
    {ElementKind::UInt4, "uint4", S::I8, 1, N::Int},
    {ElementKind::Int4, "int4", S::I8, 1, N::Int},
    {ElementKind::Float4E2M1, "float4e2m1", S::I8, 1, N::Float},
    {ElementKind::Float8E8M0, "float8e8m0", S::I8, 1, N::Float},
    {ElementKind::UInt2, "uint2", S::I8, 1, N::Int},
    {ElementKind::Int2, "int2", S::I8, 1, N::Int},
};

const KindInfo *lookup(ElementKind kind) {
  for (const KindInfo &info : kKinds)
    if (info.kind == kind)
      return &info;
  return nullptr;
}

} // namespace

llvm::StringRef mlir::sieve::stringifyElementKind(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info ? info->name : "unsupported";
}

std::optional<ElementKind> mlir::sieve::parseElementKind(llvm::StringRef name) {
  for (const KindInfo &info : kKinds)
    if (name == info.name)
      return info.kind;
  return std::nullopt;
}

int64_t mlir::sieve::elementByteWidth(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info ? info->byteWidth : 0;
}

ElementStorage mlir::sieve::elementStorage(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info ? info->storage : ElementStorage::None;
}

NarrowClass mlir::sieve::elementNarrowClass(ElementKind kind) {
  const KindInfo *info = lookup(kind);
  return info ? info->narrow : NarrowClass::No;
}

bool mlir::sieve::isFloatElementKind(ElementKind kind) {
  ElementStorage storage = elementStorage(kind);
  return storage == ElementStorage::F16 || storage == ElementStorage::BF16 ||
         storage == ElementStorage::F32 || storage == ElementStorage::F64;
}
