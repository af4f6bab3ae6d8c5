//===- Pipelines.h - Sieve's named pass pipelines ---------------*- C++ -*-===//
//
// sieve-cpu-pipeline: linalg on tensors (as imported from ONNX) to the LLVM
// dialect for the host CPU. The same options reach the command line
// (`sieve-opt --sieve-cpu-pipeline="..."`), the drivers and the C API.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_PIPELINES_PIPELINES_H
#define SIEVE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::sieve {

/// Which sparsity rewrites sieve-cpu-pipeline applies.
enum class SparsityMode { Off, Exact, Auto };

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize contractions, convolutions and "
                     "elementwise loops (off: plain scalar loops, for "
                     "debugging)"),
      llvm::cl::init(true)};
  PassOptions::Option<SparsityMode> sparsity{
      *this, "sparsity",
      llvm::cl::desc("Sparsity rewrites (exact and auto give the dense "
                     "results up to float rounding)"),
      llvm::cl::init(SparsityMode::Off),
      llvm::cl::values(
          clEnumValN(SparsityMode::Off, "off", "none"),
          clEnumValN(SparsityMode::Exact, "exact",
                     "a matmul that consumes a ReLU gathers the weight rows "
                     "of active neurons, with a run-time fallback to the "
                     "dense matmul; sparse constant weights are packed"),
          clEnumValN(SparsityMode::Auto, "auto",
                     "the same where the cost model and the measured "
                     "densities attached from a profile say it pays"))};
  PassOptions::Option<double> densityLimit{
      *this, "density-limit",
      llvm::cl::desc("With sparsity=exact or auto: the fraction of active "
                     "neurons above which the dense path runs (negative: "
                     "chosen by the cost model from the shapes)"),
      llvm::cl::init(-1.0)};
  PassOptions::Option<double> weightDensityLimit{
      *this, "weight-density-limit",
      llvm::cl::desc("With sparsity=exact or auto: the largest density of a "
                     "constant matmul weight that is packed into "
                     "sieve.sparse_matmul (negative: chosen by the cost "
                     "model from the batch)"),
      llvm::cl::init(-1.0)};
  PassOptions::Option<bool> report{
      *this, "report",
      llvm::cl::desc("Emit a remark for each sparsity decision (which "
                     "matmuls are rewritten, which stay dense and why)"),
      llvm::cl::init(false)};
};

/// The mode named by a driver's --sparsity value ("off", "exact", "auto";
/// anything else reads as off: drivers check the value first).
SparsityMode parseSparsityMode(llvm::StringRef value);

/// Adds the passes of sieve-cpu-pipeline to `pm` (anchored on a module).
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers sieve-cpu-pipeline with the global pass registry.
void registerCPUPipeline();

} // namespace mlir::sieve

#endif // SIEVE_PIPELINES_PIPELINES_H
