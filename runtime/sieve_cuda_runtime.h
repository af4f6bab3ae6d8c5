/*===- sieve_cuda_runtime.h - Sieve's CUDA runtime, the public part -------===*
 *
 * Models compiled with `sievec --target=nvptx` call libsieve_cuda_runtime.so:
 * it loads the CUDA driver (libcuda.so.1) with dlopen when first needed,
 * loads the model's PTX module, allocates its buffers as CUDA managed memory
 * and launches its kernels. The library itself loads on any machine; on one
 * without the driver or a GPU, sieve_gpu_error() says why, and the model
 * must not be run.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SIEVE_CUDA_RUNTIME_H
#define SIEVE_CUDA_RUNTIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NULL when a CUDA device is usable (the driver is initialized on the first
 * call, and the PTX modules of the models loaded so far are compiled for the
 * device), else a message that says why not: no driver (libcuda.so.1), no
 * device, or the CUDA error. Loading a model touches no GPU: its module is
 * compiled here or at its first launch. */
const char *sieve_gpu_error(void);

/* The name of the device models run on ("" when none). */
const char *sieve_gpu_device_name(void);

/* Frees a result buffer that a compiled model returned (managed memory). */
void sieve_gpu_free(void *buffer);

/* Copies `bytes` between any two of host memory, a model's buffers and
 * its results with the driver (cuMemcpy): reading a result this way moves
 * no pages of it back to the host. */
void sieve_gpu_copy(void *destination, const void *source, size_t bytes);

/* With SIEVE_GPU_TIMING set, the runtime sums each kernel's time (launch to
 * synchronization) and prints it at exit; this forgets what was summed so
 * far, e.g. after a warm-up call that loaded the module and the weights. */
void sieve_gpu_reset_timing(void);

#ifdef __cplusplus
}
#endif

#endif /* SIEVE_CUDA_RUNTIME_H */
