//===- LayerProfile.h - Per-layer run times of JIT models -------*- C++ -*-===//
//
// Code compiled with sieve-cpu-pipeline's `profile-layers` option calls
// `sieve_profile_begin(id)` and `sieve_profile_end(id)` around each layer
// (top-level loop nest, sieve-profile-layers). In the JIT these are the
// functions below: they add the wall time of each call to the counters of
// the model running on the calling thread (JitModel::run installs them),
// so models run on several threads at once keep separate profiles. The
// compiled entry function runs its layers one after another on the
// calling thread (threads work inside a layer), so the times of a run's
// layers add up to at most its wall time.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_LAYERPROFILE_H
#define SIEVE_TARGET_LAYERPROFILE_H

#include "sieve/Target/JitSymbol.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::sieve {

/// The counters of one model's layers, indexed by layer id.
struct LayerCounters {
  std::vector<uint64_t> nanos, calls;
  /// The start of the layer running now.
  uint64_t start = 0;
};

/// Installs `counters` as the calling thread's (null: none; the hooks then
/// do nothing). Returns the previous ones.
LayerCounters *setThreadLayerCounters(LayerCounters *counters);

/// One layer of a profile: its name (op types and ONNX node names), its
/// total time over the profiled runs and how often it ran.
struct LayerTime {
  std::string name;
  double seconds = 0;
  uint64_t calls = 0;
};

/// `sieve_profile_begin` and `sieve_profile_end`, for the JIT's symbol map.
const JitSymbol *layerProfileSymbols(size_t &count);

} // namespace mlir::sieve

#endif // SIEVE_TARGET_LAYERPROFILE_H
