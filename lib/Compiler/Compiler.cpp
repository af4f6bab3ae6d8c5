//===- Compiler.cpp - The Sieve compile API ---------------------*- C++ -*-===//

#include "sieve/Compiler/Compiler.h"

#include "CompileContext.h"
#include "Predictors.h"

#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Support/TestData.h"
#include "sieve/Target/GPUEmitter.h"
#include "sieve/Target/JIT.h"
#include "sieve/Target/LargePages.h"
#include "sieve/Target/TargetDescription.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::sieve;

std::optional<OutputKind> mlir::sieve::outputKindForPath(llvm::StringRef path) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  if (ext == ".o")
    return OutputKind::ObjectFile;
  if (ext == ".so")
    return OutputKind::SharedLibrary;
  if (ext == ".ll")
    return OutputKind::LLVMIR;
  if (ext == ".mlir")
    return OutputKind::MLIR;
  if (ext == ".ptx")
    return OutputKind::PTX;
  return std::nullopt;
}

std::string
mlir::sieve::verifyCalibration(const CalibrationOptions &calibration) {
  if (!calibration.dir.empty() && !llvm::sys::fs::is_directory(calibration.dir))
    return "--calibrate: '" + calibration.dir + "' is not a directory";
  return "";
}

std::string mlir::sieve::verifyCompileOptions(const CompileOptions &options) {
  const std::string &arch = options.target.arch;
  bool gpu = targetsGPU(options.target);
  if (!gpu && arch != "x86_64" && arch != "x86-64" && arch != "aarch64" &&
      arch != "arm64")
    return "unknown target '" + arch + "' (use x86_64, aarch64 or nvptx)";
  if (!gpu && options.gpuArch != "sm_90")
    return "--gpu-arch is used by --target=nvptx";
  if (!options.entryName.empty()) {
    llvm::StringRef name = options.entryName;
    bool valid =
        (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
        llvm::all_of(name, [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!valid)
      return "--entry='" + options.entryName +
             "' is not a C identifier (letters, digits and '_', not "
             "starting with a digit)";
  }
  bool approx = options.pipeline.sparsity == SparsityMode::Approx;
  if (!approx && !options.calibration.empty())
    return "--calibrate and --calibrate-random are used by --sparsity=approx";
  if (!approx && (options.predictorRecall != 0.99 || options.predictorRank ||
                  !options.predictorsFile.empty()))
    return "--predictor-recall, --predictor-rank and --predictors are used "
           "by --sparsity=approx";
  if (!options.predictorsFile.empty() &&
      !llvm::sys::fs::is_regular_file(options.predictorsFile))
    return "--predictors: '" + options.predictorsFile +
           "' is not a readable file";
  if (!(options.predictorRecall > 0 && options.predictorRecall <= 1))
    return "--predictor-recall must be in (0, 1], got " +
           std::to_string(options.predictorRecall);
  if (options.predictorRank < 0)
    return "--predictor-rank must be non-negative (0: the cost model "
           "picks it), got " +
           std::to_string(options.predictorRank);
  if (approx && options.calibration.empty())
    return "--sparsity=approx fits its predictors on calibration inputs: "
           "give --calibrate DIR (the ONNX test-data layout or .npy files "
           "named after the inputs) or --calibrate-random N";
  if (std::string message = verifyCalibration(options.calibration);
      !message.empty())
    return message;
  if (gpu) {
    const CPUPipelineOptions &p = options.pipeline;
    if (p.threads > 1)
      return "--threads is for CPU targets, not --target=nvptx";
    if (p.profileLayers)
      return "--profile-layers times CPU code; not --target=nvptx";
    if (options.target.cpu != "generic" || !options.target.features.empty() ||
        options.target.sveVectorBits != -1)
      return "--mcpu, --mattr and --sve-vector-bits are for CPU targets; use "
             "--gpu-arch with --target=nvptx";
    return verifyGPUPipelineOptions(gpuPipelineOptions(options));
  }
  if (options.pipeline.threads > 1 && !targetsHostArchitecture(options.target))
    return "--threads=" + std::to_string(options.pipeline.threads) +
           " is only available for the host's architecture (the OpenMP "
           "runtime that threads use is the host's); use --threads=1 for " +
           arch;
  return verifyCPUPipelineOptions(options.pipeline);
}

bool mlir::sieve::targetsGPU(const CPUTarget &target) {
  return target.arch == "nvptx" || target.arch == "nvptx64";
}

GPUPipelineOptions
mlir::sieve::gpuPipelineOptions(const CompileOptions &options) {
  GPUPipelineOptions gpu;
  gpu.sparsity = options.pipeline.sparsity;
  gpu.profile = options.pipeline.profile;
  gpu.activationDensityLimit = options.pipeline.activationDensityLimit;
  gpu.weightDensityLimit = options.pipeline.weightDensityLimit;
  gpu.report = options.pipeline.report;
  gpu.chip = options.gpuArch;
  gpu.emulate = options.emulateGPU;
  gpu.compactSkipped = options.gpuCompactSkipped;
  gpu.asyncLaunches = options.gpuAsyncLaunches;
  gpu.sharedTiles = options.gpuSharedTiles;
  return gpu;
}

bool mlir::sieve::targetsHostArchitecture(const CPUTarget &target) {
  llvm::Triple host(llvm::sys::getProcessTriple());
  llvm::StringRef arch = target.arch;
  if (host.getArch() == llvm::Triple::x86_64)
    return arch == "x86_64" || arch == "x86-64";
  if (host.getArch() == llvm::Triple::aarch64)
    return arch == "aarch64" || arch == "arm64";
  return false;
}

std::string mlir::sieve::defaultEntryName(llvm::StringRef modelPath) {
  std::string name;
  for (char c : llvm::sys::path::stem(modelPath))
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  // "main" would clash with a C program's own main.
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ||
      name == "main")
    name = "model_" + name;
  return name;
}

namespace {

bool fail(const MessageHandler &onMessage, const llvm::Twine &message) {
  if (onMessage)
    onMessage(MessageKind::Error, message.str());
  return false;
}

void progress(const MessageHandler &onMessage, const llvm::Twine &message) {
  if (onMessage)
    onMessage(MessageKind::Progress, message.str());
}

/// Writes `text` to a new temporary file beside `finalPath`.
bool writeTemporary(llvm::StringRef finalPath, llvm::StringRef text,
                    llvm::SmallVectorImpl<char> &tempPath, std::string &error) {
  int fd;
  llvm::SmallString<128> model(finalPath);
  model += ".tmp%%%%%%";
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(model, fd, tempPath)) {
    error = "cannot write '" + finalPath.str() + "': " + ec.message();
    return false;
  }
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << text;
  os.close();
  if (os.has_error()) {
    error = "cannot write '" + finalPath.str() + "': " + os.error().message();
    os.clear_error();
    return false;
  }
  return true;
}

} // namespace

/// The import options that `options` implies.
static onnx_import::ImportOptions
importOptionsFor(const CompileOptions &options) {
  onnx_import::ImportOptions importOptions;
  importOptions.entryName =
      options.entryName.empty() ? "main" : options.entryName;
  importOptions.constantInputs = options.constantInputs;
  importOptions.maxTensorBytes = options.maxTensorBytes;
  return importOptions;
}

/// The steps of importAndLower after the import.
static OwningOpRef<ModuleOp> lowerImported(OwningOpRef<ModuleOp> module,
                                           const CompileOptions &options,
                                           const ModelSignature &signature,
                                           const MessageHandler &onMessage) {
  if (!module)
    return nullptr;
  if (options.pipeline.sparsity == SparsityMode::Approx &&
      !fitPredictors(*module, signature, options, onMessage))
    return nullptr;

  progress(onMessage, "compiling (sparsity=" +
                          stringifySparsityMode(options.pipeline.sparsity) +
                          ")");
  MLIRContext *context = module->getContext();
  PassManager pm(context);
  if (targetsGPU(options.target))
    buildGPUPipeline(pm, gpuPipelineOptions(options));
  else
    buildCPUPipeline(pm, options.pipeline);
  if (failed(pm.run(*module))) {
    // A pass that failed has reported why; say which step it was.
    emitError(UnknownLoc::get(context)) << "compilation failed";
    return nullptr;
  }
  return module;
}

OwningOpRef<ModuleOp>
mlir::sieve::importAndLower(MLIRContext &context, llvm::StringRef modelPath,
                            const CompileOptions &options,
                            ModelSignature &signature,
                            const MessageHandler &onMessage) {
  progress(onMessage, "importing " + modelPath);
  return lowerImported(onnx_import::importModelFile(modelPath, &context,
                                                    importOptionsFor(options),
                                                    &signature),
                       options, signature, onMessage);
}

OwningOpRef<ModuleOp> mlir::sieve::importAndLowerBytes(
    MLIRContext &context, llvm::StringRef bytes, llvm::StringRef sourceName,
    const CompileOptions &options, ModelSignature &signature,
    const MessageHandler &onMessage) {
  progress(onMessage, "importing " + sourceName);
  return lowerImported(onnx_import::importModel(bytes, sourceName, &context,
                                                importOptionsFor(options),
                                                &signature),
                       options, signature, onMessage);
}

bool mlir::sieve::compileModel(llvm::StringRef modelPath,
                               llvm::StringRef outputPath,
                               const CompileOptions &givenOptions,
                               const MessageHandler &onMessage) {
  // Everything that can be checked is checked before any work.
  std::optional<OutputKind> kind = outputKindForPath(outputPath);
  if (!kind)
    return fail(onMessage, "unknown output format '" +
                               llvm::sys::path::extension(outputPath) +
                               "' (use .o, .so, .ll, .mlir or .ptx)");
  if (std::string message = verifyCompileOptions(givenOptions);
      !message.empty())
    return fail(onMessage, message);
  if (givenOptions.pipeline.profileLayers)
    return fail(onMessage,
                "layer profiles are taken by the JIT (sieve-run "
                "--profile-layers); compiled files have no profiler");
  bool gpu = targetsGPU(givenOptions.target);
  if (*kind == OutputKind::PTX && !gpu)
    return fail(onMessage, "a .ptx output needs --target=nvptx");
  std::string error;
  if (!checkOutputPath(outputPath, error))
    return fail(onMessage, error);
  llvm::SmallString<128> headerPath(outputPath);
  llvm::sys::path::replace_extension(headerPath, ".h");
  bool withHeader =
      *kind == OutputKind::ObjectFile || *kind == OutputKind::SharedLibrary;
  if (withHeader && !checkOutputPath(headerPath, error))
    return fail(onMessage, error);
  if (withHeader && givenOptions.entryName == "main")
    return fail(onMessage, "--entry=main would clash with the main function "
                           "of the program that links the model; choose "
                           "another name");
  // The target machine checks the CPU and features; its description gives
  // the pipeline its vector width, tiles and cache size.
  // With --target=nvptx the host code is for this machine's architecture.
  CPUTarget hostTarget = givenOptions.target;
  if (gpu)
    hostTarget.arch = llvm::Triple(llvm::sys::getProcessTriple()).getArchName();
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(hostTarget, error);
  if (!machine)
    return fail(onMessage, error);

  CompileOptions options = givenOptions;
  TargetDescription description =
      describeTargetMachine(*machine, givenOptions.target.cpu == "native",
                            givenOptions.target.sveVectorBits);
  options.pipeline.target = description.codegenTarget();
  // Another architecture runs on one thread (see verifyCompileOptions).
  if (!targetsHostArchitecture(options.target))
    options.pipeline.threads = 1;
  if (options.entryName.empty())
    options.entryName = defaultEntryName(modelPath);
  CompileContext compile(onMessage);
  ModelSignature signature;
  OwningOpRef<ModuleOp> module =
      importAndLower(compile.context, modelPath, options, signature, onMessage);
  if (!module)
    return false;

  // Each output is written to a temporary file beside its final path and
  // renamed into place only when all of them are complete.
  llvm::SmallString<128> outputTemp, headerTemp;
  bool openmp = false;
  auto commit = [&]() {
    llvm::FileRemover removeOutput(outputTemp);
    llvm::FileRemover removeHeader(headerTemp);
    if (withHeader &&
        !writeTemporary(headerPath, generateHeader(signature, openmp, gpu),
                        headerTemp, error))
      return fail(onMessage, error);
    if (std::error_code ec = llvm::sys::fs::rename(outputTemp, outputPath))
      return fail(onMessage,
                  "cannot write '" + outputPath + "': " + ec.message());
    removeOutput.releaseFile();
    if (withHeader) {
      if (std::error_code ec = llvm::sys::fs::rename(headerTemp, headerPath)) {
        llvm::sys::fs::remove(outputPath);
        return fail(onMessage, "cannot write '" + std::string(headerPath) +
                                   "': " + ec.message());
      }
      removeHeader.releaseFile();
      progress(onMessage, "wrote " + outputPath + " and " + headerPath);
    } else {
      progress(onMessage, "wrote " + outputPath);
    }
    return true;
  };

  if (*kind == OutputKind::MLIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    if (!writeTemporary(outputPath, text, outputTemp, error))
      return fail(onMessage, error);
    return commit();
  }

  if (*kind == OutputKind::PTX) {
    std::string ptx;
    if (!extractPTX(*module, ptx, error) ||
        !writeTemporary(outputPath, ptx, outputTemp, error))
      return fail(onMessage, error);
    return commit();
  }

  if (gpu)
    progress(onMessage, "generating host code for " + hostTarget.arch +
                            " (kernels for " + options.gpuArch + ")");
  else
    progress(onMessage, "generating code for " + options.target.arch +
                            " (cpu " + options.target.cpu + ")");
  llvm::LLVMContext llvmContext;
  // A CPU shared library allocates from Sieve's buffer pool, compiled into
  // it; objects and LLVM IR from the C library.
  bool bufferPool = !gpu && *kind == OutputKind::SharedLibrary;
  std::unique_ptr<llvm::Module> llvmModule = translateAndOptimize(
      *module, llvmContext, *machine, error,
      /*defineAllocator=*/!gpu, bufferPool,
      // Scalable vectors assume only SVE (128 bits or longer).
      options.pipeline.target.scalableVectors ? 128
                                              : description.sveVectorBits);
  if (!llvmModule)
    return fail(onMessage, error);
  openmp = callsOpenMPRuntime(*llvmModule);
  if (*kind == OutputKind::LLVMIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    if (!writeTemporary(outputPath, text, outputTemp, error))
      return fail(onMessage, error);
    return commit();
  }

  if (!writeTemporary(outputPath, "", outputTemp, error))
    return fail(onMessage, error);
  // Until commit() renames it, the temporary output goes on any failure.
  llvm::FileRemover removeOutputTemp(outputTemp);
  if (*kind == OutputKind::ObjectFile) {
    if (!writeObjectFile(*llvmModule, *machine, outputTemp, error))
      return fail(onMessage, error);
  } else {
    llvm::SmallString<128> objectPath;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("sievec", "o", objectPath))
      return fail(onMessage, "cannot create a temporary file: " + ec.message());
    llvm::FileRemover removeObject(objectPath);
    std::vector<std::string> libraries;
    if (gpu)
      libraries.push_back(cudaRuntimeLibrary());
    if (!writeObjectFile(*llvmModule, *machine, objectPath, error) ||
        !linkSharedLibrary(objectPath, outputTemp, machine->getTargetTriple(),
                           openmp, error, libraries,
                           hasLargeConstants(*llvmModule), bufferPool))
      return fail(onMessage, error);
  }
  return commit();
}

std::unique_ptr<JitModel>
mlir::sieve::loadModel(llvm::StringRef modelPath, const CompileOptions &options,
                       const MessageHandler &onMessage) {
  if (std::string message = verifyCompileOptions(options); !message.empty()) {
    fail(onMessage, message);
    return nullptr;
  }
  // The JIT compiles for this machine: its description gives the vector
  // width, tiles and cache size. GPU code runs through Sieve's CUDA runtime.
  CompileOptions hostOptions = options;
  hostOptions.pipeline.target = describeHost().codegenTarget();
  CompileContext compile(onMessage);
  ModelSignature signature;
  OwningOpRef<ModuleOp> module = importAndLower(
      compile.context, modelPath, hostOptions, signature, onMessage);
  if (!module)
    return nullptr;
  std::string error;
  std::string runtime = targetsGPU(options.target) && !options.emulateGPU
                            ? cudaRuntimeLibrary()
                            : std::string();
  std::unique_ptr<JitModel> model =
      JitModel::compile(*module, signature, error, runtime);
  if (!model)
    fail(onMessage, (runtime.empty() ? "JIT compilation failed: "
                                     : "cannot run on the GPU: ") +
                        error);
  return model;
}
