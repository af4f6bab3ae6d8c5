//===- Passes.td - Sieve transformation passes -------------*- tablegen -*-===//
//
// The Sieve pass set: analyses that annotate IR with #sieve.* attributes and
// the rewrites that sparsify it. Each pass lives in its own .cpp file under
// lib/Dialect/Sieve/Transforms and has a lit test under test/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_TD
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Preparation of imported linalg for code generation
//===----------------------------------------------------------------------===//

def SievePrepareLinalg : Pass<"sieve-prepare-linalg", "::mlir::func::FuncOp"> {
  let summary = "Decompose aggregate linalg ops and fuse elementwise chains";
  let description = [{
    Prepares linalg-on-tensors (as the ONNX importer or another frontend
    emits it) for tiling and vectorization:

    * decomposes aggregate ops (`linalg.softmax`) into reductions and
      elementwise ops;
    * generalizes elementwise named ops (`linalg.add`, `linalg.max`,
      `linalg.broadcast`, ...) and fills that only elementwise ops consume
      into `linalg.generic`; contractions, convolutions and pooling stay
      named so that later passes can recognize them;
    * fuses chains of elementwise generics (a producer with one use is
      fused into its consumer), so that `max(x @ w + b, 0)` becomes one
      matmul followed by one fused bias-and-ReLU loop nest.

    Example: `linalg.add` of a `linalg.broadcast` becomes one
    `linalg.generic` that reads the unbroadcast operand directly.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SieveExpandStridedCopies
    : Pass<"sieve-expand-strided-copies", "::mlir::func::FuncOp"> {
  let summary = "Turn memref.copy between strided views into linalg.copy";
  let description = [{
    `finalize-memref-to-llvm` lowers a `memref.copy` between contiguous
    buffers to `llvm.memcpy`, but one that involves a strided view (as
    `tensor.pad` and `tensor.insert_slice` bufferize to) into a call to
    `memrefCopy` from MLIR's C runner library, which compiled models do not
    link. This pass rewrites those copies as `linalg.copy`, which later
    lowers to loops (or vector code), and leaves contiguous copies alone.

    Example:

    ```mlir
    memref.copy %a, %view : memref<4x4xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
    ```

    becomes

    ```mlir
    linalg.copy ins(%a : memref<4x4xf32>) outs(%view : memref<4x4xf32, strided<[6, 1], offset: 7>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

// The analyses and rewrites of the sparsity issues are added here.

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_TD
