/* Registers the sieve dialect, runs sieve-sparsify-activations on a ReLU
   FFN and compiles an ONNX model (argv[1]) to a shared library (argv[2]). */
#include "sieve-c/Compiler.h"
#include "sieve-c/Dialects.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"

#include <stdio.h>

static void print(MlirStringRef text, void *userData) {
  fwrite(text.data, 1, text.length, (FILE *)userData);
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__sieve__(), registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  sieveRegisterPasses();
  MlirModule module = mlirModuleCreateParse(
      ctx, mlirStringRefCreateFromCString(
               "func.func @f(%x: tensor<1x8xf32>, %w: tensor<8x4xf32>) -> "
               "tensor<1x4xf32> {\n"
               "  %c0 = arith.constant 0.0 : f32\n"
               "  %e = tensor.empty() : tensor<1x8xf32>\n"
               "  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x8xf32>) "
               "-> tensor<1x8xf32>\n"
               "  %h = linalg.max ins(%x, %z : tensor<1x8xf32>, "
               "tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> "
               "tensor<1x8xf32>\n"
               "  %o = tensor.empty() : tensor<1x4xf32>\n"
               "  %a = linalg.fill ins(%c0 : f32) outs(%o : tensor<1x4xf32>) "
               "-> tensor<1x4xf32>\n"
               "  %y = linalg.matmul ins(%h, %w : tensor<1x8xf32>, "
               "tensor<8x4xf32>) outs(%a : tensor<1x4xf32>) -> "
               "tensor<1x4xf32>\n"
               "  return %y : tensor<1x4xf32>\n}\n"));
  if (mlirModuleIsNull(module))
    return 1;
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  if (mlirLogicalResultIsFailure(mlirOpPassManagerAddPipeline(
          mlirPassManagerGetAsOpPassManager(pm),
          mlirStringRefCreateFromCString(
              "func.func(sieve-sparsify-activations)"),
          print, stderr)) ||
      mlirLogicalResultIsFailure(
          mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module))))
    return 1;
  mlirOperationPrint(mlirModuleGetOperation(module), print, stdout);
  printf("\n");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);

  char *error = NULL;
  if (sieveCompileModel(argv[1], argv[2], NULL, &error) != 0) {
    fprintf(stderr, "%s\n", error);
    sieveFreeString(error);
    return 1;
  }
  printf("compiled %s\n", argv[2]);
  return 0;
}
