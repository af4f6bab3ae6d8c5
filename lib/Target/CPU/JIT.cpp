//===- JIT.cpp - Run compiled models in-process -----------------*- C++ -*-===//

#include "sieve/Target/JIT.h"

#include "sieve/Target/BufferPool.h"
#include "sieve/Target/LargePages.h"
#include "sieve/Target/ObjectEmitter.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/TargetSelect.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::sieve;

JitModel::~JitModel() {
  // The idle buffers of this model's runs: another model's sizes differ.
  if (!gpuFree)
    releaseBufferPool();
}

std::unique_ptr<JitModel> JitModel::compile(ModuleOp module,
                                            const ModelSignature &sig,
                                            std::string &error,
                                            const std::string &gpuRuntime) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerBuiltinDialectTranslation(*module->getContext());
  registerLLVMDialectTranslation(*module->getContext());
  registerOpenMPDialectTranslation(*module->getContext());
  registerGPUDialectTranslation(*module->getContext());
  {
    DialectRegistry registry;
    gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
    module->getContext()->appendDialectRegistry(registry);
  }
  // The names of profiled layers (sieve-profile-layers), which LLVM IR has
  // no place for.
  std::vector<std::string> layers;
  if (auto names = module->getAttrOfType<ArrayAttr>("sieve.profile_layers")) {
    for (Attribute name : names)
      if (auto text = dyn_cast<StringAttr>(name))
        layers.push_back(text.str());
    module->removeAttr("sieve.profile_layers");
  }
  // Code compiled for several threads (OpenMP ops) calls the OpenMP
  // runtime, loaded into the process for it.
  bool openmp = false;
  module.walk([&](Operation *op) {
    openmp = op->getName().getDialectNamespace() == "omp";
    return openmp ? WalkResult::interrupt() : WalkResult::advance();
  });

  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    error = llvm::toString(builder.takeError());
    return nullptr;
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto machine = builder->createTargetMachine();
  if (!machine) {
    error = llvm::toString(machine.takeError());
    return nullptr;
  }
  auto transformer = makeOptimizingTransformer(3, 0, machine->get());
  // Big weights in 2 MiB pages (LargePages.h): aligned in the module, in
  // memory the mapper advises. (ExecutionEngineOptions::transformer is a
  // function_ref: the callable must outlive ExecutionEngine::create.)
  auto placeAndOptimize = [&transformer](llvm::Module *m) {
    placeLargeConstants(*m, /*advise=*/false);
    return transformer(m);
  };
  ExecutionEngineOptions options;
  options.transformer = placeAndOptimize;
  options.sectionMemoryMapper = &largePageMemoryMapper();
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  llvm::SmallVector<llvm::StringRef, 1> libraries;
  if (openmp)
    libraries.push_back(openMPRuntimeLibrary());
  // GPU code calls Sieve's CUDA runtime, which loads without a GPU.
  const char *(*gpuError)() = nullptr;
  void (*gpuFree)(void *) = nullptr;
  void (*gpuCopy)(void *, const void *, size_t) = nullptr;
  if (!gpuRuntime.empty()) {
    std::string message;
    if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(gpuRuntime.c_str(),
                                                          &message)) {
      error =
          "cannot load Sieve's CUDA runtime '" + gpuRuntime + "': " + message;
      return nullptr;
    }
    gpuError = reinterpret_cast<const char *(*)()>(
        llvm::sys::DynamicLibrary::SearchForAddressOfSymbol("sieve_gpu_error"));
    gpuFree = reinterpret_cast<void (*)(void *)>(
        llvm::sys::DynamicLibrary::SearchForAddressOfSymbol("sieve_gpu_free"));
    gpuCopy = reinterpret_cast<void (*)(void *, const void *, size_t)>(
        llvm::sys::DynamicLibrary::SearchForAddressOfSymbol("sieve_gpu_copy"));
    if (!gpuError || !gpuFree || !gpuCopy) {
      error = "'" + gpuRuntime + "' is not Sieve's CUDA runtime";
      return nullptr;
    }
    libraries.push_back(gpuRuntime);
  }
  options.sharedLibPaths = libraries;
  auto engine = ExecutionEngine::create(module, options, std::move(*machine));
  if (!engine) {
    error = llvm::toString(engine.takeError());
    return nullptr;
  }
  // The module's constructor registers its PTX, which sieve_gpu_error
  // compiles for the device (without a GPU the runtime says why and loads
  // nothing); then nothing can run it: say why now.
  if (gpuError) {
    (*engine)->initialize();
    if (const char *why = gpuError()) {
      error = why;
      return nullptr;
    }
  }
  // CPU code allocates through finalize-memref-to-llvm's generic functions
  // (sieve-cpu-pipeline): Sieve's buffer pool (BufferPool.h). GPU code gets
  // them from the CUDA runtime.
  // Profiled code calls the layer profile's hooks (LayerProfile.h).
  if (gpuRuntime.empty())
    (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
      llvm::orc::SymbolMap symbols;
      for (auto *list : {&bufferPoolSymbols, &layerProfileSymbols}) {
        size_t count = 0;
        const JitSymbol *listed = (*list)(count);
        for (size_t i = 0; i < count; ++i)
          symbols[interner(listed[i].name)] = {
              llvm::orc::ExecutorAddr::fromPtr(listed[i].address),
              llvm::JITSymbolFlags::Exported};
      }
      return symbols;
    });
  std::unique_ptr<JitModel> model(new JitModel());
  model->engine = std::move(*engine);
  model->sig = sig;
  model->gpuError = gpuError;
  model->gpuFree = gpuFree;
  model->gpuCopy = gpuCopy;
  model->layers = std::move(layers);
  model->resetLayerProfile();
  return model;
}

std::vector<LayerTime> JitModel::layerProfile() const {
  std::vector<LayerTime> profile(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    profile[i].name = layers[i];
    if (i < counters.nanos.size()) {
      profile[i].seconds = counters.nanos[i] * 1e-9;
      profile[i].calls = counters.calls[i];
    }
  }
  return profile;
}

void JitModel::resetLayerProfile() {
  counters.nanos.assign(layers.size(), 0);
  counters.calls.assign(layers.size(), 0);
  runs = 0;
  runNanos = 0;
}

namespace {
/// A memref descriptor as the LLVM lowering lays it out: allocated and
/// aligned pointers, offset, sizes[rank], strides[rank] (all 8 bytes).
int64_t descriptorWords(size_t rank) { return 3 + 2 * rank; }
} // namespace

bool JitModel::run(const std::vector<HostTensor> &inputs,
                   std::vector<HostTensor> &outputs, std::string &error) {
  if (inputs.size() != sig.inputs.size()) {
    error = "the model takes " + std::to_string(sig.inputs.size()) +
            " inputs, got " + std::to_string(inputs.size());
    return false;
  }
  std::vector<std::vector<int64_t>> inDescs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const HostTensor &t = inputs[i];
    const TensorSignature &s = sig.inputs[i];
    bool shapeOk = t.shape.size() == s.shape.size();
    for (size_t d = 0; shapeOk && d < t.shape.size(); ++d)
      shapeOk = s.shape[d] < 0 || s.shape[d] == t.shape[d];
    if (t.kind != s.kind || !shapeOk) {
      HostTensor expected;
      expected.kind = s.kind;
      expected.shape = s.shape;
      error = "input '" + s.name + "' must be " + expected.describe() +
              " (-1: any size), got " + t.describe();
      return false;
    }
    std::vector<int64_t> desc(descriptorWords(t.shape.size()));
    auto *ptr = const_cast<char *>(t.data.data());
    std::memcpy(&desc[0], &ptr, sizeof(ptr));
    std::memcpy(&desc[1], &ptr, sizeof(ptr));
    desc[2] = 0;
    int64_t stride = 1;
    for (size_t d = t.shape.size(); d-- > 0;) {
      desc[3 + d] = t.shape[d];
      desc[3 + t.shape.size() + d] = stride;
      stride *= t.shape[d];
    }
    inDescs.push_back(std::move(desc));
  }

  // Results come back through one struct of descriptors.
  size_t resultWords = 0;
  for (const auto &o : sig.outputs)
    resultWords += descriptorWords(o.shape.size());
  std::vector<int64_t> results(resultWords, 0);
  void *resultPtr = results.data();
  std::vector<void *> inPtrs;
  for (auto &d : inDescs)
    inPtrs.push_back(d.data());
  std::vector<void *> args;
  args.push_back(&resultPtr);
  for (auto &p : inPtrs)
    args.push_back(&p);

  if (gpuError) {
    if (const char *why = gpuError()) {
      error = why;
      return false;
    }
  }
  LayerCounters *previous =
      profilesLayers() ? setThreadLayerCounters(&counters) : nullptr;
  auto start = std::chrono::steady_clock::now();
  llvm::Error err = engine->invokePacked("_mlir_ciface_" + sig.entryName, args);
  if (profilesLayers()) {
    runNanos += std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    setThreadLayerCounters(previous);
    ++runs;
  }
  if (err) {
    error = llvm::toString(std::move(err));
    return false;
  }

  outputs.clear();
  // Two outputs may be the same buffer (`z = Identity(y)` with both
  // returned): each distinct allocation is freed once, after every output
  // is copied. A buffer of the caller's (an input) is never freed.
  llvm::SmallPtrSet<void *, 8> toFree;
  llvm::SmallPtrSet<const void *, 8> inputBuffers;
  for (const HostTensor &t : inputs)
    inputBuffers.insert(t.data.data());
  size_t at = 0;
  for (const auto &o : sig.outputs) {
    size_t rank = o.shape.size();
    const int64_t *desc = results.data() + at;
    at += descriptorWords(rank);
    void *allocated, *aligned;
    std::memcpy(&allocated, &desc[0], sizeof(void *));
    std::memcpy(&aligned, &desc[1], sizeof(void *));
    HostTensor t;
    t.name = o.name;
    t.kind = o.kind;
    for (size_t d = 0; d < rank; ++d)
      t.shape.push_back(desc[3 + d]);
    int64_t width = elementByteWidth(o.kind);
    t.data.resize(t.numElements() * width);
    // Results are usually dense: one copy. Views are copied element-wise.
    const char *base = static_cast<const char *>(aligned) + desc[2] * width;
    bool contiguous = true;
    for (int64_t d = rank, stride = 1; d-- > 0;) {
      contiguous &= t.shape[d] == 1 || desc[3 + rank + d] == stride;
      stride *= t.shape[d];
    }
    if (t.data.empty()) {
      // An empty result (a batch of 0): its buffer may be null; nothing to
      // copy.
    } else if (contiguous && gpuCopy) {
      // The driver's copy moves no pages of the result to the host.
      gpuCopy(t.data.data(), base, t.data.size());
    } else if (contiguous) {
      std::memcpy(t.data.data(), base, t.data.size());
    } else {
      std::vector<int64_t> index(rank, 0);
      for (int64_t i = 0, n = t.numElements(); i < n; ++i) {
        int64_t offset = 0;
        for (size_t d = 0; d < rank; ++d)
          offset += index[d] * desc[3 + rank + d];
        std::memcpy(t.data.data() + i * width, base + offset * width, width);
        for (size_t d = rank; d-- > 0;) {
          if (++index[d] < t.shape[d])
            break;
          index[d] = 0;
        }
      }
    }
    if (allocated && !inputBuffers.count(allocated))
      toFree.insert(allocated);
    outputs.push_back(std::move(t));
  }
  for (void *buffer : toFree)
    gpuFree ? gpuFree(buffer) : poolFree(buffer);
  return true;
}
