//===- sievec.cpp - The Sieve compiler driver -------------------*- C++ -*-===//
//
//   sievec model.onnx -o model.{o,so,ll,mlir} [--target=x86_64|aarch64]
//          [--mcpu=CPU] [--mattr=FEATURES] [--entry=NAME]
//
// Compiles an ONNX model ahead of time. With .o and .so outputs it also
// writes a C header (<output>.h) describing the entry point.
//
//===----------------------------------------------------------------------===//

#include "sieve/Analysis/Profile.h"
#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Pipelines/Pipelines.h"
#include "sieve/Registration.h"
#include "sieve/Support/ToolDiagnostics.h"
#include "sieve/Target/ObjectEmitter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::sieve;
namespace cl = llvm::cl;

static cl::OptionCategory category("sievec options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath(
    "o", cl::Required,
    cl::desc("Output file; its extension picks the format: .o (object file "
             "and .h header), .so (shared library and .h header), .ll (LLVM "
             "IR), .mlir (the LLVM-dialect module)"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    targetArch("target",
               cl::desc("Target architecture: x86_64 (default) or aarch64 "
                        "(nvptx is planned)"),
               cl::init("x86_64"), cl::cat(category));
static cl::opt<std::string>
    targetCpu("mcpu",
              cl::desc("Target CPU (LLVM name, e.g. skylake-avx512, "
                       "neoverse-v1), or 'native' for this machine's "
                       "(default: generic)"),
              cl::init("generic"), cl::cat(category));
static cl::opt<std::string>
    targetFeatures("mattr",
                   cl::desc("Target features, e.g. +avx2,+fma (default: those "
                            "of --mcpu)"),
                   cl::init(""), cl::cat(category));
static cl::opt<std::string> entryName(
    "entry",
    cl::desc("Name of the entry function (default: the model file's name "
             "as a C identifier)"),
    cl::init(""), cl::cat(category));
static cl::opt<std::string> profilePath("profile",
                                        cl::desc(flag_help::kProfile),
                                        cl::value_desc("profile.json"),
                                        cl::init(""), cl::cat(category));
static cl::opt<std::string> sparsity("sparsity", cl::desc(flag_help::kSparsity),
                                     cl::init("off"), cl::cat(category));
static cl::opt<double>
    activationDensityLimit("activation-density-limit",
                           cl::desc(flag_help::kActivationDensityLimit),
                           cl::init(-1.0), cl::cat(category));
static cl::opt<double>
    weightDensityLimit("weight-density-limit",
                       cl::desc(flag_help::kWeightDensityLimit), cl::init(-1.0),
                       cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "sievec: error: " << message << "\n";
  return 1;
}

/// Writes `text` to `path` atomically (no partial file on failure).
static bool writeFile(llvm::StringRef path, llvm::StringRef text,
                      std::string &error) {
  std::error_code ec;
  llvm::ToolOutputFile file(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return false;
  }
  file.os() << text;
  file.keep();
  return true;
}

static std::string defaultEntryName(llvm::StringRef path) {
  std::string name;
  for (char c : llvm::sys::path::stem(path))
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    name = "model_" + name;
  return name;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "sievec: compile an ONNX model ahead of time\n\n"
      "  sievec model.onnx -o model.so --mcpu=native   # library + model.h\n"
      "  sievec model.onnx -o model.o --target=aarch64 --mcpu=neoverse-v1\n");

  llvm::StringRef ext = llvm::sys::path::extension(outputPath);
  if (ext != ".o" && ext != ".so" && ext != ".ll" && ext != ".mlir")
    return fail("unknown output format '" + ext +
                "' (use .o, .so, .ll or .mlir)");
  if (std::string message = checkSparsityFlags(
          sparsity, profilePath, givenValue(weightDensityLimit),
          givenValue(activationDensityLimit));
      !message.empty())
    return fail(message);
  if (targetArch == "nvptx")
    return fail("--target=nvptx is not available yet");
  if (targetArch != "x86_64" && targetArch != "aarch64")
    return fail("unknown target '" + targetArch + "' (use x86_64 or aarch64)");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerSieveDialects(registry);
  MLIRContext context(registry);
  auto diagnostics = installToolDiagnostics(context, "sievec");

  onnx_import::ImportOptions importOptions;
  importOptions.entryName =
      entryName.empty() ? defaultEntryName(modelPath) : entryName;
  onnx_import::ModelSignature signature;
  llvm::errs() << "sievec: importing " << modelPath << "\n";
  OwningOpRef<ModuleOp> module = onnx_import::importModelFile(
      modelPath, &context, importOptions, &signature);
  if (!module)
    return 1;
  if (!profilePath.empty()) {
    std::string profileError;
    int marked = applyProfile(*module, profilePath, profileError);
    if (marked < 0)
      return fail(profileError);
    llvm::errs() << "sievec: " << marked
                 << " activation sites with measured densities from "
                 << profilePath << "\n";
  }

  llvm::errs() << "sievec: compiling for " << targetArch << "\n";
  PassManager pm(&context);
  CPUPipelineOptions pipelineOptions;
  pipelineOptions.sparsity = parseSparsityMode(sparsity);
  pipelineOptions.densityLimit = activationDensityLimit;
  pipelineOptions.report = true;
  pipelineOptions.weightDensityLimit = weightDensityLimit;
  buildCPUPipeline(pm, pipelineOptions);
  if (failed(pm.run(*module)))
    return fail("compilation failed");

  std::string error;
  if (ext == ".mlir") {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    return writeFile(outputPath, text, error) ? 0 : fail(error);
  }

  CPUTarget target{targetArch, targetCpu, targetFeatures};
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(target, error);
  if (!machine)
    return fail(error);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(*module, llvmContext, *machine, error);
  if (!llvmModule)
    return fail(error);

  if (ext == ".ll") {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    return writeFile(outputPath, text, error) ? 0 : fail(error);
  }

  // Object code goes to a temporary file first: nothing partial is left
  // behind when a step fails.
  llvm::SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("sievec", "o", objectPath))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  if (!writeObjectFile(*llvmModule, *machine, objectPath, error))
    return fail(error);
  if (ext == ".o") {
    if (std::error_code ec = llvm::sys::fs::copy_file(objectPath, outputPath))
      return fail("cannot write '" + outputPath + "': " + ec.message());
  } else {
    llvm::SmallString<128> libraryPath(outputPath);
    libraryPath += ".tmp";
    llvm::FileRemover removeLibrary(libraryPath);
    if (!linkSharedLibrary(objectPath, libraryPath, error))
      return fail(error);
    if (std::error_code ec = llvm::sys::fs::rename(libraryPath, outputPath))
      return fail("cannot write '" + outputPath + "': " + ec.message());
  }
  llvm::SmallString<128> headerPath(outputPath);
  llvm::sys::path::replace_extension(headerPath, ".h");
  if (!writeFile(headerPath, generateHeader(signature), error))
    return fail(error);
  llvm::errs() << "sievec: wrote " << outputPath << " and " << headerPath
               << "\n";
  return 0;
}
