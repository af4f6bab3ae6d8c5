/*===- sieve-capi-test.c - A C program over Sieve's C API ---------*- C -*-===*\
|*                                                                            *|
|* Usage:                                                                    *|
|*   sieve-capi-test ir                    dialect handle, parse, pass      *|
|*   sieve-capi-test compile MODEL OUT     sieveCompileModel                 *|
|*   sieve-capi-test run MODEL IN OUT [SPARSITY]                             *|
|*        loads MODEL, runs it on the raw float32 input file IN (the first   *|
|*        input's shape, dynamic dimensions 1), writes the first output's    *|
|*        raw float32 values to OUT                                          *|
|*   sieve-capi-test errors MODEL          error strings, no aborts          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "sieve-c/Compiler.h"
#include "sieve-c/Dialects.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void printToFile(MlirStringRef text, void *userData) {
  fwrite(text.data, 1, text.length, (FILE *)userData);
}

static int testIR(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  MlirDialectHandle sieve = mlirGetDialectHandle__sieve__();
  mlirDialectHandleInsertDialect(sieve, registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirDialectHandleRegisterDialect(sieve, ctx);
  MlirStringRef ns = mlirDialectHandleGetNamespace(sieve);
  printf("dialect: %.*s\n", (int)ns.length, ns.data);

  /* A ReLU feeding a matmul: sieve-sparsify-activations rewrites it. */
  const char *source =
      "func.func @ffn(%x: tensor<1x64xf32>, %w: tensor<64x32xf32>) -> "
      "tensor<1x32xf32> {\n"
      "  %zero = arith.constant 0.0 : f32\n"
      "  %e = tensor.empty() : tensor<1x64xf32>\n"
      "  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64xf32>) -> "
      "tensor<1x64xf32>\n"
      "  %h = linalg.max ins(%x, %z : tensor<1x64xf32>, tensor<1x64xf32>) "
      "outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>\n"
      "  %o = tensor.empty() : tensor<1x32xf32>\n"
      "  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x32xf32>) -> "
      "tensor<1x32xf32>\n"
      "  %y = linalg.matmul ins(%h, %w : tensor<1x64xf32>, "
      "tensor<64x32xf32>) outs(%acc : tensor<1x32xf32>) -> "
      "tensor<1x32xf32>\n"
      "  return %y : tensor<1x32xf32>\n"
      "}\n";
  mlirContextSetAllowUnregisteredDialects(ctx, false);
  sieveRegisterPasses();
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(source));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "parse failed\n");
    return 1;
  }
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed = mlirOpPassManagerAddPipeline(
      opm,
      mlirStringRefCreateFromCString(
          "func.func(sieve-sparsify-activations{density-limit=0.5})"),
      printToFile, stderr);
  if (mlirLogicalResultIsFailure(parsed)) {
    fprintf(stderr, "pipeline parse failed\n");
    return 1;
  }
  if (mlirLogicalResultIsFailure(
          mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module)))) {
    fprintf(stderr, "pass failed\n");
    return 1;
  }
  mlirOperationPrint(mlirModuleGetOperation(module), printToFile, stdout);
  printf("\n");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}

static int testCompile(const char *model, const char *out) {
  SieveCompileOptions options;
  sieveCompileOptionsInit(&options);
  options.sparsity = "exact";
  char *error = NULL;
  if (sieveCompileModel(model, out, &options, &error) != 0) {
    fprintf(stderr, "compile failed: %s\n", error);
    sieveFreeString(error);
    return 1;
  }
  printf("compiled %s\n", out);
  return 0;
}

static int testRun(const char *model, const char *inPath, const char *outPath,
                   const char *sparsity, const char *device) {
  SieveCompileOptions options;
  sieveCompileOptionsInit(&options);
  options.sparsity = sparsity;
  if (!strcmp(device, "emulated-gpu")) {
    /* The GPU's kernels, run on the CPU. */
    options.target = "nvptx";
    options.gpuArch = "sm_80";
    options.emulateGPU = 1;
  }
  char *error = NULL;
  SieveModel *m = sieveModelLoad(model, &options, &error);
  if (!m) {
    fprintf(stderr, "load failed: %s\n", error);
    sieveFreeString(error);
    return 1;
  }
  size_t numIn = sieveModelNumInputs(m), numOut = sieveModelNumOutputs(m);
  printf("inputs: %zu, outputs: %zu\n", numIn, numOut);
  SieveTensor type = sieveModelInputType(m, 0);
  printf("input '%s': type %d, rank %lld\n", sieveModelInputName(m, 0),
         (int)type.elementType, (long long)type.rank);
  int64_t shape[8];
  int64_t count = 1;
  for (int64_t d = 0; d < type.rank && d < 8; ++d) {
    shape[d] = type.shape[d] < 0 ? 1 : type.shape[d];
    count *= shape[d];
  }
  float *data = malloc(sizeof(float) * (size_t)count);
  FILE *in = fopen(inPath, "rb");
  if (!in || fread(data, sizeof(float), (size_t)count, in) != (size_t)count) {
    fprintf(stderr, "cannot read %s\n", inPath);
    return 1;
  }
  fclose(in);
  SieveTensor input = {type.elementType, type.rank, shape, data};
  SieveTensor *outputs = calloc(numOut, sizeof(SieveTensor));
  if (sieveModelRun(m, &input, 1, outputs, numOut, &error) != 0) {
    fprintf(stderr, "run failed: %s\n", error);
    sieveFreeString(error);
    return 1;
  }
  int64_t outCount = 1;
  for (int64_t d = 0; d < outputs[0].rank; ++d)
    outCount *= outputs[0].shape[d];
  printf("output '%s': rank %lld, %lld elements\n", sieveModelOutputName(m, 0),
         (long long)outputs[0].rank, (long long)outCount);
  FILE *out = fopen(outPath, "wb");
  fwrite(outputs[0].data, sizeof(float), (size_t)outCount, out);
  fclose(out);
  for (size_t i = 0; i < numOut; ++i)
    sieveTensorFree(&outputs[i]);
  free(outputs);
  free(data);
  sieveModelDestroy(m);
  return 0;
}

static int testErrors(const char *model) {
  char *error = NULL;
  /* A missing file. */
  int rc;
  SieveModel *m = sieveModelLoad("/nonexistent/model.onnx", NULL, &error);
  printf("missing: %s %s\n", m ? "loaded" : "NULL", error ? error : "");
  sieveFreeString(error);
  /* A bad option. */
  SieveCompileOptions options;
  sieveCompileOptionsInit(&options);
  options.sparsity = "sometimes";
  m = sieveModelLoad(model, &options, &error);
  printf("option: %s %s\n", m ? "loaded" : "NULL", error ? error : "");
  sieveFreeString(error);
  /* GPU emulation without the GPU target, and for a compiled file. */
  sieveCompileOptionsInit(&options);
  options.emulateGPU = 1;
  m = sieveModelLoad(model, &options, &error);
  printf("emulate: %s %s\n", m ? "loaded" : "NULL", error ? error : "");
  sieveFreeString(error);
  options.target = "nvptx";
  rc = sieveCompileModel(model, "out.so", &options, &error);
  printf("emulate compile: %d %s\n", rc, error ? error : "");
  sieveFreeString(error);
  /* A bad output format. */
  rc = sieveCompileModel(model, "out.exe", NULL, &error);
  printf("format: %d %s\n", rc, error ? error : "");
  sieveFreeString(error);
  /* Wrong inputs to a good model. */
  m = sieveModelLoad(model, NULL, &error);
  if (!m) {
    fprintf(stderr, "load failed: %s\n", error);
    return 1;
  }
  SieveTensor outputs[1];
  rc = sieveModelRun(m, NULL, 0, outputs, 1, &error);
  printf("count: %d %s\n", rc, error ? error : "");
  sieveFreeString(error);
  int64_t shape[2] = {1, 3};
  double values[3] = {0, 0, 0};
  SieveTensor wrong = {11, 2, shape, values};
  rc = sieveModelRun(m, &wrong, 1, outputs, 1, &error);
  printf("type: %d %s\n", rc, error ? error : "");
  sieveFreeString(error);
  sieveModelDestroy(m);
  sieveModelDestroy(NULL);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "ir"))
    return testIR();
  if (argc == 4 && !strcmp(argv[1], "compile"))
    return testCompile(argv[2], argv[3]);
  if (argc >= 5 && argc <= 7 && !strcmp(argv[1], "run"))
    return testRun(argv[2], argv[3], argv[4], argc >= 6 ? argv[5] : "off",
                   argc == 7 ? argv[6] : "cpu");
  if (argc == 3 && !strcmp(argv[1], "errors"))
    return testErrors(argv[2]);
  fprintf(stderr, "usage: see the comment at the top of sieve-capi-test.c\n");
  return 2;
}
