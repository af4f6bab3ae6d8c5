//===- CostModel.cpp - Where Sieve's sparse rewrites pay --------*- C++ -*-===//

#include "sieve/Analysis/CostModel.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

using namespace mlir;

/// Break-even points measured on 1024x1024 and 4096x4096 weights, with a
/// margin:
///  * one row, weight streamed from memory (> 8 MiB): the packed form moves
///    8 bytes per non-zero against 4 per dense element; break-even ~30%;
///  * one row, weight in cache: the dense vecmat runs at full vector speed,
///    the gather kernel pays below ~13%;
///  * 2-15 rows: break-even ~30% (large) and ~28% (small);
///  * 16 rows and more: ~45% (large) and ~35% (small).
double mlir::sieve::weightPackingLimit(int64_t batchRows,
                                       int64_t weightBytes) {
  constexpr int64_t kStreamedBytes = 8 << 20;
  if (batchRows == 1)
    return weightBytes > kStreamedBytes ? 0.25 : 0.1;
  if (!ShapedType::isDynamic(batchRows) && batchRows >= 16)
    return 0.3;
  return 0.2;
}

/// A batch-1 product whose weight fits in the last-level cache (32 MiB)
/// runs densely at full speed from cache, so the gather pays only below
/// 15%; with weights streamed from memory, or several rows sharing each
/// gathered weight row, it pays below 50%.
double mlir::sieve::activationGatherLimit(int64_t batchRows,
                                          int64_t weightBytes) {
  constexpr int64_t kCacheBytes = 32 << 20;
  bool inCache = weightBytes >= 0 && weightBytes <= kCacheBytes;
  return batchRows == 1 && inCache ? 0.15 : 0.5;
}
