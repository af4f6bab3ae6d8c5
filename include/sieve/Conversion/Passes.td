//===- Passes.td - Sieve conversion passes -----------------*- tablegen -*-===//
//
// Lowerings of the sieve dialect, one folder each under lib/Conversion.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_CONVERSION_PASSES_TD
#define SIEVE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSieveBranchToSCF : Pass<"convert-sieve-branch-to-scf"> {
  let summary = "Lower sieve.branch to scf.if";
  let description = [{
    Replaces every `sieve.branch %density, %limit` by an `scf.if` on
    `density <= limit` (an ordered comparison, so a NaN density takes the
    dense path) whose then-region is the sparse region and whose else-region
    is the dense region; `sieve.yield` becomes `scf.yield`.

    Example:

    ```mlir
    %r = sieve.branch %d, %l : f32 -> f32 { sieve.yield %a : f32 }
                                          else { sieve.yield %b : f32 }
    ```

    becomes

    ```mlir
    %c = arith.cmpf ole, %d, %l : f32
    %r = scf.if %c -> (f32) { scf.yield %a : f32 } else { scf.yield %b : f32 }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def ConvertSieveActivationOpsToSCF
    : Pass<"convert-sieve-activation-ops-to-scf", "::mlir::func::FuncOp"> {
  let summary = "Lower sieve.active_set, sieve.gather_matmul and "
                "sieve.gated_gather_matmul to loops and vectors on tensors";
  let description = [{
    * `sieve.active_set` becomes a compaction loop: for each neuron, an
      inner loop over the batch rows tests `|h| > threshold`, and active
      indices are written to a buffer of the neuron count, of which the
      filled prefix is returned.
    * `sieve.gather_matmul` becomes, for each selected neuron `k` and each
      row `m`, an AXPY of the contiguous weight row `w[k, :]` scaled by
      `h[m, k]` into the output row, in `vector-width`-element vectors (a
      scalar loop handles the remainder of the row). Only the rows of the
      active neurons are read, each once per batch row, in order; while a
      row streams, the next active row is prefetched (`memref.prefetch` on
      a read-only `bufferization.to_buffer` of the weight, one per vector).
    * `sieve.gated_gather_matmul` becomes, for each selected neuron `n` and
      each row `m`, a dot product of the input row with the contiguous row
      `n` of the transposed up weight in `vector-width`-element vectors
      (several independent FMA chains once the backend splits the vector;
      the next selected row prefetched, one prefetch per 64-byte line), a
      reassociating `vector.reduction`, a scalar loop for the remainder of
      the row, plus the bias, times `gate[m, n]`, stored at `[m, n]` of a
      zero-filled result.

    Both stay on tensors (`tensor.extract`, `vector.transfer_read` /
    `transfer_write` on loop-carried tensors), so that bufferization places
    them in the surrounding buffers.

    A `sieve.gather_matmul` whose input is the only use
    of a `sieve.column_gather_matmul` or `sieve.gated_gather_matmul` over
    the same indices, directly or through an elementwise `linalg.generic`
    (a ReLU6 or square applied to the hidden values), and the gated op's
    gate when it is a column gather over them used only there, runs in one
    pass with it: their f32
    constant weights become one constant whose row `k` is neuron `k`'s
    gate, up and down rows one after another, and each step of four
    selected neurons computes their dot products and then adds their down
    rows to the output, so that each neuron's weights are one contiguous
    run read once. With `threads` > 1 the selected neurons run in chunks of
    consecutive ones (their count estimated as below, over the bundled
    rows), each into an output of its own (a row of a [chunks, ...]
    tensor), summed afterwards by a `linalg.generic`. Weights that are not
    constants, or other indices, keep the separate kernels.

    With `threads` > 1 the gather runs in parallel by active neurons: an
    `scf.forall` over chunks of consecutive active neurons, each chunk
    running the loops above over its neurons' whole rows into an output of
    its own (a row of a [chunks, ...] tensor of partial outputs, summed
    afterwards by a `linalg.generic`; the active set is computed once,
    before). Split by output columns, every thread read part of every
    active row: shorter runs, which the memory system streams worse. The
    chunk count is computed at run time from the estimated cycles (`kernelCycles`: the `active neurons
    x rows x columns` multiply-adds at one `target-vector-width` FMA per
    cycle, or the active weight rows' bytes at 16 per cycle, whichever is
    more): one chunk per `min-chunk-cycles`, at most `threads` (and
    `sieve-guard-parallel-regions` keeps a single chunk on the calling
    thread).

    With `threads` > 1 the selected dot products of
    `sieve.gated_gather_matmul` and `sieve.column_gather_matmul` run in
    chunks of consecutive selected neurons (the active set is ascending),
    their count estimated the same way (selected neurons x rows x
    reduction multiply-adds, or their weight rows' bytes) and at most one
    per neuron: each chunk owns the result's neurons from its first
    selected one (0 for the first chunk) to the next chunk's first (the
    end for the last), a slice no other chunk writes. An empty active set
    skips the chunks (`scf.if`).

    With `scalable-vectors` (an SVE CPU of any vector length) the rows of
    the gather and of the selected dot products go in scalable vectors,
    `vector<[16]xf32>` (16 x vscale lanes, as many as the CPU running the
    code holds in four registers), and the remainder of a row is one step
    under a mask (`vector.create_mask` on the reads, the write and the dot
    products' accumulators) instead of the scalar loop.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"64",
           "Elements per vector in the gather-matmul row update">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads to split the kernel over (1: one loop)">,
    Option<"minChunkCycles", "min-chunk-cycles", "int64_t",
           /*default=*/"50000",
           "The least estimated cycles of one parallel chunk (default: ten "
           "fork/joins, kMinParallelChunkCycles)">,
    Option<"targetVectorWidth", "target-vector-width", "int64_t",
           /*default=*/"16",
           "f32 lanes of the target's vectors, for the estimate of a "
           "chunk's cycles">,
    Option<"scalableVectors", "scalable-vectors", "bool",
           /*default=*/"false",
           "Rows in scalable vectors (AArch64 SVE of any length), 16 x "
           "vscale lanes per step, the remainder one masked step">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::math::MathDialect"];
}

def ConvertSieveWeightOpsToSCF
    : Pass<"convert-sieve-weight-ops-to-scf", "::mlir::func::FuncOp"> {
  let summary = "Lower sieve.sparse_matmul to loops and vectors on tensors";
  let description = [{
    Lowers `sieve.sparse_matmul` (a weight packed column by column) to one
    of two kernels, both reading the packed weight once per batch chunk:

    * one batch row: for each output column, `group` entries at a time, the
      activations at the entries' rows are gathered (`vector.gather`, the
      index vector read contiguously from `rows`) and multiplied with the
      values into a vector accumulator, reduced once per column;
    * several rows: the input is transposed to `K x M`, so that one entry
      updates a whole batch vector (16 rows when the batch has at least 16,
      else the batch rounded up to a power of two, 8 for a dynamic batch;
      the last vector is masked when the batch is not a multiple):
      `acc += broadcast(values[j]) * xT[rows[j], m0:m0+width]`, unrolled
      over the `group` entries with four accumulators; the result is built
      transposed (`N x M`) and transposed back. The packed rows and values
      are prefetched 512 entries ahead (`memref.prefetch` on a read-only
      `bufferization.to_buffer` of each): a few instructions per entry leave
      the out-of-order window too short to hide memory latency otherwise.

    A dynamic batch gets both, behind `scf.if` on the batch size; an empty
    batch or reduction gives `init`. Everything else stays on tensors for
    bufferization to place.

    With `threads` > 1 both kernels run in parallel by output columns: an
    `scf.forall` over chunks of columns (`planParallelChunks` on the
    estimated cycles: the packed entries times the batch rows as
    multiply-adds, or the packed bytes streamed, whichever is more; known
    at compile time, a dynamic batch counting as one row).

    With `scalable-vectors` (an SVE CPU of any vector length) the one-row
    kernel of an f32 weight steps through a column's entries in scalable
    vectors, `vector<[16]xf32>` (16 x vscale lanes: four gathers per step),
    whole vectors first and then at most one step under a mask of the
    entries left, since the packed `group` need not be a multiple of a
    vector length known only at run time. The batch kernel keeps its
    fixed-width vectors over the batch rows.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads to split the kernel's output columns over (1: one "
           "loop)">,
    Option<"minChunkCycles", "min-chunk-cycles", "int64_t",
           /*default=*/"50000",
           "The least estimated cycles of one parallel chunk (default: ten "
           "fork/joins, kMinParallelChunkCycles)">,
    Option<"targetVectorWidth", "target-vector-width", "int64_t",
           /*default=*/"16",
           "f32 lanes of the target's vectors, for the estimate of a "
           "chunk's cycles">,
    Option<"scalableVectors", "scalable-vectors", "bool",
           /*default=*/"false",
           "The one-row kernel in scalable vectors (AArch64 SVE of any "
           "length)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // SIEVE_CONVERSION_PASSES_TD
