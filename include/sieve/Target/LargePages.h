//===- LargePages.h - Constant weights in 2 MiB pages -----------*- C++ -*-===//
//
// A model's big constant weights are read once per call, front to back or
// row by row: with 4 KiB pages a 180 MB weight spans 45,000 pages, far more
// than the TLB holds, and every few rows cost a page walk. In 2 MiB pages
// the same weight streams 1.3-1.6x faster (docs/performance.md, "Weights in
// 2 MiB pages"). Two places put them there:
// - compiled libraries (sievec -o model.so): the weights are aligned to
//   2 MiB in the module, the library is linked with 2 MiB segment alignment,
//   and a constructor asks the kernel for huge pages over them
//   (madvise(MADV_HUGEPAGE)); Linux then maps the file's page cache in
//   2 MiB pages where the file system keeps large folios;
// - the JIT (sieve-run): the memory mapper below gives big sections 2 MiB-
//   aligned anonymous memory with the same advice.
// Both are hints: where the kernel has no transparent huge pages the
// weights stay in 4 KiB pages, and the code is the same.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_LARGEPAGES_H
#define SIEVE_TARGET_LARGEPAGES_H

#include "llvm/ExecutionEngine/SectionMemoryManager.h"

#include <cstdint>

namespace llvm {
class Module;
} // namespace llvm

namespace mlir::sieve {

/// The large page size the hints ask for (x86-64 and AArch64 with 4 KiB
/// base pages).
constexpr uint64_t kLargePageBytes = 2 << 20;

/// Constants of at least this size are aligned to kLargePageBytes: the
/// padding (at most 2 MiB, half the weight at worst) buys a weight whose
/// pages are all large.
constexpr uint64_t kLargeConstantBytes = 4 << 20;

/// Aligns `module`'s big constant globals (at least kLargeConstantBytes) to
/// kLargePageBytes. With `advise` (a library for Linux), also adds a
/// constructor that calls madvise(MADV_HUGEPAGE) over each of them. Returns
/// whether the module has any such constant (then link it with
/// largePageLinkerFlag()).
bool placeLargeConstants(llvm::Module &module, bool advise);

/// Whether placeLargeConstants aligned any of `module`'s constants.
bool hasLargeConstants(const llvm::Module &module);

/// The linker flag (for the C compiler driver) that aligns a shared
/// library's segments to kLargePageBytes, so that the file offsets of its
/// weights and their addresses agree modulo a large page.
const char *largePageLinkerFlag();

/// A memory mapper for the JIT (ExecutionEngineOptions::sectionMemoryMapper)
/// that gives allocations of at least kLargePageBytes anonymous memory
/// aligned to kLargePageBytes with madvise(MADV_HUGEPAGE), and smaller ones
/// ordinary pages. One per process; thread-safe.
llvm::SectionMemoryManager::MemoryMapper &largePageMemoryMapper();

} // namespace mlir::sieve

#endif // SIEVE_TARGET_LARGEPAGES_H
