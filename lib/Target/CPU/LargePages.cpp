//===- LargePages.cpp - Constant weights in 2 MiB pages ---------*- C++ -*-===//

#include "sieve/Target/LargePages.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Memory.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

using namespace mlir;
using namespace mlir::sieve;

bool mlir::sieve::placeLargeConstants(llvm::Module &module, bool advise) {
  const llvm::DataLayout &layout = module.getDataLayout();
  llvm::SmallVector<std::pair<llvm::GlobalVariable *, uint64_t>> large;
  for (llvm::GlobalVariable &global : module.globals()) {
    if (!global.isConstant() || !global.hasInitializer())
      continue;
    uint64_t bytes = layout.getTypeAllocSize(global.getValueType());
    if (bytes < kLargeConstantBytes)
      continue;
    global.setAlignment(llvm::Align(kLargePageBytes));
    large.push_back({&global, bytes});
  }
  if (large.empty() || !advise)
    return !large.empty();

  // void sieve_advise_large_pages() { madvise(start, bytes, MADV_HUGEPAGE)
  // for each }: start is page-aligned (the global is 2 MiB-aligned); the
  // result is ignored (a hint).
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(context);
  llvm::Type *size = layout.getIntPtrType(context);
  llvm::Type *i32 = llvm::Type::getInt32Ty(context);
  llvm::FunctionCallee madvise = module.getOrInsertFunction(
      "madvise", llvm::FunctionType::get(i32, {ptr, size, i32}, false));
  auto *advice = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), false),
      llvm::GlobalValue::InternalLinkage, "sieve_advise_large_pages", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", advice));
  constexpr int kMadvHugepage = 14; // Linux, every architecture
  for (auto [global, bytes] : large)
    b.CreateCall(madvise, {global, llvm::ConstantInt::get(size, bytes),
                           llvm::ConstantInt::get(i32, kMadvHugepage)});
  b.CreateRetVoid();
  llvm::appendToGlobalCtors(module, advice, /*Priority=*/65535);
  return true;
}

bool mlir::sieve::hasLargeConstants(const llvm::Module &module) {
  return llvm::any_of(module.globals(), [](const llvm::GlobalVariable &g) {
    return g.isConstant() && g.getAlign() &&
           g.getAlign()->value() >= kLargePageBytes;
  });
}

const char *mlir::sieve::largePageLinkerFlag() {
  return "-Wl,-z,max-page-size=0x200000";
}

namespace {

/// Large allocations: an over-sized anonymous mapping trimmed to a
/// kLargePageBytes-aligned block, advised MADV_HUGEPAGE; small ones and
/// non-Linux hosts: llvm::sys::Memory's.
class LargePageMapper final : public llvm::SectionMemoryManager::MemoryMapper {
public:
  llvm::sys::MemoryBlock
  allocateMappedMemory(llvm::SectionMemoryManager::AllocationPurpose purpose,
                       size_t bytes, const llvm::sys::MemoryBlock *near,
                       unsigned flags, std::error_code &ec) override {
#ifdef __linux__
    if (bytes >= kLargePageBytes) {
      size_t rounded = llvm::alignTo(bytes, kLargePageBytes);
      // Near the previous block where there is room (the JIT's code
      // reaches its data with 32-bit offsets).
      uintptr_t hint =
          near ? llvm::alignTo(reinterpret_cast<uintptr_t>(near->base()) +
                                   near->allocatedSize(),
                               kLargePageBytes)
               : 0;
      int protection = PROT_READ | PROT_WRITE;
      void *raw =
          ::mmap(reinterpret_cast<void *>(hint), rounded + kLargePageBytes,
                 protection, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (raw != MAP_FAILED) {
        uintptr_t start = reinterpret_cast<uintptr_t>(raw);
        uintptr_t aligned = llvm::alignTo(start, kLargePageBytes);
        if (aligned > start)
          ::munmap(raw, aligned - start);
        uintptr_t end = start + rounded + kLargePageBytes;
        if (end > aligned + rounded)
          ::munmap(reinterpret_cast<void *>(aligned + rounded),
                   end - aligned - rounded);
        ::madvise(reinterpret_cast<void *>(aligned), rounded, MADV_HUGEPAGE);
        llvm::sys::MemoryBlock block(reinterpret_cast<void *>(aligned),
                                     rounded);
        if (flags != (llvm::sys::Memory::MF_READ | llvm::sys::Memory::MF_WRITE))
          if ((ec = llvm::sys::Memory::protectMappedMemory(block, flags))) {
            ::munmap(reinterpret_cast<void *>(aligned), rounded);
            return {};
          }
        ec = {};
        return block;
      }
    }
#endif
    return llvm::sys::Memory::allocateMappedMemory(bytes, near, flags, ec);
  }

  std::error_code protectMappedMemory(const llvm::sys::MemoryBlock &block,
                                      unsigned flags) override {
    return llvm::sys::Memory::protectMappedMemory(block, flags);
  }

  std::error_code releaseMappedMemory(llvm::sys::MemoryBlock &block) override {
    return llvm::sys::Memory::releaseMappedMemory(block);
  }
};

} // namespace

llvm::SectionMemoryManager::MemoryMapper &mlir::sieve::largePageMemoryMapper() {
  static LargePageMapper mapper;
  return mapper;
}
