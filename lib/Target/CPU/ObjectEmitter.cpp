//===- ObjectEmitter.cpp - Ahead-of-time code for CPU targets ---*- C++ -*-===//

#include "sieve/Target/ObjectEmitter.h"

#include "sieve/Target/LargePages.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::sieve;

std::unique_ptr<llvm::TargetMachine>
mlir::sieve::createTargetMachine(const CPUTarget &target, std::string &error) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();

  std::string tripleName = target.arch;
  if (target.arch == "x86_64" || target.arch == "x86-64")
    tripleName = "x86_64-unknown-linux-gnu";
  else if (target.arch == "aarch64" || target.arch == "arm64")
    tripleName = "aarch64-unknown-linux-gnu";
  llvm::Triple triple(tripleName);
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  std::string cpu = target.cpu, features = target.features;
  llvm::Triple host(llvm::sys::getProcessTriple());
  if (cpu == "native") {
    if (host.getArch() != triple.getArch()) {
      error = "--mcpu=native needs the host architecture (" +
              host.getArchName().str() + "), not " + triple.getArchName().str();
      return nullptr;
    }
    cpu = llvm::sys::getHostCPUName().str();
    if (features.empty()) {
      llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
      for (const auto &f : hostFeatures)
        features += (features.empty() ? "" : ",") +
                    std::string(f.second ? "+" : "-") + f.first().str();
    }
  }
  // LLVM only warns about an unknown CPU or feature (and may then abort
  // later): refuse them here, by name.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget->createMCSubtargetInfo(triple, "", ""));
  if (subtarget && !subtarget->isCPUStringValid(cpu)) {
    error = "unknown CPU '" + cpu + "' for " + triple.getArchName().str() +
            " (LLVM names such as " +
            (triple.isAArch64() ? "neoverse-v1, cortex-a76, apple-m1"
                                : "x86-64-v3, skylake-avx512, znver4") +
            ", or native)";
    return nullptr;
  }
  if (subtarget) {
    llvm::StringSet<> known;
    for (const llvm::SubtargetFeatureKV &kv :
         subtarget->getAllProcessorFeatures())
      known.insert(kv.Key);
    llvm::SmallVector<llvm::StringRef> list;
    llvm::StringRef(features).split(list, ',', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef feature : list) {
      llvm::StringRef name = feature.ltrim("+-");
      if (!feature.starts_with("+") && !feature.starts_with("-")) {
        error = "feature '" + feature.str() +
                "' must start with + or - (e.g. +avx2,-avx512f)";
        return nullptr;
      }
      if (!known.contains(name)) {
        error = "unknown feature '" + name.str() + "' for " +
                triple.getArchName().str();
        return nullptr;
      }
    }
  }
  // --sve-vector-bits, checked against the CPU's features; 0 asks for no
  // SVE instruction at all (LLVM's own vectorizer would use scalable
  // vectors), so that the code runs on every AArch64 CPU with the others of
  // this CPU's features.
  if (int64_t bits = target.sveVectorBits; bits != -1) {
    if (!triple.isAArch64()) {
      error = "--sve-vector-bits is for --target=aarch64";
      return nullptr;
    }
    if (bits != 0 &&
        (bits < 128 || bits > 2048 || !llvm::isPowerOf2_64(bits))) {
      error = "--sve-vector-bits must be 0 (NEON code) or a power of two "
              "from 128 to 2048, got " +
              std::to_string(bits);
      return nullptr;
    }
    std::unique_ptr<llvm::MCSubtargetInfo> chosen(
        llvmTarget->createMCSubtargetInfo(triple, cpu, features));
    bool sve = chosen && chosen->checkFeatures("+sve");
    if (bits != 0 && !sve) {
      error = "--sve-vector-bits=" + std::to_string(bits) +
              " needs a CPU with SVE (e.g. --mcpu=neoverse-v1, or "
              "--mattr=+sve); " +
              cpu + " has none";
      return nullptr;
    }
    if (bits == 0 && sve)
      features += (features.empty() ? "" : ",") + std::string("-sve");
  }
  llvm::TargetOptions options;
  // Module constructors (the GPU module's registration, the large-page
  // advice) in .init_array, what ELF loaders run today.
  options.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, cpu, features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    error = "cannot create a target machine for " + tripleName;
  return machine;
}

namespace {

/// Defines the generic allocation functions that `module` declares as calls
/// of the C library's (translateAndOptimize).
void defineAllocationFunctions(llvm::Module &module, bool pooled) {
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(context);
  llvm::Type *size = module.getDataLayout().getIntPtrType(context);
  auto define = [&](llvm::StringRef name, llvm::StringRef libraryName,
                    llvm::FunctionType *type, auto body) {
    llvm::Function *f = module.getFunction(name);
    if (!f || !f->isDeclaration())
      return;
    f->setLinkage(llvm::GlobalValue::LinkOnceODRLinkage);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", f));
    llvm::FunctionCallee callee = module.getOrInsertFunction(libraryName, type);
    body(b, callee, f);
  };
  if (pooled) {
    // runtime/sieve_buffer_pool.c, compiled into the library.
    llvm::FunctionType *allocate =
        llvm::FunctionType::get(ptr, {size, size}, false);
    define("_mlir_memref_to_llvm_alloc", "sieve_pool_allocate", allocate,
           [&](llvm::IRBuilder<> &b, llvm::FunctionCallee callee,
               llvm::Function *f) {
             b.CreateRet(b.CreateCall(
                 callee, {f->getArg(0), llvm::ConstantInt::get(size, 64)}));
           });
    define("_mlir_memref_to_llvm_aligned_alloc", "sieve_pool_allocate",
           allocate,
           [](llvm::IRBuilder<> &b, llvm::FunctionCallee callee,
              llvm::Function *f) {
             b.CreateRet(b.CreateCall(callee, {f->getArg(1), f->getArg(0)}));
           });
    define(
        "_mlir_memref_to_llvm_free", "sieve_pool_free",
        llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false),
        [](llvm::IRBuilder<> &b, llvm::FunctionCallee callee,
           llvm::Function *f) {
          b.CreateCall(callee, {f->getArg(0)});
          b.CreateRetVoid();
        });
    return;
  }
  define(
      "_mlir_memref_to_llvm_alloc", "malloc",
      llvm::FunctionType::get(ptr, {size}, false),
      [](llvm::IRBuilder<> &b, llvm::FunctionCallee callee, llvm::Function *f) {
        b.CreateRet(b.CreateCall(callee, {f->getArg(0)}));
      });
  // C's aligned_alloc takes a size that is a multiple of the alignment.
  define(
      "_mlir_memref_to_llvm_aligned_alloc", "aligned_alloc",
      llvm::FunctionType::get(ptr, {size, size}, false),
      [](llvm::IRBuilder<> &b, llvm::FunctionCallee callee, llvm::Function *f) {
        llvm::Value *align = f->getArg(0), *bytes = f->getArg(1);
        llvm::Value *mask =
            b.CreateSub(align, llvm::ConstantInt::get(align->getType(), 1));
        llvm::Value *rounded =
            b.CreateAnd(b.CreateAdd(bytes, mask), b.CreateNot(mask));
        b.CreateRet(b.CreateCall(callee, {align, rounded}));
      });
  define(
      "_mlir_memref_to_llvm_free", "free",
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false),
      [](llvm::IRBuilder<> &b, llvm::FunctionCallee callee, llvm::Function *f) {
        b.CreateCall(callee, {f->getArg(0)});
        b.CreateRetVoid();
      });
}

/// Lets every function of `module` compile its fixed-length vectors to SVE
/// for vectors of at least `bits` bits (LLVM's `vscale_range`, vscale
/// counting 128-bit granules: the code is then correct for every longer
/// length, its predicates covering `bits`), and adds a constructor that
/// stops the program, with a message on stderr, on a CPU without SVE or
/// with shorter vectors: such code would compute wrong results there. At
/// 128 bits (scalable vectors, any length) only a CPU without SVE is
/// stopped: its first SVE instruction would be an illegal instruction.
void requireSVEVectorLength(llvm::Module &module, int64_t bits) {
  llvm::LLVMContext &context = module.getContext();
  for (llvm::Function &f : module.functions())
    if (!f.isDeclaration())
      f.addFnAttr(llvm::Attribute::getWithVScaleRangeArgs(
          context, unsigned(bits / 128), /*MaxValue=*/16));

  llvm::Type *i32 = llvm::Type::getInt32Ty(context);
  llvm::Type *i64 = llvm::Type::getInt64Ty(context);
  llvm::Type *ptr = llvm::PointerType::getUnqual(context);
  llvm::Type *voidType = llvm::Type::getVoidTy(context);
  auto *check = llvm::Function::Create(llvm::FunctionType::get(voidType, false),
                                       llvm::GlobalValue::InternalLinkage,
                                       "sieve_require_sve", module);
  auto *entry = llvm::BasicBlock::Create(context, "entry", check);
  auto *length = llvm::BasicBlock::Create(context, "length", check);
  auto *ok = llvm::BasicBlock::Create(context, "ok", check);
  auto fail = [&](const std::string &message) {
    auto *block = llvm::BasicBlock::Create(context, "fail", check);
    llvm::IRBuilder<> b(block);
    std::string text =
        "error: this Sieve model was compiled for SVE vectors of " +
        std::to_string(bits) +
        " bits or longer (--sve-vector-bits=" + std::to_string(bits) +
        "); this CPU " + message +
        ": compile it with --sve-vector-bits=0 (NEON) or "
        "for this CPU's --mcpu\n";
    llvm::FunctionCallee write = module.getOrInsertFunction(
        "write", llvm::FunctionType::get(i64, {i32, ptr, i64}, false));
    b.CreateCall(write, {llvm::ConstantInt::get(i32, 2),
                         b.CreateGlobalString(text, "sieve_sve_message"),
                         llvm::ConstantInt::get(i64, text.size())});
    b.CreateCall(module.getOrInsertFunction(
        "abort", llvm::FunctionType::get(voidType, false)));
    b.CreateUnreachable();
    return block;
  };
  // Linux: getauxval(AT_HWCAP) & HWCAP_SVE, then prctl(PR_SVE_GET_VL),
  // whose low 16 bits are the vector length in bytes.
  constexpr int kAtHwcap = 16, kPrSveGetVl = 51;
  constexpr uint64_t kHwcapSve = 1u << 22;
  llvm::IRBuilder<> b(entry);
  llvm::Value *hwcap =
      b.CreateCall(module.getOrInsertFunction(
                       "getauxval", llvm::FunctionType::get(i64, {i64}, false)),
                   {llvm::ConstantInt::get(i64, kAtHwcap)});
  // Every SVE CPU's vectors are at least 128 bits long: no length check.
  b.CreateCondBr(b.CreateICmpNE(b.CreateAnd(hwcap, kHwcapSve), b.getInt64(0)),
                 bits > 128 ? length : ok, fail("has no SVE"));
  if (bits > 128) {
    b.SetInsertPoint(length);
    llvm::Value *vl =
        b.CreateCall(module.getOrInsertFunction(
                         "prctl", llvm::FunctionType::get(i32, {i32}, true)),
                     {llvm::ConstantInt::get(i32, kPrSveGetVl)});
    llvm::Value *tooShort = b.CreateOr(
        b.CreateICmpSLT(vl, b.getInt32(0)),
        b.CreateICmpULT(b.CreateAnd(vl, 0xffff), b.getInt32(bits / 8)));
    b.CreateCondBr(tooShort, fail("has shorter SVE vectors"), ok);
  } else {
    length->eraseFromParent();
  }
  b.SetInsertPoint(ok);
  b.CreateRetVoid();
  llvm::appendToGlobalCtors(module, check, /*Priority=*/0);
}

} // namespace

std::unique_ptr<llvm::Module>
mlir::sieve::translateAndOptimize(ModuleOp module, llvm::LLVMContext &context,
                                  llvm::TargetMachine &machine,
                                  std::string &error, bool defineAllocator,
                                  bool pooledAllocator, int64_t sveVectorBits) {
  registerBuiltinDialectTranslation(*module->getContext());
  registerLLVMDialectTranslation(*module->getContext());
  registerOpenMPDialectTranslation(*module->getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  if (defineAllocator)
    defineAllocationFunctions(*llvmModule, pooledAllocator);
  // Big weights in 2 MiB pages (LargePages.h): the constructor only in
  // CPU code for Linux (GPU host code keeps no weights on the host).
  placeLargeConstants(*llvmModule,
                      defineAllocator && machine.getTargetTriple().isOSLinux());
  // Only the C interface (`_mlir_ciface_<entry>`, what the header declares)
  // is exported; every other function the model defines is hidden, so that
  // its calls bind inside the library. Otherwise an entry named like a C
  // library function (`step`, `index`, `send`) would call that function
  // instead of its own body: the dynamic linker resolves a default-
  // visibility symbol to the first definition loaded.
  for (llvm::Function &f : llvmModule->functions())
    if (!f.isDeclaration() && !f.hasLocalLinkage() &&
        !f.getName().starts_with("_mlir_ciface_")) {
      f.setVisibility(llvm::GlobalValue::HiddenVisibility);
      f.setDSOLocal(true);
    }
  if (sveVectorBits >= 128)
    requireSVEVectorLength(*llvmModule, sveVectorBits);
  auto optimize = makeOptimizingTransformer(3, 0, &machine);
  if (llvm::Error err = optimize(llvmModule.get())) {
    error = llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

bool mlir::sieve::writeObjectFile(llvm::Module &module,
                                  llvm::TargetMachine &machine,
                                  llvm::StringRef path, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return false;
  }
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return false;
  }
  pm.run(module);
  return true;
}

llvm::StringRef mlir::sieve::openMPRuntimeLibrary() {
  return SIEVE_OPENMP_LIBRARY;
}

bool mlir::sieve::callsOpenMPRuntime(const llvm::Module &module) {
  return llvm::any_of(module.functions(), [](const llvm::Function &f) {
    return f.isDeclaration() && f.getName().starts_with("__kmpc_");
  });
}

bool mlir::sieve::linkSharedLibrary(llvm::StringRef objectPath,
                                    llvm::StringRef path,
                                    const llvm::Triple &triple, bool openmp,
                                    std::string &error,
                                    const std::vector<std::string> &libraries,
                                    bool largePages, bool bufferPool) {
  // The system compiler for the host; Debian's cross compiler
  // (<arch>-linux-gnu-gcc) for another architecture.
  const char *env = std::getenv("SIEVE_CC");
  llvm::Triple host(llvm::sys::getProcessTriple());
  std::string compiler = env ? env
                         : host.getArch() == triple.getArch()
                             ? "cc"
                             : triple.getArchName().str() + "-linux-gnu-gcc";
  auto program = llvm::sys::findProgramByName(compiler);
  if (!program) {
    error = "cannot find the C compiler '" + compiler +
            "' to link a shared library (set SIEVE_CC)";
    return false;
  }
  std::string output = path.str(), object = objectPath.str();
  llvm::SmallVector<llvm::StringRef> args{*program, "-shared", "-o",
                                          output,   object,    "-lm"};
  if (largePages)
    args.push_back(largePageLinkerFlag());
  // The buffer pool that the model's allocation functions call, compiled
  // with the same driver (so for the target), its functions hidden.
  if (bufferPool) {
    args.append({"-O2", "-fPIC", "-fvisibility=hidden", "-x", "c",
                 SIEVE_BUFFER_POOL_SOURCE, "-x", "none"});
  }
  // The OpenMP runtime, by its full path (its soname is recorded) and its
  // folder as the run path, so that the library loads where Sieve was
  // built even when libomp is not on the default search path.
  std::string runPath;
  if (openmp) {
    if (host.getArch() != triple.getArch()) {
      error = "code for several threads needs the OpenMP runtime, which is "
              "only available for the host's architecture (use --threads=1)";
      return false;
    }
    runPath = "-Wl,-rpath," +
              llvm::sys::path::parent_path(openMPRuntimeLibrary()).str();
    args.push_back(openMPRuntimeLibrary());
    args.push_back(runPath);
  }
  std::vector<std::string> runPaths;
  for (const std::string &library : libraries)
    runPaths.push_back("-Wl,-rpath," +
                       llvm::sys::path::parent_path(library).str());
  for (size_t i = 0; i < libraries.size(); ++i) {
    args.push_back(libraries[i]);
    args.push_back(runPaths[i]);
  }
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*program, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error = "linking the shared library failed" +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Header
//===----------------------------------------------------------------------===//

namespace {

const char *cType(ElementKind kind) {
  switch (kind) {
  case ElementKind::Float:
    return "float";
  case ElementKind::Double:
    return "double";
  case ElementKind::Float16:
  case ElementKind::BFloat16:
  case ElementKind::UInt16:
    return "uint16_t";
  case ElementKind::Int8:
    return "int8_t";
  case ElementKind::UInt8:
  case ElementKind::Bool:
    return "uint8_t";
  case ElementKind::Int16:
    return "int16_t";
  case ElementKind::Int32:
    return "int32_t";
  case ElementKind::UInt32:
    return "uint32_t";
  case ElementKind::Int64:
    return "int64_t";
  case ElementKind::UInt64:
    return "uint64_t";
  default:
    return "uint8_t";
  }
}

/// Words a generated identifier must not be: C and C++ keywords, the
/// names the header declares or uses, and the standard names it calls.
constexpr const char *kReservedWords[] = {
    "auto",      "break",    "case",     "char",     "const",    "continue",
    "default",   "do",       "double",   "else",     "enum",     "extern",
    "float",     "for",      "goto",     "if",       "inline",   "int",
    "long",      "register", "restrict", "return",   "short",    "signed",
    "sizeof",    "static",   "struct",   "switch",   "typedef",  "union",
    "unsigned",  "void",     "volatile", "while",    "bool",     "true",
    "false",     "alignas",  "alignof",  "asm",      "catch",    "class",
    "constexpr", "delete",   "explicit", "export",   "friend",   "mutable",
    "namespace", "new",      "noexcept", "nullptr",  "operator", "private",
    "protected", "public",   "template", "this",     "throw",    "try",
    "typename",  "using",    "virtual",  "main",     "free",     "malloc",
    "memcpy",    "NULL",     "int8_t",   "int16_t",  "int32_t",  "int64_t",
    "uint8_t",   "uint16_t", "uint32_t", "uint64_t", "size_t"};

/// A C identifier for `name`: other characters as '_', never a reserved
/// word, never in the "sieve_" namespace of the header's own locals, and
/// unique among `used` together with its "<id>_dims" companion.
std::string identifier(llvm::StringRef name, llvm::StringSet<> &used) {
  std::string id;
  for (char c : name)
    id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0])) ||
      llvm::StringRef(id).starts_with("sieve_") || id[0] == '_' ||
      llvm::is_contained(kReservedWords, id))
    id = "t_" + id;
  std::string unique = id;
  for (int i = 2; used.contains(unique) || used.contains(unique + "_dims"); ++i)
    unique = id + "_" + std::to_string(i);
  used.insert(unique);
  used.insert(unique + "_dims");
  return unique;
}

/// `text` as the contents of a C string literal: quotes, backslashes,
/// question marks (trigraphs) and bytes outside printable ASCII escaped.
std::string cStringContents(llvm::StringRef text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '"' || c == '\\' || c == '?') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buffer[5];
      std::snprintf(buffer, sizeof(buffer), "\\%03o", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string shapeText(const TensorSignature &t) {
  std::string s = stringifyElementKind(t.kind).str() + "[";
  for (size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? ", " : "") +
         (t.shape[i] < 0 ? std::string("?") : std::to_string(t.shape[i]));
  return s + "]";
}

} // namespace

std::string mlir::sieve::generateHeader(const ModelSignature &sig, bool openmp,
                                        bool gpu) {
  // The entry name is a C identifier (the compile API checks it); every
  // other identifier is derived from ONNX names by identifier(), and the
  // ONNX names themselves appear only inside string literals.
  std::string e = sig.entryName;
  std::string guard = "SIEVE_MODEL_" + llvm::StringRef(e).upper() + "_H";
  std::string out;
  llvm::raw_string_ostream os(out);
  os << "/* Generated by sievec: the entry point of the compiled model " << e
     << ". */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << (openmp ? "/* The model runs on several threads: it calls LLVM's "
                  "OpenMP runtime\n * (libomp; link the object with "
                  "-lomp). */\n"
                : "")
     << (gpu ? "/* The model runs on an NVIDIA GPU through Sieve's CUDA "
               "runtime\n * (libsieve_cuda_runtime.so): link the program "
               "with it too, for\n * sieve_gpu_error and sieve_gpu_free. "
               "Result buffers are managed memory. */\n"
             : "")
     << "#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  if (gpu)
    os << "/* Sieve's CUDA runtime (sieve_cuda_runtime.h): NULL when a GPU is "
          "usable,\n * else why not. */\n"
       << "const char *sieve_gpu_error(void);\n"
       << "void sieve_gpu_free(void *buffer);\n"
       << "void sieve_gpu_copy(void *destination, const void *source, "
          "size_t bytes);\n\n";

  llvm::StringSet<> used;
  for (const char *word : kReservedWords)
    used.insert(word);
  std::vector<std::string> inNames, outNames;
  os << "/* Inputs (row-major; ? is a dynamic dimension; the ONNX names are "
        "given by\n * "
     << e << "_input_name and " << e << "_output_name):\n";
  for (const TensorSignature &t : sig.inputs) {
    inNames.push_back(identifier(t.name, used));
    os << " *   " << inNames.back() << ": " << shapeText(t) << "\n";
  }
  os << " * Outputs:\n";
  for (const TensorSignature &t : sig.outputs) {
    outNames.push_back(identifier(t.name, used));
    os << " *   " << outNames.back() << ": " << shapeText(t) << "\n";
  }
  os << " */\n\n";

  // The ONNX names, as string literals.
  auto names = [&](llvm::StringRef what,
                   llvm::ArrayRef<TensorSignature> tensors) {
    os << "/* The ONNX name of " << what << " `i` (NULL past the last). */\n"
       << "static inline const char *" << e << "_" << what
       << "_name(int i) {\n  static const char *const names[] = {";
    for (const TensorSignature &t : tensors)
      os << "\"" << cStringContents(t.name) << "\", ";
    os << "NULL};\n  return i >= 0 && i < " << tensors.size()
       << " ? names[i] : NULL;\n}\n\n";
  };
  names("input", sig.inputs);
  names("output", sig.outputs);

  // One descriptor struct per tensor, as MLIR's LLVM lowering lays it out.
  auto descriptor = [&](const TensorSignature &t, const std::string &name) {
    std::string type = e + "_" + name + "_memref";
    os << "typedef struct {\n  " << cType(t.kind) << " *allocated;\n  "
       << cType(t.kind) << " *aligned;\n  int64_t offset;\n";
    if (!t.shape.empty())
      os << "  int64_t sizes[" << t.shape.size() << "];\n  int64_t strides["
         << t.shape.size() << "];\n";
    os << "} " << type << ";\n\n";
    return type;
  };
  std::vector<std::string> inTypes, outTypes;
  for (auto [i, t] : llvm::enumerate(sig.inputs))
    inTypes.push_back(descriptor(t, inNames[i]));
  for (auto [i, t] : llvm::enumerate(sig.outputs))
    outTypes.push_back(descriptor(t, outNames[i]));
  os << "typedef struct {\n";
  for (auto [i, t] : llvm::enumerate(sig.outputs))
    os << "  " << outTypes[i] << " " << outNames[i] << ";\n";
  os << "} " << e << "_results;\n\n";

  os << "/* The compiled entry point. Result buffers are allocated with "
     << (gpu ? "Sieve's CUDA\n * runtime" : "malloc\n *")
     << " and owned by the caller. Two results may share one buffer: "
        "free\n * each distinct results->X.allocated once"
     << (gpu ? " with sieve_gpu_free" : "") << " (" << e << "_run does)."
     << (gpu ? " Call it only when sieve_gpu_error() is NULL." : "") << " */\n"
     << "void _mlir_ciface_" << e << "(" << e << "_results *results";
  for (auto [i, t] : llvm::enumerate(sig.inputs))
    os << ", " << inTypes[i] << " *" << inNames[i];
  os << ");\n\n";

  // Convenience wrapper. Its locals are in the sieve_ namespace, which no
  // parameter name can take.
  os << "/* Runs the model on dense row-major arrays. Dynamic input "
        "dimensions\n"
        " * are passed in <input>_dims; each output buffer must hold the\n"
        " * output's elements, and <output>_dims (may be NULL) receives its\n"
        " * sizes. Returns 0"
     << (gpu ? ", or 1 without a usable GPU (sieve_gpu_error() says why)" : "")
     << ". */\n"
     << "static inline int " << e << "_run(";
  bool first = true;
  auto sep = [&]() -> llvm::raw_ostream & {
    if (!first)
      os << ", ";
    first = false;
    return os;
  };
  for (auto [i, t] : llvm::enumerate(sig.inputs)) {
    sep() << "const " << cType(t.kind) << " *" << inNames[i];
    if (llvm::is_contained(t.shape, -1))
      sep() << "const int64_t " << inNames[i] << "_dims[" << t.shape.size()
            << "]";
  }
  for (auto [i, t] : llvm::enumerate(sig.outputs)) {
    sep() << cType(t.kind) << " *" << outNames[i];
    if (!t.shape.empty())
      sep() << "int64_t *" << outNames[i] << "_dims";
  }
  if (first)
    os << "void";
  os << ") {\n";
  for (auto [i, t] : llvm::enumerate(sig.inputs)) {
    const std::string &n = inNames[i];
    std::string in = "sieve_in_" + std::to_string(i);
    bool dynamic = llvm::is_contained(t.shape, -1);
    os << "  " << inTypes[i] << " " << in << ";\n"
       << "  " << in << ".allocated = " << in << ".aligned = (" << cType(t.kind)
       << " *)" << n << ";\n"
       << "  " << in << ".offset = 0;\n";
    for (size_t d = 0; d < t.shape.size(); ++d)
      os << "  " << in << ".sizes[" << d << "] = "
         << (dynamic ? n + "_dims[" + std::to_string(d) + "]"
                     : std::to_string(t.shape[d]))
         << ";\n";
    for (size_t d = t.shape.size(); d-- > 0;)
      os << "  " << in << ".strides[" << d << "] = "
         << (d + 1 == t.shape.size()
                 ? std::string("1")
                 : in + ".strides[" + std::to_string(d + 1) + "] * " + in +
                       ".sizes[" + std::to_string(d + 1) + "]")
         << ";\n";
  }
  if (gpu)
    os << "  if (sieve_gpu_error())\n    return 1;\n";
  os << "  " << e << "_results sieve_results;\n  _mlir_ciface_" << e
     << "(&sieve_results";
  for (size_t i = 0; i < inNames.size(); ++i)
    os << ", &sieve_in_" << i;
  os << ");\n";
  for (auto [i, t] : llvm::enumerate(sig.outputs)) {
    std::string r = "sieve_results." + outNames[i];
    const std::string &n = outNames[i];
    size_t rank = t.shape.size();
    os << "  {\n    int64_t sieve_count = 1;\n";
    for (size_t d = 0; d < rank; ++d)
      os << "    sieve_count *= " << r << ".sizes[" << d << "];\n";
    if (rank)
      os << "    if (" << n << "_dims)\n      memcpy(" << n << "_dims, " << r
         << ".sizes, sizeof(" << r << ".sizes));\n";
    // Results are dense (row-major) unless the model returns a view: one
    // memcpy then, an element-by-element copy otherwise.
    os << "    int sieve_dense = 1;\n"
       << "    int64_t sieve_stride = 1;\n";
    for (size_t d = rank; d-- > 0;)
      os << "    sieve_dense &= " << r << ".sizes[" << d << "] == 1 || " << r
         << ".strides[" << d << "] == sieve_stride;\n"
         << "    sieve_stride *= " << r << ".sizes[" << d << "];\n";
    os << "    if (sieve_dense) {\n"
       << "      if (sieve_count > 0)\n"
       << "        " << (gpu ? "sieve_gpu_copy(" : "memcpy(") << n << ", " << r
       << ".aligned + " << r << ".offset, (size_t)sieve_count * sizeof(*" << n
       << "));\n"
       << "    } else {\n"
       << "      int64_t sieve_index = 0;\n"
       << "      for (int64_t sieve_flat = 0; sieve_flat < sieve_count; "
          "++sieve_flat) {\n"
       << "        int64_t sieve_rest = sieve_flat, sieve_at = 0;\n";
    for (size_t d = rank; d-- > 0;)
      os << "        sieve_at += (sieve_rest % " << r << ".sizes[" << d
         << "]) * " << r << ".strides[" << d << "];\n"
         << "        sieve_rest /= " << r << ".sizes[" << d << "];\n";
    os << "        " << n << "[sieve_index++] = " << r << ".aligned[" << r
       << ".offset + sieve_at];\n"
       << "      }\n    }\n  }\n";
  }
  // Free each distinct result buffer once, and never an input's.
  if (!sig.outputs.empty()) {
    os << "  {\n    void *sieve_buffers[" << sig.outputs.size() << "] = {";
    for (auto [i, n] : llvm::enumerate(outNames))
      os << (i ? ", " : "") << "sieve_results." << n << ".allocated";
    os << "};\n"
       << "    for (int sieve_i = 0; sieve_i < " << sig.outputs.size()
       << "; ++sieve_i) {\n"
       << "      int sieve_seen = 0;\n"
       << "      for (int sieve_j = 0; sieve_j < sieve_i; ++sieve_j)\n"
       << "        sieve_seen |= sieve_buffers[sieve_j] == "
          "sieve_buffers[sieve_i];\n";
    for (const std::string &n : inNames)
      os << "      sieve_seen |= sieve_buffers[sieve_i] == (const void *)" << n
         << ";\n";
    os << "      if (!sieve_seen)\n        "
       << (gpu ? "sieve_gpu_free" : "free") << "(sieve_buffers[sieve_i]);\n"
       << "    }\n  }\n";
  }
  os << "  return 0;\n}\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard
     << " */\n";
  return out;
}
