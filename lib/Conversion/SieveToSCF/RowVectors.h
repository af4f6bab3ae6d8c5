//===- RowVectors.h - Vector steps along rows of the sparse kernels -*- C++
//-*-===//
//
// The sparse kernels (the activation gather, the selected dot products, the
// packed kernel's one-row form) stream contiguous rows in vector steps:
// fixed-width vectors, or SVE's scalable ones, whose length is known only
// at run time, where the rest of a row is one step under a mask.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_CONVERSION_SIEVETOSCF_ROWVECTORS_H
#define SIEVE_CONVERSION_SIEVETOSCF_ROWVECTORS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::sieve {

/// Scalable lanes per vscale of the sparse kernels' rows: 16 f32 lanes
/// (four registers) per step on a 128-bit SVE CPU, 32 on a 256-bit one.
constexpr int64_t kScalableRowLanes = 16;

/// The vectors a kernel streams rows in: `lanes` elements, or with
/// `scalable` (AArch64 SVE) `lanes x vscale`, as many as the CPU's vectors
/// hold, read at run time; the remainder of a row is then one masked step
/// instead of a scalar loop.
struct RowVectors {
  int64_t lanes;
  bool scalable = false;

  VectorType type(Type et) const;
  /// Elements per step.
  Value step(OpBuilder &b, Location loc) const;
};

/// The row vector of `type` at `indices` of `source` (its last dimension),
/// in bounds; with `mask` (null: none) only the lanes it sets are read,
/// the others zero.
Value readRow(OpBuilder &b, Location loc, VectorType type, Value source,
              ValueRange indices, Value mask);

/// `v` written at `indices` of the tensor `dest` (its last dimension), in
/// bounds, only the lanes `mask` sets (null: all): the new tensor.
Value writeRow(OpBuilder &b, Location loc, Value v, Value dest,
               ValueRange indices, Value mask);

/// The end of the whole steps of `step` elements from `begin` within
/// `end`: begin + (end - begin) / step * step.
Value wholeStepsEnd(OpBuilder &b, Location loc, Value begin, Value end,
                    Value step);

/// One step at element `n` with the loop-carried `args`, all lanes (`mask`
/// null) or those `mask` sets: the next values of `args`.
using RowStep = llvm::function_ref<SmallVector<Value>(
    OpBuilder &b, Location loc, Value n, ValueRange args, Value mask)>;

/// Steps of `step` elements from `begin`: the whole ones up to `wholeEnd`
/// without a mask, then, with `maskedTail`, the rest up to `end` (at most
/// one step) under the mask of its elements (a vector.create_mask of
/// `type`'s shape). The values of `inits` after the steps.
SmallVector<Value> buildRowSteps(OpBuilder &b, Location loc, VectorType type,
                                 Value begin, Value wholeEnd, Value end,
                                 Value step, ValueRange inits, bool maskedTail,
                                 RowStep body);

} // namespace mlir::sieve

#endif // SIEVE_CONVERSION_SIEVETOSCF_ROWVECTORS_H
