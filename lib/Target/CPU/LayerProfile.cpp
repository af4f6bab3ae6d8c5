//===- LayerProfile.cpp - Per-layer run times of JIT models -----*- C++ -*-===//

#include "sieve/Target/LayerProfile.h"

#include <chrono>

using namespace mlir::sieve;

namespace {

thread_local LayerCounters *current = nullptr;

uint64_t now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

extern "C" void sieveProfileBegin(int64_t) {
  if (current)
    current->start = now();
}

extern "C" void sieveProfileEnd(int64_t id) {
  LayerCounters *counters = current;
  if (!counters || id < 0)
    return;
  uint64_t elapsed = now() - counters->start;
  size_t index = static_cast<size_t>(id);
  if (index >= counters->nanos.size()) {
    counters->nanos.resize(index + 1, 0);
    counters->calls.resize(index + 1, 0);
  }
  counters->nanos[index] += elapsed;
  counters->calls[index] += 1;
}

} // namespace

LayerCounters *mlir::sieve::setThreadLayerCounters(LayerCounters *counters) {
  LayerCounters *previous = current;
  current = counters;
  return previous;
}

const JitSymbol *mlir::sieve::layerProfileSymbols(size_t &count) {
  static const JitSymbol symbols[] = {
      {"sieve_profile_begin", reinterpret_cast<void *>(&sieveProfileBegin)},
      {"sieve_profile_end", reinterpret_cast<void *>(&sieveProfileEnd)},
  };
  count = sizeof(symbols) / sizeof(symbols[0]);
  return symbols;
}
