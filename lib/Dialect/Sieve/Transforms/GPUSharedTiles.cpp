//===- GPUSharedTiles.cpp - Contractions in shared-memory tiles -*- C++ -*-===//
//
// sieve-map-to-gpu's kernel for contractions with reuse (matmuls with rows,
// convolutions): the classic GPU GEMM. A contraction's output points split
// into M (the points only one input reads: a matmul's rows, a
// convolution's output channels), N (only the other input reads them: its
// columns, a convolution's pixels) and batch points (both or neither
// read them); its reductions, flattened, are K. A block of 16 x 16 threads
// computes a tile of 64 x 64 points of one batch point: it stages 16 steps
// of K of each input in shared memory (each thread loads four elements of
// each, the loads of neighbouring threads at neighbouring addresses), waits
// for all (gpu.barrier), and each thread adds the 16 steps to its 4 x 4
// sums, reading 8 shared elements per 16 multiply-adds; then the next 16.
// A convolution is read as an implicit GEMM: its window (the input at
// `oh * stride + kh`) is the indexing map's, evaluated at the flattened
// indices' dimensions.
//
//===----------------------------------------------------------------------===//

#include "GPUKernels.h"

#include "sieve/Analysis/ActivationSites.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// Threads along each side of a block (16 x 16 = 256 threads).
constexpr int64_t kThreadsPerSide = 16;
/// Points per thread along each side (4 x 4 sums in registers).
constexpr int64_t kPointsPerThread = 4;
/// Points per block along each side.
constexpr int64_t kBlockSide = kThreadsPerSide * kPointsPerThread;
/// Reduction steps staged in shared memory at a time.
constexpr int64_t kStageDepth = 16;
/// Steps of a stage per loop step (the rest of the unrolling is LLVM's).
constexpr int64_t kStepUnroll = 4;
/// The alignment of the stages in shared memory (sieve-merge-gpu-modules
/// gives every kernel's workgroup buffers this) and of their rows: the
/// 16-byte loads of four elements.
constexpr int64_t kSharedAlignment = 16;
/// The fewest stages one block of a split reduction sums.
constexpr int64_t kMinStagesPerSplit = 4;
/// The fewest points (static sizes) along M and along N for a tiled kernel:
/// half a block side; below, most of a tile's threads would compute
/// nothing (a GEMV's single row keeps the register kernel).
constexpr int64_t kMinTiledSide = kBlockSide / 2;

/// `size`, or 1 where a dynamic size is 0 (an empty batch: its points do
/// not exist, but their index arithmetic runs and must not divide by 0).
Value nonZero(OpBuilder &b, Location loc, Value size) {
  if (getConstantIntValue(size))
    return size;
  return b.createOrFold<arith::MaxUIOp>(
      loc, size, arith::ConstantIndexOp::create(b, loc, 1));
}

/// A set of loop dimensions read as one flattened index (first dimension
/// slowest).
struct Flattened {
  SmallVector<unsigned> dims;
  SmallVector<Value> sizes;
  Value total;

  /// The dimensions' indices of flattened index `index`, into `point` (a
  /// vector over every loop dimension).
  void unflatten(OpBuilder &b, Location loc, Value index,
                 SmallVectorImpl<Value> &point) const {
    Value rest = index;
    for (int64_t i = dims.size() - 1; i >= 0; --i) {
      if (i == 0) {
        point[dims[i]] = rest;
        break;
      }
      Value divisor = nonZero(b, loc, sizes[i]);
      point[dims[i]] = b.createOrFold<arith::RemUIOp>(loc, rest, divisor);
      rest = b.createOrFold<arith::DivUIOp>(loc, rest, divisor);
    }
  }
};

/// The static part of the product of `set`'s sizes (dynamic sizes count 1).
int64_t staticProduct(const Flattened &set) {
  int64_t product = 1;
  for (Value size : set.sizes)
    if (std::optional<int64_t> known = getConstantIntValue(size))
      product *= *known;
  return product;
}

/// Whether `set`'s points are a static multiple of `multiple` (no partial
/// tile along it).
bool isMultipleOf(const Flattened &set, int64_t multiple) {
  std::optional<int64_t> total = getConstantIntValue(set.total);
  return total && *total % multiple == 0;
}

/// `a` and `b`, either of which may be null (true).
Value both(OpBuilder &builder, Location loc, Value a, Value b) {
  if (!a || !b)
    return a ? a : b;
  return arith::AndIOp::create(builder, loc, a, b);
}

} // namespace

FailureOr<bool> mlir::sieve::lowerSharedTiles(
    RewriterBase &b, linalg::LinalgOp op, int64_t targetThreads,
    llvm::function_ref<LogicalResult(linalg::LinalgOp)> fallback, bool report) {
  unsigned loops = op.getNumLoops();
  unsigned parallelLoops = loops - op.getNumReductionLoops();
  if (!isTrailingSum(op) || parallelLoops < 2 || op.getNumDpsInputs() != 2 ||
      !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32() ||
      op->hasAttr("sieve.skip_zeros") ||
      op->hasAttr("sieve.skip_zero_points") ||
      !op.getBlock()->getOps<linalg::IndexOp>().empty())
    return false;
  OpOperand *inputs[2] = {op.getDpsInputOperand(0), op.getDpsInputOperand(1)};
  for (OpOperand *input : inputs)
    if (!isa<MemRefType>(input->get().getType()) ||
        !getElementTypeOrSelf(input->get().getType()).isF32())
      return false;
  AffineMap maps[2] = {op.getMatchingIndexingMap(inputs[0]),
                       op.getMatchingIndexingMap(inputs[1])};

  Location loc = op.getLoc();
  b.setInsertionPoint(op);
  std::optional<SmallVector<OpFoldResult>> sizes = loopSizes(b, op);
  if (!sizes)
    return false;
  auto size = [&](unsigned d) {
    return getValueOrCreateConstantIndexOp(b, loc, (*sizes)[d]);
  };
  // The sides: the output points read by one input only.
  Flattened read[2], batch, depth;
  for (unsigned d = 0; d < parallelLoops; ++d) {
    bool first = maps[0].isFunctionOfDim(d),
         second = maps[1].isFunctionOfDim(d);
    Flattened &set = first == second ? batch : first ? read[0] : read[1];
    set.dims.push_back(d);
    set.sizes.push_back(size(d));
  }
  for (unsigned d = parallelLoops; d < loops; ++d) {
    depth.dims.push_back(d);
    depth.sizes.push_back(size(d));
  }
  if (read[0].dims.empty() || read[1].dims.empty())
    return false;
  auto isStatic = [](const Flattened &set) {
    return llvm::all_of(
        set.sizes, [](Value v) { return getConstantIntValue(v).has_value(); });
  };
  bool largeEnough = staticProduct(read[0]) >= kMinTiledSide &&
                     staticProduct(read[1]) >= kMinTiledSide;
  if (!largeEnough && isStatic(read[0]) && isStatic(read[1]))
    return false;
  // N, the side of the threads' fast index, holds the output's innermost
  // dimension when an input reads it (the stores of neighbouring threads
  // are then neighbours).
  int n = llvm::is_contained(read[0].dims, parallelLoops - 1) ? 0 : 1;
  int m = 1 - n;

  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto constant = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  for (Flattened *set : {&read[0], &read[1], &batch, &depth}) {
    set->total = one;
    for (Value s : set->sizes)
      set->total = b.createOrFold<arith::MulIOp>(loc, set->total, s);
  }
  if (report) {
    // Sizes as "64 x 3136" (a side's dimensions multiplied; ? if dynamic).
    auto describe = [](const Flattened &set) {
      int64_t product = 1;
      for (Value size : set.sizes) {
        std::optional<int64_t> known = getConstantIntValue(size);
        if (!known)
          return std::string("?");
        product *= *known;
      }
      return std::to_string(product);
    };
    InFlightDiagnostic remark = op->emitRemark();
    remark << describeNode(op, "contraction") << ": " << describe(read[m])
           << " x " << describe(read[n]) << " points of " << describe(depth)
           << " steps: shared-memory tiles of " << kBlockSide << " x "
           << kBlockSide;
    if (!largeEnough)
      remark << " where both sides have " << kMinTiledSide
             << " points at run time";
  }
  if (!largeEnough) {
    // A dynamic side (a batch, a sequence) is tiled when it is long enough
    // at run time; else the fallback runs (a GEMV's one row).
    Value minSide = constant(kMinTiledSide);
    Value wide = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, read[0].total,
                              minSide),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, read[1].total,
                              minSide));
    auto choice = scf::IfOp::create(b, loc, wide, /*withElseRegion=*/true);
    b.setInsertionPoint(choice.elseBlock()->getTerminator());
    auto copy = cast<linalg::LinalgOp>(b.clone(*op));
    if (failed(fallback(copy)))
      return failure();
    b.setInsertionPoint(choice.thenBlock()->getTerminator());
  }
  Value side = constant(kBlockSide);
  Value stage = constant(kStageDepth);
  Value tilesM = b.createOrFold<arith::CeilDivUIOp>(loc, read[m].total, side);
  Value tilesN = b.createOrFold<arith::CeilDivUIOp>(loc, read[n].total, side);
  Value stages = b.createOrFold<arith::CeilDivUIOp>(loc, depth.total, stage);
  Value tiles = b.createOrFold<arith::MulIOp>(
      loc, b.createOrFold<arith::MulIOp>(loc, tilesM, tilesN), batch.total);
  // Splits of the reduction: as many as fill targetThreads, each at least
  // kMinStagesPerSplit stages.
  int64_t blockThreads = kThreadsPerSide * kThreadsPerSide;
  Value wanted = b.createOrFold<arith::CeilDivUIOp>(
      loc, constant(targetThreads),
      b.createOrFold<arith::MaxUIOp>(
          loc,
          b.createOrFold<arith::MulIOp>(loc, tiles, constant(blockThreads)),
          one));
  Value most = b.createOrFold<arith::MaxUIOp>(
      loc,
      b.createOrFold<arith::CeilDivUIOp>(loc, stages,
                                         constant(kMinStagesPerSplit)),
      one);
  Value splits =
      isConstantIntValue(getAsOpFoldResult(most), 1)
          ? one
          : b.createOrFold<arith::MaxUIOp>(
                loc, b.createOrFold<arith::MinUIOp>(loc, wanted, most), one);
  Value stagesPerSplit =
      b.createOrFold<arith::CeilDivUIOp>(loc, stages, splits);
  bool split = !isConstantIntValue(getAsOpFoldResult(splits), 1);
  Value blocks = b.createOrFold<arith::MaxUIOp>(
      loc, b.createOrFold<arith::MulIOp>(loc, tiles, splits), one);

  // Shared memory: stage [kStageDepth][kBlockSide + pad] of each input,
  // rows 16-byte aligned. A warp stores, for an input loaded with K
  // fastest (its innermost index follows the reduction), 16 rows x 2
  // columns: rows padded by 4 elements put those stores two to a bank, not
  // sixteen; for the other inputs 2 rows x 16 columns: rows padded by 16
  // put the two rows in different banks.
  Type elementTypes[2];
  bool depthFastest[2];
  auto rowPad = [&](int i) -> int64_t { return depthFastest[i] ? 4 : 16; };
  MemRefType stageTypes[2];
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  for (int i = 0; i < 2; ++i) {
    elementTypes[i] = getElementTypeOrSelf(inputs[i]->get().getType());
    AffineExpr last =
        maps[i].getNumResults() ? maps[i].getResults().back() : AffineExpr();
    bool sideInner = last && last.isFunctionOfDim(read[i].dims.back());
    depthFastest[i] =
        last && !sideInner && last.isFunctionOfDim(depth.dims.back());
    stageTypes[i] =
        MemRefType::get({kStageDepth, kBlockSide + rowPad(i)}, elementTypes[i],
                        MemRefLayoutAttrInterface(), workgroup);
  }
  auto launch = gpu::LaunchOp::create(
      b, loc, blocks, one, one, constant(blockThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/ValueRange(),
      /*workgroupAttributions=*/TypeRange{stageTypes[0], stageTypes[1]});
  Value staged[2] = {launch.getWorkgroupAttributions()[0],
                     launch.getWorkgroupAttributions()[1]};
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  Value zero = constant(0);
  Value tid = launch.getThreadIds().x;
  // The block's tile: N tile fastest, then M, batch, split.
  Value rest = launch.getBlockIds().x;
  // (An empty side has no tiles: its one block divides by 1.)
  Value tileN =
      b.createOrFold<arith::RemUIOp>(loc, rest, nonZero(b, loc, tilesN));
  rest = b.createOrFold<arith::DivUIOp>(loc, rest, nonZero(b, loc, tilesN));
  Value tileM =
      b.createOrFold<arith::RemUIOp>(loc, rest, nonZero(b, loc, tilesM));
  rest = b.createOrFold<arith::DivUIOp>(loc, rest, nonZero(b, loc, tilesM));
  Value batchSize = nonZero(b, loc, batch.total);
  Value batchIndex = b.createOrFold<arith::RemUIOp>(loc, rest, batchSize);
  Value splitIndex = b.createOrFold<arith::DivUIOp>(loc, rest, batchSize);
  Value tileOf[2];
  tileOf[m] = tileM;
  tileOf[n] = tileN;
  SmallVector<Value> base(loops, zero);
  if (!batch.dims.empty())
    batch.unflatten(b, loc, batchIndex, base);

  // Each thread's four elements of each stage: position (k, p) in the
  // stage, its point (the side's dimensions; batch as the block's), and
  // whether the point exists. The block's threads are 16 x 16: one index
  // (tid % 16) runs along the input's fast direction (K or the side), the
  // other (tid / 16) along the slow one, and element e adds 16 e along the
  // side. The four elements of a thread then share one K index: the
  // reduction's indices are unflattened once per input and stage.
  static_assert(kThreadsPerSide == kStageDepth &&
                    kBlockSide == kThreadsPerSide * kPointsPerThread,
                "each thread stages one K index and four side points");
  struct Element {
    Value k, p, exists;
    SmallVector<Value> point;
  };
  SmallVector<Element> elements[2];
  for (int i = 0; i < 2; ++i) {
    for (int64_t e = 0; e < kPointsPerThread; ++e) {
      Element element;
      Value fast =
          b.createOrFold<arith::RemUIOp>(loc, tid, constant(kThreadsPerSide));
      Value slow =
          b.createOrFold<arith::DivUIOp>(loc, tid, constant(kThreadsPerSide));
      element.k = depthFastest[i] ? fast : slow;
      element.p = b.createOrFold<arith::AddIOp>(
          loc, depthFastest[i] ? slow : fast, constant(e * kThreadsPerSide));
      Value global = b.createOrFold<arith::AddIOp>(
          loc, b.createOrFold<arith::MulIOp>(loc, tileOf[i], side), element.p);
      // In a partial tile, the indices of a missing point are clamped
      // (valid, unused).
      Value clamped = global;
      if (!isMultipleOf(read[i], kBlockSide)) {
        element.exists = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ult, global, read[i].total);
        clamped = arith::MinUIOp::create(
            b, loc, global,
            b.createOrFold<arith::SubIOp>(loc, read[i].total, one));
      }
      element.point = base;
      read[i].unflatten(b, loc, clamped, element.point);
      elements[i].push_back(std::move(element));
    }
  }
  // Thread (ty, tx) of the block's 16 x 16 sums points [4 ty, 4 ty + 4)
  // of the tile's M and [4 tx, 4 tx + 4) of its N: point i of its four
  // along a side is the tile's first, plus its first, plus i.
  Value threadSide = constant(kThreadsPerSide);
  Value rowM = b.createOrFold<arith::MulIOp>(
      loc, b.createOrFold<arith::DivUIOp>(loc, tid, threadSide),
      constant(kPointsPerThread));
  Value rowN = b.createOrFold<arith::MulIOp>(
      loc, b.createOrFold<arith::RemUIOp>(loc, tid, threadSide),
      constant(kPointsPerThread));
  auto pointAlong = [&](Value tile, Value first, int64_t i) {
    return b.createOrFold<arith::AddIOp>(
        loc, b.createOrFold<arith::MulIOp>(loc, tile, side),
        b.createOrFold<arith::AddIOp>(loc, first, constant(i)));
  };
  Value firstStage =
      b.createOrFold<arith::MulIOp>(loc, splitIndex, stagesPerSplit);
  Value lastStage = arith::MinUIOp::create(
      b, loc, b.createOrFold<arith::AddIOp>(loc, firstStage, stagesPerSplit),
      stages);

  Type accType = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  Value accZero = arith::ConstantOp::create(b, loc, b.getZeroAttr(accType));
  SmallVector<Value> inits(kPointsPerThread * kPointsPerThread, accZero);
  Block *opBody = op.getBlock();
  bool wholeStages = isMultipleOf(depth, kStageDepth);
  auto stageLoop = scf::ForOp::create(
      b, loc, firstStage, lastStage, one, inits,
      [&](OpBuilder &sb, Location sl, Value s, ValueRange acc) {
        // Stage s: K steps [16 s, 16 s + 16) of both inputs (zeros past
        // K's end and at missing points).
        Value kBase = sb.createOrFold<arith::MulIOp>(sl, s, stage);
        for (int i = 0; i < 2; ++i) {
          for (Element &element : elements[i]) {
            Value kIndex = sb.createOrFold<arith::AddIOp>(sl, kBase, element.k);
            Value inside = element.exists, kClamped = kIndex;
            if (!wholeStages) {
              inside =
                  both(sb, sl, inside,
                       arith::CmpIOp::create(sb, sl, arith::CmpIPredicate::ult,
                                             kIndex, depth.total));
              kClamped = arith::MinUIOp::create(
                  sb, sl, kIndex,
                  sb.createOrFold<arith::SubIOp>(sl, depth.total, one));
            }
            SmallVector<Value> point = element.point;
            depth.unflatten(sb, sl, kClamped, point);
            if (!inside) {
              memref::StoreOp::create(
                  sb, sl,
                  memref::LoadOp::create(sb, sl, inputs[i]->get(),
                                         indicesAt(sb, sl, maps[i], point)),
                  staged[i], ValueRange{element.k, element.p});
              continue;
            }
            auto value = scf::IfOp::create(
                sb, sl, inside,
                [&](OpBuilder &tb, Location tl) {
                  Value loaded =
                      memref::LoadOp::create(tb, tl, inputs[i]->get(),
                                             indicesAt(tb, tl, maps[i], point));
                  scf::YieldOp::create(tb, tl, loaded);
                },
                [&](OpBuilder &eb, Location el) {
                  scf::YieldOp::create(
                      eb, el,
                      arith::ConstantOp::create(eb, el,
                                                eb.getZeroAttr(elementTypes[i]))
                          .getResult());
                });
            memref::StoreOp::create(sb, sl, value.getResult(0), staged[i],
                                    ValueRange{element.k, element.p});
          }
        }
        gpu::BarrierOp::create(sb, sl);
        // The stage's 16 steps, kStepUnroll a loop step: per step, 4
        // elements of each input from shared memory (one 16-byte load
        // each) and 16 multiply-adds. Thread (ty, tx) sums points
        // [4 ty, 4 ty + 4) of M and [4 tx, 4 tx + 4) of N: the 16-byte
        // loads of a quarter warp read 128 contiguous bytes (no bank
        // conflicts) or one broadcast address.
        auto steps = scf::ForOp::create(
            sb, sl, zero, stage, constant(kStepUnroll), acc,
            [&](OpBuilder &kb, Location kl, Value k0, ValueRange sums) {
              SmallVector<Value> next(sums);
              for (int64_t u = 0; u < kStepUnroll; ++u) {
                Value k = u == 0 ? k0
                                 : kb.createOrFold<arith::AddIOp>(kl, k0,
                                                                  constant(u));
                Value quads[2];
                for (int which : {m, n}) {
                  auto quad =
                      VectorType::get({kPointsPerThread}, elementTypes[which]);
                  quads[which] = vector::LoadOp::create(
                      kb, kl, quad, staged[which],
                      ValueRange{k, which == m ? rowM : rowN},
                      /*nontemporal=*/false,
                      llvm::MaybeAlign(kSharedAlignment));
                }
                for (int64_t i = 0; i < kPointsPerThread; ++i)
                  for (int64_t j = 0; j < kPointsPerThread; ++j) {
                    IRMapping map;
                    map.map(opBody->getArgument(inputs[m]->getOperandNumber()),
                            vector::ExtractOp::create(kb, kl, quads[m], i));
                    map.map(opBody->getArgument(inputs[n]->getOperandNumber()),
                            vector::ExtractOp::create(kb, kl, quads[n], j));
                    Value &sum = next[i * kPointsPerThread + j];
                    sum = addAccumulatedTerm(kb, kl, op, map, sum);
                  }
              }
              scf::YieldOp::create(kb, kl, next);
            });
        // The stage is read by all before the next overwrites it.
        gpu::BarrierOp::create(sb, sl);
        scf::YieldOp::create(sb, sl, steps.getResults());
      });

  // Each existing point adds its sum to its output element (atomically
  // when the reduction is split).
  OpOperand *out = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(out);
  for (int64_t i = 0; i < kPointsPerThread; ++i)
    for (int64_t j = 0; j < kPointsPerThread; ++j) {
      Value at[2];
      at[m] = pointAlong(tileM, rowM, i);
      at[n] = pointAlong(tileN, rowN, j);
      Value exists;
      for (int which : {m, n})
        if (!isMultipleOf(read[which], kBlockSide))
          exists = both(b, loc, exists,
                        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                              at[which], read[which].total));
      Value total = stageLoop.getResult(i * kPointsPerThread + j);
      auto addSum = [&](OpBuilder &ob, Location ol) {
        SmallVector<Value> point = base;
        read[m].unflatten(ob, ol, at[m], point);
        read[n].unflatten(ob, ol, at[n], point);
        addToElement(ob, ol, total, out->get(),
                     indicesAt(ob, ol, outMap, point), split);
      };
      if (!exists) {
        addSum(b, loc);
        continue;
      }
      scf::IfOp::create(b, loc, exists, [&](OpBuilder &ob, Location ol) {
        addSum(ob, ol);
        scf::YieldOp::create(ob, ol);
      });
    }
  gpu::TerminatorOp::create(b, loc);
  b.eraseOp(op);
  return true;
}
