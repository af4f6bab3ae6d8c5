/* Runs the MNIST MLP compiled by `sievec --target=nvptx -o mnist.so`:
 * without a usable GPU, mnist_run returns 1 and sieve_gpu_error() says why
 * (exit status 3); with one, the prediction is printed. */
#include "mnist.h"
#include <stdio.h>

int main(void) {
  static float image[28 * 28], prediction[10];
  if (mnist_run(image, prediction, NULL)) {
    fprintf(stderr, "no GPU: %s\n", sieve_gpu_error());
    return 3;
  }
  for (int i = 0; i < 10; ++i)
    printf("%g\n", prediction[i]);
  return 0;
}
