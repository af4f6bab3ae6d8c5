//===- GPUPipeline.cpp - sieve-gpu-pipeline ---------------------*- C++ -*-===//
//
// linalg on tensors -> the shared front half (sparsity, preparation) ->
// buffers -> one GPU launch per loop nest -> one gpu.module of NVVM
// kernels -> PTX in a gpu.binary, and a host module in the LLVM dialect
// that calls Sieve's CUDA runtime (runtime/CudaRuntime.cpp).
//
//===----------------------------------------------------------------------===//

#include "sieve/Pipelines/Pipelines.h"

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sieve;

bool mlir::sieve::isSupportedGPUArch(llvm::StringRef chip) {
  return chip == "sm_80" || chip == "sm_90";
}

/// The threads a GPU of architecture `chip` keeps resident: its
/// multiprocessors (the data-centre part of that architecture: A100 108,
/// H100 SXM and H200 132) times 2048. Sums are split over twice that
/// (measured on an H200: the batch-1 GEMVs' kernels 4-20% faster than with
/// half as many, docs/performance.md).
static int64_t residentThreads(llvm::StringRef chip) {
  int64_t multiprocessors = chip == "sm_80" ? 108 : 132;
  return multiprocessors * 2048;
}

std::string
mlir::sieve::verifyGPUPipelineOptions(const GPUPipelineOptions &options) {
  if (!isSupportedGPUArch(options.chip))
    return "--gpu-arch=" + options.chip +
           " is not supported (use sm_80 or "
           "sm_90)";
  if (options.blockSize < 32 || options.blockSize > 1024)
    return "the block size must be in [32, 1024], got " +
           std::to_string(options.blockSize);
  CPUPipelineOptions front;
  front.sparsity = options.sparsity;
  front.profile = options.profile;
  front.activationDensityLimit = options.activationDensityLimit;
  front.weightDensityLimit = options.weightDensityLimit;
  return verifyCPUPipelineOptions(front);
}

static void addCleanup(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// With `emulate`: the launches become loops and the module is lowered for
/// this CPU, on malloc'ed buffers and the weights where they are.
static void buildEmulationLowering(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createSieveGPULaunchToLoops());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  addCleanup(pm);
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addCleanup(pm);
}

void mlir::sieve::buildGPUPipeline(OpPassManager &pm,
                                   const GPUPipelineOptions &options) {
  // The CPU pipeline's front half, on one thread: the sieve ops' loops
  // stay on the host (their buffers are managed memory); sparse constant
  // weights become the GPU's ELL contractions.
  CPUPipelineOptions front;
  front.sparsity = options.sparsity;
  front.profile = options.profile;
  front.activationDensityLimit = options.activationDensityLimit;
  front.weightDensityLimit = options.weightDensityLimit;
  front.report = options.report;
  front.threads = 1;
  front.target.vectorWidth = 8;
  buildPreparationPipeline(pm, front, WeightPacking::GPU);
  // The activation gather is a contraction for sieve-map-to-gpu; the rest
  // of the sieve ops (the active set, the branch) are host code.
  // Gathers of the non-zero neurons skip the zeros in the kernel itself.
  // From 32 rows (the shared-memory tiles' smallest side) a gather's branch
  // takes the dense contractions, which read a weight once per tile of
  // rows.
  pm.addNestedPass<func::FuncOp>(
      createSieveGatherMatmulToLinalg(SieveGatherMatmulToLinalgOptions{
          /*skipZeros=*/true, /*denseRows=*/32, options.report}));
  buildSieveOpsToSCFPipeline(pm, front);

  // Buffers; the entry copies the caller's buffers into its own.
  // Dims of the arguments first (as on the CPU: cheap slice analysis).
  pm.addNestedPass<func::FuncOp>(createSieveResolveShapeDims());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createSieveGPUCopyInputs());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());

  // One launch per loop nest, outlined into one gpu.module.
  pm.addNestedPass<func::FuncOp>(createSieveMapToGPU(SieveMapToGPUOptions{
      options.blockSize, residentThreads(options.chip) * 2,
      /*gpuMemcpy=*/!options.emulate, options.compactSkipped,
      options.sharedTiles, options.report}));
  addCleanup(pm);
  if (options.emulate) {
    buildEmulationLowering(pm);
    return;
  }
  if (options.asyncLaunches)
    pm.addNestedPass<func::FuncOp>(createSieveGPUAsyncLaunches());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  addCleanup(pm);
  // Constants and index arithmetic into the kernels (known trip counts and
  // steps, not kernel parameters), then outlining.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createSieveMergeGPUModules());

  // Kernels: NVVM, then PTX (libdevice linked for the math functions that
  // need it).
  std::string cuda =
      options.cudaPath.empty() ? "/usr/local/cuda" : options.cudaPath;
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.optLevel = 3;
  std::string libdevice = cuda + "/nvvm/libdevice/libdevice.10.bc";
  if (llvm::sys::fs::exists(libdevice))
    target.linkLibs.push_back(libdevice);
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createParallelForToNestedForsPass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  binary.toolkitPath = cuda;
  pm.addPass(createGpuModuleToBinaryPass(binary));

  // The host: the LLVM dialect; buffers come from the runtime (managed
  // memory) and weights are read from its device copies.
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  addCleanup(pm);
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createSieveGPUDeviceConstants());
  addCleanup(pm);
}

namespace {

/// The textual form of GPUPipelineOptions.
struct GPUPipelineTextOptions
    : public PassPipelineOptions<GPUPipelineTextOptions> {
  Option<SparsityMode> sparsity{
      *this, "sparsity",
      llvm::cl::desc("Sparsity rewrites: off, exact (a matmul that consumes "
                     "a ReLU gathers the weight rows of active neurons, "
                     "behind a run-time branch to the dense path) or auto"),
      llvm::cl::init(SparsityMode::Off),
      llvm::cl::values(
          clEnumValN(SparsityMode::Off, "off", "none"),
          clEnumValN(SparsityMode::Exact, "exact", "the activation gather"),
          clEnumValN(SparsityMode::Auto, "auto",
                     "the gather where the profile says it "
                     "pays"),
          clEnumValN(SparsityMode::Approx, "approx",
                     "not available on the GPU"))};
  Option<std::string> profile{
      *this, "profile",
      llvm::cl::desc("With sparsity=auto: a sieve-analyze --json report")};
  Option<double> densityLimit{
      *this, "density-limit",
      llvm::cl::desc("With sparsity=exact or auto: the fraction of active "
                     "neurons above which the dense path runs (negative: "
                     "the cost model's)"),
      llvm::cl::init(-1.0)};
  Option<double> weightDensityLimit{
      *this, "weight-density-limit",
      llvm::cl::desc("With sparsity=exact or auto: pack constant matmul "
                     "weights whose longest column holds at most this "
                     "fraction of the rows (negative: 80% of the dense "
                     "bytes)"),
      llvm::cl::init(-1.0)};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Emit a remark for each sparsity "
                                     "decision"),
                      llvm::cl::init(false)};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture: sm_80 or sm_90"),
                           llvm::cl::init("sm_90")};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};
  Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("Run the kernels on the CPU, one thread after another "
                     "(for tests without a GPU)"),
      llvm::cl::init(false)};
  Option<bool> compactSkipped{
      *this, "compact-skipped",
      llvm::cl::desc("A gather's kernel sums over a list of the non-zero "
                     "activations that a compaction launch builds (else "
                     "every thread tests every activation of its chunk)"),
      llvm::cl::init(true)};
  Option<bool> asyncLaunches{
      *this, "async-launches",
      llvm::cl::desc("Queue the launches on one stream; the host waits only "
                     "before it reads memory and before returning (else "
                     "after every launch)"),
      llvm::cl::init(true)};
  Option<bool> sharedTiles{
      *this, "shared-tiles",
      llvm::cl::desc("Contractions with two long output sides (matmuls with "
                     "rows, convolutions) run in 64 x 64 tiles staged in "
                     "shared memory (else four points per thread in "
                     "registers)"),
      llvm::cl::init(true)};
  Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit (for libdevice; default /usr/local/cuda)")};

  GPUPipelineOptions typed() const {
    GPUPipelineOptions options;
    options.sparsity = sparsity;
    options.profile = profile;
    if (densityLimit >= 0)
      options.activationDensityLimit = densityLimit;
    if (weightDensityLimit >= 0)
      options.weightDensityLimit = weightDensityLimit;
    options.report = report;
    options.chip = chip;
    options.blockSize = blockSize;
    options.cudaPath = cudaPath;
    options.emulate = emulate;
    options.compactSkipped = compactSkipped;
    options.asyncLaunches = asyncLaunches;
    options.sharedTiles = sharedTiles;
    return options;
  }
};

} // namespace

void mlir::sieve::registerGPUPipeline() {
  PassPipelineRegistration<GPUPipelineTextOptions>(
      "sieve-gpu-pipeline",
      "Compile linalg on tensors to PTX kernels (a gpu.binary) and a host "
      "module in the LLVM dialect that launches them",
      [](OpPassManager &pm, const GPUPipelineTextOptions &text) {
        GPUPipelineOptions options = text.typed();
        std::string message = verifyGPUPipelineOptions(options);
        if (!message.empty())
          pm.addPass(
              createInvalidPipelineOptionsPass("sieve-gpu-pipeline", message));
        else
          buildGPUPipeline(pm, options);
      });
}
