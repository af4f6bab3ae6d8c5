//===- CPUPipeline.cpp - sieve-cpu-pipeline ---------------------*- C++ -*-===//

#include "sieve/Pipelines/Pipelines.h"

#include "sieve/Conversion/Passes.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;

/// The pipelines are written as text: the passes they name must be known to
/// the pass registry, whichever tool or library builds them.
static void registerPipelinePasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerAllPasses();
    sieve::registerSievePasses();
    sieve::registerSieveConversionPasses();
  });
}

/// Appends a textual pipeline (the nested part of a builtin.module pipeline).
static void addPipeline(OpPassManager &pm, llvm::StringRef pipeline) {
  registerPipelinePasses();
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(pipeline, pm, os)))
    llvm::report_fatal_error(llvm::Twine("invalid built-in pipeline: ") +
                             error);
}

mlir::sieve::SparsityMode
mlir::sieve::parseSparsityMode(llvm::StringRef value) {
  return value == "exact"  ? SparsityMode::Exact
         : value == "auto" ? SparsityMode::Auto
                           : SparsityMode::Off;
}

void mlir::sieve::buildCPUPipeline(OpPassManager &pm,
                                   const CPUPipelineOptions &options) {
  // Sparsity rewrites (on the named ops the importer emits), then prepare
  // linalg on tensors, lower the sieve ops, and tile and vectorize.
  addPipeline(pm, "canonicalize,cse");
  // Sparse constant weights are packed first: a packed matmul is no longer
  // a linalg.matmul, so the activation gather leaves it alone.
  if (options.sparsity != SparsityMode::Off) {
    std::string report = options.report ? " report=true" : "";
    addPipeline(pm, "func.func(sieve-sparsify-weights{density-limit=" +
                        std::to_string(double(options.weightDensityLimit)) +
                        report + "},sieve-sparsify-activations{density-limit=" +
                        std::to_string(double(options.densityLimit)) + report +
                        "})");
  }
  addPipeline(pm, "func.func(sieve-prepare-linalg),canonicalize,cse,"
                  "func.func(convert-sieve-activation-ops-to-scf,"
                  "convert-sieve-weight-ops-to-scf),"
                  "convert-sieve-branch-to-scf");
  if (options.vectorize)
    addPipeline(pm, "func.func(sieve-conv-to-matmul,sieve-tile-and-vectorize),"
                    "canonicalize,cse");
  // Bufferize; results returned by the entry function are owned by the
  // caller (the runtime frees them).
  addPipeline(pm, "one-shot-bufferize{bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map},"
                  "canonicalize,buffer-deallocation-pipeline,"
                  "convert-bufferization-to-memref,"
                  "func.func(sieve-expand-strided-copies)");
  if (options.vectorize)
    addPipeline(
        pm, "canonicalize,fold-memref-alias-ops,lower-affine,canonicalize,cse,"
            "func.func(sieve-hoist-vector-transfers),canonicalize,"
            "convert-vector-to-scf");
  // Loops and the LLVM dialect.
  addPipeline(pm, "func.func(convert-linalg-to-loops),lower-affine,"
                  "convert-scf-to-cf,canonicalize,cse,"
                  "convert-math-to-llvm,convert-math-to-libm,"
                  "convert-vector-to-llvm{vector-contract-lowering="
                  "outerproduct},"
                  "expand-strided-metadata,lower-affine,"
                  "finalize-memref-to-llvm,convert-arith-to-llvm,"
                  "convert-index-to-llvm,convert-cf-to-llvm,"
                  "convert-func-to-llvm,convert-ub-to-llvm,"
                  "reconcile-unrealized-casts,"
                  "canonicalize,cse");
}

void mlir::sieve::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "sieve-cpu-pipeline",
      "Compile linalg on tensors to the LLVM dialect for the host CPU",
      buildCPUPipeline);
}
