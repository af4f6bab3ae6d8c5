//===- TargetDescription.h - What a target CPU offers -----------*- C++ -*-===//
//
// The facts about a CPU that code generation and the sparsity cost model
// depend on: vector width and registers, caches, cores. Derived from LLVM's
// view of the CPU (--mcpu / --mattr, or the host's CPU and features), the
// host's /sys cache sizes when compiling for this machine, and a small table
// of published cache sizes for named CPUs otherwise. Nothing here is tuned
// to one machine: the pipeline's parameters are computed from these facts
// (codegenTarget()).
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_TARGETDESCRIPTION_H
#define SIEVE_TARGET_TARGETDESCRIPTION_H

#include "sieve/Pipelines/Pipelines.h"
#include "sieve/Target/ObjectEmitter.h"

#include <cstdint>
#include <optional>
#include <string>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace mlir::sieve {

struct TargetDescription {
  /// LLVM triple and CPU name ("native" resolved to the host's).
  std::string triple, cpu;
  /// Width of the widest vector registers for f32 arithmetic, in bits, and
  /// how many there are.
  int64_t vectorBits = 128;
  int64_t vectorRegisters = 16;
  /// Whether the CPU has scalable vectors (SVE), and the length in bits the
  /// code assumes as their minimum: 256 and up, fixed-length vectors of
  /// `vectorBits` (= this length) compiled to SVE instructions, for every
  /// SVE CPU whose vectors are at least this long; 0: NEON-width code (with
  /// `scalableVectors`: for any SVE length, the kernels that have scalable
  /// forms in scalable vectors, CodegenTarget::scalableVectors). From
  /// --sve-vector-bits, else the CPU's published length (kSVELengths).
  bool scalableVectors = false;
  int64_t sveVectorBits = 0;
  /// Data cache per core (L1, L2) and the last-level cache one core sees.
  int64_t l1Bytes = 32 << 10;
  int64_t l2Bytes = 512 << 10;
  int64_t lastLevelCacheBytes = 8 << 20;
  /// Where the cache sizes come from: "host" (/sys), "table" (published
  /// sizes of this CPU) or "default" (an unknown CPU: conservative sizes).
  std::string cacheSource = "default";
  /// Cores (physical) when known, else 0.
  int64_t cores = 0;
  /// Multiply-adds of `vectorBits` vectors one core completes per cycle:
  /// the CPU's published FMA units (kOneFMAPerCycle: one for 512-bit
  /// vectors on Zen 4, which splits them over its two 256-bit units, and on
  /// Intel's client cores with AVX-512), else two, what most cores have.
  int64_t vectorFMAsPerCycle = 2;
  /// The CPU's dot product of four unsigned by four signed bytes into each
  /// 32-bit lane, and the bits of its vectors: x86's `vpdpbusd` (512 with
  /// AVX-512 VNNI and 512-bit vectors, 256 with AVX-VNNI or AVX-512 VNNI
  /// on 256-bit vectors), AArch64's `usdot` (FEAT_I8MM: 128, NEON
  /// registers); empty and 0 when it has none.
  std::string int8Dot;
  int64_t int8DotBits = 0;

  /// The parameters sieve-cpu-pipeline takes, computed from the facts:
  /// vector width = vectorBits / 32; a register tile of tileM x 2 vectors
  /// whose accumulators use at most half the vector registers; the
  /// last-level cache for the cost model; the multiply-add lanes per
  /// cycle (vector width x FMAs per cycle) for the Winograd trade-off.
  CodegenTarget codegenTarget() const;

  /// A few lines for `sievec --print-target`.
  std::string str() const;
};

/// The description of the CPU `machine` compiles for; `host` when that is
/// this machine (its caches are read from /sys). `sveVectorBits` as in
/// CPUTarget (-1: the CPU's published SVE length).
TargetDescription describeTargetMachine(const llvm::TargetMachine &machine,
                                        bool host, int64_t sveVectorBits = -1);

/// The description of `target` ("native" describes the host). Returns
/// nullopt with `error` set for an unknown architecture, CPU or feature.
std::optional<TargetDescription> describeTarget(const CPUTarget &target,
                                                std::string &error);

/// The description of the machine Sieve runs on (what the JIT compiles for).
TargetDescription describeHost();

} // namespace mlir::sieve

#endif // SIEVE_TARGET_TARGETDESCRIPTION_H
