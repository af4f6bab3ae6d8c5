//===- sievec.cpp - The Sieve compiler driver -------------------*- C++ -*-===//
//
//   sievec model.onnx -o model.{o,so,ll,mlir} [--target=x86_64|aarch64]
//          [--mcpu=CPU] [--mattr=FEATURES] [--entry=NAME] [--sparsity=...]
//
// Compiles an ONNX model ahead of time (a thin main over compileModel). With
// .o and .so outputs it also writes a C header (<output>.h) describing the
// entry point.
//
//===----------------------------------------------------------------------===//

#include "sieve/Compiler/CommandLine.h"
#include "sieve/Compiler/Compiler.h"
#include "sieve/Target/TargetDescription.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir::sieve;
namespace cl = llvm::cl;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::OptionCategory category("sievec options");
  cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                                 cl::cat(category));
  cl::opt<std::string> outputPath(
      "o",
      cl::desc("Output file; its extension picks the format: .o (object "
               "file and .h header), .so (shared library and .h header), "
               ".ll (LLVM IR), .mlir (the LLVM-dialect module)"),
      cl::value_desc("file"), cl::cat(category));
  cl::opt<bool> quiet("quiet",
                      cl::desc("Print only errors, warnings and remarks"),
                      cl::init(false), cl::cat(category));
  cl::opt<bool> printTarget(
      "print-target",
      cl::desc("Print the target's description (vector width, registers, "
               "caches, cores) and the code-generation parameters derived "
               "from it, and exit"),
      cl::init(false), cl::cat(category));
  TargetFlags targetFlags(category);
  SparsityFlags sparsityFlags(category);
  ThreadFlags threadFlags(category);
  LimitFlags limitFlags(category);
  GPUKernelFlags gpuKernelFlags(category);
  cl::HideUnrelatedOptions(category);
  std::string overview =
      "sievec: compile an ONNX model ahead of time\n\n"
      "  sievec model.onnx -o model.so --mcpu=native   # library + model.h\n"
      "  sievec model.onnx -o model.o --target=aarch64 --mcpu=neoverse-v1\n"
      "  sievec model.onnx -o model.so --sparsity=exact # skip zeros\n"
      "  sievec model.onnx -o model.so --threads=4      # on 4 threads\n"
      "  sievec model.onnx -o model.ptx --target=nvptx  # GPU kernels\n" +
      inputLimitsHelp(/*withProfiles=*/true);
  cl::ParseCommandLineOptions(argc, argv, overview);

  MessageHandler onMessage = printMessages("sievec", !quiet);
  CompileOptions options;
  targetFlags.apply(options);
  if (printTarget && targetsGPU(options.target)) {
    std::string message = verifyGPUPipelineOptions(gpuPipelineOptions(options));
    if (!message.empty()) {
      onMessage(MessageKind::Error, message);
      return 1;
    }
    llvm::outs() << "target: nvptx64-nvidia-cuda (" << options.gpuArch
                 << "), PTX through sieve-gpu-pipeline\n"
                 << "kernels: blocks of " << GPUPipelineOptions().blockSize
                 << " threads\nhost code: " << llvm::sys::getProcessTriple()
                 << ", launching through Sieve's CUDA runtime\n";
    return 0;
  }
  if (printTarget) {
    std::string error;
    std::optional<TargetDescription> description =
        describeTarget(options.target, error);
    if (!description) {
      onMessage(MessageKind::Error, error);
      return 1;
    }
    llvm::outs() << description->str();
    return 0;
  }
  if (modelPath.empty() || outputPath.empty()) {
    onMessage(MessageKind::Error, "a model and an output (-o FILE) are "
                                  "needed (see --help)");
    return 1;
  }
  // Sparsity decisions are reported as remarks.
  options.pipeline.report = true;
  std::string message = threadFlags.apply(options.pipeline);
  if (message.empty())
    message = sparsityFlags.apply(options);
  if (message.empty())
    message = limitFlags.apply(options);
  if (message.empty())
    message = gpuKernelFlags.apply(options);
  if (!message.empty()) {
    onMessage(MessageKind::Error, message);
    return 1;
  }
  return compileModel(modelPath, outputPath, options, onMessage) ? 0 : 1;
}
