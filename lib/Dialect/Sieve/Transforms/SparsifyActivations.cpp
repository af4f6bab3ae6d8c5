//===- SparsifyActivations.cpp - Exact activation gather --------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/CostModel.h"
#include "sieve/Analysis/WeightPattern.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVESPARSIFYACTIVATIONS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// The static size in bytes of a tensor value, or -1.
int64_t staticBytes(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return type.hasStaticShape()
             ? type.getNumElements() * (type.getElementTypeBitWidth() / 8)
             : -1;
}

/// Where the dense path takes over, for a gather over `rows` activation rows
/// (dynamic: unknown) that reads rows of weights of `weightBytes` in all
/// (negative: unknown): the pass option when given, else the cost model's.
struct GatherLimit {
  /// The limit for `rows` rows.
  double limit;
  /// With a dynamic batch and the cost model: the limit for one row, which
  /// the branch picks at run time when it differs (else equal to `limit`).
  double oneRowLimit;

  std::string describe() const {
    return oneRowLimit != limit
               ? formatPercent(oneRowLimit, 0) + " active for one row, " +
                     formatPercent(limit, 0) + " for more"
               : formatPercent(limit, 0) + " active";
  }
};

GatherLimit gatherLimit(double option, int64_t rows, int64_t weightBytes,
                        int64_t cacheBytes) {
  if (option >= 0)
    return {option, option};
  double limit = activationGatherLimit(rows, weightBytes, cacheBytes);
  double oneRow = ShapedType::isDynamic(rows)
                      ? activationGatherLimit(1, weightBytes, cacheBytes)
                      : limit;
  return {limit, oneRow};
}

/// True (with a remark when `report`) when a profile measured or a user
/// assumed the density of the site `reluOp` above `limit`: its branch would
/// always take the dense path, so `op` stays dense.
bool profiledAboveLimit(Operation *op, Operation *reluOp, double limit,
                        bool report, StringRef what) {
  auto site =
      reluOp
          ? reluOp->getAttrOfType<ActivationSiteAttr>("sieve.activation_site")
          : ActivationSiteAttr();
  if (!site || site.getSource() == DensitySource::Unknown ||
      site.getDensityValue() <= limit)
    return false;
  if (report)
    op->emitRemark() << describeNode(op, "matmul") << " " << what << " "
                     << describeNode(reluOp, "output") << ": density "
                     << formatPercent(site.getDensityValue(), 1)
                     << " (profile) above the gather limit "
                     << formatPercent(limit, 0) << ": kept dense";
  return true;
}

/// The active set of the 2-D activations `h` and a `sieve.branch` on its
/// density against `limit`, with empty regions, at the rewriter's insertion
/// point.
std::pair<Value, BranchOp> createDensityBranch(PatternRewriter &rewriter,
                                               Location loc, Value h,
                                               ActivationKind kind,
                                               TypeRange resultTypes,
                                               const GatherLimit &limit) {
  auto ht = cast<RankedTensorType>(h.getType());
  auto indexType =
      RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
  auto activeSet = ActiveSetOp::create(rewriter, loc, indexType, h,
                                       rewriter.getF32FloatAttr(0.0f));
  activeSet->setAttr("sieve.site",
                     ActivationSiteAttr::get(rewriter.getContext(), kind));
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value active = tensor::DimOp::create(rewriter, loc, activeSet, zero);
  Value activeF = arith::UIToFPOp::create(
      rewriter, loc, rewriter.getF32Type(),
      arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                   active));
  Value neurons = arith::ConstantOp::create(
      rewriter, loc, rewriter.getF32FloatAttr(ht.getDimSize(1)));
  Value density = arith::DivFOp::create(rewriter, loc, activeF, neurons);
  Value limitValue = arith::ConstantOp::create(
      rewriter, loc, rewriter.getF32FloatAttr(static_cast<float>(limit.limit)));
  // A dynamic batch (most exported models) picks the limit at run time:
  // one row has its own break-even (a weight in cache runs densely at full
  // speed), several rows share each gathered weight row.
  if (limit.oneRowLimit != limit.limit) {
    Value rows = tensor::DimOp::create(rewriter, loc, h, 0);
    Value isOne =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, rows,
                              arith::ConstantIndexOp::create(rewriter, loc, 1));
    Value oneRowValue = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getF32FloatAttr(static_cast<float>(limit.oneRowLimit)));
    limitValue =
        arith::SelectOp::create(rewriter, loc, isOne, oneRowValue, limitValue);
  }
  auto branch =
      BranchOp::create(rewriter, loc, resultTypes, density, limitValue);
  return {activeSet.getResult(), branch};
}

/// `product` plus the accumulator `init` of the matmul it replaces, unless
/// `init` is a zero fill.
Value addAccumulator(PatternRewriter &rewriter, Location loc, Value product,
                     Value init) {
  if (isZeroFill(init))
    return product;
  Type resultType = product.getType();
  Value empty = tensor::EmptyOp::create(
      rewriter, loc, tensor::getMixedSizes(rewriter, loc, init),
      cast<RankedTensorType>(resultType).getElementType());
  return linalg::AddOp::create(rewriter, loc, TypeRange{resultType},
                               ValueRange{product, init}, ValueRange{empty})
      .getResult(0);
}

struct GatherActiveRows : OpRewritePattern<linalg::MatmulOp> {
  GatherActiveRows(MLIRContext *ctx, double limit, bool report,
                   int64_t cacheBytes)
      : OpRewritePattern(ctx), limit(limit), report(report),
        cacheBytes(cacheBytes) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getParentOfType<BranchOp>() || !op.hasPureTensorSemantics() ||
        !linalg::MatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
      return failure();
    Value h = op.getInputs()[0], w = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    // The ReLU itself, or the ReLU of higher rank whose leading dimensions
    // the importer collapsed into the matmul's rows (a [batch, seq, d_ff]
    // FFN): collapsing keeps zeros zero, and the gather works on `h`.
    Value relu = h;
    if (auto collapse = h.getDefiningOp<tensor::CollapseShapeOp>())
      relu = collapse.getSrc();
    Operation *reluOp = relu.getDefiningOp();
    std::optional<ActivationKind> kind = reluLikeKind(relu);
    auto ht = cast<RankedTensorType>(h.getType());
    GatherLimit chosen =
        gatherLimit(limit, ht.getDimSize(0), staticBytes(w), cacheBytes);
    // A site whose density a profile measured (or a user assumed) above the
    // limit is left dense: the branch would always take the dense path.
    if (profiledAboveLimit(op, reluOp, chosen.limit, report, "after ReLU"))
      return rewriter.notifyMatchFailure(op, "measured density too high");
    if (!kind)
      return rewriter.notifyMatchFailure(op, "lhs is not a ReLU output");
    if (!isa<FloatType>(ht.getElementType()) || ht.isDynamicDim(1)) {
      if (report)
        op->emitRemark() << describeNode(op, "matmul") << " after ReLU "
                         << describeNode(reluOp, "output")
                         << ": kept dense (the gather needs a static number "
                            "of neurons and a float type, got "
                         << ht << ")";
      return rewriter.notifyMatchFailure(op, "dynamic neurons or not float");
    }
    Location loc = op.getLoc();
    Type resultType = op.getResult(0).getType();
    auto [indices, branch] =
        createDensityBranch(rewriter, loc, h, *kind, resultType, chosen);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.createBlock(&branch.getSparse());
      Value product =
          GatherMatmulOp::create(rewriter, loc, resultType, h, w, indices);
      YieldOp::create(rewriter, loc,
                      addAccumulator(rewriter, loc, product, init));

      rewriter.createBlock(&branch.getDense());
      Operation *dense = rewriter.clone(*op);
      YieldOp::create(rewriter, loc, dense->getResult(0));
    }
    if (report)
      op->emitRemark() << describeNode(op, "matmul") << " after ReLU "
                       << describeNode(reluOp, "output")
                       << ": gathers the weight rows of active neurons, "
                          "dense path above "
                       << chosen.describe() << " (checked at run time)";
    rewriter.replaceOp(op, branch.getResults());
    return success();
  }

  double limit;
  bool report;
  int64_t cacheBytes;
};

/// The `N x K` transpose of the `K x N` f32 constant `weight`, as a new
/// constant (a dense_resource blob) at the rewriter's insertion point.
Value createTransposedConstant(PatternRewriter &rewriter, Location loc,
                               Value weight) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  std::optional<SmallVector<float>> values = constantFloats(weight);
  if (!values)
    return nullptr;
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(
      k * n * sizeof(float), alignof(double), /*dataIsMutable=*/true);
  auto *out = reinterpret_cast<float *>(blob.getMutableData().data());
  // In 64 x 64 tiles, so that reads and writes both stay in cache.
  constexpr int64_t tile = 64;
  for (int64_t r0 = 0; r0 < k; r0 += tile)
    for (int64_t c0 = 0; c0 < n; c0 += tile)
      for (int64_t r = r0; r < std::min(r0 + tile, k); ++r)
        for (int64_t c = c0; c < std::min(c0 + tile, n); ++c)
          out[c * k + r] = (*values)[r * n + c];
  auto transposedType = RankedTensorType::get({n, k}, type.getElementType());
  auto attr = DenseResourceElementsAttr::get(
      transposedType, "sieve_transposed_weight", std::move(blob));
  return arith::ConstantOp::create(rewriter, loc, transposedType, attr);
}

/// A gated FFN `y = (relu(x Wg) * (x Wu)) Wd`: the gate runs dense, and its
/// active neurons select the columns of the up projection to compute (rows
/// of the transposed up weight) and the rows of the down weight to read.
struct GatherGatedFFN : OpRewritePattern<linalg::MatmulOp> {
  GatherGatedFFN(MLIRContext *ctx, double limit, bool report,
                 int64_t cacheBytes)
      : OpRewritePattern(ctx, /*benefit=*/2), limit(limit), report(report),
        cacheBytes(cacheBytes) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp down,
                                PatternRewriter &rewriter) const override {
    if (down->getParentOfType<BranchOp>())
      return failure();
    std::string why;
    std::optional<GatedFFN> ffn = matchGatedFFN(down, &why);
    if (!ffn) {
      if (report && !why.empty())
        down->emitRemark() << describeNode(down, "matmul")
                           << " after a product with a ReLU-like value: not "
                              "a gated FFN Sieve can gather ("
                           << why << "): kept dense";
      return rewriter.notifyMatchFailure(down, "not a gated FFN");
    }
    Operation *reluOp = ffn->gate.getDefiningOp();
    auto gt = cast<RankedTensorType>(ffn->gate.getType());
    auto ht = cast<RankedTensorType>(down.getInputs()[0].getType());
    std::string what = "in a gated FFN with " +
                       stringifyActivationKind(ffn->kind).str() + " gate";
    if (!isa<FloatType>(gt.getElementType()) ||
        gt.isDynamicDim(gt.getRank() - 1)) {
      if (report)
        down->emitRemark() << describeNode(down, "matmul") << " " << what << " "
                           << describeNode(reluOp, "output")
                           << ": kept dense (the gather needs a static number "
                              "of neurons and a float type, got "
                           << gt << ")";
      return rewriter.notifyMatchFailure(down, "dynamic neurons or not float");
    }
    // Both gathered weights (up and down) decide whether the dense path
    // would run from cache.
    Value wd = down.getInputs()[1];
    int64_t upBytes = staticBytes(ffn->upWeight), downBytes = staticBytes(wd);
    int64_t gatheredBytes =
        upBytes >= 0 && downBytes >= 0 ? upBytes + downBytes : -1;
    GatherLimit chosen =
        gatherLimit(limit, ht.getDimSize(0), gatheredBytes, cacheBytes);
    if (profiledAboveLimit(down, reluOp, chosen.limit, report, what))
      return rewriter.notifyMatchFailure(down, "measured density too high");

    Location loc = down.getLoc();
    Value upTransposed = ffn->upWeightTransposed;
    if (!upTransposed)
      upTransposed = createTransposedConstant(rewriter, loc, ffn->upWeight);
    if (!upTransposed)
      return rewriter.notifyMatchFailure(down, "unreadable up weight");
    Value gate = ffn->gate;
    if (ffn->collapse)
      gate = tensor::CollapseShapeOp::create(
          rewriter, loc, gate, ffn->collapse.getReassociationIndices());
    Type resultType = down.getResult(0).getType();
    auto [indices, branch] =
        createDensityBranch(rewriter, loc, gate, ffn->kind, resultType, chosen);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.createBlock(&branch.getSparse());
      Value hidden = GatedGatherMatmulOp::create(
          rewriter, loc, gate.getType(), gate, ffn->upInput, upTransposed,
          indices, ffn->upBias);
      Value product = GatherMatmulOp::create(rewriter, loc, resultType, hidden,
                                             wd, indices);
      YieldOp::create(
          rewriter, loc,
          addAccumulator(rewriter, loc, product, down.getOutputs()[0]));

      // The dense path: the up projection, the product and the down
      // projection as they were.
      rewriter.createBlock(&branch.getDense());
      IRMapping mapping;
      for (Operation *op :
           {ffn->up.getOperation(), ffn->expand.getOperation(),
            ffn->upBiasAdd.getOperation(), ffn->mul.getOperation(),
            ffn->collapse.getOperation(), down.getOperation()})
        if (op)
          rewriter.clone(*op, mapping);
      YieldOp::create(rewriter, loc, mapping.lookup(down.getResult(0)));
    }
    if (report)
      down->emitRemark()
          << describeNode(down, "matmul") << " " << what << " "
          << describeNode(reluOp, "output") << " and up projection "
          << describeNode(ffn->up, "matmul")
          << ": computes the up columns and reads the down rows of active "
             "neurons only, dense path above "
          << chosen.describe() << " (checked at run time)";
    rewriter.replaceOp(down, branch.getResults());
    for (Operation *op : {ffn->collapse.getOperation(), ffn->mul.getOperation(),
                          ffn->upBiasAdd.getOperation(),
                          ffn->expand.getOperation(), ffn->up.getOperation()})
      if (op && op->use_empty())
        rewriter.eraseOp(op);
    return success();
  }

  double limit;
  bool report;
  int64_t cacheBytes;
};

struct SieveSparsifyActivationsPass
    : sieve::impl::SieveSparsifyActivationsBase<SieveSparsifyActivationsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GatherActiveRows, GatherGatedFFN>(&getContext(), densityLimit,
                                                   report, cacheBytes);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
