//===- GraphImporter.cpp - Imports one ONNX graph ---------------*- C++ -*-===//
//
// The driver of the importer: model and graph checks, initializers, the
// entry function's signature, and dispatch of each node to its op family.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "sieve/Support/HostTensor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/onnx_pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstring>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

//===----------------------------------------------------------------------===//
// Element kinds (the table is in ElementKinds.cpp)
//===----------------------------------------------------------------------===//

static std::string dataTypeName(int32_t dataType) {
  llvm::StringRef name =
      stringifyElementKind(static_cast<ElementKind>(dataType));
  if (name != "unsupported")
    return name.str();
  return "data type " + std::to_string(dataType);
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

namespace {
/// An op family: the file that registers a group of importers.
struct OpFamily {
  const char *name;
  void (*registerImporters)(OpImporterTable &);
};
} // namespace

static const OpFamily kOpFamilies[] = {
    {"Elementwise", registerElementwiseImporters},
    {"Math", registerMathImporters},
    {"Contraction", registerContractionImporters},
    {"Conv", registerConvImporters},
    {"Pooling", registerPoolingImporters},
    {"Normalization", registerNormalizationImporters},
    {"Shape", registerShapeImporters},
    {"DataMovement", registerDataMovementImporters},
    {"Indexing", registerIndexingImporters},
    {"Resize", registerResizeImporters},
    {"Quantize", registerQuantizeImporters},
};

GraphImporter::GraphImporter(MLIRContext *context,
                             const ::onnx::ModelProto &model,
                             llvm::StringRef sourceName,
                             const ImportOptions &options)
    : context(context), model(model), source(sourceName.str()), opts(options),
      b(context) {
  static const bool checked = checkOpTable();
  (void)checked;
  for (const OpFamily &family : kOpFamilies)
    family.registerImporters(importers);
}

/// Fails hard unless each family registers exactly the ops that Ops.def
/// lists for it: Ops.def is the op list that the docs and the conformance
/// runner read, so it must not drift from the code.
bool GraphImporter::checkOpTable() {
  llvm::StringMap<std::string> listed;
#define SIEVE_ONNX_OP(family, op)                                              \
  if (!listed.try_emplace(#op, #family).second)                                \
    llvm::report_fatal_error("Ops.def lists " #op " twice");
#include "Ops.def"
  size_t registered = 0;
  for (const OpFamily &family : kOpFamilies) {
    OpImporterTable table;
    family.registerImporters(table);
    registered += table.size();
    for (const auto &entry : table) {
      auto it = listed.find(entry.getKey());
      if (it == listed.end() || it->second != family.name)
        llvm::report_fatal_error(llvm::Twine("op ") + entry.getKey() +
                                 " registered by " + family.name +
                                 ".cpp is not listed for it in Ops.def");
    }
  }
  if (registered != listed.size())
    llvm::report_fatal_error("Ops.def lists ops that no family registers");
  // Every op has its input arity, and only listed ops have one.
  for (const auto &entry : listed)
    if (!lookupInputArity(entry.getKey(), 1))
      llvm::report_fatal_error(llvm::Twine("op ") + entry.getKey() +
                               " has no line in OpInputs.def");
#define SIEVE_ONNX_INPUTS(op, since, min, max)                                 \
  if (!listed.contains(#op))                                                   \
    llvm::report_fatal_error("OpInputs.def lists " #op                         \
                             ", which Ops.def does not");
#include "OpInputs.def"
  return true;
}

GraphValue *GraphImporter::lookup(llvm::StringRef name) {
  auto it = values.find(name);
  return it == values.end() ? nullptr : &it->second;
}

void GraphImporter::define(llvm::StringRef name, GraphValue value) {
  values[name] = std::move(value);
}

Value GraphImporter::materialize(GraphValue &gv) {
  if (!gv.value && gv.isSymbolic()) {
    // At the current point: the elements' values are defined above it.
    Location loc = UnknownLoc::get(context);
    Type elementType = gv.type.getElementType();
    SmallVector<Value> elements;
    for (OpFoldResult e : gv.symbolic) {
      if (auto attr = dyn_cast<Attribute>(e)) {
        int64_t v = cast<IntegerAttr>(attr).getInt();
        elements.push_back(arith::ConstantOp::create(
            b, loc,
            IntegerAttr::get(elementType,
                             elementType.isInteger(1) ? (v != 0) : v)));
        continue;
      }
      Value v = cast<Value>(e);
      if (elementType.isInteger(1))
        elements.push_back(
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                  arith::ConstantIndexOp::create(b, loc, 0)));
      else
        elements.push_back(arith::IndexCastOp::create(b, loc, elementType, v));
    }
    gv.value = tensor::FromElementsOp::create(b, loc, gv.type, elements);
    return gv.value;
  }
  if (!gv.value) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entryBlock);
    gv.value = arith::ConstantOp::create(b, UnknownLoc::get(context), gv.type,
                                         cast<TypedAttr>(gv.constant));
  }
  return gv.value;
}

FailureOr<ElementsAttr>
GraphImporter::convertTensor(const ::onnx::TensorProto &tensor, Location loc,
                             llvm::StringRef what, ElementKind *kindOut) {
  auto kind = static_cast<ElementKind>(tensor.data_type());
  Type elementType = getElementType(context, kind);
  if (!elementType)
    return emitError(loc) << what << " has element type "
                          << dataTypeName(tensor.data_type())
                          << ", which Sieve does not support";
  HostTensor host;
  std::string error;
  if (tensor.data_location() == ::onnx::TensorProto::EXTERNAL) {
    // Read the bytes into a copy of the proto without its external_data,
    // then decode that: one code path for every element kind.
    std::unique_ptr<llvm::MemoryBuffer> data =
        readExternalData(tensor, loc, what);
    if (!data)
      return failure();
    ArrayRef<char> bytes(data->getBufferStart(), data->getBufferSize());
    SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
    int64_t width = elementByteWidth(kind);
    bool packed =
        isLowPrecisionIntKind(kind) || kind == ElementKind::Float4E2M1;
    if (!packed && width > 0) {
      // The mapped bytes go straight into the attribute: one copy.
      std::string tooLarge = checkTensorSize(dims, width, opts.maxTensorBytes);
      if (!tooLarge.empty())
        return emitError(loc) << what << ": " << tooLarge;
      int64_t expected = *checkedByteSize(dims, width);
      if (static_cast<int64_t>(bytes.size()) != expected)
        return emitError(loc) << what << ": external data has " << bytes.size()
                              << " bytes but the shape needs " << expected;
      if (kindOut)
        *kindOut = kind;
      return makeAttribute(RankedTensorType::get(dims, elementType), kind,
                           bytes, loc, what);
    }
    ::onnx::TensorProto local;
    local.set_data_type(tensor.data_type());
    local.mutable_dims()->CopyFrom(tensor.dims());
    local.set_name(tensor.name());
    local.set_raw_data(data->getBufferStart(), data->getBufferSize());
    data.reset();
    if (!decodeTensorProto(local, host, error, opts.maxTensorBytes))
      return emitError(loc) << what << ": " << error;
  } else if (!decodeTensorProto(tensor, host, error, opts.maxTensorBytes)) {
    return emitError(loc) << what << ": " << error;
  }
  auto type = RankedTensorType::get(host.shape, elementType);
  if (kindOut)
    *kindOut = kind;
  return makeAttribute(type, kind, host.data, loc, what);
}

FailureOr<ElementsAttr> GraphImporter::makeAttribute(RankedTensorType type,
                                                     ElementKind kind,
                                                     ArrayRef<char> data,
                                                     Location loc,
                                                     llvm::StringRef what) {
  if (kind == ElementKind::Bool) {
    SmallVector<bool> flags;
    for (char c : data)
      flags.push_back(c != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, flags));
  }
  if (type.getNumElements() > opts.resourceThreshold)
    return makeResourceElements(type, data);
  bool isSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, data, isSplat))
    return emitError(loc) << what << " has malformed data";
  return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, data));
}

std::unique_ptr<llvm::MemoryBuffer>
GraphImporter::readExternalData(const ::onnx::TensorProto &tensor, Location loc,
                                llvm::StringRef what) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    llvm::StringRef key = entry.key(), value = entry.value();
    if (key == "location") {
      location = value.str();
    } else if (key == "offset" || key == "length") {
      int64_t parsed;
      if (value.getAsInteger(10, parsed) || parsed < 0) {
        emitError(loc) << what << ": external data " << key << " '" << value
                       << "' is not a non-negative integer";
        return nullptr;
      }
      (key == "offset" ? offset : length) = parsed;
    }
  }
  auto fail = [&]() -> InFlightDiagnostic {
    return emitError(loc) << what << ": external data '" << location << "' ";
  };
  if (location.empty()) {
    emitError(loc) << what << ": external data has no location";
    return nullptr;
  }
  if (opts.externalDataDirectory.empty()) {
    fail() << "cannot be found: the model was not read from a file, so "
              "there is no directory to read it from";
    return nullptr;
  }
  // The location must stay inside the model's directory: relative, no
  // '..', and (after resolving symbolic links) still inside it.
  namespace fs = llvm::sys::fs;
  namespace path = llvm::sys::path;
  bool escapes = path::is_absolute(location) ||
                 path::is_absolute(location, path::Style::windows);
  for (llvm::StringRef part :
       llvm::make_range(path::begin(location), path::end(location)))
    escapes |= part == "..";
  if (escapes) {
    fail() << "is outside the model's directory (an absolute path or '..')";
    return nullptr;
  }
  SmallString<256> file(opts.externalDataDirectory);
  path::append(file, location);
  SmallString<256> realDir, realFile;
  if (std::error_code ec = fs::real_path(file, realFile)) {
    fail() << "cannot be read: " << ec.message();
    return nullptr;
  }
  if (!fs::real_path(opts.externalDataDirectory, realDir) &&
      !llvm::StringRef(realFile).starts_with((realDir + "/").str())) {
    fail() << "is outside the model's directory (a symbolic link to '"
           << realFile << "')";
    return nullptr;
  }
  fs::file_status status;
  if (std::error_code ec = fs::status(realFile, status)) {
    fail() << "cannot be read: " << ec.message();
    return nullptr;
  }
  if (status.type() != fs::file_type::regular_file) {
    fail() << "is not a regular file";
    return nullptr;
  }
  int64_t fileSize = static_cast<int64_t>(status.getSize());
  if (offset > fileSize) {
    fail() << "is " << fileSize << " bytes, shorter than the offset " << offset;
    return nullptr;
  }
  if (length < 0)
    length = fileSize - offset;
  if (length > fileSize - offset) {
    fail() << "is " << fileSize << " bytes, too short for " << length
           << " bytes at offset " << offset;
    return nullptr;
  }
  std::string tooLarge = checkTensorSize({length}, 1, opts.maxTensorBytes);
  if (!tooLarge.empty()) {
    fail() << "holds " << length << " bytes, more than the limit of "
           << (opts.maxTensorBytes > 0 ? opts.maxTensorBytes
                                       : defaultMaxTensorBytes())
           << " bytes per tensor";
    return nullptr;
  }
  // Mapped, not read, where the system allows.
  auto buffer = llvm::MemoryBuffer::getFileSlice(realFile, length, offset);
  if (!buffer) {
    fail() << "cannot be read: " << buffer.getError().message();
    return nullptr;
  }
  return std::move(*buffer);
}

FailureOr<RankedTensorType>
GraphImporter::convertValueInfo(const ::onnx::ValueInfoProto &info,
                                ElementKind *kind, llvm::StringRef what) {
  Location loc = NameLoc::get(StringAttr::get(context, info.name()));
  if (!info.has_type() || !info.type().has_tensor_type())
    return emitError(loc) << what << " '" << info.name()
                          << "' is not a tensor (sequences, maps and "
                             "optionals are not supported)";
  const auto &tensorType = info.type().tensor_type();
  *kind = static_cast<ElementKind>(tensorType.elem_type());
  Type elementType = getElementType(context, *kind);
  if (!elementType)
    return emitError(loc) << what << " '" << info.name()
                          << "' has element type "
                          << dataTypeName(tensorType.elem_type())
                          << ", which Sieve does not support";
  if (!tensorType.has_shape())
    return emitError(loc) << what << " '" << info.name()
                          << "' has no shape; Sieve needs at least the rank";
  SmallVector<int64_t> shape, staticDims;
  for (const auto &dim : tensorType.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      staticDims.push_back(dim.dim_value());
    } else {
      shape.push_back(ShapedType::kDynamic);
    }
  }
  std::string tooLarge =
      checkTensorSize(staticDims, std::max<int64_t>(elementByteWidth(*kind), 1),
                      opts.maxTensorBytes);
  if (!tooLarge.empty())
    return emitError(loc) << what << " '" << info.name() << "': " << tooLarge;
  return RankedTensorType::get(shape, elementType);
}

LogicalResult GraphImporter::importSignature(func::FuncOp &func,
                                             ModelSignature *signature) {
  const ::onnx::GraphProto &graph = model.graph();
  Location graphLoc = NameLoc::get(StringAttr::get(context, source));

  // Initializers are constants (also those that old models list as inputs).
  for (const ::onnx::TensorProto &init : graph.initializer()) {
    if (init.name().empty())
      return emitError(graphLoc) << "an initializer has no name";
    ElementKind kind;
    Location loc = NameLoc::get(StringAttr::get(context, init.name()));
    FailureOr<ElementsAttr> attr =
        convertTensor(init, loc, "initializer '" + init.name() + "'", &kind);
    if (failed(attr))
      return failure();
    GraphValue gv;
    gv.type = cast<RankedTensorType>(attr->getShapedType());
    gv.kind = kind;
    gv.constant = *attr;
    define(init.name(), gv);
  }

  // Inputs that the caller binds to constant values.
  for (const auto &[name, serialized] : opts.constantInputs) {
    Location loc = NameLoc::get(StringAttr::get(context, name));
    ::onnx::TensorProto proto;
    if (!proto.ParseFromString(serialized))
      return emitError(loc) << "the constant value of input '" << name
                            << "' is not a TensorProto";
    ElementKind kind;
    FailureOr<ElementsAttr> attr =
        convertTensor(proto, loc, "constant input '" + name + "'", &kind);
    if (failed(attr))
      return failure();
    GraphValue gv;
    gv.type = cast<RankedTensorType>(attr->getShapedType());
    gv.kind = kind;
    gv.constant = *attr;
    define(name, gv);
  }

  SmallVector<Type> inputTypes;
  SmallVector<std::pair<std::string, ElementKind>> inputs;
  for (const ::onnx::ValueInfoProto &input : graph.input()) {
    if (lookup(input.name()))
      continue; // An initializer.
    ElementKind kind;
    FailureOr<RankedTensorType> type =
        convertValueInfo(input, &kind, "graph input");
    if (failed(type))
      return failure();
    inputTypes.push_back(*type);
    inputs.push_back({input.name(), kind});
  }
  if (graph.output_size() == 0)
    return emitError(graphLoc) << "the graph has no outputs";

  func = func::FuncOp::create(b, graphLoc, opts.entryName,
                              b.getFunctionType(inputTypes, {}));
  entryBlock = func.addEntryBlock();
  for (auto [i, input] : llvm::enumerate(inputs)) {
    GraphValue gv;
    gv.type = cast<RankedTensorType>(inputTypes[i]);
    gv.kind = input.second;
    gv.value = entryBlock->getArgument(i);
    define(input.first, gv);
    if (signature) {
      TensorSignature sig{input.first, input.second, {}};
      for (int64_t d : gv.type.getShape())
        sig.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
      signature->inputs.push_back(std::move(sig));
    }
    func.setArgAttr(i, "onnx.name", b.getStringAttr(input.first));
  }
  return success();
}

LogicalResult GraphImporter::importNodes() {
  const ::onnx::GraphProto &graph = model.graph();
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    std::string name = node.name();
    if (name.empty())
      name = node.op_type() + "_" + std::to_string(index);
    // The location names the node and, nested, its op type:
    // loc("relu1"("Relu")).
    Location loc =
        NameLoc::get(StringAttr::get(context, name),
                     NameLoc::get(StringAttr::get(context, node.op_type())));
    auto fail = [&]() {
      return emitError(loc)
             << "node '" << name << "' (" << node.op_type() << "): ";
    };
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      return fail() << "op domain '" << node.domain()
                    << "' is not supported (only the default ONNX domain)";
    auto it = importers.find(node.op_type());
    if (it == importers.end())
      return fail() << "op '" << node.op_type()
                    << "' is not supported by Sieve";
    for (const std::string &input : node.input())
      if (!input.empty() && !lookup(input))
        return fail() << "input '" << input
                      << "' is not defined (no graph input, initializer or "
                         "earlier node produces it)";
    NodeContext ctx(*this, node, loc, opset);
    if (failed(ctx.checkInputs()) || failed(checkLowPrecisionOperands(ctx)))
      return failure();
    FailureOr<bool> symbolic = importSymbolicShapeOp(ctx);
    if (failed(symbolic) || (!*symbolic && failed(it->second(ctx))))
      return failure();
    for (auto [i, output] : llvm::enumerate(node.output())) {
      GraphValue *gv = output.empty() ? nullptr : lookup(output);
      if (!output.empty() && !gv)
        return fail() << "output #" << i << " ('" << output
                      << "') is not supported";
      // Every static shape is checked, so that compiled code never computes
      // a size that wraps.
      if (gv &&
          failed(ctx.checkResultShape(gv->type, "output '" + output + "'")))
        return failure();
    }
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run(ModelSignature *signature) {
  Location moduleLoc = NameLoc::get(StringAttr::get(context, source));
  if (!model.has_graph())
    return emitError(moduleLoc) << "the model has no graph", nullptr;
  bool declared = false;
  for (const auto &opsetId : model.opset_import())
    if (opsetId.domain().empty() || opsetId.domain() == "ai.onnx") {
      opset = opsetId.version();
      declared = true;
    }
  if (declared && opset <= 0)
    return emitError(moduleLoc) << "the model declares ONNX opset " << opset
                                << "; opsets start at 1",
           nullptr;
  if (!declared) // Models from before opset imports (IR version < 3).
    opset = 1;
  if (opset > 25)
    return emitError(moduleLoc) << "the model uses ONNX opset " << opset
                                << "; Sieve supports opsets 1 to 25",
           nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(moduleLoc);
  b.setInsertionPointToEnd(module->getBody());
  func::FuncOp func;
  if (signature)
    signature->entryName = opts.entryName;
  if (failed(importSignature(func, signature)))
    return nullptr;
  b.setInsertionPointToEnd(entryBlock);
  if (failed(importNodes()))
    return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const ::onnx::ValueInfoProto &output : model.graph().output()) {
    GraphValue *gv = lookup(output.name());
    Location loc = NameLoc::get(StringAttr::get(context, output.name()));
    if (!gv)
      return emitError(loc) << "graph output '" << output.name()
                            << "' is not produced by any node",
             nullptr;
    Value value = materialize(*gv);
    // Use the declared static shape where the importer's is less precise.
    if (output.has_type() && output.type().has_tensor_type() &&
        output.type().tensor_type().has_shape()) {
      const auto &dims = output.type().tensor_type().shape().dim();
      if (dims.size() == gv->type.getRank()) {
        SmallVector<int64_t> shape(gv->type.getShape());
        bool refine = false;
        for (auto [i, dim] : llvm::enumerate(dims)) {
          // A negative size declares nothing (as for graph inputs).
          if (!dim.has_dim_value() || dim.dim_value() < 0)
            continue;
          if (ShapedType::isDynamic(shape[i])) {
            shape[i] = dim.dim_value();
            refine = true;
          } else if (shape[i] != dim.dim_value()) {
            return emitError(loc)
                       << "graph output '" << output.name()
                       << "' is declared with dimension " << dim.dim_value()
                       << " at " << i << " but the model computes " << gv->type,
                   nullptr;
          }
        }
        if (refine)
          value = tensor::CastOp::create(
              b, loc, RankedTensorType::get(shape, gv->type.getElementType()),
              value);
      }
    }
    results.push_back(value);
    resultTypes.push_back(value.getType());
    if (signature) {
      TensorSignature sig{output.name(), gv->kind, {}};
      for (int64_t d : cast<RankedTensorType>(value.getType()).getShape())
        sig.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
      signature->outputs.push_back(std::move(sig));
    }
  }
  func::ReturnOp::create(b, func.getLoc(), results);
  func.setType(b.getFunctionType(func.getArgumentTypes(), resultTypes));
  for (auto [i, output] : llvm::enumerate(model.graph().output()))
    func.setResultAttr(i, "onnx.name", b.getStringAttr(output.name()));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  // IR that does not verify (an importer bug for some node: the verifier
  // names it) is an error here, not a crash in a later pass.
  if (failed(verify(*module)))
    return emitError(moduleLoc) << kImporterBugMessage, nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void mlir::sieve::onnx_import::registerImportDialects(
    DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, bufferization::BufferizationDialect,
                  func::FuncDialect, linalg::LinalgDialect, math::MathDialect,
                  tensor::TensorDialect>();
}

OwningOpRef<ModuleOp> mlir::sieve::onnx_import::importModel(
    llvm::StringRef bytes, llvm::StringRef sourceName, MLIRContext *context,
    const ImportOptions &options, ModelSignature *signature) {
  DialectRegistry registry;
  registerImportDialects(registry);
  context->appendDialectRegistry(registry);
  context->loadAllAvailableDialects();

  Location loc = NameLoc::get(StringAttr::get(context, sourceName));
  ::onnx::ModelProto model;
  if (bytes.empty())
    return emitError(loc) << "'" << sourceName
                          << "' is empty, not an ONNX model",
           nullptr;
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return emitError(loc) << "'" << sourceName
                          << "' is larger than 2 GiB, more than a protobuf "
                             "can hold; save its weights as external data",
           nullptr;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return emitError(loc) << "'" << sourceName
                          << "' is not a valid ONNX model (the protobuf "
                             "could not be parsed; truncated or not ONNX?)",
           nullptr;
  if (!model.has_graph() || model.ir_version() <= 0)
    return emitError(loc) << "'" << sourceName
                          << "' is not a valid ONNX model (no graph or IR "
                             "version)",
           nullptr;
  GraphImporter importer(context, model, sourceName, options);
  return importer.run(signature);
}

/// Opens the model file at `path`: a regular file only (a device such as
/// /dev/zero would be read until memory runs out, a FIFO would block), read
/// through a memory map where the system allows.
static std::unique_ptr<llvm::MemoryBuffer> openModelFile(llvm::StringRef path,
                                                         std::string &error) {
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    error = "cannot read '" + path.str() + "': " + ec.message();
    return nullptr;
  }
  if (status.type() != llvm::sys::fs::file_type::regular_file) {
    error = "cannot read '" + path.str() + "': " +
            (status.type() == llvm::sys::fs::file_type::directory_file
                 ? "it is a directory"
                 : "not a regular file") +
            ", not an ONNX model";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return nullptr;
  }
  return std::move(*buffer);
}

OwningOpRef<ModuleOp> mlir::sieve::onnx_import::importModelFile(
    llvm::StringRef path, MLIRContext *context, const ImportOptions &options,
    ModelSignature *signature) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = openModelFile(path, error);
  if (!buffer) {
    emitError(NameLoc::get(StringAttr::get(context, path))) << error;
    return nullptr;
  }
  ImportOptions withDirectory = options;
  if (withDirectory.externalDataDirectory.empty()) {
    llvm::StringRef dir = llvm::sys::path::parent_path(path);
    withDirectory.externalDataDirectory = dir.empty() ? "." : dir.str();
  }
  return importModel(buffer->getBuffer(), path, context, withDirectory,
                     signature);
}

namespace {
using google::protobuf::internal::WireFormatLite;

/// Reads the names of a ValueInfoProto (field 1) or a TensorProto (field 8)
/// from `in`, skipping everything else: tensor data is never copied.
bool readMessageName(google::protobuf::io::CodedInputStream &in,
                     uint32_t nameField, std::string &name) {
  uint32_t length;
  if (!in.ReadVarint32(&length))
    return false;
  auto limit = in.PushLimit(length);
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == nameField &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::ReadString(&in, &name))
        return false;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  if (!in.ConsumedEntireMessage())
    return false;
  in.PopLimit(limit);
  return true;
}
} // namespace

bool mlir::sieve::onnx_import::readGraphInputNames(
    llvm::StringRef path, std::vector<std::string> &names, std::string &error) {
  std::unique_ptr<llvm::MemoryBuffer> buffer = openModelFile(path, error);
  if (!buffer)
    return false;
  // Only the names are read (ModelProto.graph = 7; GraphProto.initializer =
  // 5, .input = 11): the weights are parsed once, by the import itself.
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart()),
      static_cast<int>(std::min<size_t>(buffer->getBufferSize(), INT_MAX)));
  in.SetTotalBytesLimit(INT_MAX);
  std::vector<std::string> inputs;
  llvm::StringSet<> initializers;
  auto invalid = [&] {
    error = "'" + path.str() + "' is not a valid ONNX model";
    return false;
  };
  if (buffer->getBufferSize() == 0)
    return invalid();
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) != 7 ||
        WireFormatLite::GetTagWireType(tag) !=
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag))
        return invalid();
      continue;
    }
    uint32_t length;
    if (!in.ReadVarint32(&length))
      return invalid();
    auto limit = in.PushLimit(length);
    while (uint32_t graphTag = in.ReadTag()) {
      uint32_t field = WireFormatLite::GetTagFieldNumber(graphTag);
      bool delimited = WireFormatLite::GetTagWireType(graphTag) ==
                       WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
      std::string name;
      if (delimited && field == 11) {
        if (!readMessageName(in, 1, name))
          return invalid();
        inputs.push_back(std::move(name));
      } else if (delimited && field == 5) {
        if (!readMessageName(in, 8, name))
          return invalid();
        initializers.insert(name);
      } else if (!WireFormatLite::SkipField(&in, graphTag)) {
        return invalid();
      }
    }
    if (!in.ConsumedEntireMessage())
      return invalid();
    in.PopLimit(limit);
  }
  if (!in.ConsumedEntireMessage())
    return invalid();
  names.clear();
  for (std::string &input : inputs)
    if (!initializers.contains(input))
      names.push_back(std::move(input));
  return true;
}
