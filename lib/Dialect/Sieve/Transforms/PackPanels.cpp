//===- PackPanels.cpp - Matmul weights in column panels ---------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"

#include "sieve/Analysis/WeightPattern.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using mlir::sieve::constantFloats;

namespace {

/// Whether `value` is provably a multiple of `step`: a constant, the
/// induction variable of a loop whose lower bound and step are, or a sum or
/// product (one factor suffices) of such values.
bool isMultipleOf(OpFoldResult value, int64_t step, int depth = 0) {
  if (std::optional<int64_t> c = getConstantIntValue(value))
    return *c % step == 0;
  auto v = dyn_cast<Value>(value);
  if (!v || depth > 8)
    return false;
  auto multiple = [&](OpFoldResult x) {
    return isMultipleOf(x, step, depth + 1);
  };
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(owner))
      return arg == loop.getInductionVar() && multiple(loop.getLowerBound()) &&
             multiple(loop.getStep());
    if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
      auto ivs = forall.getInductionVars();
      auto it = llvm::find(ivs, arg);
      if (it == ivs.end())
        return false;
      size_t d = it - ivs.begin();
      return multiple(forall.getMixedLowerBound()[d]) &&
             multiple(forall.getMixedStep()[d]);
    }
    return false;
  }
  Operation *op = v.getDefiningOp();
  if (auto add = dyn_cast_or_null<arith::AddIOp>(op))
    return multiple(add.getLhs()) && multiple(add.getRhs());
  if (auto mul = dyn_cast_or_null<arith::MulIOp>(op))
    return multiple(mul.getLhs()) || multiple(mul.getRhs());
  if (auto apply = dyn_cast_or_null<affine::AffineApplyOp>(op)) {
    // Each term of the single result: a multiple of `step` as a constant,
    // an operand that is one, or a product with such a factor.
    std::function<bool(AffineExpr)> expr = [&](AffineExpr e) -> bool {
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        return c.getValue() % step == 0;
      if (auto d = dyn_cast<AffineDimExpr>(e))
        return multiple(apply.getMapOperands()[d.getPosition()]);
      if (auto s = dyn_cast<AffineSymbolExpr>(e))
        return multiple(
            apply.getMapOperands()[apply.getAffineMap().getNumDims() +
                                   s.getPosition()]);
      auto bin = dyn_cast<AffineBinaryOpExpr>(e);
      if (!bin)
        return false;
      if (e.getKind() == AffineExprKind::Add)
        return expr(bin.getLHS()) && expr(bin.getRHS());
      if (e.getKind() == AffineExprKind::Mul)
        return expr(bin.getLHS()) || expr(bin.getRHS());
      return false;
    };
    return apply.getAffineMap().getNumResults() == 1 &&
           expr(apply.getAffineMap().getResult(0));
  }
  return false;
}

/// Where a [K, N] operand comes from: the value a chain of unit-stride 2-D
/// extract_slices takes it from, and the slices' summed offsets.
struct SliceRoot {
  Value root;
  OpFoldResult row, column;
};

SliceRoot sliceRoot(OpBuilder &b, Location loc, Value value) {
  SliceRoot found{value, b.getIndexAttr(0), b.getIndexAttr(0)};
  while (auto slice = found.root.getDefiningOp<tensor::ExtractSliceOp>()) {
    if (slice.getSourceType().getRank() != 2 ||
        slice.getResultType().getRank() != 2 ||
        !llvm::all_of(slice.getMixedStrides(),
                      [](OpFoldResult s) { return isConstantIntValue(s, 1); }))
      break;
    AffineExpr d0, d1;
    bindDims(b.getContext(), d0, d1);
    auto sum = [&](OpFoldResult x, OpFoldResult y) {
      return affine::makeComposedFoldedAffineApply(b, loc, d0 + d1, {x, y});
    };
    found.row = sum(found.row, slice.getMixedOffsets()[0]);
    found.column = sum(found.column, slice.getMixedOffsets()[1]);
    found.root = slice.getSource();
  }
  return found;
}

/// Whether `use` is a matmul's static weight operand.
bool isMatmulWeight(OpOperand &use) {
  auto matmul = dyn_cast<linalg::MatmulOp>(use.getOwner());
  return matmul && use.getOperandNumber() == 1 &&
         cast<ShapedType>(use.get().getType()).hasStaticShape() &&
         linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps());
}

/// Whether `reader`, a matmul that reads `constant` as its weight, may read
/// a packed copy of it. Yes when every reader of `constant` (through
/// extract_slices) is such a matmul: each packs it into the same panels, so
/// one packed copy replaces it. Also when `reader` is the dense path of a
/// run-time branch (the else region of an scf.if) whose sparse path (the
/// then region) holds every other reader: the sparse kernel's row gather
/// keeps the original layout and the dense path reads a packed copy (the
/// weight stored twice), so that the fallback runs as fast as a dense
/// model's product. Any other reader (an elementwise op, a result) would
/// keep the original layout alive next to the packed one for nothing.
bool mayPack(Value constant, Operation *reader) {
  SmallVector<Operation *> others;
  SmallVector<Value> worklist{constant};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      if (auto slice = dyn_cast<tensor::ExtractSliceOp>(use.getOwner()))
        worklist.push_back(slice.getResult());
      else if (!isMatmulWeight(use))
        others.push_back(use.getOwner());
    }
  }
  if (others.empty())
    return true;
  for (Region *region = reader ? reader->getParentRegion() : nullptr; region;
       region = region->getParentOp()->getParentRegion()) {
    auto branch = dyn_cast<scf::IfOp>(region->getParentOp());
    if (branch && region == &branch.getElseRegion() &&
        llvm::all_of(others, [&](Operation *other) {
          return branch.getThenRegion().isAncestor(other->getParentRegion());
        }))
      return true;
  }
  return false;
}

/// A new f32 constant of `type` at the builder's insertion point: a
/// dense_resource blob named `name` whose values `fill` writes.
Value blobConstant(OpBuilder &builder, Location loc, RankedTensorType type,
                   StringRef name, function_ref<void(float *)> fill) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(
      type.getNumElements() * sizeof(float), alignof(double),
      /*dataIsMutable=*/true);
  fill(reinterpret_cast<float *>(blob.getMutableData().data()));
  return arith::ConstantOp::create(
      builder, loc, type,
      DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

/// A new f32 constant of `type` at the builder's insertion point, laid
/// out from `source`'s values: a splat stays one (resized), otherwise
/// `fill(values, out)` writes the new layout into a dense_resource blob
/// named `name`. Null when `source`'s values cannot be read.
Value relaidConstant(OpBuilder &builder, Location loc, arith::ConstantOp source,
                     RankedTensorType type, StringRef name,
                     function_ref<void(const float *, float *)> fill) {
  if (auto dense = dyn_cast<DenseElementsAttr>(source.getValue());
      dense && dense.isSplat())
    return arith::ConstantOp::create(builder, loc, type,
                                     dense.resizeSplat(type));
  std::optional<SmallVector<float>> values = constantFloats(source);
  if (!values)
    return {};
  return blobConstant(builder, loc, type, name,
                      [&](float *out) { fill(values->data(), out); });
}

/// The f32 constant `weight` [K, N] as [N / width, K, width]: panel p holds
/// columns [p * width, (p + 1) * width) of every row, contiguously. Created
/// after `weight`'s definition; null when its values cannot be read.
Value packConstant(RewriterBase &rewriter, arith::ConstantOp weight,
                   int64_t width) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  auto packedType =
      RankedTensorType::get({n / width, k, width}, type.getElementType());
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfter(weight);
  return relaidConstant(rewriter, weight.getLoc(), weight, packedType,
                        "sieve_packed_weight",
                        [&](const float *in, float *out) {
                          for (int64_t p = 0; p < n / width; ++p)
                            for (int64_t r = 0; r < k; ++r)
                              std::copy_n(in + r * n + p * width, width,
                                          out + (p * k + r) * width);
                        });
}

/// Panel (`column` + `j`) / width of `panels` (a weight packed by
/// packConstant), rows [`row`, `row` + k): a [k, width] slice.
Value packedPanel(OpBuilder &b, Location loc, Value panels, OpFoldResult row,
                  OpFoldResult column, OpFoldResult j, int64_t k,
                  int64_t width) {
  AffineExpr d0, d1;
  bindDims(b.getContext(), d0, d1);
  OpFoldResult panel = affine::makeComposedFoldedAffineApply(
      b, loc, (d0 + d1).floorDiv(width), {column, j});
  OpFoldResult one = b.getIndexAttr(1);
  auto type = RankedTensorType::get(
      {k, width}, cast<RankedTensorType>(panels.getType()).getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, type, panels,
      ArrayRef<OpFoldResult>{panel, row, b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{one, b.getIndexAttr(k), b.getIndexAttr(width)},
      ArrayRef<OpFoldResult>{one, one, one});
}

/// Whether `source`'s root is a constant that packConstant can rearrange
/// into panels of `width` for `reader` at `source`'s column: f32, static,
/// whole panels, a column offset provably a multiple of `width`, and no
/// reader that keeps the original layout for nothing (mayPack).
bool packable(const SliceRoot &source, int64_t width, Operation *reader) {
  auto constant = source.root.getDefiningOp<arith::ConstantOp>();
  auto type = cast<RankedTensorType>(source.root.getType());
  return constant && type.hasStaticShape() && type.getElementType().isF32() &&
         type.getDimSize(1) % width == 0 &&
         isMultipleOf(source.column, width) &&
         mayPack(constant.getResult(), reader);
}

/// `source`'s constant packed into panels of `width` for `reader` (null: a
/// reader outside any branch): the copy an earlier reader made, or a new
/// one. Null when `source` is not packable or its values cannot be read.
Value packedConstant(RewriterBase &rewriter, const SliceRoot &source,
                     int64_t width, sieve::PackedConstants &packed,
                     Operation *reader) {
  auto constant = source.root.getDefiningOp<arith::ConstantOp>();
  if (!constant || !isMultipleOf(source.column, width))
    return {};
  std::pair<Attribute, int64_t> key{constant.getValue(), width};
  if (TypedAttr found = packed.lookup(key)) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfter(constant);
    return arith::ConstantOp::create(rewriter, constant.getLoc(), found);
  }
  if (!packable(source, width, reader))
    return {};
  Value panels = packConstant(rewriter, constant, width);
  if (panels)
    packed[key] = panels.getDefiningOp<arith::ConstantOp>().getValue();
  return panels;
}

} // namespace

sieve::ColumnPanels sieve::packColumnPanels(RewriterBase &rewriter,
                                            linalg::MatmulOp block,
                                            int64_t width, Value scratch,
                                            PackedConstants &packed) {
  Value weight = block.getInputs()[1];
  auto bt = cast<RankedTensorType>(weight.getType());
  auto ct = cast<RankedTensorType>(block.getOutputs()[0].getType());
  if (!bt.hasStaticShape() || !ct.hasStaticShape() || width <= 0 ||
      bt.getDimSize(1) % width != 0 ||
      (scratch && cast<RankedTensorType>(scratch.getType()).getShape() !=
                      ArrayRef<int64_t>{bt.getDimSize(0), width}))
    return {};
  Location loc = block.getLoc();
  rewriter.setInsertionPoint(block);
  SliceRoot source = sliceRoot(rewriter, loc, weight);
  auto rootType = cast<RankedTensorType>(source.root.getType());
  if (rootType.getRank() != 2 || rootType.getShape().back() <= width)
    return {};

  // A constant weight read only by matmuls (mayPack), its columns in whole
  // panels: packed once at compile time, the copy shared by its readers.
  Value panels = packedConstant(rewriter, source, width, packed, block);
  if (!panels && !scratch)
    return {};

  int64_t k = bt.getDimSize(0), rows = ct.getDimSize(0);
  Type element = bt.getElementType();
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  ColumnPanels result;
  auto loop = scf::ForOp::create(
      rewriter, loc, index(0), index(bt.getDimSize(1)), index(width),
      ValueRange{block.getOutputs()[0]},
      [&](OpBuilder &b, Location loc, Value j, ValueRange iterArgs) {
        OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
        SmallVector<OpFoldResult> unit(2, one);
        auto stripType = RankedTensorType::get({k, width}, element);
        Value strip;
        if (panels) {
          // Rows from the block's first.
          strip = packedPanel(b, loc, panels, source.row, source.column, j, k,
                              width);
        } else {
          strip = tensor::ExtractSliceOp::create(
              b, loc, stripType, weight, ArrayRef<OpFoldResult>{zero, j},
              ArrayRef<OpFoldResult>{b.getIndexAttr(k), b.getIndexAttr(width)},
              unit);
          result.copy = linalg::CopyOp::create(b, loc, strip, scratch);
          strip = result.copy.getResult(0);
        }
        SmallVector<OpFoldResult> offsets{zero, j};
        SmallVector<OpFoldResult> sizes{b.getIndexAttr(rows),
                                        b.getIndexAttr(width)};
        auto tileType = RankedTensorType::get({rows, width}, element);
        Value acc = tensor::ExtractSliceOp::create(
            b, loc, tileType, iterArgs[0], offsets, sizes, unit);
        result.matmul = linalg::MatmulOp::create(
            b, loc, TypeRange{tileType},
            ValueRange{block.getInputs()[0], strip}, ValueRange{acc});
        scf::YieldOp::create(
            b, loc,
            tensor::InsertSliceOp::create(b, loc, result.matmul.getResult(0),
                                          iterArgs[0], offsets, sizes, unit)
                .getResult());
      });
  rewriter.replaceOp(block, loop.getResult(0));
  return result;
}

Value sieve::contiguousPanel(RewriterBase &rewriter, Value strip, Value scratch,
                             linalg::CopyOp *copy, PackedConstants &packed) {
  auto type = cast<RankedTensorType>(strip.getType());
  if (copy)
    *copy = {};
  if (!type.hasStaticShape() || type.getRank() != 2 ||
      cast<RankedTensorType>(scratch.getType()).getShape() != type.getShape())
    return strip;
  int64_t k = type.getDimSize(0), width = type.getDimSize(1);
  Location loc = strip.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(strip);
  SliceRoot source = sliceRoot(rewriter, loc, strip);
  auto rootType = cast<RankedTensorType>(source.root.getType());
  if (rootType.getRank() != 2 || rootType.getShape().back() <= width)
    return strip;
  if (Value panels =
          packedConstant(rewriter, source, width, packed, /*reader=*/nullptr))
    return packedPanel(rewriter, loc, panels, source.row, source.column,
                       rewriter.getIndexAttr(0), k, width);
  auto copied = linalg::CopyOp::create(rewriter, loc, strip, scratch);
  if (copy)
    *copy = copied;
  return copied.getResult(0);
}

sieve::PrefetchLines sieve::nextPanelLines(OpBuilder &b, scf::ForOp rowLoop,
                                           Value strip, int64_t blockPanels,
                                           int64_t blockRows) {
  auto slice = strip.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || !rowLoop || rowLoop->isAncestor(slice) ||
      !slice.hasUnitStride())
    return {};
  auto panelsType = cast<RankedTensorType>(slice.getSource().getType());
  Type element = panelsType.getElementType();
  ArrayRef<int64_t> sizes = slice.getStaticSizes();
  if (panelsType.getRank() != 3 || !panelsType.hasStaticShape() ||
      !element.isIntOrFloat() || sizes[0] != 1 ||
      ShapedType::isDynamic(sizes[1]) || sizes[2] != panelsType.getDimSize(2))
    return {};
  std::optional<sieve::StaticLoop> rows = sieve::staticLoop(rowLoop);
  if (!rows || rows->trips < 4)
    return {};
  int64_t tiles = rows->trips;
  int64_t k = sizes[1], width = sizes[2], panels = panelsType.getDimSize(0);
  int64_t lineElements = sieve::lineElements(element);
  int64_t linesPerRow = llvm::divideCeil(width, lineElements);
  int64_t lines = k * linesPerRow;
  Location loc = rowLoop.getLoc();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(rowLoop);
  sieve::PrefetchLines stream;
  stream.buffer = sieve::readOnlyBuffer(b, loc, slice.getSource());
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  // The next panel (the last one's is itself), at the same rows.
  OpFoldResult panel = slice.getMixedOffsets()[0];
  Value next = getValueOrCreateConstantIndexOp(
      b, loc,
      affine::makeComposedFoldedAffineMin(
          b, loc,
          AffineMap::get(0, 1, {s0 + 1, b.getAffineConstantExpr(panels - 1)},
                         b.getContext()),
          {panel}));
  Value row =
      getValueOrCreateConstantIndexOp(b, loc, slice.getMixedOffsets()[1]);
  // In cache blocks of `blockPanels` panels by `blockRows` rows, reduction
  // blocks inner: after a block's last panel come the next rows' first
  // panel, after the last rows the next block's first panel from row 0.
  int64_t allRows = panelsType.getDimSize(1);
  if (blockPanels > 1 && blockRows > 0 && blockRows < allRows) {
    Value panelValue = getValueOrCreateConstantIndexOp(b, loc, panel);
    Value position = affine::makeComposedAffineApply(
        b, loc, AffineMap::get(0, 1, s0 % blockPanels), {panelValue});
    Value blockEnd = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, position,
        arith::ConstantIndexOp::create(b, loc, blockPanels - 1));
    Value nextRows = affine::makeComposedAffineApply(
        b, loc, AffineMap::get(0, 1, s0 + blockRows), {row});
    Value moreRows =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, nextRows,
                              arith::ConstantIndexOp::create(b, loc, allRows));
    Value down = arith::AndIOp::create(b, loc, blockEnd, moreRows);
    Value across = arith::AndIOp::create(
        b, loc, blockEnd,
        arith::XOrIOp::create(
            b, loc, moreRows,
            arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1)));
    Value firstOfBlock = affine::makeComposedAffineApply(
        b, loc, AffineMap::get(0, 1, s0 - s0 % blockPanels), {panelValue});
    next = arith::SelectOp::create(b, loc, down, firstOfBlock, next);
    row = arith::SelectOp::create(
        b, loc, down, nextRows,
        arith::SelectOp::create(
            b, loc, across, arith::ConstantIndexOp::create(b, loc, 0), row));
  }
  // Row tile t asks for lines [t * share, (t + 1) * share), at most the
  // last.
  int64_t share = llvm::divideCeil(lines, tiles);
  stream.count = share;
  Value iv = rowLoop.getInductionVar();
  int64_t rowLower = rows->lower, rowStep = rows->step;
  stream.indices = [=](OpBuilder &ib, Location l, Value line) {
    AffineExpr x0 = ib.getAffineDimExpr(0), x1 = ib.getAffineDimExpr(1),
               y0 = ib.getAffineSymbolExpr(0);
    Value at = affine::makeComposedAffineMin(
        ib, l,
        AffineMap::get(2, 0,
                       {(x0 - rowLower).floorDiv(rowStep) * share + x1,
                        ib.getAffineConstantExpr(lines - 1)},
                       ib.getContext()),
        {iv, line});
    return SmallVector<Value>{
        next,
        affine::makeComposedAffineApply(
            ib, l, AffineMap::get(1, 1, y0 + x0.floorDiv(linesPerRow)),
            {at, row}),
        affine::makeComposedAffineApply(
            ib, l, AffineMap::get(1, 0, (x0 % linesPerRow) * lineElements),
            {at})};
  };
  return stream;
}

Value sieve::copyBlockPanels(RewriterBase &rewriter, Value weight,
                             int64_t width, linalg::TransposeOp *copy) {
  *copy = {};
  auto type = dyn_cast<RankedTensorType>(weight.getType());
  if (!type || !type.hasStaticShape() || type.getRank() != 2 || width <= 0 ||
      type.getDimSize(1) % width != 0 || type.getDimSize(1) < 2 * width)
    return {};
  int64_t k = type.getDimSize(0), panels = type.getDimSize(1) / width;
  // The tensor the weight slices (no ops built: it may not apply).
  Value root = weight;
  while (auto slice = root.getDefiningOp<tensor::ExtractSliceOp>())
    root = slice.getSource();
  auto rootType = cast<RankedTensorType>(root.getType());
  if (root.getDefiningOp<arith::ConstantOp>() || rootType.getRank() != 2 ||
      rootType.getShape().back() <= width)
    return {};
  Location loc = weight.getLoc();
  Type element = type.getElementType();
  Value view = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get({k, panels, width}, element), weight,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, {panels, k, width}, element);
  *copy = linalg::TransposeOp::create(rewriter, loc, view, empty,
                                      ArrayRef<int64_t>{1, 0, 2});
  return copy->getResult()[0];
}

Value sieve::createTransposedConstant(OpBuilder &builder, Location loc,
                                      Value weight) {
  auto type = cast<RankedTensorType>(weight.getType());
  if (!type.hasStaticShape() || type.getRank() < 1 || type.getDimSize(0) == 0)
    return nullptr;
  int64_t k = type.getDimSize(0), n = type.getNumElements() / k;
  auto constant = weight.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return nullptr;
  auto transposedType = RankedTensorType::get({n, k}, type.getElementType());
  return relaidConstant(
      builder, loc, constant, transposedType, "sieve_transposed_weight",
      [&](const float *in, float *out) {
        // In 64 x 64 tiles, so that reads and writes both stay in cache.
        constexpr int64_t tile = 64;
        for (int64_t r0 = 0; r0 < k; r0 += tile)
          for (int64_t c0 = 0; c0 < n; c0 += tile)
            for (int64_t r = r0; r < std::min(r0 + tile, k); ++r)
              for (int64_t c = c0; c < std::min(c0 + tile, n); ++c)
                out[c * k + r] = in[r * n + c];
      });
}

Value sieve::createPermutedConstant(OpBuilder &builder, Location loc,
                                    Value weight, ArrayRef<int64_t> permutation,
                                    ArrayRef<int64_t> resultShape) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t rank = type.getRank();
  auto constant = weight.getDefiningOp<arith::ConstantOp>();
  if (!constant || !type.hasStaticShape() ||
      static_cast<int64_t>(permutation.size()) != rank ||
      !isPermutationVector(permutation))
    return nullptr;
  SmallVector<int64_t> shape, inStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * type.getDimSize(d + 1);
  for (int64_t p : permutation)
    shape.push_back(type.getDimSize(p));
  auto permutedType = RankedTensorType::get(shape, type.getElementType());
  auto resultType = permutedType;
  if (!resultShape.empty()) {
    resultType = RankedTensorType::get(resultShape, type.getElementType());
    if (resultType.getNumElements() != permutedType.getNumElements())
      return nullptr;
  }
  return relaidConstant(
      builder, loc, constant, resultType, "sieve_permuted_weight",
      [&](const float *in, float *out) {
        // Output elements in order; the input offset follows the index.
        SmallVector<int64_t> index(rank, 0);
        int64_t from = 0;
        for (int64_t o = 0, n = permutedType.getNumElements(); o < n; ++o) {
          out[o] = in[from];
          for (int64_t d = rank - 1; d >= 0; --d) {
            from += inStrides[permutation[d]];
            if (++index[d] < shape[d])
              break;
            from -= index[d] * inStrides[permutation[d]];
            index[d] = 0;
          }
        }
      });
}

Value sieve::createConvTilesConstant(OpBuilder &builder, Location loc,
                                     Value weight, int64_t rows,
                                     bool channelMajor) {
  auto type = cast<RankedTensorType>(weight.getType());
  auto constant = weight.getDefiningOp<arith::ConstantOp>();
  if (!constant || !type.hasStaticShape() || type.getRank() != 4 ||
      !type.getElementType().isF32() || rows < 1 ||
      type.getDimSize(0) % rows != 0)
    return nullptr;
  int64_t f = type.getDimSize(0), c = type.getDimSize(1),
          taps = type.getDimSize(2) * type.getDimSize(3), k = taps * c;
  auto tilesType =
      RankedTensorType::get({f / rows, k, rows}, type.getElementType());
  return relaidConstant(
      builder, loc, constant, tilesType, "sieve_conv_tiles",
      [&](const float *in, float *out) {
        for (int64_t filter = 0; filter < f; ++filter)
          for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t t = 0; t < taps; ++t)
              out[((filter / rows) * k +
                   (channelMajor ? ch * taps + t : t * c + ch)) *
                      rows +
                  filter % rows] = in[(filter * c + ch) * taps + t];
      });
}

Value sieve::createWinogradTilesConstant(OpBuilder &builder, Location loc,
                                         Value weight, int64_t rows) {
  auto type = cast<RankedTensorType>(weight.getType());
  auto constant = weight.getDefiningOp<arith::ConstantOp>();
  if (!constant || !type.hasStaticShape() || type.getRank() != 4 ||
      !type.getElementType().isF32() || rows < 1 ||
      type.getDimSize(0) % rows != 0 || type.getDimSize(2) != 3 ||
      type.getDimSize(3) != 3)
    return nullptr;
  int64_t f = type.getDimSize(0), c = type.getDimSize(1);
  auto tilesType =
      RankedTensorType::get({16, f / rows, c, rows}, type.getElementType());
  // G of F(2x2, 3x3): U = G g G^T.
  static const float g[4][3] = {
      {1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  // Not relaidConstant: a splat weight transforms to a tile of different
  // values.
  std::optional<SmallVector<float>> values = constantFloats(constant);
  if (!values)
    return nullptr;
  const float *in = values->data();
  return blobConstant(
      builder, loc, tilesType, "sieve_winograd_tiles", [&](float *out) {
        for (int64_t filter = 0; filter < f; ++filter)
          for (int64_t ch = 0; ch < c; ++ch) {
            const float *w = in + (filter * c + ch) * 9;
            float gw[4][3];
            for (int i = 0; i < 4; ++i)
              for (int b = 0; b < 3; ++b)
                gw[i][b] =
                    g[i][0] * w[b] + g[i][1] * w[3 + b] + g[i][2] * w[6 + b];
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j)
                out[(((i * 4 + j) * (f / rows) + filter / rows) * c + ch) *
                        rows +
                    filter % rows] = gw[i][0] * g[j][0] + gw[i][1] * g[j][1] +
                                     gw[i][2] * g[j][2];
          }
      });
}

Value sieve::createBundledRowsConstant(OpBuilder &builder, Location loc,
                                       ArrayRef<Value> parts) {
  int64_t rows = -1, columns = 0;
  SmallVector<SmallVector<float>> values;
  SmallVector<int64_t> widths;
  for (Value part : parts) {
    auto type = dyn_cast<RankedTensorType>(part.getType());
    if (!part.getDefiningOp<arith::ConstantOp>() || !type ||
        type.getRank() != 2 || !type.hasStaticShape() ||
        !type.getElementType().isF32() ||
        (rows >= 0 && type.getDimSize(0) != rows))
      return {};
    std::optional<SmallVector<float>> partValues = constantFloats(part);
    if (!partValues)
      return {};
    rows = type.getDimSize(0);
    widths.push_back(type.getDimSize(1));
    columns += widths.back();
    values.push_back(std::move(*partValues));
  }
  if (rows < 0)
    return {};
  auto type = RankedTensorType::get({rows, columns}, builder.getF32Type());
  return blobConstant(
      builder, loc, type, "sieve_bundled_rows", [&](float *out) {
        for (int64_t r = 0; r < rows; ++r)
          for (auto [part, width] : llvm::zip(values, widths))
            out = std::copy_n(part.data() + r * width, width, out);
      });
}

void sieve::splitConstantSlices(RewriterBase &rewriter, Operation *root) {
  SmallVector<arith::ConstantOp> candidates;
  root->walk([&](arith::ConstantOp constant) {
    auto type = dyn_cast<RankedTensorType>(constant.getType());
    if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
        !type.getElementType().isF32() || constant->use_empty())
      return;
    bool slicesOnly = llvm::all_of(constant->getUsers(), [](Operation *user) {
      auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
      return slice && slice.getResultType().getRank() == 2 &&
             slice.getResultType().hasStaticShape() &&
             llvm::all_of(
                 slice.getStaticOffsets(),
                 [](int64_t o) { return !ShapedType::isDynamic(o); }) &&
             llvm::all_of(slice.getStaticStrides(),
                          [](int64_t s) { return s == 1; });
    });
    // The slices' constants together no larger than the weight (slices
    // that overlap would copy it several times).
    int64_t sliced = 0;
    if (slicesOnly)
      for (Operation *user : constant->getUsers())
        sliced +=
            cast<tensor::ExtractSliceOp>(user).getResultType().getNumElements();
    if (slicesOnly && sliced <= type.getNumElements())
      candidates.push_back(constant);
  });
  for (arith::ConstantOp constant : candidates) {
    int64_t columns = cast<RankedTensorType>(constant.getType()).getDimSize(1);
    SmallVector<tensor::ExtractSliceOp> slices;
    for (Operation *user : constant->getUsers())
      slices.push_back(cast<tensor::ExtractSliceOp>(user));
    for (tensor::ExtractSliceOp slice : slices) {
      RankedTensorType part = slice.getResultType();
      int64_t r0 = slice.getStaticOffsets()[0],
              c0 = slice.getStaticOffsets()[1];
      int64_t rows = part.getDimSize(0), width = part.getDimSize(1);
      rewriter.setInsertionPoint(slice);
      Value piece = relaidConstant(
          rewriter, slice.getLoc(), constant, part, "sieve_weight_columns",
          [&](const float *in, float *out) {
            for (int64_t r = 0; r < rows; ++r)
              std::copy_n(in + (r0 + r) * columns + c0, width, out + r * width);
          });
      if (!piece)
        break; // Unreadable: the rest keep reading the constant.
      rewriter.replaceOp(slice, piece);
    }
    if (constant->use_empty())
      rewriter.eraseOp(constant);
  }
}
