//===- KernelUtils.cpp - Pieces shared by the hand-written kernels --------===//

#include "sieve/Dialect/Sieve/Transforms/KernelUtils.h"

#include "sieve/Analysis/CostModel.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

sieve::ChannelInit sieve::matchChannelInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return {Value(), fill.getInputs()[0]};
  auto generic = init.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0)
    return {};
  auto bias = dyn_cast<RankedTensorType>(generic.getDpsInputs()[0].getType());
  AffineMap map = generic.getIndexingMapsArray()[0];
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (!bias || bias.getRank() != 1 || map.getNumResults() != 1 ||
      map.getDimPosition(0) != 1 ||
      !generic.getIndexingMapsArray()[1].isIdentity() ||
      yield.getValues().size() != 1 ||
      yield.getValues()[0] != body.getArgument(0))
    return {};
  return {generic.getDpsInputs()[0], Value()};
}

Value sieve::identityCopy(OpBuilder &b, Location loc, Value source,
                          Value dest) {
  auto type = cast<RankedTensorType>(dest.getType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{source}, ValueRange{dest},
             ArrayRef<AffineMap>{identity, identity},
             SmallVector<utils::IteratorType>(type.getRank(),
                                              utils::IteratorType::parallel),
             [](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(b, loc, args[0]);
             })
      .getResult(0);
}

Value sieve::carriedLoop(OpBuilder &b, Location loc, int64_t from, int64_t to,
                         int64_t step, Value init,
                         function_ref<Value(Value, Value)> body) {
  if (to <= from)
    return init;
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  if (to - from <= step)
    return body(index(from), init);
  auto forOp = scf::ForOp::create(b, loc, index(from), index(to), index(step),
                                  ValueRange{init});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forOp.getBody());
  scf::YieldOp::create(
      b, loc, body(forOp.getInductionVar(), forOp.getRegionIterArgs()[0]));
  return forOp.getResult(0);
}

Value sieve::forallChunks(OpBuilder &b, Location loc, Value dest, int64_t dim,
                          int64_t chunks, int64_t size,
                          function_ref<Value(Value, Value)> body) {
  auto type = cast<RankedTensorType>(dest.getType());
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(chunks)}, ValueRange{dest},
      /*mapping=*/std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value offset =
      arith::MulIOp::create(b, loc, forall.getInductionVar(0),
                            arith::ConstantIndexOp::create(b, loc, size));
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t d : type.getShape())
    sizes.push_back(b.getIndexAttr(d));
  offsets[dim] = offset;
  sizes[dim] = b.getIndexAttr(size);
  Value slice = tensor::ExtractSliceOp::create(
      b, loc, forall.getRegionIterArgs()[0], offsets, sizes, strides);
  Value updated = body(slice, offset);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      b, loc, updated, forall.getRegionIterArgs()[0], offsets, sizes, strides);
  return forall.getResult(0);
}

linalg::GenericOp sieve::soleElementwiseUser(Value result, bool otherOperands) {
  if (!result.hasOneUse())
    return {};
  OpOperand &use = *result.getUses().begin();
  auto generic = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!generic || !generic.isDpsInput(&use) || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0 ||
      generic->getResult(0).getType() != result.getType())
    return {};
  Block &body = generic.getRegion().front();
  for (OpOperand &operand : generic->getOpOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(&operand);
    bool isResult = operand.get() == result;
    if (generic.isDpsInit(&operand)) {
      if (!map.isIdentity() ||
          !generic.getMatchingBlockArgument(&operand).use_empty())
        return {};
    } else if (isResult
                   ? !map.isIdentity()
                   : cast<ShapedType>(operand.get().getType()).getRank() != 0 &&
                         !(otherOperands && map.isIdentity() &&
                           operand.get().getType() == result.getType())) {
      return {};
    }
  }
  for (Operation &inner : body.without_terminator())
    if (inner.getNumResults() != 1 ||
        !(OpTrait::hasElementwiseMappableTraits(&inner) ||
          matchPattern(&inner, m_Constant())))
      return {};
  return generic;
}

Value sieve::applyEpilogue(OpBuilder &b, Location loc,
                           linalg::GenericOp generic, Value acc,
                           function_ref<Value(OpOperand &)> readOperand) {
  auto type = cast<VectorType>(acc.getType());
  Block &body = generic.getRegion().front();
  IRMapping map;
  auto splat = [&](Value scalar) -> Value {
    return vector::BroadcastOp::create(
        b, loc, VectorType::get(type.getShape(), scalar.getType()), scalar);
  };
  for (OpOperand *operand : generic.getDpsInputOperands()) {
    BlockArgument arg = generic.getMatchingBlockArgument(operand);
    if (cast<ShapedType>(operand->get().getType()).getRank() == 0) {
      map.map(arg, splat(tensor::ExtractOp::create(b, loc, operand->get(),
                                                   ValueRange{})));
      continue;
    }
    Value read = readOperand ? readOperand(*operand) : Value();
    map.map(arg, read ? read : acc);
  }
  for (Operation &inner : body.without_terminator()) {
    if (matchPattern(&inner, m_Constant())) {
      map.map(inner.getResult(0), splat(b.clone(inner)->getResult(0)));
      continue;
    }
    for (Value operand : inner.getOperands())
      if (!map.contains(operand))
        map.map(operand, splat(operand));
    Operation *vectorOp = b.clone(inner, map);
    Value result = vectorOp->getResult(0);
    result.setType(VectorType::get(type.getShape(), result.getType()));
  }
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return map.lookup(yield.getValues()[0]);
}

std::optional<sieve::StaticLoop> sieve::staticLoop(scf::ForOp loop) {
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()),
                         upper = getConstantIntValue(loop.getUpperBound()),
                         step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step <= 0 || *upper <= *lower)
    return std::nullopt;
  return StaticLoop{*lower, *step,
                    int64_t(llvm::divideCeil(*upper - *lower, *step))};
}

int64_t sieve::lineElements(Type element) {
  return std::max<int64_t>(1, sieve::kCacheLineBytes * 8 /
                                  element.getIntOrFloatBitWidth());
}

Value sieve::readOnlyBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto layout = StridedLayoutAttr::get(
      b.getContext(), ShapedType::kDynamic,
      SmallVector<int64_t>(type.getRank(), ShapedType::kDynamic));
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType(), layout),
      tensor, /*readOnly=*/b.getUnitAttr());
}

sieve::PrefetchLines sieve::tileLines(OpBuilder &b, Location loc, Value tile) {
  auto type = dyn_cast<RankedTensorType>(tile.getType());
  if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
      !type.getElementType().isIntOrFloat())
    return {};
  int64_t lineElements = sieve::lineElements(type.getElementType());
  int64_t width = type.getDimSize(1);
  int64_t linesPerRow = llvm::divideCeil(width, lineElements);
  // Rows of a whole tensor whose rows are not whole lines (a 55x55 map's
  // 3025 pixels) start inside a line, and a tile row of whole lines then
  // touches one more: its last element's.
  bool lastLine = false;
  if (auto slice = tile.getDefiningOp<tensor::ExtractSliceOp>()) {
    auto source = cast<RankedTensorType>(slice.getSource().getType());
    lastLine = width > 1 && !ShapedType::isDynamic(source.getShape().back()) &&
               source.getShape().back() % lineElements != 0;
  }
  linesPerRow += lastLine;
  sieve::PrefetchLines lines;
  lines.buffer = sieve::readOnlyBuffer(b, loc, tile);
  lines.count = type.getDimSize(0) * linesPerRow;
  lines.indices = [=](OpBuilder &ib, Location l, Value line) {
    AffineExpr d0 = ib.getAffineDimExpr(0);
    return SmallVector<Value>{
        affine::makeComposedAffineApply(
            ib, l, AffineMap::get(1, 0, d0.floorDiv(linesPerRow)), {line}),
        lastLine ? Value(affine::makeComposedAffineMin(
                       ib, l,
                       AffineMap::get(1, 0,
                                      {(d0 % linesPerRow) * lineElements,
                                       ib.getAffineConstantExpr(width - 1)},
                                      ib.getContext()),
                       {line}))
                 : Value(affine::makeComposedAffineApply(
                       ib, l,
                       AffineMap::get(1, 0, (d0 % linesPerRow) * lineElements),
                       {line}))};
  };
  return lines;
}

scf::ForOp sieve::accumulatorLoop(Operation *root) {
  scf::ForOp found;
  root->walk([&](scf::ForOp loop) {
    if (!found && loop != root &&
        llvm::any_of(loop.getRegionIterArgs(),
                     [](Value v) { return isa<VectorType>(v.getType()); }))
      found = loop;
  });
  return found;
}

void sieve::prefetchDuringReduction(OpBuilder &b, scf::ForOp reduction,
                                    ArrayRef<sieve::PrefetchLines> streams) {
  if (!reduction)
    return;
  std::optional<sieve::StaticLoop> bounds = sieve::staticLoop(reduction);
  if (!bounds)
    return;
  int64_t steps = bounds->trips;
  int64_t lower = bounds->lower, step = bounds->step;
  // Per stream: lines per step; the steps they take.
  SmallVector<int64_t> perStep;
  int64_t prefetchSteps = 0;
  for (const sieve::PrefetchLines &stream : streams) {
    int64_t n = stream.count > 0 ? llvm::divideCeil(stream.count, steps) : 0;
    perStep.push_back(n);
    if (n)
      prefetchSteps =
          std::max<int64_t>(prefetchSteps, llvm::divideCeil(stream.count, n));
  }
  if (!prefetchSteps)
    return;
  OpBuilder::InsertionGuard guard(b);
  Location loc = reduction.getLoc();
  scf::ForOp first = reduction;
  if (prefetchSteps < steps) {
    b.setInsertionPoint(reduction);
    Value split =
        arith::ConstantIndexOp::create(b, loc, lower + prefetchSteps * step);
    first = cast<scf::ForOp>(b.clone(*reduction));
    first.getUpperBoundMutable().assign(split);
    reduction.getLowerBoundMutable().assign(split);
    reduction.getInitArgsMutable().assign(first.getResults());
  }
  b.setInsertionPointToStart(first.getBody());
  AffineExpr d0 = b.getAffineDimExpr(0);
  AffineExpr stepIndex = (d0 - lower).floorDiv(step);
  for (auto [stream, n] : llvm::zip(streams, perStep)) {
    for (int64_t p = 0; p < n; ++p) {
      // Line (step * n + p), at most the last: a stream that needs fewer
      // steps asks for its last line again.
      AffineExpr index = stepIndex * n + p;
      Value line;
      if (prefetchSteps * n > stream.count)
        line = affine::makeComposedAffineMin(
            b, loc,
            AffineMap::get(1, 0,
                           {index, b.getAffineConstantExpr(stream.count - 1)},
                           b.getContext()),
            {first.getInductionVar()});
      else
        line = getValueOrCreateConstantIndexOp(
            b, loc,
            affine::makeComposedFoldedAffineApply(
                b, loc, AffineMap::get(1, 0, index),
                {OpFoldResult(first.getInductionVar())}));
      memref::PrefetchOp::create(b, loc, stream.buffer,
                                 stream.indices(b, loc, line), stream.isWrite,
                                 /*localityHint=*/3,
                                 /*isDataCache=*/true);
    }
  }
}

tensor::PadOp sieve::spatialPadOf(Value value) {
  auto pad = value.getDefiningOp<tensor::PadOp>();
  if (!pad || !pad.getConstantPaddingValue())
    return {};
  SmallVector<int64_t> low(pad.getStaticLow()), high(pad.getStaticHigh());
  if (low.size() < 2 ||
      llvm::any_of(llvm::concat<int64_t>(low, high),
                   [](int64_t v) { return ShapedType::isDynamic(v) || v < 0; }))
    return {};
  auto outer = [](ArrayRef<int64_t> pads) {
    return llvm::any_of(pads.drop_back(2), [](int64_t v) { return v != 0; });
  };
  if (outer(low) || outer(high))
    return {};
  return pad;
}

void sieve::untieSharedFills(Operation *root) {
  SmallVector<linalg::FillOp> shared;
  root->walk([&](linalg::FillOp fill) {
    if (fill.hasPureTensorSemantics() && !fill->use_empty() &&
        !fill->hasOneUse() &&
        fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      shared.push_back(fill);
  });
  OpBuilder b(root->getContext());
  for (linalg::FillOp fill : shared) {
    auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
    SmallVector<OpOperand *> uses = llvm::map_to_vector(
        fill->getResult(0).getUses(), [](OpOperand &use) { return &use; });
    for (OpOperand *use : llvm::drop_begin(uses)) {
      b.setInsertionPoint(use->getOwner());
      IRMapping mapping;
      mapping.map(empty.getResult(), b.clone(*empty)->getResult(0));
      use->set(b.clone(*fill, mapping)->getResult(0));
    }
  }
}

void sieve::fillPadBorders(RewriterBase &rewriter, Operation *root) {
  SmallVector<tensor::PadOp> pads;
  root->walk([&](tensor::PadOp pad) {
    auto type = pad.getResultType();
    Value value = pad.getConstantPaddingValue();
    if (!type.hasStaticShape() || !value || type.getRank() == 0 ||
        !pad.getSourceType().hasStaticShape())
      return;
    SmallVector<int64_t> low(pad.getStaticLow()), high(pad.getStaticHigh());
    if (llvm::any_of(llvm::concat<int64_t>(low, high), [](int64_t v) {
          return ShapedType::isDynamic(v) || v < 0;
        }))
      return;
    if (low.back() != 0 || high.back() != 0)
      return;
    pads.push_back(pad);
  });
  for (tensor::PadOp pad : pads) {
    rewriter.setInsertionPoint(pad);
    Location loc = pad.getLoc();
    RankedTensorType type = pad.getResultType();
    ArrayRef<int64_t> padded = type.getShape(),
                      source = pad.getSourceType().getShape();
    SmallVector<int64_t> low(pad.getStaticLow()), high(pad.getStaticHigh());
    Value value = pad.getConstantPaddingValue();
    // A constant defined inside the pad's region moves out of it.
    if (value.getParentRegion() == &pad.getRegion())
      value = rewriter.clone(*value.getDefiningOp())->getResult(0);
    // An alloc_tensor, not an empty tensor: a slice of an empty tensor
    // folds into an empty tensor of its own, which the fill would write
    // apart and the insert copy.
    Value result =
        bufferization::AllocTensorOp::create(rewriter, loc, type, ValueRange{});
    auto attrs = [&](ArrayRef<int64_t> values) {
      return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult {
        return rewriter.getIndexAttr(v);
      });
    };
    SmallVector<int64_t> ones(padded.size(), 1);
    // An element of the border belongs to the slab of the first dimension
    // along which it lies outside the source: along the dimensions before
    // it, the slab spans the source; after it, the whole padded extent.
    for (size_t d = 0; d + 1 < padded.size(); ++d) {
      for (bool after : {false, true}) {
        int64_t extent = after ? high[d] : low[d];
        if (extent == 0)
          continue;
        SmallVector<int64_t> offsets, sizes;
        for (size_t i = 0; i < padded.size(); ++i) {
          if (i < d) {
            offsets.push_back(low[i]);
            sizes.push_back(source[i]);
          } else if (i == d) {
            offsets.push_back(after ? low[d] + source[d] : 0);
            sizes.push_back(extent);
          } else {
            offsets.push_back(0);
            sizes.push_back(padded[i]);
          }
        }
        Value slab = tensor::ExtractSliceOp::create(
            rewriter, loc, result, attrs(offsets), attrs(sizes), attrs(ones));
        auto fill = linalg::FillOp::create(rewriter, loc, value, slab);
        result = tensor::InsertSliceOp::create(rewriter, loc, fill.result(),
                                               result, attrs(offsets),
                                               attrs(sizes), attrs(ones));
      }
    }
    SmallVector<int64_t> sizes(source);
    result =
        tensor::InsertSliceOp::create(rewriter, loc, pad.getSource(), result,
                                      attrs(low), attrs(sizes), attrs(ones));
    rewriter.replaceOp(pad, result);
  }
}
