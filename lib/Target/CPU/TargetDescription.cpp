//===- TargetDescription.cpp - What a target CPU offers ---------*- C++ -*-===//

#include "sieve/Target/TargetDescription.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Threading.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/prctl.h>
#endif

using namespace mlir::sieve;

namespace {

/// Published cache sizes of named CPUs: L1D and L2 per core, and the
/// last-level cache one core can use (one CCX or die for chiplet designs).
struct CacheSizes {
  const char *cpus; // Comma-separated LLVM CPU names.
  int64_t l1, l2, llc;
};

constexpr int64_t KiB = 1024, MiB = 1024 * 1024;

constexpr CacheSizes kCacheTable[] = {
    // x86-64.
    {"znver4,znver5", 32 * KiB, 1 * MiB, 32 * MiB},
    {"znver3", 32 * KiB, 512 * KiB, 32 * MiB},
    {"znver1,znver2", 32 * KiB, 512 * KiB, 16 * MiB},
    {"sapphirerapids,emeraldrapids,graniterapids", 48 * KiB, 2 * MiB, 64 * MiB},
    {"icelake-server", 48 * KiB, 1280 * KiB, 32 * MiB},
    {"skylake-avx512,cascadelake,cooperlake", 32 * KiB, 1 * MiB, 32 * MiB},
    {"haswell,broadwell,skylake,alderlake,raptorlake", 32 * KiB, 256 * KiB,
     8 * MiB},
    // AArch64.
    {"neoverse-v2", 64 * KiB, 2 * MiB, 64 * MiB},
    {"neoverse-v1,neoverse-n1,neoverse-n2", 64 * KiB, 1 * MiB, 32 * MiB},
    {"cortex-a76,cortex-a78,cortex-x1", 64 * KiB, 512 * KiB, 2 * MiB},
    {"apple-m1,apple-m2,apple-m3", 128 * KiB, 12 * MiB, 12 * MiB},
    {"a64fx", 64 * KiB, 8 * MiB, 8 * MiB}, // L2 shared by 12 cores, no L3
};

/// CPUs whose cores complete one multiply-add of `bits`-wide vectors per
/// cycle, their widest (every other CPU and width: two). Zen 4 runs a
/// 512-bit FMA on its two 256-bit units; Intel's client cores with AVX-512
/// fuse ports 0 and 1 for it; Zen 1 splits 256-bit ones over two 128-bit
/// units. Zen 5 and Intel's server cores (Skylake-SP and later) have two
/// 512-bit units.
struct HalfRateFMA {
  const char *cpus; // Comma-separated LLVM CPU names.
  int64_t bits;
};
constexpr HalfRateFMA kOneFMAPerCycle[] = {
    {"znver4,cannonlake,icelake-client,tigerlake,rocketlake", 512},
    {"znver1", 256},
};

/// Published SVE vector lengths longer than NEON's 128 bits. Every other
/// SVE CPU LLVM names (Neoverse N2/V2/V3, Cortex-A510/A710/X2 and later,
/// Grace) has 128-bit SVE vectors: NEON's width, where fixed-length code
/// gains nothing from SVE (LLVM keeps NEON for it).
struct SVELength {
  const char *cpu;
  int64_t bits;
};
constexpr SVELength kSVELengths[] = {{"neoverse-v1", 256}, {"a64fx", 512}};

/// Whether the comma-separated LLVM CPU names `cpus` include `cpu`.
bool listsCPU(const char *cpus, llvm::StringRef cpu) {
  llvm::SmallVector<llvm::StringRef> names;
  llvm::StringRef(cpus).split(names, ',');
  return llvm::is_contained(names, cpu);
}

const CacheSizes *lookupCaches(llvm::StringRef cpu) {
  for (const CacheSizes &entry : kCacheTable)
    if (listsCPU(entry.cpus, cpu))
      return &entry;
  return nullptr;
}

/// This machine's SVE vector length in bits (Linux on AArch64), else -1.
int64_t hostSVEVectorBits() {
#if defined(__aarch64__) && defined(__linux__) && defined(PR_SVE_GET_VL)
  int vl = prctl(PR_SVE_GET_VL);
  if (vl >= 0)
    return int64_t(vl & PR_SVE_VL_LEN_MASK) * 8;
#endif
  return -1;
}

/// The host's cache sizes from /sys (Linux); false when unavailable.
bool readHostCaches(TargetDescription &d) {
  bool found = false;
  for (int index = 0; index < 8; ++index) {
    std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" +
                      std::to_string(index) + "/";
    auto read = [&](const char *name) -> std::string {
      // /sys files claim a page of size: read them as streams.
      auto buffer = llvm::MemoryBuffer::getFileAsStream(dir + name);
      return buffer ? (*buffer)->getBuffer().trim().str() : "";
    };
    std::string level = read("level"), type = read("type"), size = read("size");
    if (level.empty() || size.empty() || type == "Instruction")
      continue;
    int64_t bytes = 0;
    llvm::StringRef text = size;
    int64_t scale = 1;
    if (text.consume_back("K"))
      scale = KiB;
    else if (text.consume_back("M"))
      scale = MiB;
    if (text.getAsInteger(10, bytes) || bytes <= 0)
      continue;
    bytes *= scale;
    found = true;
    if (level == "1")
      d.l1Bytes = bytes;
    else if (level == "2")
      d.l2Bytes = bytes;
    d.lastLevelCacheBytes = std::max(d.lastLevelCacheBytes, bytes);
  }
  return found;
}

void describeVectors(const llvm::MCSubtargetInfo &sti,
                     const llvm::Triple &triple, int64_t sveVectorBits,
                     TargetDescription &d) {
  if (triple.isX86()) {
    if (sti.checkFeatures("+avx512f")) {
      d.vectorBits = 512;
      d.vectorRegisters = 32;
    } else if (sti.checkFeatures("+avx")) {
      d.vectorBits = 256;
      d.vectorRegisters = 16;
    } else {
      d.vectorBits = 128;
      d.vectorRegisters = 16;
    }
    if (d.vectorBits == 512 && sti.checkFeatures("+avx512vnni"))
      d.int8DotBits = 512;
    else if (d.vectorBits >= 256 &&
             (sti.checkFeatures("+avxvnni") ||
              sti.checkFeatures("+avx512vnni,+avx512vl")))
      d.int8DotBits = 256;
    if (d.int8DotBits)
      d.int8Dot = "vpdpbusd";
  } else if (triple.isAArch64()) {
    d.vectorBits = 128;
    d.vectorRegisters = 32;
    if (sti.checkFeatures("+i8mm")) {
      d.int8Dot = "usdot";
      d.int8DotBits = 128;
    }
    d.scalableVectors = sti.checkFeatures("+sve");
    if (!d.scalableVectors)
      return;
    if (sveVectorBits < 0) {
      sveVectorBits = 0;
      for (const SVELength &entry : kSVELengths)
        if (d.cpu == entry.cpu)
          sveVectorBits = entry.bits;
    }
    // Fixed-length SVE code from 256 bits on (LLVM's lowering of
    // fixed-length vectors to SVE): 32 vector registers of that length.
    if (sveVectorBits >= 256) {
      d.sveVectorBits = sveVectorBits;
      d.vectorBits = sveVectorBits;
    }
  }
}

} // namespace

CodegenTarget TargetDescription::codegenTarget() const {
  CodegenTarget t;
  t.vectorWidth = std::max<int64_t>(1, vectorBits / 32);
  // Two vectors of columns; rows so that the accumulators take at most
  // half of the registers (the rest hold the broadcast inputs and the
  // weight vectors).
  t.tileN = 2 * t.vectorWidth;
  t.tileM = std::clamp<int64_t>(vectorRegisters / 2 / 2, 1, 8);
  // The direct convolution kernel reads `v` input vectors per step and
  // broadcasts one weight at a time: tileM * v accumulators + v inputs +
  // 2 (a broadcast, and one to spare) registers, at most 3 vectors (more
  // measured no faster where they fit).
  t.directTileN =
      t.vectorWidth *
      std::clamp<int64_t>((vectorRegisters - 2) / (t.tileM + 1), 1, 3);
  t.cacheBytes = lastLevelCacheBytes;
  t.l1Bytes = l1Bytes;
  t.l2Bytes = l2Bytes;
  t.fmaLanes = t.vectorWidth * vectorFMAsPerCycle;
  t.int8Dot = int8Dot;
  t.int8DotBits = int8DotBits;
  // SVE without a fixed length: NEON-width tiles, scalable vectors where a
  // kernel has them.
  t.scalableVectors = scalableVectors && sveVectorBits == 0;
  return t;
}

std::string TargetDescription::str() const {
  CodegenTarget t = codegenTarget();
  auto size = [](int64_t bytes) {
    return bytes % MiB == 0 ? std::to_string(bytes / MiB) + " MiB"
                            : std::to_string(bytes / KiB) + " KiB";
  };
  std::string sve;
  if (sveVectorBits)
    sve = " (SVE code for vectors of " + std::to_string(sveVectorBits) +
          " bits or longer)";
  else if (scalableVectors)
    sve = " (SVE of any length: NEON-width tiles, scalable vectors in the "
          "sparse kernels and elementwise code; --sve-vector-bits for fixed "
          "vectors of 256 bits or longer)";
  return llvm::formatv("target: {0} (cpu {1})\n"
                       "vectors: {2}-bit, {3} registers{4}\n"
                       "caches ({5}): L1D {6}, L2 {7}, last level {8}\n"
                       "cores: {9}; vector FMAs per core and cycle: {15}\n"
                       "code generation: {10} f32 lanes, matmul register tile "
                       "{11}x{12}, direct convolution tile {11}x{14}, cost "
                       "model cache {13}, {16} multiply-adds per cycle\n"
                       "8-bit dot products: {17}\n",
                       triple, cpu, vectorBits, vectorRegisters, sve,
                       cacheSource, size(l1Bytes), size(l2Bytes),
                       size(lastLevelCacheBytes),
                       cores ? std::to_string(cores) : std::string("unknown"),
                       t.vectorWidth, t.tileM, t.tileN, size(t.cacheBytes),
                       t.directTileN, vectorFMAsPerCycle, t.fmaLanes,
                       int8DotBits ? std::to_string(int8DotBits) +
                                         "-bit vectors (" + int8Dot + ")"
                                   : std::string("none"))
      .str();
}

TargetDescription
mlir::sieve::describeTargetMachine(const llvm::TargetMachine &machine,
                                   bool host, int64_t sveVectorBits) {
  TargetDescription d;
  const llvm::Triple &triple = machine.getTargetTriple();
  d.triple = triple.str();
  d.cpu = machine.getTargetCPU().str();
  if (host && sveVectorBits < 0)
    sveVectorBits = hostSVEVectorBits();
  describeVectors(*machine.getMCSubtargetInfo(), triple, sveVectorBits, d);
  for (const HalfRateFMA &entry : kOneFMAPerCycle)
    if (d.vectorBits == entry.bits && listsCPU(entry.cpus, d.cpu))
      d.vectorFMAsPerCycle = 1;
  // AMX exists only on Intel's server cores (Sapphire Rapids and later),
  // which have two 512-bit FMA units: a virtual machine whose hypervisor
  // reports such a Xeon as a client model (family 6 model 167, which LLVM
  // names rocketlake) keeps the server's rate with the host's features.
  if (triple.isX86() &&
      machine.getMCSubtargetInfo()->checkFeatures("+amx-tile"))
    d.vectorFMAsPerCycle = 2;
  if (host && readHostCaches(d)) {
    d.cacheSource = "host";
  } else if (const CacheSizes *caches = lookupCaches(d.cpu)) {
    d.l1Bytes = caches->l1;
    d.l2Bytes = caches->l2;
    d.lastLevelCacheBytes = caches->llc;
    d.cacheSource = "table";
  }
  if (host) {
    int cores = llvm::get_physical_cores();
    d.cores = cores > 0 ? cores : 0;
  }
  return d;
}

std::optional<TargetDescription>
mlir::sieve::describeTarget(const CPUTarget &target, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(target, error);
  if (!machine)
    return std::nullopt;
  return describeTargetMachine(*machine, target.cpu == "native",
                               target.sveVectorBits);
}

TargetDescription mlir::sieve::describeHost() {
  std::string error;
  CPUTarget host;
  llvm::Triple triple(llvm::sys::getProcessTriple());
  host.arch = triple.str();
  host.cpu = "native";
  if (std::optional<TargetDescription> d = describeTarget(host, error))
    return *d;
  return TargetDescription();
}
