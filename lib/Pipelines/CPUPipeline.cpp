//===- CPUPipeline.cpp - sieve-cpu-pipeline ---------------------*- C++ -*-===//

#include "sieve/Pipelines/Pipelines.h"

#include "sieve/Analysis/CostModel.h"
#include "sieve/Conversion/Passes.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Threading.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sieve;

llvm::StringRef mlir::sieve::stringifySparsityMode(SparsityMode mode) {
  switch (mode) {
  case SparsityMode::Off:
    return "off";
  case SparsityMode::Exact:
    return "exact";
  case SparsityMode::Auto:
    return "auto";
  case SparsityMode::Approx:
    return "approx";
  }
  return "off";
}

std::optional<SparsityMode>
mlir::sieve::parseSparsityMode(llvm::StringRef name) {
  for (SparsityMode mode : {SparsityMode::Off, SparsityMode::Exact,
                            SparsityMode::Auto, SparsityMode::Approx})
    if (name == stringifySparsityMode(mode))
      return mode;
  return std::nullopt;
}

std::string
mlir::sieve::verifyCPUPipelineOptions(const CPUPipelineOptions &options) {
  if (!options.profile.empty() && options.sparsity != SparsityMode::Auto)
    return "--profile is used by --sparsity=auto";
  if (!options.profile.empty() &&
      !llvm::sys::fs::is_regular_file(options.profile))
    return "cannot read the profile '" + options.profile + "': " +
           (llvm::sys::fs::exists(options.profile) ? "not a regular file"
                                                   : "no such file");
  for (auto [flag, value] :
       {std::pair{"--weight-density-limit", options.weightDensityLimit},
        std::pair{"--activation-density-limit",
                  options.activationDensityLimit}}) {
    if (!value)
      continue;
    if (!std::isfinite(*value) || *value < 0)
      return std::string(flag) + " must be a non-negative number, got " +
             std::to_string(*value);
    if (options.sparsity == SparsityMode::Off)
      return std::string(flag) + " is used by --sparsity=exact, auto or approx";
  }
  const CodegenTarget &t = options.target;
  if (t.vectorWidth < 1 || t.tileM < 1 || t.tileN < 1 || t.cacheBytes < 1 ||
      t.l1Bytes < 1 || t.l2Bytes < 1 || t.fmaLanes < 1)
    return "the target parameters (vector width, tile sizes, cache sizes, "
           "multiply-adds per cycle) must be positive";
  if (!(t.int8Dot.empty() && t.int8DotBits == 0) &&
      !(t.int8Dot == "vpdpbusd" &&
        (t.int8DotBits == 256 || t.int8DotBits == 512)) &&
      !(t.int8Dot == "usdot" && t.int8DotBits == 128))
    return "the 8-bit dot product must be vpdpbusd on 256 or 512 bits, usdot "
           "on 128 or none, got '" +
           t.int8Dot + "' on " + std::to_string(t.int8DotBits) + " bits";
  if (t.directTileN < t.vectorWidth || t.directTileN % t.vectorWidth != 0)
    return "the direct convolution tile's columns must be a multiple of the "
           "vector width";
  if (options.threads < 0)
    return "--threads must be a non-negative number (0: every core), got " +
           std::to_string(options.threads);
  if (options.parallelChunkCycles < 0)
    return "--parallel-chunk-cycles must be a non-negative number, got " +
           std::to_string(options.parallelChunkCycles);
  return "";
}

int64_t mlir::sieve::resolvedThreads(const CPUPipelineOptions &options) {
  if (options.threads > 0)
    return options.threads;
  int cores = llvm::get_physical_cores();
  if (cores <= 0)
    cores = llvm::hardware_concurrency().compute_thread_count();
  return std::max(cores, 1);
}

static void addCleanup(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

static int64_t minChunkCyclesOf(const CPUPipelineOptions &options) {
  return options.parallelChunkCycles > 0 ? options.parallelChunkCycles
                                         : kMinParallelChunkCycles;
}

void mlir::sieve::buildPreparationPipeline(OpPassManager &pm,
                                           const CPUPipelineOptions &options,
                                           WeightPacking packing) {
  // Sparsity rewrites (on the named ops the importer emits), then prepare
  // linalg on tensors.
  addCleanup(pm);
  if (options.sparsity != SparsityMode::Off) {
    if (!options.profile.empty())
      pm.addPass(createSieveApplyProfile(
          SieveApplyProfileOptions{options.profile, options.report}));
    // Sparse constant weights are packed first: a packed matmul is no
    // longer a linalg.matmul, so the activation gather leaves it alone.
    if (packing == WeightPacking::CPU)
      pm.addNestedPass<func::FuncOp>(createSieveSparsifyWeights(
          SieveSparsifyWeightsOptions{options.weightDensityLimit.value_or(-1.0),
                                      options.report,
                                      options.target.cacheBytes}));
    else
      pm.addNestedPass<func::FuncOp>(
          createSieveSparsifyWeightsGPU(SieveSparsifyWeightsGPUOptions{
              options.weightDensityLimit.value_or(-1.0), options.report}));
    pm.addNestedPass<func::FuncOp>(
        createSieveSparsifyActivations(SieveSparsifyActivationsOptions{
            options.sparsity == SparsityMode::Approx,
            options.activationDensityLimit.value_or(-1.0), options.report,
            options.target.cacheBytes}));
  }
  pm.addNestedPass<func::FuncOp>(createSievePrepareLinalg());
  addCleanup(pm);
}

void mlir::sieve::buildSieveOpsToSCFPipeline(
    OpPassManager &pm, const CPUPipelineOptions &options) {
  // Threads: large kernels become scf.forall over chunks estimated at
  // minChunkCycles or more (a single chunk is not split), lowered to
  // OpenMP below. One thread: none of this, the code of a single thread.
  int64_t threads = resolvedThreads(options);
  int64_t minChunkCycles = minChunkCyclesOf(options);
  int64_t vectorWidth = options.target.vectorWidth;
  ConvertSieveActivationOpsToSCFOptions activationOps;
  activationOps.threads = threads;
  activationOps.minChunkCycles = minChunkCycles;
  activationOps.targetVectorWidth = vectorWidth;
  activationOps.scalableVectors = options.target.scalableVectors;
  pm.addNestedPass<func::FuncOp>(
      createConvertSieveActivationOpsToSCF(activationOps));
  pm.addNestedPass<func::FuncOp>(createConvertSieveWeightOpsToSCF(
      ConvertSieveWeightOpsToSCFOptions{threads, minChunkCycles, vectorWidth,
                                        options.target.scalableVectors}));
  pm.addPass(createConvertSieveBranchToSCF());
}

void mlir::sieve::buildCPUPipeline(OpPassManager &pm,
                                   const CPUPipelineOptions &options) {
  // The shared front half, then tile and vectorize.
  buildPreparationPipeline(pm, options, WeightPacking::CPU);
  buildSieveOpsToSCFPipeline(pm, options);
  int64_t threads = resolvedThreads(options);
  int64_t minChunkCycles = minChunkCyclesOf(options);
  if (options.vectorize) {
    SieveConvToMatmulOptions convs;
    convs.l1Bytes = options.target.l1Bytes;
    convs.l2Bytes = options.target.l2Bytes;
    convs.panelColumns = options.target.tileN;
    convs.panelRows = options.target.tileM;
    convs.threads = threads;
    convs.directConvs = true;
    // Quantized matmuls with a constant weight: 8-bit dot products where
    // the CPU has them (else they stay int32 matmuls, tiled below).
    if (options.target.int8DotBits > 0)
      pm.addNestedPass<func::FuncOp>(createSieveInt8Matmuls(
          SieveInt8MatmulsOptions{options.target.int8DotBits,
                                  options.target.tileM, threads,
                                  minChunkCycles}));
    pm.addNestedPass<func::FuncOp>(createSieveConvToMatmul(convs));
    SieveTileAndVectorizeOptions tiling;
    tiling.vectorWidth = options.target.vectorWidth;
    tiling.tileM = options.target.tileM;
    tiling.tileN = options.target.tileN;
    tiling.directTileN = options.target.directTileN;
    tiling.winograd = options.winograd;
    tiling.l2Bytes = options.target.l2Bytes;
    tiling.fmaLanes = options.target.fmaLanes;
    tiling.threads = threads;
    tiling.minChunkCycles = minChunkCycles;
    tiling.scalableVectors = options.target.scalableVectors;
    pm.addNestedPass<func::FuncOp>(createSieveTileAndVectorize(tiling));
    // Inputs of a concatenation computed in its slices (no copy): before
    // CSE merges the empty tensors (and their reshapes) that the layers'
    // kernels are computed in across layers of one shape.
    pm.addNestedPass<func::FuncOp>(createSieveConcatInPlace());
    // Partial tiles of dynamic dimensions are masked vector ops: masked
    // transfers from here on.
    pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMaskPass());
    addCleanup(pm);
    // Row reductions (LayerNorm, softmax) reduce their innermost vector
    // dimension: vertical adds, then one horizontal reduction per row.
    pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass(
        vector::VectorMultiReductionLowering::InnerReduction));
    // A row of dynamic length leaves masked reductions, which LLVM would
    // compute lane after lane.
    pm.addNestedPass<func::FuncOp>(createSieveUnmaskReductions());
  }
  // exp, tanh, erf, ... as arithmetic on the vectors above, not one C
  // library call per lane; powf with a constant exponent as products.
  pm.addNestedPass<func::FuncOp>(createSieveApproximateMath());

  // Bufferize; results returned by the entry function are owned by the
  // caller (the runtime frees them). Dynamic dims first become dims of the
  // arguments: bufferization's slice analysis follows each one back.
  pm.addNestedPass<func::FuncOp>(createSieveResolveShapeDims());
  // Inputs of a concatenation computed in its slices (no copy).
  if (!options.vectorize)
    pm.addNestedPass<func::FuncOp>(createSieveConcatInPlace());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // Each buffer freed after its last use, not at the function's end: the
  // pool reuses it for the next layers while it is still in cache.
  pm.addNestedPass<func::FuncOp>(createSieveFreeBuffersEarly());
  pm.addNestedPass<func::FuncOp>(createSieveExpandStridedCopies());
  if (options.vectorize) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(memref::createFoldMemRefAliasOpsPass());
    pm.addPass(createLowerAffinePass());
    addCleanup(pm);
    pm.addNestedPass<func::FuncOp>(createSieveHoistVectorTransfers());
    pm.addPass(createCanonicalizerPass());
    // Multi-dimensional transfers unrolled into 1-D ones on SSA values: no
    // stack temporaries, which inside a parallel chunk's body (a transfer
    // hoisted out of every loop of the chunk) would keep its
    // memref.alloca_scope from being inlined before the OpenMP lowering.
    pm.addPass(createConvertVectorToSCFPass(
        VectorTransferToSCFOptions().enableFullUnroll()));
  }

  // Loops and the LLVM dialect; the parallel chunk loops (scf.forall) to
  // OpenMP (a team of `threads`, static schedule; a loop of one chunk runs
  // on the calling thread).
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (options.profileLayers)
    pm.addPass(createSieveProfileLayers());
  // One function per layer: LLVM's passes are superlinear in function size.
  pm.addPass(createSieveOutlineLoopNests());
  pm.addPass(createLowerAffinePass());
  if (threads > 1) {
    pm.addPass(createForallToParallelLoopPass());
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = threads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
    // The loop bodies are wrapped in memref.alloca_scope, which must hold
    // a single block: the canonicalizer inlines it (the vector temporaries
    // that convert-vector-to-scf allocates sit inside the chunk's own
    // loops, private to each thread) before those loops become blocks.
    pm.addPass(createCanonicalizerPass());
    pm.addNestedPass<func::FuncOp>(createSieveGuardParallelRegions());
  }
  pm.addPass(createSCFToControlFlowPass());
  addCleanup(pm);
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // The 8-bit dot products of sieve-int8-matmuls' kernels: the CPU's
  // instruction (they exist only where it has one).
  pm.addNestedPass<func::FuncOp>(createSieveLowerDotBytes(
      SieveLowerDotBytesOptions{options.target.int8Dot}));
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorContractLowering =
      vector::VectorContractLowering::OuterProduct;
  // A vector's horizontal sum (the end of a row reduction: LayerNorm,
  // softmax, global average pools) as a tree of adds, not one lane after
  // another (64 dependent adds per 64-lane chunk). The vertical sums before
  // it already reassociate the row's order.
  vectorToLLVM.reassociateFPReductions = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Buffers through _mlir_memref_to_llvm_alloc/free: the JIT's buffer pool
  // (Target/BufferPool.h), the C library's in objects (ObjectEmitter.h).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  if (threads > 1)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addCleanup(pm);
  // Weights as flat LLVM arrays: one LLVM constant each, not one per row.
  pm.addPass(createSieveFlattenConstantGlobals());
}

namespace {

/// Fails with `message`: how a pipeline whose textual options do not verify
/// reports it (the pipeline is built before anything runs, and its builder
/// cannot fail).
struct InvalidOptionsPass
    : public PassWrapper<InvalidOptionsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InvalidOptionsPass)
  InvalidOptionsPass(std::string pipeline, std::string message)
      : pipeline(std::move(pipeline)), message(std::move(message)) {}
  llvm::StringRef getArgument() const override {
    return "sieve-invalid-pipeline-options";
  }
  void runOnOperation() override {
    emitError(UnknownLoc::get(&getContext())) << pipeline << ": " << message;
    signalPassFailure();
  }
  std::string pipeline, message;
};

/// The textual form of CPUPipelineOptions, for sieve-opt and the plugin.
struct CPUPipelineTextOptions
    : public PassPipelineOptions<CPUPipelineTextOptions> {
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize contractions, convolutions and "
                     "elementwise loops (off: plain scalar loops, for "
                     "debugging)"),
      llvm::cl::init(true)};
  Option<bool> winograd{
      *this, "winograd",
      llvm::cl::desc("Compute 3x3 stride-1 convolutions where it pays with "
                     "Winograd's F(2x2, 3x3) (off: the direct kernel only)"),
      llvm::cl::init(true)};
  Option<SparsityMode> sparsity{
      *this, "sparsity",
      llvm::cl::desc("Sparsity rewrites (exact and auto give the dense "
                     "results up to float rounding)"),
      llvm::cl::init(SparsityMode::Off),
      llvm::cl::values(
          clEnumValN(SparsityMode::Off, "off", "none"),
          clEnumValN(
              SparsityMode::Exact, "exact",
              "a matmul that consumes a ReLU gathers the weight rows "
              "of active neurons (a gated FFN also computes only "
              "their up-projection columns), with a run-time "
              "fallback to the dense path; sparse constant weights are packed"),
          clEnumValN(SparsityMode::Auto, "auto",
                     "the same, except where the measured densities of a "
                     "profile say it does not pay"),
          clEnumValN(SparsityMode::Approx, "approx",
                     "exact, and an FFN whose ReLU carries a "
                     "#sieve.predictor computes only the predicted neurons "
                     "(approximate; the compile API fits the predictors on "
                     "calibration inputs)"))};
  Option<std::string> profile{
      *this, "profile",
      llvm::cl::desc("With sparsity=auto: a sieve-analyze --json report "
                     "whose measured densities decide which sites stay "
                     "dense")};
  Option<double> densityLimit{
      *this, "density-limit",
      llvm::cl::desc(
          "With sparsity=exact, auto or approx: the fraction of active "
          "neurons above which the dense path runs (negative: "
          "chosen by the cost model from the shapes)"),
      llvm::cl::init(-1.0)};
  Option<double> weightDensityLimit{
      *this, "weight-density-limit",
      llvm::cl::desc(
          "With sparsity=exact, auto or approx: the largest density of a "
          "constant matmul weight that is packed into "
          "sieve.sparse_matmul (negative: chosen by the cost "
          "model from the batch)"),
      llvm::cl::init(-1.0)};
  Option<bool> report{
      *this, "report",
      llvm::cl::desc("Emit a remark for each sparsity decision (which "
                     "matmuls are rewritten, which stay dense and why)"),
      llvm::cl::init(false)};
  Option<int64_t> threads{
      *this, "threads",
      llvm::cl::desc("Threads the compiled code runs on: large "
                     "contractions, convolutions and sparse kernels are "
                     "split into parallel chunks (OpenMP). 1: "
                     "single-threaded code; 0 (default): every physical "
                     "core of this machine"),
      llvm::cl::init(0)};
  Option<int64_t> parallelChunkCycles{
      *this, "parallel-chunk-cycles",
      llvm::cl::desc("With threads > 1: the least estimated cycles of one "
                     "parallel chunk (0: the cost model's, ten fork/joins; "
                     "for tests)"),
      llvm::cl::init(0)};
  Option<bool> profileLayers{
      *this, "profile-layers",
      llvm::cl::desc("Time every layer (top-level loop nest) at run time "
                     "through sieve_profile_begin/end calls, which the JIT "
                     "provides (sieve-run --profile-layers)"),
      llvm::cl::init(false)};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 elements per vector register (16: AVX-512, 8: "
                     "AVX2, 4: SSE/NEON)"),
      llvm::cl::init(CodegenTarget().vectorWidth)};
  Option<int64_t> tileM{*this, "tile-m",
                        llvm::cl::desc("Rows of the matmul register tile"),
                        llvm::cl::init(CodegenTarget().tileM)};
  Option<int64_t> tileN{*this, "tile-n",
                        llvm::cl::desc("Columns of the matmul register tile"),
                        llvm::cl::init(CodegenTarget().tileN)};
  Option<int64_t> directTileN{
      *this, "direct-tile-n",
      llvm::cl::desc("Columns of the direct convolution kernel's register "
                     "tile"),
      llvm::cl::init(CodegenTarget().directTileN)};
  Option<int64_t> cacheBytes{
      *this, "cache-bytes",
      llvm::cl::desc("Last-level cache in bytes, for the sparsity cost "
                     "model (default 32 MiB)"),
      llvm::cl::init(CodegenTarget().cacheBytes)};
  Option<int64_t> l1Bytes{
      *this, "l1-bytes",
      llvm::cl::desc("Per-core L1 data cache in bytes, for the column panels "
                     "of convolutions (default 32 KiB)"),
      llvm::cl::init(CodegenTarget().l1Bytes)};
  Option<int64_t> l2Bytes{
      *this, "l2-bytes",
      llvm::cl::desc("Per-core L2 cache in bytes, for the column blocks of "
                     "convolutions (default 512 KiB)"),
      llvm::cl::init(CodegenTarget().l2Bytes)};
  Option<int64_t> fmaLanes{
      *this, "fma-lanes",
      llvm::cl::desc("f32 multiply-adds one core completes per cycle (vector "
                     "width x vector FMAs per cycle), for Winograd's "
                     "trade-off of multiply-adds against memory traffic "
                     "(default 32)"),
      llvm::cl::init(CodegenTarget().fmaLanes)};
  Option<std::string> int8Dot{
      *this, "int8-dot",
      llvm::cl::desc("The CPU's 8-bit dot-product instruction: vpdpbusd "
                     "(x86 VNNI), usdot (AArch64 i8mm) or empty (none, the "
                     "default): quantized matmuls as dot-product kernels"),
      llvm::cl::init(CodegenTarget().int8Dot)};
  Option<int64_t> int8DotBits{
      *this, "int8-dot-bits",
      llvm::cl::desc("Bits of its vectors (512: AVX-512 VNNI, 256: "
                     "AVX-VNNI, 128: usdot, 0: none)"),
      llvm::cl::init(CodegenTarget().int8DotBits)};
  Option<bool> scalableVectors{
      *this, "scalable-vectors",
      llvm::cl::desc("Kernels with a vector-length-agnostic form (the packed "
                     "sparse kernel's gathers, the activation gather, "
                     "elementwise ops) in scalable vectors (AArch64 SVE of "
                     "any length); the others keep vector-width lanes"),
      llvm::cl::init(CodegenTarget().scalableVectors)};

  CPUPipelineOptions typed() const {
    CPUPipelineOptions options;
    options.vectorize = vectorize;
    options.winograd = winograd;
    options.sparsity = sparsity;
    options.profile = profile;
    if (densityLimit >= 0)
      options.activationDensityLimit = densityLimit;
    if (weightDensityLimit >= 0)
      options.weightDensityLimit = weightDensityLimit;
    options.report = report;
    options.threads = threads;
    options.parallelChunkCycles = parallelChunkCycles;
    options.profileLayers = profileLayers;
    options.target.vectorWidth = vectorWidth;
    options.target.tileM = tileM;
    options.target.tileN = tileN;
    options.target.directTileN = directTileN;
    options.target.cacheBytes = cacheBytes;
    options.target.l1Bytes = l1Bytes;
    options.target.l2Bytes = l2Bytes;
    options.target.fmaLanes = fmaLanes;
    options.target.int8Dot = int8Dot;
    options.target.int8DotBits = int8DotBits;
    options.target.scalableVectors = scalableVectors;
    return options;
  }
};

} // namespace

std::unique_ptr<Pass>
mlir::sieve::createInvalidPipelineOptionsPass(llvm::StringRef pipeline,
                                              llvm::StringRef message) {
  return std::make_unique<InvalidOptionsPass>(pipeline.str(), message.str());
}

void mlir::sieve::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineTextOptions>(
      "sieve-cpu-pipeline",
      "Compile linalg on tensors to the LLVM dialect for the host CPU",
      [](OpPassManager &pm, const CPUPipelineTextOptions &text) {
        CPUPipelineOptions options = text.typed();
        std::string message = verifyCPUPipelineOptions(options);
        if (!message.empty())
          pm.addPass(
              createInvalidPipelineOptionsPass("sieve-cpu-pipeline", message));
        else
          buildCPUPipeline(pm, options);
      });
}
