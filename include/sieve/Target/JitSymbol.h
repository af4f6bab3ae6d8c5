//===- JitSymbol.h - Host functions JIT-compiled code calls ----*- C++ -*-===//
//
// A name and address pair for the JIT's symbol map: the buffer pool's
// allocation functions (BufferPool.h) and the layer profile's hooks
// (LayerProfile.h), which compiled code calls by name.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_JITSYMBOL_H
#define SIEVE_TARGET_JITSYMBOL_H

namespace mlir::sieve {

struct JitSymbol {
  const char *name;
  void *address;
};

} // namespace mlir::sieve

#endif // SIEVE_TARGET_JITSYMBOL_H
