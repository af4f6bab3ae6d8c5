//===- SparsifyActivations.cpp - Exact activation gather --------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/CostModel.h"
#include "sieve/Analysis/WeightPattern.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"

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
                        int64_t cacheBytes, bool predicted = false) {
  if (option >= 0)
    return {option, option};
  auto model = predicted ? predictedGatherLimit : activationGatherLimit;
  double limit = model(rows, weightBytes, cacheBytes);
  double oneRow =
      ShapedType::isDynamic(rows) ? model(1, weightBytes, cacheBytes) : limit;
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

/// A `sieve.branch` on the density of `indices` (a subset of `neurons`)
/// against `limit`, with empty regions, at the rewriter's insertion point.
/// `rowsOf` (2-D, rows first) gives the batch size when the limit depends on
/// it.
BranchOp createBranch(PatternRewriter &rewriter, Location loc, Value indices,
                      int64_t neurons, Value rowsOf, TypeRange resultTypes,
                      const GatherLimit &limit) {
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value active = tensor::DimOp::create(rewriter, loc, indices, zero);
  Value activeF = arith::UIToFPOp::create(
      rewriter, loc, rewriter.getF32Type(),
      arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                   active));
  Value total = arith::ConstantOp::create(
      rewriter, loc, rewriter.getF32FloatAttr(static_cast<float>(neurons)));
  Value density = arith::DivFOp::create(rewriter, loc, activeF, total);
  Value limitValue = arith::ConstantOp::create(
      rewriter, loc, rewriter.getF32FloatAttr(static_cast<float>(limit.limit)));
  // A dynamic batch (most exported models) picks the limit at run time:
  // one row has its own break-even (a weight in cache runs densely at full
  // speed), several rows share each gathered weight row.
  if (limit.oneRowLimit != limit.limit) {
    Value rows = tensor::DimOp::create(rewriter, loc, rowsOf, 0);
    Value isOne =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, rows,
                              arith::ConstantIndexOp::create(rewriter, loc, 1));
    Value oneRowValue = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getF32FloatAttr(static_cast<float>(limit.oneRowLimit)));
    limitValue =
        arith::SelectOp::create(rewriter, loc, isOne, oneRowValue, limitValue);
  }
  return BranchOp::create(rewriter, loc, resultTypes, density, limitValue);
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
  BranchOp branch = createBranch(rewriter, loc, activeSet, ht.getDimSize(1), h,
                                 resultTypes, limit);
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

/// The options every rewrite of this pass reads, and its benefit: the
/// predictor rewrites (3) before the gated one (2) before the plain gather
/// (1), so that an FFN gets the most it can use.
template <unsigned Benefit>
struct FFNPattern : OpRewritePattern<linalg::MatmulOp> {
  FFNPattern(MLIRContext *ctx, double limit, bool report, int64_t cacheBytes)
      : OpRewritePattern(ctx, Benefit), limit(limit), report(report),
        cacheBytes(cacheBytes) {}

  double limit;
  bool report;
  int64_t cacheBytes;
};

struct GatherActiveRows : FFNPattern<1> {
  using FFNPattern::FFNPattern;

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
};

/// Clones `ops` (null entries skipped) into the rewriter's block and returns
/// the mapping.
IRMapping cloneOps(PatternRewriter &rewriter, ArrayRef<Operation *> ops) {
  IRMapping mapping;
  for (Operation *op : ops)
    if (op)
      rewriter.clone(*op, mapping);
  return mapping;
}

/// Replaces the `tensor.dim` users of the 2-D row values of `ops` (the
/// matched matmuls and collapses, about to be erased; null entries skipped)
/// with the dimensions they read: the rows of `rowsOf`, or the static
/// number of columns.
void redirectRowDims(PatternRewriter &rewriter, ArrayRef<Operation *> ops,
                     Value rowsOf) {
  for (Operation *op : ops) {
    if (!op || op->getNumResults() != 1)
      continue;
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || type.getRank() != 2)
      continue;
    for (Operation *user : llvm::make_early_inc_range(op->getUsers())) {
      auto dim = dyn_cast<tensor::DimOp>(user);
      std::optional<int64_t> index =
          dim ? dim.getConstantIndex() : std::nullopt;
      if (!index || *index < 0 || *index > 1 ||
          (*index == 1 && type.isDynamicDim(1)))
        continue;
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(dim);
      Value size =
          *index == 0 ? tensor::DimOp::create(rewriter, dim.getLoc(), rowsOf, 0)
                            .getResult()
                      : arith::ConstantIndexOp::create(rewriter, dim.getLoc(),
                                                       type.getDimSize(1))
                            .getResult();
      rewriter.replaceOp(dim, size);
    }
  }
}

/// How remarks name an activation kind.
StringRef activationName(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::Relu:
    return "ReLU";
  case ActivationKind::Relu6:
    return "ReLU6";
  case ActivationKind::Clip:
    return "Clip";
  case ActivationKind::SquaredRelu:
    return "squared ReLU";
  }
  return "activation";
}

/// `activation`'s elementwise function applied in place to `value` (a
/// gathered pre-activation of any shape): one `linalg.generic` whose body
/// is the chain's scalar code, a ReLU as `maximumf(x, 0)`, a square as a
/// product, a one-input generic's body cloned.
Value applyActivation(PatternRewriter &rewriter, Location loc,
                      const ActivationChain &activation, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(type.getRank())};
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{value}, maps,
      iterators, [&](OpBuilder &b, Location at, ValueRange args) {
        Value x = args[0];
        for (Operation *op : activation.ops) {
          if (isa<linalg::MaxOp>(op)) {
            Value zero =
                arith::ConstantOp::create(b, at, b.getZeroAttr(x.getType()));
            x = arith::MaximumFOp::create(b, at, x, zero);
          } else if (isa<linalg::MulOp, linalg::PowFOp>(op)) {
            x = arith::MulFOp::create(b, at, x, x);
          } else {
            auto body = cast<linalg::GenericOp>(op).getBody();
            IRMapping mapping;
            mapping.map(body->getArgument(0), x);
            for (Operation &inner : body->without_terminator())
              b.clone(inner, mapping);
            x = mapping.lookupOrDefault(
                cast<linalg::YieldOp>(body->getTerminator()).getValues()[0]);
          }
        }
        linalg::YieldOp::create(b, at, x);
      });
  return generic.getResult(0);
}

/// The gathered columns `input @ transpose(weight)[:, indices] (+ bias)`
/// through `activation`: the column gather's own ReLU, or the chain
/// applied after it.
Value gatheredActivation(PatternRewriter &rewriter, Location loc,
                         RankedTensorType type, Value input, Value weight,
                         Value indices, Value bias,
                         const ActivationChain &activation) {
  bool relu = activation.isPlainRelu();
  Value columns = ColumnGatherMatmulOp::create(
      rewriter, loc, type, input, weight, indices, bias,
      relu ? rewriter.getUnitAttr() : UnitAttr());
  return relu ? columns : applyActivation(rewriter, loc, activation, columns);
}

/// Erases `ops` (null entries and ops still in use skipped), in order.
void eraseUnused(PatternRewriter &rewriter, ArrayRef<Operation *> ops) {
  for (Operation *op : ops)
    if (op && op->use_empty())
      rewriter.eraseOp(op);
}

/// A gated FFN `y = (relu(x Wg) * (x Wu)) Wd`: the gate runs dense, and its
/// active neurons select the columns of the up projection to compute (rows
/// of the transposed up weight) and the rows of the down weight to read.
struct GatherGatedFFN : FFNPattern<2> {
  using FFNPattern::FFNPattern;

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
    int64_t upBytes = staticBytes(ffn->up.weight), downBytes = staticBytes(wd);
    int64_t gatheredBytes =
        upBytes >= 0 && downBytes >= 0 ? upBytes + downBytes : -1;
    GatherLimit chosen =
        gatherLimit(limit, ht.getDimSize(0), gatheredBytes, cacheBytes);
    if (profiledAboveLimit(down, reluOp, chosen.limit, report, what))
      return rewriter.notifyMatchFailure(down, "measured density too high");

    Location loc = down.getLoc();
    Value upTransposed = ffn->up.weightTransposed;
    if (!upTransposed)
      upTransposed = createTransposedConstant(rewriter, loc, ffn->up.weight);
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
          rewriter, loc, gate.getType(), gate, ffn->up.input, upTransposed,
          indices, ffn->up.bias);
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
           {ffn->up.matmul.getOperation(), ffn->up.expand,
            ffn->up.biasAdd.getOperation(), ffn->mul.getOperation(),
            ffn->collapse.getOperation(), down.getOperation()})
        if (op)
          rewriter.clone(*op, mapping);
      YieldOp::create(rewriter, loc, mapping.lookup(down.getResult(0)));
    }
    if (report)
      down->emitRemark()
          << describeNode(down, "matmul") << " " << what << " "
          << describeNode(reluOp, "output") << " and up projection "
          << describeNode(ffn->up.matmul, "matmul")
          << ": computes the up columns and reads the down rows of active "
             "neurons only, dense path above "
          << chosen.describe() << " (checked at run time)";
    rewriter.replaceOp(down, branch.getResults());
    redirectRowDims(rewriter, {ffn->collapse, ffn->up.matmul}, ffn->up.input);
    eraseUnused(rewriter, {ffn->collapse, ffn->mul, ffn->up.biasAdd,
                           ffn->up.expand, ffn->up.matmul});
    return success();
  }
};

/// The transposed (`N x K`) constant weight of `proj`: the transpose's
/// operand, or a new transposed copy.
Value transposedWeight(PatternRewriter &rewriter, Location loc,
                       const Projection &proj) {
  return proj.weightTransposed
             ? proj.weightTransposed
             : createTransposedConstant(rewriter, loc, proj.weight);
}

/// The factors and thresholds of `predictor` as constants.
std::tuple<Value, Value, Value> predictorConstants(PatternRewriter &rewriter,
                                                   Location loc,
                                                   PredictorAttr predictor) {
  auto constant = [&](ElementsAttr attr) -> Value {
    return arith::ConstantOp::create(rewriter, loc, attr.getShapedType(),
                                     cast<TypedAttr>(attr));
  };
  return {constant(predictor.getU()), constant(predictor.getV()),
          constant(predictor.getThresholds())};
}

/// What a predictor-driven rewrite says about its predictor.
std::string describePredictor(PredictorAttr predictor) {
  auto uType = cast<ShapedType>(predictor.getU().getShapedType());
  return "predictor of rank " + std::to_string(uType.getDimSize(1)) +
         " (recall " +
         formatPercent(predictor.getRecall().getValueAsDouble(), 1) +
         ", predicted density " +
         formatPercent(predictor.getDensity().getValueAsDouble(), 1) +
         " on held-out calibration rows)";
}

/// The `sieve.predictor` of the ReLU that produces `relu`, if it can drive
/// a rewrite of `down` whose gathered weights are `gatheredBytes`: its
/// held-out density must be under the limit (else a remark, and the exact
/// rewrite applies instead).
PredictorAttr usablePredictor(Operation *down, Value relu,
                              const GatherLimit &limit, bool report) {
  Operation *reluOp = relu.getDefiningOp();
  auto predictor = reluOp
                       ? reluOp->getAttrOfType<PredictorAttr>("sieve.predictor")
                       : PredictorAttr();
  if (!predictor)
    return {};
  double density = predictor.getDensity().getValueAsDouble();
  if (density > limit.oneRowLimit && density > limit.limit) {
    if (report)
      down->emitRemark() << describeNode(down, "matmul") << " after "
                         << activationName(reluLikeKind(relu).value_or(
                                ActivationKind::Relu))
                         << " " << describeNode(reluOp, "output") << ": "
                         << describePredictor(predictor)
                         << " above the gather limit " << limit.describe()
                         << ": predictor not used";
    return {};
  }
  return predictor;
}

/// The predicted set of `predictor` on the rows `x` and a `sieve.branch` on
/// its density (of `neurons`) against `limit`, with empty regions, at the
/// rewriter's insertion point.
std::pair<Value, BranchOp>
createPredictedBranch(PatternRewriter &rewriter, Location loc,
                      PredictorAttr predictor, Value x, int64_t neurons,
                      Type resultType, const GatherLimit &limit) {
  auto [u, v, thresholds] = predictorConstants(rewriter, loc, predictor);
  auto indexType =
      RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
  Value indices =
      PredictOp::create(rewriter, loc, indexType, x, u, v, thresholds);
  return {indices,
          createBranch(rewriter, loc, indices, neurons, x, resultType, limit)};
}

/// A plain ReLU FFN whose ReLU has a predictor: the predicted neurons'
/// up columns and down rows only.
struct PredictReluFFN : FFNPattern<3> {
  using FFNPattern::FFNPattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp down,
                                PatternRewriter &rewriter) const override {
    if (down->getParentOfType<BranchOp>())
      return failure();
    std::string why;
    std::optional<ReluFFN> ffn = matchReluFFN(down, &why);
    if (!ffn) {
      // A predictor the FFN cannot use (another activation, no projection
      // before it) is reported; the exact rewrites still apply.
      Value hidden = down.getInputs()[0];
      if (auto collapse = hidden.getDefiningOp<tensor::CollapseShapeOp>())
        hidden = collapse.getSrc();
      Operation *producer = hidden.getDefiningOp();
      if (report && !why.empty() && producer &&
          producer->hasAttr("sieve.predictor"))
        down->emitRemark() << describeNode(down, "matmul") << " after "
                           << describeNode(producer, "an activation")
                           << ": predictor not used (" << why << ")";
      return rewriter.notifyMatchFailure(down, "not a ReLU FFN");
    }
    Operation *reluOp = ffn->relu.getDefiningOp();
    if (!reluOp->hasAttr("sieve.predictor"))
      return rewriter.notifyMatchFailure(down, "no predictor");
    auto ht = cast<RankedTensorType>(down.getInputs()[0].getType());
    Value w2 = down.getInputs()[1];
    int64_t upBytes = staticBytes(ffn->up.weight), downBytes = staticBytes(w2);
    GatherLimit chosen =
        gatherLimit(limit, ht.getDimSize(0),
                    upBytes >= 0 && downBytes >= 0 ? upBytes + downBytes : -1,
                    cacheBytes, /*predicted=*/true);
    PredictorAttr predictor = usablePredictor(down, ffn->relu, chosen, report);
    if (!predictor)
      return rewriter.notifyMatchFailure(down, "predictor not usable");
    if (!ht.getElementType().isF32() || ht.isDynamicDim(1))
      return rewriter.notifyMatchFailure(down, "dynamic neurons or not f32");

    Location loc = down.getLoc();
    Value w1t = transposedWeight(rewriter, loc, ffn->up);
    if (!w1t)
      return rewriter.notifyMatchFailure(down, "unreadable up weight");
    Value x = ffn->up.input;
    Type resultType = down.getResult(0).getType();
    auto [indices, branch] = createPredictedBranch(
        rewriter, loc, predictor, x, ht.getDimSize(1), resultType, chosen);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.createBlock(&branch.getSparse());
      Value hidden = gatheredActivation(rewriter, loc, ht, x, w1t, indices,
                                        ffn->up.bias, ffn->activation);
      Value product = GatherMatmulOp::create(rewriter, loc, resultType, hidden,
                                             w2, indices);
      YieldOp::create(
          rewriter, loc,
          addAccumulator(rewriter, loc, product, down.getOutputs()[0]));

      rewriter.createBlock(&branch.getDense());
      SmallVector<Operation *> dense{ffn->up.matmul, ffn->up.expand,
                                     ffn->up.biasAdd};
      llvm::append_range(dense, ffn->activation.ops);
      dense.append({ffn->collapse, down});
      IRMapping mapping = cloneOps(rewriter, dense);
      mapping.lookup(reluOp)->removeAttr("sieve.predictor");
      YieldOp::create(rewriter, loc, mapping.lookup(down.getResult(0)));
    }
    if (report)
      down->emitRemark() << describeNode(down, "matmul") << " after "
                         << activationName(ffn->activation.kind) << " "
                         << describeNode(reluOp, "output")
                         << " and up projection "
                         << describeNode(ffn->up.matmul, "matmul") << ": "
                         << describePredictor(predictor)
                         << " selects the up columns and down rows to "
                            "compute, dense path above "
                         << chosen.describe() << " (checked at run time)";
    rewriter.replaceOp(down, branch.getResults());
    redirectRowDims(rewriter, {ffn->collapse, ffn->up.matmul}, x);
    SmallVector<Operation *> unused{ffn->collapse};
    llvm::append_range(unused, llvm::reverse(ffn->activation.ops));
    unused.append({ffn->up.biasAdd, ffn->up.expand, ffn->up.matmul});
    eraseUnused(rewriter, unused);
    return success();
  }
};

/// A gated FFN whose gate is the ReLU of a projection with a predictor: the
/// predicted neurons' gate columns, up columns and down rows only.
struct PredictGatedFFN : FFNPattern<3> {
  using FFNPattern::FFNPattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp down,
                                PatternRewriter &rewriter) const override {
    if (down->getParentOfType<BranchOp>())
      return failure();
    std::optional<GatedFFN> ffn = matchGatedFFN(down);
    if (!ffn)
      return rewriter.notifyMatchFailure(down, "not a gated FFN");
    Operation *reluOp = ffn->gate.getDefiningOp();
    if (!reluOp->hasAttr("sieve.predictor"))
      return rewriter.notifyMatchFailure(down, "no predictor");
    std::string why;
    FailureOr<Projection> gateProj = matchGateProjection(*ffn, why);
    ActivationChain gateActivation = activationChain(ffn->gate);
    if (failed(gateProj)) {
      if (report)
        down->emitRemark() << describeNode(down, "matmul")
                           << " in a gated FFN: the gate "
                           << describeNode(reluOp, "output")
                           << " has a predictor but is no ReLU of a "
                              "projection Sieve can gather"
                           << (why.empty() ? "" : " (" + why + ")")
                           << ": predictor not used";
      return rewriter.notifyMatchFailure(down, "gate is not a projection");
    }
    auto ht = cast<RankedTensorType>(down.getInputs()[0].getType());
    Value wd = down.getInputs()[1];
    int64_t bytes = 0;
    for (Value w : {gateProj->weight, ffn->up.weight, wd})
      bytes = bytes >= 0 && staticBytes(w) >= 0 ? bytes + staticBytes(w) : -1;
    GatherLimit chosen = gatherLimit(limit, ht.getDimSize(0), bytes, cacheBytes,
                                     /*predicted=*/true);
    PredictorAttr predictor = usablePredictor(down, ffn->gate, chosen, report);
    if (!predictor)
      return rewriter.notifyMatchFailure(down, "predictor not usable");
    if (!ht.getElementType().isF32() || ht.isDynamicDim(1))
      return rewriter.notifyMatchFailure(down, "dynamic neurons or not f32");

    Location loc = down.getLoc();
    Value wgt = transposedWeight(rewriter, loc, *gateProj);
    Value wut = transposedWeight(rewriter, loc, ffn->up);
    if (!wgt || !wut)
      return rewriter.notifyMatchFailure(down, "unreadable weights");
    Value x = gateProj->input;
    Type resultType = down.getResult(0).getType();
    auto [indices, branch] = createPredictedBranch(
        rewriter, loc, predictor, x, ht.getDimSize(1), resultType, chosen);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.createBlock(&branch.getSparse());
      Value gate = gatheredActivation(rewriter, loc, ht, x, wgt, indices,
                                      gateProj->bias, gateActivation);
      Value hidden = GatedGatherMatmulOp::create(
          rewriter, loc, ht, gate, ffn->up.input, wut, indices, ffn->up.bias);
      Value product = GatherMatmulOp::create(rewriter, loc, resultType, hidden,
                                             wd, indices);
      YieldOp::create(
          rewriter, loc,
          addAccumulator(rewriter, loc, product, down.getOutputs()[0]));

      rewriter.createBlock(&branch.getDense());
      SmallVector<Operation *> dense{gateProj->matmul, gateProj->expand,
                                     gateProj->biasAdd};
      llvm::append_range(dense, gateActivation.ops);
      dense.append({ffn->up.matmul, ffn->up.expand, ffn->up.biasAdd, ffn->mul,
                    ffn->collapse, down});
      IRMapping mapping = cloneOps(rewriter, dense);
      mapping.lookup(reluOp)->removeAttr("sieve.predictor");
      YieldOp::create(rewriter, loc, mapping.lookup(down.getResult(0)));
    }
    if (report)
      down->emitRemark() << describeNode(down, "matmul")
                         << " in a gated FFN with "
                         << activationName(gateActivation.kind) << " gate "
                         << describeNode(reluOp, "output") << ": "
                         << describePredictor(predictor)
                         << " selects the gate and up columns and down rows "
                            "to compute, dense path above "
                         << chosen.describe() << " (checked at run time)";
    rewriter.replaceOp(down, branch.getResults());
    redirectRowDims(rewriter, {ffn->collapse, ffn->up.matmul, gateProj->matmul},
                    x);
    SmallVector<Operation *> unused{ffn->collapse, ffn->mul, ffn->up.biasAdd,
                                    ffn->up.expand, ffn->up.matmul};
    llvm::append_range(unused, llvm::reverse(gateActivation.ops));
    unused.append({gateProj->biasAdd, gateProj->expand, gateProj->matmul});
    eraseUnused(rewriter, unused);
    return success();
  }
};

struct SieveSparsifyActivationsPass
    : sieve::impl::SieveSparsifyActivationsBase<SieveSparsifyActivationsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GatherActiveRows, GatherGatedFFN>(&getContext(), densityLimit,
                                                   report, cacheBytes);
    // Predictors first (a higher benefit): an FFN whose predictor is not
    // usable falls to the exact rewrites.
    if (approx)
      patterns.add<PredictReluFFN, PredictGatedFFN>(&getContext(), densityLimit,
                                                    report, cacheBytes);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
