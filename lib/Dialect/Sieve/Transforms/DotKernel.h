//===- DotKernel.h - Register tiles of 8-bit dot products -------*- C++ -*-===//
//
// The kernel of sieve-int8-matmuls, shared by its matmuls and convolutions: a
// constant 8-bit weight [K, N] packed at compile time into panels of one
// vector of 32-bit columns with four reduction steps per lane, register
// tiles of rows x two panels accumulated with sieve.dot_bytes. What the rows
// read (a matrix's rows, a pixel's window) and what each tile writes come
// from a DotKernelSource.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_LIB_DIALECT_SIEVE_TRANSFORMS_DOTKERNEL_H
#define SIEVE_LIB_DIALECT_SIEVE_TRANSFORMS_DOTKERNEL_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

namespace mlir::sieve {

/// The reduction of a dot kernel is `taps` x `groupsPerTap` groups of four
/// steps (group g = tap * groupsPerTap + c); a row reads, at each tap, the
/// four unsigned bytes of group c at indices rowIndices(...) + [4 c] of
/// bytes().
class DotKernelSource {
public:
  virtual ~DotKernelSource() = default;
  /// The 8-bit tensor the rows read.
  virtual Value bytes() = 0;
  /// The number of rows (an index value).
  virtual Value rows(OpBuilder &b, Location loc) = 0;
  /// Whether the bytes are signed (read with their top bits flipped, as
  /// unsigned x + 128; the epilogue subtracts 128 times the column sums).
  virtual bool isSigned() = 0;
  /// Values of row `row` computed once per tile (a pixel's coordinates).
  virtual SmallVector<Value> rowState(OpBuilder &b, Location loc,
                                      Value row) = 0;
  /// The indices of the row's window at `tap` but the last.
  virtual SmallVector<Value> rowIndices(OpBuilder &b, Location loc,
                                        ArrayRef<Value> state, Value tap) = 0;
  /// The vector written for row `row` and panel `panel` (its columns
  /// [panel * lanes, +lanes)) from the accumulator `acc`, given the
  /// weight's column sums there (`sums`).
  virtual Value epilogue(OpBuilder &b, Location loc, Value acc, Value sums,
                         Value row, Value panel) = 0;
};

struct DotKernelShape {
  int64_t taps = 1, groupsPerTap = 0;
  /// Steps of the last group past the reduction (a K of the matmul that
  /// four does not divide: read with padding). Only with one tap.
  bool tail = false;
  int64_t n = 0, lanes = 16, tileRows = 8, tilePanels = 2;
};

/// The kernel writing every row of `init` ([rows, N], the epilogue's
/// element type) from the weight [K, N] (row-major, K = 4 x taps x
/// groupsPerTap, the last group possibly partial). With `threads` > 1 the
/// pairs of panels are shared among parallel chunks (scf.forall) when the
/// rows make them worth `minChunkCycles` each (counted at run time).
Value buildDotKernel(OpBuilder &b, Location loc, DotKernelSource &source,
                     ArrayRef<int8_t> weight, int64_t k,
                     const DotKernelShape &shape, Value init, int64_t threads,
                     int64_t minChunkCycles);

/// An i8 or i32 (or f32) constant tensor of `shape` at the builder's
/// insertion point, zero-initialized and then written by `fill` into a
/// dense_resource blob named `name`.
template <typename T>
Value blobConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   StringRef name, Type elementType,
                   function_ref<void(T *)> fill) {
  auto type = RankedTensorType::get(shape, elementType);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(
      type.getNumElements() * sizeof(T), alignof(double),
      /*dataIsMutable=*/true);
  std::memset(blob.getMutableData().data(), 0, blob.getData().size());
  fill(reinterpret_cast<T *>(blob.getMutableData().data()));
  return arith::ConstantOp::create(
      b, loc, type,
      DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

/// The 8-bit values `byte` that the elementwise `generic` reads or computes
/// in its body, as a tensor of the generic's shape: the input itself when
/// `byte` is an input's element under an identity map, else a copy of the
/// generic (at the builder's insertion point) that yields `byte`.
Value bytesOf(OpBuilder &b, linalg::GenericOp generic, Value byte);

/// Erases the ops of `roots` that are unused and the producers they alone
/// used (what a kernel replaces); constants stay (the canonicalizer removes
/// dead ones).
void eraseUnused(ArrayRef<Operation *> roots);

/// The quantized convolutions (linalg.conv_2d_nchw_fchw over a fake-
/// quantized input and a weight of 8-bit multiples of per-filter scales)
/// below `root` as dot kernels of `shape.lanes` lanes and `shape.tileRows`
/// rows (Int8Conv.cpp).
void rewriteInt8Convs(Operation *root, const DotKernelShape &shape,
                      int64_t threads, int64_t minChunkCycles);

} // namespace mlir::sieve

#endif // SIEVE_LIB_DIALECT_SIEVE_TRANSFORMS_DOTKERNEL_H
