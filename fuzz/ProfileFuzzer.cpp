//===- ProfileFuzzer.cpp - Fuzzes the profile reader ------------*- C++ -*-===//
//
// Bytes -> applyProfileText (sieve-run/sievec --profile) on a small module
// with two ReLU sites, so that well-formed profiles reach the code that
// matches entries to nodes and marks them.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "sieve/Analysis/Profile.h"
#include "sieve/Registration.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <string>

using namespace mlir;

// Two ReLUs as the importer writes them (a linalg.generic computing
// max(x, 0), located at its ONNX node's name).
static const char kModule[] = R"mlir(
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %r = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x8xf32> loc("relu_1")
  %s = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x8xf32> loc("relu_2")
  return %s : tensor<2x8xf32>
}
)mlir";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context and module for the whole run (creating them takes longer
  // than applying a profile); each input gets a fresh clone of the module.
  static MLIRContext *context = [] {
    DialectRegistry registry;
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, tensor::TensorDialect>();
    sieve::registerSieveDialects(registry);
    auto *context = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    context->loadAllAvailableDialects();
    context->getDiagEngine().registerHandler(
        [](Diagnostic &) { return success(); });
    return context;
  }();
  static ModuleOp original = [] {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(kModule, context);
    if (!module)
      sieve_fuzz::fuzzFailure("the fuzz target's own module does not parse");
    return module.release();
  }();
  OwningOpRef<ModuleOp> module = original.clone();
  std::string error;
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  int marked = sieve::applyProfileText(*module, text, "fuzz.json", error);
  if (marked < 0 && error.empty())
    sieve_fuzz::fuzzFailure("failure without an error message");
  if (marked > 2)
    sieve_fuzz::fuzzFailure("more sites marked than the module has");
  return 0;
}
