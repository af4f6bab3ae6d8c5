//===- NodeContext.h - What an ONNX op importer sees ------------*- C++ -*-===//
//
// Internal to lib/Import/ONNX. Each op family file (Elementwise.cpp,
// Contraction.cpp, ...) registers one handler per ONNX op type; a handler
// reads its node's inputs and attributes through a NodeContext and defines
// the node's outputs.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_LIB_IMPORT_ONNX_NODECONTEXT_H
#define SIEVE_LIB_IMPORT_ONNX_NODECONTEXT_H

#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Support/HostTensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MathExtras.h"

#include <functional>
#include <optional>

namespace onnx {
class NodeProto;
class TensorProto;
class AttributeProto;
} // namespace onnx

namespace mlir::sieve::onnx_import {

/// A value of the ONNX graph as the importer knows it: its type, and when it
/// is known at compile time, its contents. Constants are materialized as SSA
/// values only when an op needs them as operands.
struct GraphValue {
  RankedTensorType type;
  ElementKind kind = ElementKind::Undefined;
  /// The SSA value; null until a constant is first used as an operand.
  Value value;
  /// The contents, for initializers, Constant nodes and folded shape math.
  ElementsAttr constant;
  /// A shape value that depends on dynamic dimensions (ShapeValues.cpp): a
  /// small integer or bool tensor of rank 0 or 1 whose elements are known
  /// one by one, each an index constant or an SSA `index` value. The SSA
  /// tensor is built from them only when an op reads it as a tensor.
  SmallVector<OpFoldResult> symbolic;
  bool isSymbolic() const { return !symbolic.empty(); }
};

class GraphImporter;

/// Shape values with more elements than this are not tracked symbolically.
constexpr int64_t kMaxSymbolicElements = 64;

/// The node being imported, its operands, attributes and results.
class NodeContext {
public:
  NodeContext(GraphImporter &importer, const ::onnx::NodeProto &node,
              Location loc, int64_t opset);

  OpBuilder &builder();
  MLIRContext *getContext();
  Location loc() const { return location; }
  int64_t opset() const { return opsetVersion; }
  llvm::StringRef opType() const;
  llvm::StringRef nodeName() const;
  const ::onnx::NodeProto &proto() const { return node; }
  const ImportOptions &options() const;

  /// Reports an error that names the node and its op type.
  InFlightDiagnostic emitError();

  //===--- Inputs ---------------------------------------------------------===//
  /// Checks the node's inputs against its op's arity (OpInputs.def): their
  /// number, and that no required input is omitted (the empty name). The
  /// importer calls it before the op's importer runs, so that importers can
  /// read required inputs unchecked.
  LogicalResult checkInputs();
  /// Number of inputs, including trailing optional ones that are present.
  size_t numInputs() const;
  /// True when input `i` exists and is not the empty name (omitted optional).
  bool hasInput(size_t i) const;
  /// The graph value of input `i`. A required input (checked by
  /// checkInputs), or an optional one that hasInput() says is present.
  const GraphValue &input(size_t i);
  /// Input `i` as an SSA value, materializing a constant if needed.
  Value operand(size_t i);
  RankedTensorType inputType(size_t i) { return input(i).type; }
  ElementKind inputKind(size_t i) { return input(i).kind; }
  /// The contents of input `i` as integers, if it is a known constant.
  std::optional<SmallVector<int64_t>> constantInts(size_t i);
  /// As constantInts, but reports an error naming `what` when unknown.
  FailureOr<SmallVector<int64_t>> requireConstantInts(size_t i,
                                                      llvm::StringRef what);
  /// An `axes` list: the attribute before opset `inputSince`, input `i`
  /// (optional, a compile-time constant) from then on. Not normalized.
  FailureOr<SmallVector<int64_t>> axesOperand(size_t i, int64_t inputSince);
  /// The contents of input `i` as doubles, if it is a known constant.
  std::optional<SmallVector<double>> constantFloats(size_t i);
  /// The elements of input `i`, a rank-0 or rank-1 integer or bool tensor,
  /// one by one: index attributes where known at compile time, `index`
  /// values where they depend on dynamic dimensions (a Shape of a tensor
  /// with dynamic dimensions, and arithmetic on it). Nullopt for other
  /// inputs (large or float tensors, values computed by tensor ops).
  std::optional<SmallVector<OpFoldResult>> symbolicInts(size_t i);
  /// As symbolicInts, but reports an error naming `what` when unknown.
  FailureOr<SmallVector<OpFoldResult>>
  requireSymbolicInts(size_t i, llvm::StringRef what);

  //===--- Attributes -----------------------------------------------------===//
  const ::onnx::AttributeProto *attribute(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attribute(name); }
  int64_t attrInt(llvm::StringRef name, int64_t defaultValue) const;
  float attrFloat(llvm::StringRef name, float defaultValue) const;
  std::string attrString(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::optional<SmallVector<int64_t>> attrInts(llvm::StringRef name) const;
  std::optional<SmallVector<float>> attrFloats(llvm::StringRef name) const;
  const ::onnx::TensorProto *attrTensor(llvm::StringRef name) const;
  //===--- Sizes ----------------------------------------------------------===//
  /// Fails with an error naming the node and `what` when the static
  /// dimensions of `shape` with elements of `elementType` overflow int64 or
  /// exceed ImportOptions::maxTensorBytes. Importers call it before they
  /// build (or fold) a tensor whose shape comes from the model's data.
  LogicalResult checkShape(ArrayRef<int64_t> shape, Type elementType,
                           llvm::StringRef what);
  LogicalResult checkResultShape(RankedTensorType type, llvm::StringRef what) {
    return checkShape(type.getShape(), type.getElementType(), what);
  }

  /// Reports attributes that this handler does not know.
  LogicalResult checkAttributes(ArrayRef<llvm::StringRef> known);

  //===--- Outputs --------------------------------------------------------===//
  size_t numOutputs() const;
  /// True when output `i` exists and is used by name.
  bool hasOutput(size_t i) const;
  void setOutput(size_t i, Value value, ElementKind kind);
  /// Defines output `i` as a compile-time constant.
  void setConstantOutput(size_t i, ElementsAttr value, ElementKind kind);
  /// Defines output `i`, an integer or bool tensor of `shape` (rank 0 or 1),
  /// by its elements (a constant when they all are).
  void setSymbolicOutput(size_t i, ArrayRef<int64_t> shape,
                         ArrayRef<OpFoldResult> elements, ElementKind kind);

  GraphImporter &graph() { return importer; }

private:
  GraphImporter &importer;
  const ::onnx::NodeProto &node;
  Location location;
  int64_t opsetVersion;
};

/// The inputs a node of an op takes at an opset (OpInputs.def).
struct InputArity {
  /// The first `required` inputs must be present and not the empty name.
  unsigned required = 0;
  /// At most this many inputs; -1: any number, all required (variadic).
  int maxInputs = 0;
  bool isVariadic() const { return maxInputs < 0; }
};
/// The arity of `opType` at `opset`, if it is an op of Ops.def.
std::optional<InputArity> lookupInputArity(llvm::StringRef opType,
                                           int64_t opset);

/// An importer for one ONNX op type.
using OpImporter = std::function<LogicalResult(NodeContext &)>;
using OpImporterTable = llvm::StringMap<OpImporter>;

// Each op family registers its importers; Ops.def lists them.
void registerElementwiseImporters(OpImporterTable &table);
void registerMathImporters(OpImporterTable &table);
void registerDataMovementImporters(OpImporterTable &table);
void registerIndexingImporters(OpImporterTable &table);
void registerResizeImporters(OpImporterTable &table);
void registerContractionImporters(OpImporterTable &table);
void registerConvImporters(OpImporterTable &table);
void registerPoolingImporters(OpImporterTable &table);
void registerNormalizationImporters(OpImporterTable &table);
void registerShapeImporters(OpImporterTable &table);
void registerQuantizeImporters(OpImporterTable &table);

//===----------------------------------------------------------------------===//
// Helpers shared by the op families (Builders.cpp)
//===----------------------------------------------------------------------===//

/// The MLIR element type of an ONNX element kind (null if unsupported).
Type getElementType(MLIRContext *ctx, ElementKind kind);
bool isFloatKind(ElementKind kind);
bool isSignedIntKind(ElementKind kind);
bool isUnsignedIntKind(ElementKind kind);

/// Dynamic sizes of `value` for the dynamic dimensions of `type`.
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value value);
/// tensor.empty of `type`, taking dynamic sizes from the given dims.
Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange dynamicDims);
/// tensor.empty of `type` filled with `fill`.
Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   ValueRange dynamicDims, Value fill);
/// Integer remainder with the divisor's sign (Python's %, ONNX Mod with
/// fmod=0) of signed integers or index values.
Value floorRemSI(OpBuilder &b, Location loc, Value x, Value y);
/// An arith.constant scalar of `type` with value `value`.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);

/// The shape of the numpy-style broadcast of `a` and `b`, or failure.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b);
/// Broadcasts `value` to `shape` (rank-extending on the left) with
/// linalg.broadcast / expand; `like` provides dynamic sizes.
Value broadcastTo(OpBuilder &b, Location loc, Value value,
                  RankedTensorType resultType, ValueRange dynamicDims);
/// Dynamic sizes for a broadcast result of `operands`.
SmallVector<Value> broadcastDynamicSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange operands);

/// Body of an elementwise computation: scalar arguments in, scalar out.
using ScalarBody = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic applying `body` to the numpy-style broadcast of
/// `operands` (no materialized broadcasts). `resultType` is the broadcast
/// shape with the body's result element type.
Value buildElementwise(OpBuilder &b, Location loc, ValueRange operands,
                       RankedTensorType resultType, ScalarBody body);

/// The second operand of a binary op, with legacy (opset < 7)
/// broadcasting applied: with broadcast=1, B's dimensions align with A's
/// starting at `axis` instead of at the end.
FailureOr<Value> legacyBroadcastOperand(NodeContext &ctx);

/// Reshapes `value` to `resultType` with collapse/expand when possible,
/// tensor.reshape otherwise. The result's dynamic sizes must follow from the
/// types (`reshapeInfersSizes`); otherwise use reshapeToSizes.
Value reshapeTo(OpBuilder &b, Location loc, Value value,
                RankedTensorType resultType);
/// Whether reshapeTo can derive the dynamic sizes of `to` from `from`: a
/// collapse or a simple expand, static shapes, shapes that agree after
/// dropping unit dimensions, or at most one dynamic result dimension.
bool reshapeInfersSizes(RankedTensorType from, RankedTensorType to);
/// tensor.reshape of `value` to `resultType` with the dimension sizes
/// `sizes` (index attributes or values) as its shape operand.
Value reshapeThroughShape(OpBuilder &b, Location loc, Value value,
                          RankedTensorType resultType,
                          ArrayRef<OpFoldResult> sizes);
/// Reshapes `value` to `resultType` whose dimension sizes are `sizes` (index
/// attributes or values, one per dimension): an expand_shape when that
/// describes it, tensor.reshape otherwise.
Value reshapeToSizes(OpBuilder &b, Location loc, Value value,
                     RankedTensorType resultType, ArrayRef<OpFoldResult> sizes);

/// Casts between element types following ONNX Cast semantics.
Value convertScalar(OpBuilder &b, Location loc, Value value, ElementKind from,
                    ElementKind to);

//===----------------------------------------------------------------------===//
// Low-precision element kinds (LowPrecision.cpp)
//===----------------------------------------------------------------------===//

/// FLOAT8* and FLOAT4E2M1: floats that compiled code keeps as their bit
/// patterns in i8 (arith cannot compute on them).
bool isLowPrecisionFloatKind(ElementKind kind);
/// INT4, UINT4, INT2, UINT2: one per i8, sign- or zero-extended.
bool isLowPrecisionIntKind(ElementKind kind);
bool isLowPrecisionKind(ElementKind kind);

/// Rounding of casts to FLOAT8E8M0 (Cast's round_mode).
enum class E8M0Rounding { Up, Down, Nearest };
/// Cast's saturate and round_mode attributes.
struct CastMode {
  /// Out-of-range values become the largest finite value of a FLOAT8 type
  /// (else infinity or NaN).
  bool saturate = true;
  E8M0Rounding rounding = E8M0Rounding::Up;
};
/// Reads saturate and round_mode of a Cast or CastLike node.
FailureOr<CastMode> readCastMode(NodeContext &ctx);
/// convertScalar where `from` or `to` may be a low-precision kind.
Value convertLowPrecision(OpBuilder &b, Location loc, Value value,
                          ElementKind from, ElementKind to,
                          const CastMode &mode);
/// Fails for a node with low-precision inputs unless it is a Cast, a
/// CastLike or an op that only moves data.
LogicalResult checkLowPrecisionOperands(NodeContext &ctx);

/// The number of elements of a static `type`; nullopt when it is dynamic or
/// the count overflows int64 (never call getNumElements() on shapes read
/// from a model before checking them).
std::optional<int64_t> staticNumElements(ShapedType type);
/// True when `type` is static and has at most `limit` elements.
inline bool hasAtMostElements(ShapedType type, int64_t limit) {
  std::optional<int64_t> n = staticNumElements(type);
  return n && *n <= limit;
}

/// True for a constant small enough to fold at import (Shape.cpp).
bool isFoldableConstant(const GraphValue &gv);

/// Shape arithmetic on symbolic shape values (ShapeValues.cpp): imports
/// the node when it is an integer op (Gather, Concat, Add, Equal, Where,
/// ...) on small tensors of which at least one is symbolic, computing its
/// elements one by one. True when it imported the node, false when the
/// node is not such an op (the op's importer then runs).
FailureOr<bool> importSymbolicShapeOp(NodeContext &ctx);
/// Materializes an index value or attribute as an `index` SSA value.
Value indexValue(OpBuilder &b, Location loc, OpFoldResult ofr);

/// ONNX MatMul of `lhs` and `rhs` (Contraction.cpp): numpy matmul
/// semantics (1-D operands promoted and the added dimension dropped, batch
/// dimensions broadcast), on any float or integer element type (integers
/// wrap). Fails with an error naming the node on shapes that do not multiply.
FailureOr<Value> buildMatMul(NodeContext &ctx, Value lhs, Value rhs);

/// ONNX Conv of `x` [N, C, ...] by `w` [F, C/group, ...] plus the optional
/// `bias` [F] (Conv.cpp), with the node's auto_pad, dilations, group,
/// kernel_shape, pads and strides; padding is zeros of the element type
/// (float, or int32 for the integer convolutions).
FailureOr<Value> buildConv(NodeContext &ctx, Value x, Value w, Value bias);

/// Reductions (Pooling.cpp).
enum class Reduction { Sum, Mean, Max, Min, Prod };
/// Reduces `input` of element kind `kind` over `axes` (sorted, unique),
/// keeping them as size 1 when `keepDims`. Mean divides by the static
/// product of the reduced sizes.
Value buildReduction(OpBuilder &b, Location loc, Value input, ElementKind kind,
                     ArrayRef<int64_t> axes, bool keepDims, Reduction op);

/// Normalizes a possibly negative axis into [0, rank); failure (an error
/// naming `what`) if out of range, which every axis of a scalar is.
FailureOr<int64_t> normalizeAxis(NodeContext &ctx, int64_t axis, int64_t rank,
                                 llvm::StringRef what);

/// Geometry of a sliding window (Conv, MaxPool, AveragePool) over the
/// spatial dimensions: from kernel_shape/strides/dilations/pads/auto_pad.
struct WindowGeometry {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, output;
  /// Padding added at the end only to complete ceil_mode windows.
  SmallVector<int64_t> extraEnd;
};
FailureOr<WindowGeometry> computeWindow(NodeContext &ctx,
                                        ArrayRef<int64_t> spatialInput,
                                        ArrayRef<int64_t> kernel,
                                        bool ceilMode);

/// tensor.pad of the spatial dimensions (all after the first two) with a
/// constant.
Value padSpatial(OpBuilder &b, Location loc, Value value,
                 ArrayRef<int64_t> padBegin, ArrayRef<int64_t> padEnd,
                 Value padValue);

/// tensor.extract_slice of `resultType` (same rank as `source`), or a
/// tensor.empty when the slice is statically empty: MLIR's verifier refuses
/// an offset at the end of a dimension even for an empty slice.
Value extractSlice(OpBuilder &b, Location loc, RankedTensorType resultType,
                   Value source, ArrayRef<OpFoldResult> offsets,
                   ArrayRef<OpFoldResult> sizes,
                   ArrayRef<OpFoldResult> strides);
/// tensor.insert_slice of `source` into `dest`, or `dest` itself when
/// `source` is statically empty (for the same reason).
Value insertSlice(OpBuilder &b, Location loc, Value source, Value dest,
                  ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                  ArrayRef<OpFoldResult> strides);

/// linalg.transpose of `value` by `perm` (result dim i = input dim perm[i]).
Value transposeTo(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> perm);

/// Reads the values of a constant as doubles or int64s.
SmallVector<double> elementsAsDoubles(ElementsAttr attr);
SmallVector<int64_t> elementsAsInts(ElementsAttr attr);
/// The raw little-endian bytes of a non-splat constant whose elements are
/// whole bytes wide (dense or dense_resource), if it is one.
std::optional<ArrayRef<char>> constantBytes(ElementsAttr attr);
/// An ElementsAttr of `type` holding `bytes`: dense_resource for large f32
/// tensors (as makeElements), dense otherwise.
ElementsAttr makeElementsFromBytes(RankedTensorType type, ArrayRef<char> bytes);
/// A dense_resource attribute holding `bytes` (little-endian elements).
ElementsAttr makeResourceElements(RankedTensorType type,
                                  llvm::ArrayRef<char> bytes);
/// Builds an ElementsAttr of `type` from doubles / int64s; large float
/// tensors become dense_resource blobs.
ElementsAttr makeElements(RankedTensorType type, ArrayRef<double> values);
ElementsAttr makeIntElements(RankedTensorType type, ArrayRef<int64_t> values);

} // namespace mlir::sieve::onnx_import

#endif // SIEVE_LIB_IMPORT_ONNX_NODECONTEXT_H
