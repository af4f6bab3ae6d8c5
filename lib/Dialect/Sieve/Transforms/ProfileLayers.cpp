//===- ProfileLayers.cpp - Time each loop nest at run time ------*- C++ -*-===//
//
// Wraps every top-level loop nest (a layer or fused group) and memref.copy
// of a function in calls to the layer profile's runtime functions, and
// names each after the ONNX nodes it computes (sieve-run --profile-layers).
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/LoopNests.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEPROFILELAYERS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kBegin = "sieve_profile_begin";
constexpr llvm::StringLiteral kEnd = "sieve_profile_end";
/// Nodes named in a layer's name; the rest are counted.
constexpr size_t kMaxNamedNodes = 4;

/// An ONNX node as the importer locates its ops: NameLoc(name, NameLoc(type)).
using Node = std::pair<StringRef, StringRef>;

void collectNodes(Location loc, llvm::SetVector<Node> &nodes) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    if (auto type = dyn_cast<NameLoc>(name.getChildLoc()))
      nodes.insert({name.getName().getValue(), type.getName().getValue()});
    else
      collectNodes(name.getChildLoc(), nodes);
  } else if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location part : fused.getLocations())
      collectNodes(part, nodes);
  } else if (auto call = dyn_cast<CallSiteLoc>(loc)) {
    collectNodes(call.getCallee(), nodes);
  }
}

/// "Conv+Relu: /conv/Conv, /relu/Relu": the op types, then the node names
/// of the nodes whose ops `op` holds (its own location first).
std::string layerName(Operation *op) {
  llvm::SetVector<Node> nodes;
  collectNodes(op->getLoc(), nodes);
  op->walk([&](Operation *nested) { collectNodes(nested->getLoc(), nodes); });
  if (nodes.empty())
    return isa<memref::CopyOp>(op) ? "(copy)" : "(unnamed loop nest)";
  llvm::SetVector<StringRef> types;
  for (const Node &node : nodes)
    types.insert(node.second);
  std::string name = llvm::join(types, "+") + ":";
  for (size_t i = 0; i < nodes.size() && i < kMaxNamedNodes; ++i)
    name += (i ? ", " : " ") + nodes[i].first.str();
  if (nodes.size() > kMaxNamedNodes)
    name += " and " + std::to_string(nodes.size() - kMaxNamedNodes) + " more";
  return name;
}

bool isLayer(Operation *op) {
  return isa<memref::CopyOp>(op) || sieve::containsLoop(op);
}

struct ProfileLayers : sieve::impl::SieveProfileLayersBase<ProfileLayers> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    OpBuilder builder(context);
    auto i64 = builder.getI64Type();
    auto hookType = builder.getFunctionType({i64}, {});
    llvm::MapVector<std::string, int64_t, llvm::StringMap<unsigned>> ids;
    bool any = false;
    for (func::FuncOp func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal() || !func.getBody().hasOneBlock())
        continue;
      SmallVector<Operation *> layers;
      for (Operation &op : func.getBody().front())
        if (isLayer(&op))
          layers.push_back(&op);
      for (Operation *op : layers) {
        std::string name = layerName(op);
        int64_t id = ids.insert({name, int64_t(ids.size())}).first->second;
        builder.setInsertionPoint(op);
        Value idValue =
            arith::ConstantIntOp::create(builder, op->getLoc(), i64, id);
        func::CallOp::create(builder, op->getLoc(), kBegin, TypeRange{},
                             ValueRange{idValue});
        builder.setInsertionPointAfter(op);
        func::CallOp::create(builder, op->getLoc(), kEnd, TypeRange{},
                             ValueRange{idValue});
        any = true;
      }
    }
    if (!any)
      return;
    builder.setInsertionPointToStart(module.getBody());
    for (StringRef hook : {kBegin, kEnd}) {
      if (module.lookupSymbol(hook))
        continue;
      auto decl =
          func::FuncOp::create(builder, module.getLoc(), hook, hookType);
      decl.setPrivate();
    }
    SmallVector<Attribute> names;
    for (const auto &entry : ids)
      names.push_back(builder.getStringAttr(entry.first));
    module->setAttr("sieve.profile_layers", builder.getArrayAttr(names));
  }
};

} // namespace
