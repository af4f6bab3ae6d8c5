/* A stand-in for the CUDA driver (libcuda.so.1) with the calls Sieve's CUDA
 * runtime makes, for tests on machines without a GPU: it runs no kernel,
 * but checks what the runtime passes (the PTX module, the kernel names it
 * defines, launch sizes, one non-null pointer per kernel parameter, the
 * buffers freed are ones it allocated) and prints a summary at exit (with
 * the synchronizations: how often the host waited for the GPU).
 * FAKE_CUDA_REJECT=1 makes it refuse the PTX module as a driver would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;

static const char *ptx;
static long modules, launches, badLaunches, allocations, frees, badFrees;
static long copies, badCopies, synchronizations;
static void *live[1 << 16];
static size_t liveBytes[1 << 16];
static long liveCount;

__attribute__((destructor)) static void summary(void) {
  fprintf(stderr,
          "fake libcuda: %ld modules, %ld launches, %ld bad launches, %ld "
          "allocations, %ld frees, %ld bad frees, %ld copies, %ld bad "
          "copies, %ld synchronizations\n",
          modules, launches, badLaunches, allocations, frees, badFrees, copies,
          badCopies, synchronizations);
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  *text = error == 218 ? "a PTX JIT compilation failed (fake)" : "fake error";
  return 0;
}
CUresult cuInit(unsigned flags) { return flags == 0 ? 0 : 1; }
CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return 0;
}
CUresult cuDeviceGetName(char *name, int length, int device) {
  snprintf(name, length, "Fake GPU %d", device);
  return 0;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  *value = attribute == 36 ? 1000000 : attribute == 37 ? 4096 : 0;
  return 0;
}
static int context;
CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  (void)device;
  *ctx = &context;
  return 0;
}
CUresult cuCtxSetCurrent(void *ctx) { return ctx == &context ? 0 : 201; }
CUresult cuCtxSynchronize(void) { return 0; }

CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned count,
                            int *options, void **values) {
  if (getenv("FAKE_CUDA_REJECT")) {
    for (unsigned i = 0; i < count; ++i)
      if (options[i] == 5) /* CU_JIT_ERROR_LOG_BUFFER */
        strcpy((char *)values[i], "ptxas fatal: rejected by the fake driver");
    return 218;
  }
  ptx = (const char *)image;
  if (!strstr(ptx, ".version") || !strstr(ptx, ".visible .entry"))
    return 200; /* CUDA_ERROR_INVALID_IMAGE */
  ++modules;
  *module = (void *)ptx;
  return 0;
}

CUresult cuModuleUnload(void *module) { return module == ptx ? 0 : 400; }

/* A function is its PTX entry's text; its parameters are counted there. */
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  char entry[256];
  snprintf(entry, sizeof entry, ".entry %s(", name);
  const char *at = strstr((const char *)module, entry);
  if (!at)
    return 500; /* CUDA_ERROR_NOT_FOUND */
  *function = (void *)at;
  return 0;
}

static int parameters(const char *entry) {
  const char *end = strchr(entry, ')');
  int n = 0;
  for (const char *p = entry; p && p < end; p = strstr(p + 1, ".param"))
    n += p != entry;
  return n;
}

CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *stream, void **params, void **extra) {
  (void)shared;
  (void)stream;
  ++launches;
  int bad = !function || !gx || !gy || !gz || !bx || !by || !bz ||
            bx * by * bz > 1024 || extra || !params;
  for (int i = 0, n = function ? parameters(function) : 0; !bad && i < n; ++i)
    bad = params[i] == NULL;
  badLaunches += bad;
  return bad ? 1 : 0;
}

CUresult cuStreamSynchronize(void *stream) {
  (void)stream;
  ++synchronizations;
  return 0;
}

CUresult cuMemAllocManaged(uint64_t *address, size_t bytes, unsigned flags) {
  if (flags != 1 || !bytes || liveCount == (long)(sizeof live / sizeof *live))
    return 1;
  void *p = calloc(1, bytes);
  liveBytes[liveCount] = bytes;
  live[liveCount++] = p;
  ++allocations;
  *address = (uint64_t)(uintptr_t)p;
  return 0;
}

CUresult cuMemFree_v2(uint64_t address) {
  void *p = (void *)(uintptr_t)address;
  for (long i = 0; i < liveCount; ++i)
    if (live[i] == p) {
      --liveCount;
      live[i] = live[liveCount];
      liveBytes[i] = liveBytes[liveCount];
      free(p);
      ++frees;
      return 0;
    }
  ++badFrees;
  return 1;
}

/* A copy must have a buffer of the model's (within a managed allocation)
 * at one end or both: an input copied in, a result copied out. */
static int isLive(const char *p, size_t bytes) {
  for (long i = 0; i < liveCount; ++i)
    if (p >= (const char *)live[i] &&
        p + bytes <= (const char *)live[i] + liveBytes[i])
      return 1;
  return 0;
}

CUresult cuMemcpy(uint64_t destination, uint64_t source, size_t bytes) {
  char *d = (char *)(uintptr_t)destination;
  const char *s = (const char *)(uintptr_t)source;
  if (!bytes || !d || !s || !(isLive(d, bytes) || isLive(s, bytes))) {
    ++badCopies;
    return 1;
  }
  memcpy(d, s, bytes);
  ++copies;
  return 0;
}
