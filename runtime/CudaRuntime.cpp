//===- CudaRuntime.cpp - Sieve's CUDA runtime -------------------*- C++ -*-===//
//
// What a model compiled by sieve-gpu-pipeline calls (docs/targets.md):
//
// * the launch interface that MLIR's gpu-to-llvm lowering and the
//   gpu.binary translation emit (mgpuModuleLoadJIT, mgpuModuleGetFunction,
//   mgpuLaunchKernel, mgpuStream*), implemented on the CUDA driver API;
// * the model's allocator (finalize-memref-to-llvm with generic functions:
//   _mlir_memref_to_llvm_alloc/free): CUDA managed memory, which the host
//   code and the kernels both read and write, with freed blocks kept for
//   reuse by size;
// * sieveGpuConstant: a managed copy of a weight, made once per address.
//
// The driver (libcuda.so.1) is loaded with dlopen on first use, so that
// this library builds and loads on machines without CUDA; there
// sieve_gpu_error() says why no model can run. Debian ships no MLIR CUDA
// runtime library, hence this one.
//
//===----------------------------------------------------------------------===//

#include "sieve_cuda_runtime.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// The few driver API types and constants used (cuda.h is not needed to
// build this library).
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
constexpr int kJitErrorLogBuffer = 5;
constexpr int kJitErrorLogBufferSize = 6;
constexpr unsigned kMemAttachGlobal = 1;
constexpr int kAttributeMemoryClockRate = 36;
constexpr int kAttributeGlobalMemoryBusWidth = 37;

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpy)(CUdeviceptr, CUdeviceptr, size_t);
  // Optional (null when the driver lacks it): moves managed memory to the
  // device ahead of its first use.
  CUresult (*cuMemPrefetchAsync)(CUdeviceptr, size_t, CUdevice, CUstream);
  CUresult (*cuGetErrorString)(CUresult, const char **);
};

struct State;
State *stateIfCreated();
void printTimes();

/// A model's PTX module. A global constructor of the model registers it
/// when the model is loaded; the driver compiles it on first use
/// (sieve_gpu_error() or the first launch), so that loading a model starts
/// nothing: CUDA is initialized when the model is first run (and tools that
/// must come first, such as compute-sanitizer, can).
struct LazyModule {
  const void *ptx;
  CUmodule module = nullptr;
  bool tried = false;
};

struct State {
  std::mutex mutex;
  bool initialized = false;
  std::string error; // empty: usable
  Driver driver{};
  CUdevice device = 0;
  CUcontext context = nullptr;
  char deviceName[256] = "";
  // Allocations: live sizes, and freed blocks by size.
  std::unordered_map<void *, size_t> live;
  std::unordered_map<size_t, std::vector<void *>> freed;
  // Managed copies of constants, by host address.
  std::unordered_map<const void *, void *> constants;
  // The models' PTX modules, loaded on first use.
  std::vector<LazyModule *> modules;
  // With SIEVE_GPU_TIMING set: each kernel's name, and per name the
  // launches and the seconds from launch to the end of its synchronization.
  bool timing = false;
  std::unordered_map<void *, std::string> names;
  std::map<std::string, std::pair<long, double>> times;
  void *lastLaunched = nullptr;
  std::chrono::steady_clock::time_point launchedAt;
};

void printTimes() {
  State &s = *stateIfCreated();
  long launches = 0;
  double seconds = 0;
  for (auto &[name, entry] : s.times) {
    launches += entry.first;
    seconds += entry.second;
  }
  std::fprintf(stderr,
               "sieve: GPU kernel time: %ld launches, %.3f ms (launch to "
               "synchronization)\n",
               launches, seconds * 1e3);
  for (auto &[name, entry] : s.times)
    std::fprintf(stderr, "sieve:   %-32s %8ld launches %10.3f ms\n",
                 name.c_str(), entry.first, entry.second * 1e3);
}

State *&stateSlot() {
  static State *s = nullptr;
  return s;
}

State *stateIfCreated() { return stateSlot(); }

State &state() {
  // Never destroyed: used by global destructors.
  static State *s = [] {
    State *created = new State();
    stateSlot() = created;
    created->timing = std::getenv("SIEVE_GPU_TIMING") != nullptr;
    if (created->timing)
      std::atexit(printTimes);
    return created;
  }();
  return *s;
}

std::string describe(CUresult result) {
  const char *text = nullptr;
  if (state().driver.cuGetErrorString)
    state().driver.cuGetErrorString(result, &text);
  return text ? std::string(text) + " (" + std::to_string(result) + ")"
              : "CUDA error " + std::to_string(result);
}

template <typename T> bool load(void *library, const char *name, T &fn) {
  fn = reinterpret_cast<T>(dlsym(library, name));
  return fn != nullptr;
}

/// Loads the driver and makes the first device's primary context current.
/// Returns the error message (empty on success). Holds the mutex.
std::string initialize(State &s) {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    return std::string("no CUDA driver: cannot load libcuda.so.1 (") +
           (why ? why : "not found") +
           "); --target=nvptx models need an NVIDIA GPU and its driver";
  }
  Driver &d = s.driver;
  const char *missing = nullptr;
#define SIEVE_LOAD(field, symbol)                                              \
  if (!missing && !load(library, symbol, d.field))                             \
    missing = symbol;
  SIEVE_LOAD(cuGetErrorString, "cuGetErrorString")
  SIEVE_LOAD(cuInit, "cuInit")
  SIEVE_LOAD(cuDeviceGet, "cuDeviceGet")
  SIEVE_LOAD(cuDeviceGetName, "cuDeviceGetName")
  SIEVE_LOAD(cuDeviceGetAttribute, "cuDeviceGetAttribute")
  SIEVE_LOAD(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  SIEVE_LOAD(cuCtxSetCurrent, "cuCtxSetCurrent")
  SIEVE_LOAD(cuCtxSynchronize, "cuCtxSynchronize")
  SIEVE_LOAD(cuModuleLoadDataEx, "cuModuleLoadDataEx")
  SIEVE_LOAD(cuModuleGetFunction, "cuModuleGetFunction")
  SIEVE_LOAD(cuModuleUnload, "cuModuleUnload")
  SIEVE_LOAD(cuLaunchKernel, "cuLaunchKernel")
  SIEVE_LOAD(cuStreamSynchronize, "cuStreamSynchronize")
  SIEVE_LOAD(cuMemAllocManaged, "cuMemAllocManaged")
  SIEVE_LOAD(cuMemFree, "cuMemFree_v2")
  SIEVE_LOAD(cuMemcpy, "cuMemcpy")
#undef SIEVE_LOAD
  if (missing)
    return std::string("the CUDA driver (libcuda.so.1) lacks ") + missing;
  load(library, "cuMemPrefetchAsync", d.cuMemPrefetchAsync);

  if (CUresult r = d.cuInit(0))
    return "cuInit failed: " + describe(r);
  if (CUresult r = d.cuDeviceGet(&s.device, 0))
    return "no CUDA device: " + describe(r);
  d.cuDeviceGetName(s.deviceName, sizeof(s.deviceName), s.device);
  if (CUresult r = d.cuDevicePrimaryCtxRetain(&s.context, s.device))
    return "cannot create a CUDA context: " + describe(r);
  if (CUresult r = d.cuCtxSetCurrent(s.context))
    return "cannot use the CUDA context: " + describe(r);
  return "";
}

/// The usable state, or null with the error recorded.
State *ready() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.initialized) {
    s.initialized = true;
    s.error = initialize(s);
  }
  if (!s.error.empty())
    return nullptr;
  // Each calling thread uses the device's primary context.
  s.driver.cuCtxSetCurrent(s.context);
  return &s;
}

[[noreturn]] void fatal(const std::string &message) {
  std::fprintf(stderr, "sieve: CUDA runtime: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

State &mustBeReady(const char *what) {
  State *s = ready();
  if (!s)
    fatal(std::string(what) + ": " + state().error);
  return *s;
}

void check(CUresult result, const char *what) {
  if (result)
    fatal(std::string(what) + " failed: " + describe(result));
}

std::string moduleError; // why the last module load failed

/// Loads `module` on first use (the driver compiles the PTX for the
/// device); false with moduleError set when it cannot be loaded.
bool loadModule(State &s, LazyModule &module) {
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!module.tried) {
    module.tried = true;
    char log[8192] = "";
    int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize};
    void *values[] = {log, reinterpret_cast<void *>(sizeof(log))};
    if (CUresult r = s.driver.cuModuleLoadDataEx(&module.module, module.ptx, 2,
                                                 options, values)) {
      module.module = nullptr;
      moduleError = "cannot load the model's PTX module: " + describe(r) +
                    (log[0] ? std::string(": ") + log : "");
    }
  }
  return module.module != nullptr;
}

} // namespace

extern "C" {

const char *sieve_gpu_error(void) {
  State *s = ready();
  if (!s)
    return state().error.c_str();
  std::vector<LazyModule *> modules;
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    modules = s->modules;
  }
  for (LazyModule *module : modules)
    loadModule(*s, *module);
  if (!moduleError.empty())
    return moduleError.c_str();
  return nullptr;
}

const char *sieve_gpu_device_name(void) {
  return ready() ? state().deviceName : "";
}

double sieve_gpu_peak_bandwidth(void) {
  State *s = ready();
  if (!s)
    return 0;
  int clockKHz = 0, busBits = 0;
  if (s->driver.cuDeviceGetAttribute(&clockKHz, kAttributeMemoryClockRate,
                                     s->device) ||
      s->driver.cuDeviceGetAttribute(&busBits, kAttributeGlobalMemoryBusWidth,
                                     s->device))
    return 0;
  // Double data rate.
  return 2.0 * clockKHz * 1e3 * (busBits / 8.0);
}

// The launch interface of MLIR's GPU lowering.

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  // Called by a global constructor when a model is loaded: only registers
  // the PTX (LazyModule); nothing touches the driver yet.
  (void)optLevel;
  State &s = state();
  auto *module = new LazyModule{data};
  std::lock_guard<std::mutex> lock(s.mutex);
  s.modules.push_back(module);
  return module;
}

void *mgpuModuleLoad(void *data, size_t) { return mgpuModuleLoadJIT(data, 3); }

void mgpuModuleUnload(void *handle) {
  auto *module = static_cast<LazyModule *>(handle);
  if (!module)
    return;
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.modules.erase(std::remove(s.modules.begin(), s.modules.end(), module),
                    s.modules.end());
  }
  if (module->module && ready())
    s.driver.cuModuleUnload(module->module);
  delete module;
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  State &s = mustBeReady("launching a kernel");
  auto *module = static_cast<LazyModule *>(handle);
  if (!module || !loadModule(s, *module))
    fatal(moduleError.empty() ? "the model's PTX module is not loaded"
                              : moduleError);
  CUfunction function = nullptr;
  check(s.driver.cuModuleGetFunction(&function, module->module, name),
        "cuModuleGetFunction");
  if (s.timing) {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.names[function] = name;
  }
  return function;
}

// Kernels run on the default stream, one after another. The host waits
// for them where the model's code says (sieve-gpu-async-launches: before
// the host reads memory and before returning; with --gpu-launches=sync,
// after each launch).
void *mgpuStreamCreate() { return nullptr; }
void mgpuStreamDestroy(void *) {}
void mgpuStreamSynchronize(void *stream) {
  State &s = mustBeReady("synchronizing");
  check(s.driver.cuStreamSynchronize(stream), "cuStreamSynchronize");
  if (s.timing && s.lastLaunched) {
    std::chrono::duration<double> spent =
        std::chrono::steady_clock::now() - s.launchedAt;
    std::lock_guard<std::mutex> lock(s.mutex);
    auto &entry = s.times[s.names[s.lastLaunched]];
    ++entry.first;
    entry.second += spent.count();
    s.lastLaunched = nullptr;
  }
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t) {
  State &s = mustBeReady("launching a kernel");
  if (s.timing) {
    // Timed launches are synchronous: the previous kernel ends here (or at
    // its own synchronization), this one at the next synchronization.
    mgpuStreamSynchronize(stream);
    s.lastLaunched = function;
    s.launchedAt = std::chrono::steady_clock::now();
  }
  check(s.driver.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                                blockZ, sharedBytes, stream, params, extra),
        "cuLaunchKernel");
}

// The model's allocator.

void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  State &s = mustBeReady("allocating a buffer");
  if (bytes == 0)
    bytes = 1;
  std::lock_guard<std::mutex> lock(s.mutex);
  std::vector<void *> &cached = s.freed[bytes];
  void *buffer = nullptr;
  if (!cached.empty()) {
    buffer = cached.back();
    cached.pop_back();
  } else {
    CUdeviceptr address = 0;
    check(s.driver.cuMemAllocManaged(&address, bytes, kMemAttachGlobal),
          "cuMemAllocManaged");
    buffer = reinterpret_cast<void *>(address);
  }
  s.live[buffer] = bytes;
  return buffer;
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t, size_t bytes) {
  // Managed allocations are aligned to at least 256 bytes.
  return _mlir_memref_to_llvm_alloc(bytes);
}

void _mlir_memref_to_llvm_free(void *buffer) {
  if (!buffer)
    return;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.live.find(buffer);
  if (it == s.live.end())
    fatal("freeing a buffer the model did not allocate");
  s.freed[it->second].push_back(buffer);
  s.live.erase(it);
}

void sieve_gpu_free(void *buffer) { _mlir_memref_to_llvm_free(buffer); }

void sieve_gpu_copy(void *destination, const void *source, size_t bytes) {
  if (bytes == 0)
    return;
  State &s = mustBeReady("copying a buffer");
  check(s.driver.cuMemcpy(reinterpret_cast<CUdeviceptr>(destination),
                          reinterpret_cast<CUdeviceptr>(source), bytes),
        "cuMemcpy");
}

// gpu.memcpy (the entry's copies of the caller's buffers): synchronous on
// the default stream, like the launches.
void mgpuMemcpy(void *destination, void *source, size_t bytes, void *) {
  sieve_gpu_copy(destination, source, bytes);
}

void sieve_gpu_reset_timing(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.times.clear();
}

void *sieveGpuConstant(const void *host, int64_t bytes) {
  State &s = mustBeReady("copying a weight");
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.constants.find(host);
    if (it != s.constants.end())
      return it->second;
  }
  CUdeviceptr address = 0;
  check(s.driver.cuMemAllocManaged(&address, bytes > 0 ? bytes : 1,
                                   kMemAttachGlobal),
        "cuMemAllocManaged");
  void *copy = reinterpret_cast<void *>(address);
  std::memcpy(copy, host, bytes);
  // Weights are read by kernels: move them to the device now rather than
  // page by page on the first kernel's faults.
  if (s.driver.cuMemPrefetchAsync &&
      s.driver.cuMemPrefetchAsync(address, bytes, s.device, nullptr) == 0)
    s.driver.cuStreamSynchronize(nullptr);
  std::lock_guard<std::mutex> lock(s.mutex);
  s.constants.emplace(host, copy);
  return copy;
}

} // extern "C"
