//===- NodeContext.cpp - What an ONNX op importer sees ----------*- C++ -*-===//

#include "NodeContext.h"
#include "GraphImporter.h"

#include "sieve/Support/HostTensor.h"

#include "llvm/Support/ErrorHandling.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::sieve::onnx_import;

NodeContext::NodeContext(GraphImporter &importer, const ::onnx::NodeProto &node,
                         Location loc, int64_t opset)
    : importer(importer), node(node), location(loc), opsetVersion(opset) {}

OpBuilder &NodeContext::builder() { return importer.builder(); }
MLIRContext *NodeContext::getContext() { return importer.getContext(); }
llvm::StringRef NodeContext::opType() const { return node.op_type(); }
llvm::StringRef NodeContext::nodeName() const {
  return cast<NameLoc>(location).getName().getValue();
}
const ImportOptions &NodeContext::options() const { return importer.options(); }

InFlightDiagnostic NodeContext::emitError() {
  return mlir::emitError(location)
         << "node '" << nodeName() << "' (" << opType() << "): ";
}

std::optional<InputArity>
mlir::sieve::onnx_import::lookupInputArity(llvm::StringRef opType,
                                           int64_t opset) {
  struct Row {
    llvm::StringLiteral op;
    int64_t since;
    unsigned required;
    int maxInputs;
  };
  static const Row rows[] = {
#define SIEVE_ONNX_INPUTS(op, since, min, max) {#op, since, min, max},
#include "OpInputs.def"
  };
  // The last line at or before `opset`; the first line for older opsets.
  std::optional<InputArity> found;
  for (const Row &row : rows) {
    if (row.op != opType)
      continue;
    if (found && row.since > opset)
      break;
    found = InputArity{row.required, row.maxInputs};
  }
  return found;
}

LogicalResult NodeContext::checkInputs() {
  std::optional<InputArity> arity = lookupInputArity(opType(), opsetVersion);
  if (!arity)
    return emitError() << "op has no input arity in OpInputs.def";
  size_t count = numInputs();
  auto plural = [](size_t n) { return n == 1 ? " input" : " inputs"; };
  if (count < arity->required) {
    InFlightDiagnostic diag = emitError();
    if (arity->isVariadic() || arity->maxInputs == int(arity->required))
      diag << "takes " << (arity->isVariadic() ? "at least " : "")
           << arity->required << plural(arity->required);
    else
      diag << "takes " << arity->required << " to " << arity->maxInputs
           << " inputs";
    return diag << " (opset " << opsetVersion << "), got " << count;
  }
  if (!arity->isVariadic() && count > size_t(arity->maxInputs))
    return emitError() << "takes at most " << arity->maxInputs
                       << plural(arity->maxInputs) << " (opset " << opsetVersion
                       << "), got " << count;
  size_t required = arity->isVariadic() ? count : arity->required;
  for (size_t i = 0; i < required; ++i)
    if (node.input(i).empty())
      return emitError() << "input #" << i
                         << " is required but omitted (empty name)";
  return success();
}

size_t NodeContext::numInputs() const { return node.input_size(); }

bool NodeContext::hasInput(size_t i) const {
  return i < static_cast<size_t>(node.input_size()) && !node.input(i).empty();
}

const GraphValue &NodeContext::input(size_t i) {
  // checkInputs() and the importer's check that every named input is
  // defined make this hold for required inputs; an importer reads an
  // optional one only after hasInput(). A failure here is an importer bug
  // (test/Import/ONNX/op-inputs.test tries every op with inputs omitted).
  GraphValue *gv = hasInput(i) ? importer.lookup(node.input(i)) : nullptr;
  if (!gv)
    llvm::report_fatal_error(llvm::Twine("importer bug: node '") + nodeName() +
                             "' (" + opType() + ") reads input #" +
                             llvm::Twine(i) + ", which is omitted");
  return *gv;
}

Value NodeContext::operand(size_t i) {
  return importer.materialize(const_cast<GraphValue &>(input(i)));
}

std::optional<SmallVector<int64_t>> NodeContext::constantInts(size_t i) {
  if (!hasInput(i))
    return std::nullopt;
  const GraphValue &gv = input(i);
  if (!gv.constant || isFloatKind(gv.kind))
    return std::nullopt;
  return elementsAsInts(gv.constant);
}

FailureOr<SmallVector<int64_t>>
NodeContext::requireConstantInts(size_t i, llvm::StringRef what) {
  if (!hasInput(i))
    return emitError() << "the " << what << " input is missing";
  std::optional<SmallVector<int64_t>> ints = constantInts(i);
  if (!ints)
    return emitError() << "the " << what << " ('" << node.input(i)
                       << "') must be a compile-time constant integer tensor";
  return *ints;
}

FailureOr<SmallVector<int64_t>> NodeContext::axesOperand(size_t i,
                                                         int64_t inputSince) {
  if (opsetVersion < inputSince)
    return attrInts("axes").value_or(SmallVector<int64_t>{});
  if (!hasInput(i))
    return SmallVector<int64_t>{};
  return requireConstantInts(i, "axes");
}

std::optional<SmallVector<double>> NodeContext::constantFloats(size_t i) {
  if (!hasInput(i))
    return std::nullopt;
  const GraphValue &gv = input(i);
  if (!gv.constant)
    return std::nullopt;
  return elementsAsDoubles(gv.constant);
}

std::optional<SmallVector<OpFoldResult>> NodeContext::symbolicInts(size_t i) {
  if (!hasInput(i))
    return std::nullopt;
  const GraphValue &gv = input(i);
  if (gv.isSymbolic())
    return gv.symbolic;
  if (!gv.constant || isFloatKind(gv.kind) || gv.type.getRank() > 1 ||
      !hasAtMostElements(gv.type, kMaxSymbolicElements))
    return std::nullopt;
  SmallVector<OpFoldResult> elements;
  for (int64_t v : elementsAsInts(gv.constant))
    elements.push_back(builder().getIndexAttr(v));
  return elements;
}

FailureOr<SmallVector<OpFoldResult>>
NodeContext::requireSymbolicInts(size_t i, llvm::StringRef what) {
  if (!hasInput(i))
    return emitError() << "the " << what << " input is missing";
  std::optional<SmallVector<OpFoldResult>> ints = symbolicInts(i);
  if (!ints)
    return emitError() << "the " << what << " ('" << node.input(i)
                       << "') must be a compile-time constant integer tensor "
                          "or computed from the input shapes";
  return *ints;
}

const ::onnx::AttributeProto *
NodeContext::attribute(llvm::StringRef name) const {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t NodeContext::attrInt(llvm::StringRef name, int64_t defaultValue) const {
  const auto *attr = attribute(name);
  return attr ? attr->i() : defaultValue;
}

float NodeContext::attrFloat(llvm::StringRef name, float defaultValue) const {
  const auto *attr = attribute(name);
  return attr ? attr->f() : defaultValue;
}

std::string NodeContext::attrString(llvm::StringRef name,
                                    llvm::StringRef defaultValue) const {
  const auto *attr = attribute(name);
  return attr ? attr->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::attrInts(llvm::StringRef name) const {
  const auto *attr = attribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

std::optional<SmallVector<float>>
NodeContext::attrFloats(llvm::StringRef name) const {
  const auto *attr = attribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<float>(attr->floats().begin(), attr->floats().end());
}

const ::onnx::TensorProto *NodeContext::attrTensor(llvm::StringRef name) const {
  const auto *attr = attribute(name);
  return attr && attr->has_t() ? &attr->t() : nullptr;
}

std::optional<int64_t>
mlir::sieve::onnx_import::staticNumElements(ShapedType type) {
  if (!type.hasStaticShape())
    return std::nullopt;
  return checkedNumElements(type.getShape());
}

LogicalResult NodeContext::checkShape(ArrayRef<int64_t> shape, Type elementType,
                                      llvm::StringRef what) {
  SmallVector<int64_t> staticDims;
  for (int64_t d : shape)
    if (!ShapedType::isDynamic(d))
      staticDims.push_back(d);
  int64_t bytes =
      std::max<int64_t>(1, elementType.isIntOrFloat()
                               ? (elementType.getIntOrFloatBitWidth() + 7) / 8
                               : 8);
  std::string error =
      checkTensorSize(staticDims, bytes, options().maxTensorBytes);
  if (error.empty())
    return success();
  llvm::StringRef message = error;
  message.consume_front("shape ");
  return emitError() << what << " " << message;
}

LogicalResult NodeContext::checkAttributes(ArrayRef<llvm::StringRef> known) {
  for (const auto &attr : node.attribute())
    if (!llvm::is_contained(known, attr.name()))
      return emitError() << "attribute '" << attr.name()
                         << "' is not supported";
  return success();
}

size_t NodeContext::numOutputs() const { return node.output_size(); }

bool NodeContext::hasOutput(size_t i) const {
  return i < static_cast<size_t>(node.output_size()) && !node.output(i).empty();
}

void NodeContext::setOutput(size_t i, Value value, ElementKind kind) {
  if (!hasOutput(i))
    return;
  GraphValue gv;
  gv.type = cast<RankedTensorType>(value.getType());
  gv.kind = kind;
  gv.value = value;
  importer.define(node.output(i), gv);
}

void NodeContext::setSymbolicOutput(size_t i, ArrayRef<int64_t> shape,
                                    ArrayRef<OpFoldResult> elements,
                                    ElementKind kind) {
  if (!hasOutput(i))
    return;
  auto type = RankedTensorType::get(shape, getElementType(getContext(), kind));
  if (llvm::all_of(elements,
                   [](OpFoldResult e) { return isa<Attribute>(e); })) {
    SmallVector<int64_t> values;
    for (OpFoldResult e : elements)
      values.push_back(cast<IntegerAttr>(cast<Attribute>(e)).getInt());
    setConstantOutput(i, makeIntElements(type, values), kind);
    return;
  }
  GraphValue gv;
  gv.type = type;
  gv.kind = kind;
  gv.symbolic.assign(elements.begin(), elements.end());
  importer.define(node.output(i), gv);
}

void NodeContext::setConstantOutput(size_t i, ElementsAttr value,
                                    ElementKind kind) {
  if (!hasOutput(i))
    return;
  GraphValue gv;
  gv.type = cast<RankedTensorType>(value.getShapedType());
  gv.kind = kind;
  gv.constant = value;
  importer.define(node.output(i), gv);
}
