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
      fused into its consumer; one that only broadcasts scalars, such as a
      broadcast constant, into each of its consumers), so that
      `max(x @ w + b, 0)` becomes one matmul followed by one fused
      bias-and-ReLU loop nest.

    Example: `linalg.add` of a `linalg.broadcast` becomes one
    `linalg.generic` that reads the unbroadcast operand directly.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SieveFreeBuffersEarly
    : Pass<"sieve-free-buffers-early", "::mlir::func::FuncOp"> {
  let summary = "Deallocate each buffer after its last use";
  let description = [{
    Ownership-based buffer deallocation frees a buffer at the end of the
    block that allocates it, so in a model's entry function every
    intermediate buffer stays live until the function returns: the buffer
    pool then hands none of them to a later layer, and the working set is
    the sum of all the model's activations (MobileNetV2: 25 MiB, its
    layers writing into memory long evicted from the caches). This pass
    moves a `memref.dealloc` of a buffer allocated in the same block to just
    after the last operation of that block that uses the buffer or any
    memref derived from it (views, reshapes, results of ops it is yielded
    out of, loop results carrying it). A buffer whose address is taken as
    an integer, that is stored as a value, made a tensor or returned keeps
    its place.

    Example:

    ```mlir
    %a = memref.alloc() : memref<64xf32>
    linalg.fill ins(%c : f32) outs(%a : memref<64xf32>)
    linalg.copy ins(%a : memref<64xf32>) outs(%out : memref<64xf32>)
    %b = memref.alloc() : memref<64xf32>
    ...
    memref.dealloc %a : memref<64xf32>
    ```

    frees `%a` right after the `linalg.copy`, before `%b` is allocated.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
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
    A copy with a static shape whose rows have unit stride on both sides
    (most slices of a padded or concatenated tensor, an image-to-column
    tap) becomes a loop nest over its rows instead, each row moved by
    `vector.transfer_read`/`transfer_write` of up to 64 lanes and one
    narrower vector for the rest: scalar loops would move one element at
    a time, and LLVM does not vectorize them.

    Example:

    ```mlir
    memref.copy %a, %view : memref<4x4xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
    ```

    becomes

    ```mlir
    linalg.copy ins(%a : memref<4x4xf32>) outs(%view : memref<4x4xf32, strided<[6, 1], offset: 7>>)
    ```

    or, rows being contiguous there, a loop over the 4 rows, each a
    `vector<4xf32>` read from `%a` and written to `%view`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def SieveOutlineLoopNests
    : Pass<"sieve-outline-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of a function into its own "
                "function";
  let description = [{
    A whole model lowers to one function whose body is a long sequence of
    loop nests (one per layer or fused group). LLVM's loop and memory-SSA
    passes cost more than linearly in the size of a function: DenseNet-121
    in one function spends minutes in them. This pass, run on memrefs and
    loops (after bufferization, before the lowering to LLVM), moves every
    top-level operation of a function that contains a loop (`scf.for`,
    `scf.parallel`, `scf.forall`, or a `scf.if` around them, as
    `sieve.branch` lowers) into a private function `<name>_nest<N>` called
    in its place, its captured values as arguments and its results as
    results. The new functions have internal linkage and carry LLVM's
    `noinline` (`passthrough`), so
    LLVM optimizes and
    generates code for one layer at a time. Functions with fewer than
    `min-nests` such operations are left alone.

    Example: a function with the loops of a matmul and of a ReLU becomes two
    calls, `@main_nest0(%a, %w, %buf)` and `@main_nest1(%buf, %out)`.
  }];
  let options = [
    Option<"minNests", "min-nests", "unsigned", /*default=*/"2",
           "Outline only in functions with at least this many loop nests">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

def SieveProfileLayers
    : Pass<"sieve-profile-layers", "::mlir::ModuleOp"> {
  let summary = "Time every top-level loop nest of a function (a layer or "
                "fused group) at run time";
  let description = [{
    Instrumentation for `sieve-run --profile-layers`, run on memrefs and
    loops (after bufferization, before `sieve-outline-loop-nests`). Each
    top-level operation of a function that contains a loop (as in
    `sieve-outline-loop-nests`) or is a `memref.copy` becomes a layer: the
    pass wraps it in calls to `sieve_profile_begin(i64 id)` and
    `sieve_profile_end(i64 id)`, runtime functions that the JIT provides
    (Target/LayerProfile.h), and names it after the ONNX nodes whose
    locations (`"name"("OpType")`, as the importer writes them) appear in
    it, in order: `Conv+Relu: /conv1/Conv, /relu/Relu`. Nests that carry the
    same name share an id. The names, indexed by id, are stored in the
    module attribute `sieve.profile_layers` (an array of strings).

    Example: the two loop nests of a MatMul and a ReLU become

    ```mlir
    func.call @sieve_profile_begin(%c0) : (i64) -> ()
    scf.for ... { ... }  // the MatMul
    func.call @sieve_profile_end(%c0) : (i64) -> ()
    func.call @sieve_profile_begin(%c1) : (i64) -> ()
    scf.for ... { ... }  // the ReLU
    func.call @sieve_profile_end(%c1) : (i64) -> ()
    ```

    with `sieve.profile_layers = ["MatMul: mm", "Relu: relu"]`.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

def SieveInt8Matmuls
    : Pass<"sieve-int8-matmuls", "::mlir::func::FuncOp"> {
  let summary = "Quantized matmuls with a constant weight and quantized "
                "convolutions as 8-bit dot-product kernels";
  let description = [{
    Rewrites two kinds of ops into one dot-product kernel (DotKernel.h):

    * a `linalg.matmul` of int32 operands whose first operand is an 8-bit
      tensor widened by a `linalg.generic` (`extui`/`extsi` of an input or
      of a byte the generic computes, minus a zero point per tensor or per
      row; through a `tensor.collapse_shape` and `tensor.cast` too, with a
      zero point of one element) and whose second is a constant 8-bit
      `[K, N]` widened minus a constant zero point (per tensor or column;
      every difference must fit a signed byte), accumulating into zeros, as
      the importer writes MatMulInteger and QLinearMatMul;
    * a `linalg.conv_2d_nchw_fchw` (any batch, static or
      symbolic) of a fake-quantized input
      (a generic yielding `(itofp(q) - zero point) * scale` for an 8-bit
      `q`, optionally padded with zeros) by a constant weight whose filters
      are integer multiples of a scale (max |w| / m for the largest m <=
      127 that leaves every weight within 5e-5 of one), into a bias that
      is a fill or a broadcast along the filters: what QDQ models become.

    The weight is packed at compile time into panels of one vector of
    int32 columns with four reduction steps per lane
    (`[ceil(N / lanes), K / 4, 4 * lanes]` bytes, zero padded) plus its
    column sums. The kernel reads the 8-bit values directly (a signed one
    with its top bit flipped: x + 128 as unsigned): a matmul's rows, or a
    convolution's pixels, each reading its window of the input laid out
    as `[H, W, C]` (padded with the zero point, channels to a multiple of
    4) tap by tap. It accumulates 32-bit lanes with `sieve.dot_bytes` (x86
    VNNI's `vpdpbusd`, AArch64's `usdot`; `sieve-lower-dot-bytes` makes it
    the intrinsic) in register tiles of `tile-m` rows by two panels; each
    row then subtracts (zero point [+ 128]) times the column sums, and a
    convolution's outputs are converted to float, scaled by the input's and
    the filter's scales, biased and transposed back to NCHW. Rows left over
    run one at a time, columns past the last whole panel with masked
    stores. With `threads`, the pairs of panels are split into parallel
    chunks (`scf.forall`, each a slice of the output's columns) of at least
    `min-chunk-cycles` estimated cycles, their number computed from the
    rows at run time. The matmuls are exact (integer arithmetic), the
    convolutions exact up to float rounding; `int8-dot-bits` 0 (no such
    instruction: the default) leaves every op alone.
  }];
  let options = [
    Option<"int8DotBits", "int8-dot-bits", "int64_t", /*default=*/"0",
           "Bits of the target's 8-bit dot-product vectors: 512 (AVX-512 "
           "VNNI), 256 (AVX-VNNI), 128 (AArch64 i8mm) or 0 (none: nothing "
           "is rewritten)">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"8",
           "Rows of the register tile">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads the pairs of panels are shared among (1: no parallel "
           "loops)">,
    Option<"minChunkCycles", "min-chunk-cycles", "int64_t",
           /*default=*/"50000",
           "The least estimated cycles of one parallel chunk (one dot "
           "product per cycle, the rows counted at run time)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::sieve::SieveDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def SieveLowerDotBytes
    : Pass<"sieve-lower-dot-bytes", "::mlir::func::FuncOp"> {
  let summary = "Lower sieve.dot_bytes to a CPU's dot-product instruction or "
                "portable vector ops";
  let description = [{
    With `instruction=vpdpbusd` (x86 AVX-512 VNNI or AVX-VNNI), each
    `sieve.dot_bytes` of 16, 8 or 4 lanes becomes a call of
    `llvm.x86.avx512.vpdpbusd.512`/`.256`/`.128`; with `instruction=usdot`
    (AArch64's FEAT_I8MM), one call of `llvm.aarch64.neon.usdot.v4i32.v16i8`
    per four lanes (`.v2i32.v8i8` for two). Otherwise (the default, and lane
    counts the instruction has no form for) the same sums in portable vector
    arithmetic: both byte vectors widened to i32 (unsigned and signed),
    multiplied, and each lane's four products gathered by `vector.shuffle`s
    and added to the accumulator. Runs after bufferization: the intrinsic
    calls have unknown memory effects, which the buffer deallocation passes
    reject.
  }];
  let options = [
    Option<"instruction", "instruction", "std::string", /*default=*/"\"\"",
           "The target's 8-bit dot-product instruction: vpdpbusd (x86), "
           "usdot (AArch64 with i8mm) or empty (portable vector ops)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect"];
}

def SieveTileAndVectorize
    : Pass<"sieve-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops on tensors to register-sized tiles and "
                "vectorize them";
  let description = [{
    Code generation for the CPU, on tensors (before bufferization):

    * `linalg.matmul` and `linalg.batch_matmul` with static shapes are tiled
      in cache blocks (up to 256 output columns by 256 reduction steps, the
      largest multiples of the register tile that divide the shape: a panel
      of the weight stays in cache while every row tile uses it), then into
      register tiles (`tile-m` x `tile-n` outputs, the reduction in steps of
      `tile-k`, innermost so that after bufferization and
      `sieve-hoist-vector-transfers` the accumulator stays in registers),
      and vectorized into `vector.contract`, which lowers to broadcasts and
      FMAs. With `pack-panels`, a `linalg.matmul` block (more than `tile-m`
      rows) whose weight rows lie more than `tile-n` elements apart runs one
      column panel of `tile-n` columns at a time, the panel's [256, tile-n]
      strip of the weight first copied into one contiguous buffer: the
      register tiles then stream it from consecutive addresses (a weight's
      rows 16 KiB apart all fall on the same few L1 sets and evict each
      other). A constant weight that only matmuls read, as their weight, is
      instead rearranged once at compile time into [N / `tile-n`, K,
      `tile-n`] panels, which all its readers share (no run-time copies).
      Where four or more register tiles of rows read each such packed
      panel, they ask for the next panel's cache lines (`memref.prefetch`,
      to L1) as they go: each tile its share of the lines, one or a few per
      reduction step over the first steps of its reduction, split into a
      loop of their own. The next panel is the one after it, or, in cache
      blocks, the block's first panel at the next 256 rows. A weight last
      read a whole network ago comes from memory, and without it each
      panel's first tile waited for its lines.
      Panels that at most two register tiles of rows read (a 1x1
      convolution to 16 channels) are not copied: the copy would touch
      every element for one or two reads. A `linalg.fill` with several
      users (CSE merges the zero accumulators of same-shaped bias-free
      convolutions) is first cloned for each, so that each fuses into its
      own kernel's tiles.
    * A matmul of at most `tile-m` rows (small-batch inference, memory-bound
      like a matrix-vector product) over such a constant weight reads its
      packed panels, one register tile per panel down the whole reduction;
      over any other weight it streams the weight 16 rows at a time, in
      order, over the whole output row, instead of cache blocks.
    * A one-row `linalg.matmul` (batch-1 inference) becomes `linalg.vecmat`.
      Over such a constant weight (with `pack-panels`) it reads the packed
      panels: per panel, `tile-n` accumulators in registers down the whole
      reduction, 8 weight rows per step, one contiguous stream. Otherwise
      it is tiled into 16-vector accumulators over the output row, 8 weight
      rows per step, the weight rows streamed in order.
    * A matmul whose columns `tile-n` does not divide (a convolution over
      an odd image: 55 x 55 = 3025 columns; a batch-1 classifier's 1000
      classes, whose whole-tile part then reads packed panels) is split (`linalg::splitOp`) into the columns whole tiles cover and the
      rest, fewer than `tile-n`, computed as one tile of that many columns
      (a vector of 17 lanes for 49 columns); fewer columns than `tile-n`
      make one tile. Other register tile sizes that do not divide the
      shape shrink to the largest power of two that does; after
      vectorization the accumulator tile is hoisted out of the reduction
      loop on tensors (`hoistLoopInvariantSubsets`).
    * A `linalg.generic` reducing its innermost loop over a static extent
      (a row sum or maximum: LayerNorm, softmax), with static or dynamic
      other dimensions, runs one row at a time, the row (in chunks of up
      to 16 vectors) reduced as one vector.
    * Elementwise `linalg.generic` and `linalg.fill` ops with static shapes
      are tiled to one vector of `vector-width` elements along the
      innermost dimension and vectorized, except those that read or write
      bool (`i1`) tensors: LLVM stores a vector of `i1` as packed bits,
      while a memref of `i1` holds one byte per element. When no vector
      fits the innermost loop (rows of 7 on a 7 x 7 feature map), its
      trailing loops are merged (`linalg::collapseOpIterationDims`) until
      one does, where every operand reads them as one contiguous run or
      not at all (a per-channel operand stops the merge at the channels).
      With `scalable-vectors` (an SVE CPU of any length) they are tiled to
      `vector-width x vscale` elements of one row instead, each tile
      vectorized at that scalable size under a mask of the row's elements
      left (`vector<1x[4]xf32>`), static and dynamic rows alike.
    * The elementwise op that alone consumes a static matmul's result of
      more than `tile-m` rows and at least `tile-n` columns (a
      convolution's ReLU, Clip or residual Add; through the expand_shape
      back to NCHW, the op rewritten over the matmul's loops) and reads it
      as it is, is fused into the matmul's cache blocks of columns (and,
      with threads, its parallel chunks): one loop over the blocks computes
      the accumulator's bias broadcast, the matmul and the elementwise op
      of each block, which is still in cache. Columns that whole register
      tiles do not cover are split off first, with their own matmul.
    * With `pack-panels`, such a matmul (more than `tile-m` rows, a
      multiple of `tile-m`, columns a multiple of `tile-n`) whose reduction
      fits one cache block (at most 256 steps: a 1x1 convolution over few
      channels, a small Gemm) and whose accumulator comes from a bias
      broadcast or fill used nowhere else goes further: per column panel of
      the weight (a constant packed at compile time, any other weight
      copied into a [K, `tile-n`] buffer; a packed one's next panel asked
      for as above), each register tile starts from
      the broadcast bias (or a zero vector), accumulates the whole
      reduction in registers and goes through the elementwise op before
      its only store; the blocked schedule instead stores the bias, loads
      and stores the accumulator and makes a pass for the elementwise op,
      three trips over each block of the output that cost as much as the
      arithmetic when the reduction is short. During its reduction each
      tile asks for the lines it will read and write after it (the
      residual's, and its own output's to be written: rows a whole output
      row apart, one more line per row where those rows are not whole
      lines), a few per step over the first steps, as for the next panel.
      A convolution without bias (a fill of its NCHW output, collapsed)
      gets a fill in the matmul's shape first.
    * Window ops with static shapes and float elements
      (`linalg.depthwise_conv_2d_nchw_chw`, `linalg.conv_2d_ngchw_gfchw`,
      `linalg.pooling_nchw_max`, `linalg.pooling_nchw_sum`) become loops
      over batch, channels (groups and their outputs) and output rows, each
      row computed in vectors of `vector-width` lanes (or the power of two
      that covers a narrower row), the last one masked; every tap of the
      window is an FMA (convolutions, the weight broadcast once per
      channel), `arith.maximumf` or `arith.addf` of a shifted input row; a
      stride `s` reads `s` times the lanes and keeps every `s`-th
      (`vector.shuffle`). Windows of more than 64 taps and row strides
      above 4 keep the scalar fallback. A depthwise convolution at stride 1
      on rows shorter than a vector (8 or more channels, a bias or fill
      accumulator, constant weights) runs channels-last instead: the input
      before its padding transposed to [H*W, C] (or, when it is the
      transpose of such rows through an elementwise op, those rows, the op
      applied to them) and padded channels-last, vectors along the
      channels, the taps' weights in registers, 8 pixels' FMA chains at a
      time, the result transposed back. docs/convolutions.md says why.
    * A static `tensor.pad` left after the kernels whose innermost
      dimension is not padded (the channels-last image above) fills only
      its border: slabs of whole innermost rows as `linalg.fill`s of
      slices of a `bufferization.alloc_tensor`, vectorized with the
      elementwise ops, and the source inserted (`fillPadBorders`), where
      bufferizing the pad would fill the whole buffer under the copy.
    * A `linalg.conv_2d_nchw_fchw` left by `sieve-conv-to-matmul`'s
      `direct-convs` (stride 1 to 4, a constant weight
      of whole tiles of `tile-m` filters, a bias or fill accumulator) is
      computed directly: the output `[F, OH*W']` as wide as the (phase)
      input, a register tile of `tile-m` filters by `direct-tile-n`
      columns over every channel and (unrolled inside it) tap in
      registers, each step one vector read per tile vector at the tap's
      offset of the flattened input (a stride through the input's
      phases), the
      weights packed channel-major into `[F/tile-m, C*KH*KW, tile-m]` at
      compile time; with fewer than 8 channels (an RGB stem) a loop over
      the taps whose offsets come from tables, the channels inside it
      (weights tap-major); the filter tiles take turns
      on blocks of columns whose input fits a quarter of `l2-bytes`. A
      zero padding of the input is applied while it is split into its
      phases (at stride 1 its one phase), in chunks of channels.
    * Of those, a 3x3 stride-1 convolution where it pays (`winograd`,
      `isWinogradConv`: enough channels and filters for the saved
      multiply-adds, at `fma-lanes` per cycle, to outweigh the transforms'
      memory traffic) runs as
      Winograd's F(2x2, 3x3): the input's 4x4 windows transformed into
      `[16, C, T]` (T the 2x2 output tiles, the padding applied as it is
      read), the filters transformed at compile time, 16 products on the
      direct kernel's register tiles, and the output transform with the
      bias and the sole elementwise user (Relu, Clip) applied.
    * A 2-D `linalg.transpose` runs in 8x8 blocks transposed by shuffles;
      a transpose of a transpose (through the expand and collapse that
      cancel) becomes a copy. The elementwise op that alone reads a
      transpose's result (through the `tensor.expand_shape` back to NCHW:
      a pixel-rows convolution's ReLU or residual Add) is applied to each
      vector as it is written, its other operands read at the same place.
    * A strided sample (a `linalg.generic` copying its input at a step of
      up to 4 along the rows, `out[..., x] = in[..., x * s]`: a strided 1x1
      convolution's input) reads `s` vectors' worth of consecutive
      elements per output vector (masked at the end of the row) and
      shuffles every s-th lane out, in parallel chunks of its outermost
      loop with threads.

    A matmul whose rows `tile-m` does not divide is first split into
    matmuls of static row counts: whole tiles, then one piece of each power
    of two below `tile-m` that the rest holds (7 rows: 4, 2 and 1), each of
    which gets the schedule above (a one-row piece the matrix-vector
    kernel), with no masks; rows that a tile of 3/4 `tile-m` to `tile-m`
    rows divides (49: 7) stay one matmul in tiles of that many rows.

    Dynamic dimensions (a symbolic batch or sequence length) keep vector
    code where the vectorized dimensions are static: a matmul with dynamic
    rows and static reduction and columns becomes a loop over whole tiles
    of `tile-m` rows, each a static matmul, and one `scf.if` per power of
    two below `tile-m` that runs a static matmul of that many rows when the
    rest of the rows holds it (one row, decoding a token: the
    matrix-vector kernel); a batch matmul (attention) runs one output row
    of one batch entry at a time with a vector along its columns and the
    accumulator in registers across the reduction (dynamic columns: a loop
    over whole vectors of `vector-width` columns, each a static piece, and
    one masked piece for the rest); an elementwise op with a static
    innermost dimension is tiled one row at a time into full vectors. Other
    dynamic ops, and convolutions and pooling of other layouts or with
    dynamic shapes, are left for the scalar fallback
    (`convert-linalg-to-loops`).

    With `threads` > 1, a static op with a reduction loop (matmul, batch
    matmul, convolution, pooling) or an elementwise op (split in whole
    vectors along its innermost loop) whose work is worth splitting is first
    tiled into an `scf.forall` over chunks of one parallel dimension
    (`planParallelChunks`: a divisor of the dimension's blocks, each chunk
    estimated at `min-chunk-cycles` or more, balanced over the threads; the
    estimate, `kernelCycles`, is the op's multiply-adds at one
    `vector-width` FMA per cycle or its operands' bytes at 16 per cycle,
    whichever is more),
    and each chunk gets the schedule above. A matmul splits its columns
    when the weight (`K x N`) is at least as large as the input (`M x K`),
    each thread then reading its own part of the weight, else its rows,
    always in whole register tiles; a batch matmul splits its batch
    first; window ops their channels (groups); other ops split their
    outermost parallel dimension that pays.
    `sieve-cpu-pipeline` turns the `scf.forall` into OpenMP.
  }];
  let options = [
    Option<"scalableVectors", "scalable-vectors", "bool",
           /*default=*/"false",
           "Elementwise ops in scalable vectors (AArch64 SVE of any "
           "length): tiles of vector-width x vscale elements, the last of "
           "a row masked">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "Elements per vector for elementwise ops (16 f32 = AVX-512)">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"8",
           "Rows of the matmul register tile">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"32",
           "Columns of the matmul register tile">,
    Option<"directTileN", "direct-tile-n", "int64_t", /*default=*/"32",
           "Columns of the direct convolution kernel's register tile "
           "(a multiple of vector-width)">,
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"524288",
           "Per-core L2 cache in bytes (the direct convolution kernel's "
           "blocks of columns)">,
    Option<"winograd", "winograd", "bool", /*default=*/"true",
           "Compute 3x3 stride-1 convolutions that the direct kernel would "
           "take with Winograd's F(2x2, 3x3) (vectorizeWinogradConv)">,
    Option<"fmaLanes", "fma-lanes", "int64_t", /*default=*/"32",
           "f32 multiply-adds a core completes per cycle: what Winograd's "
           "saved multiply-adds are worth against its memory traffic">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"1",
           "Reduction step of the matmul register tile">,
    Option<"packPanels", "pack-panels", "bool", /*default=*/"true",
           "Copy each column panel of a matmul's weight into a contiguous "
           "buffer before the register tiles read it">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads to split large contractions, convolutions, pooling "
           "and elementwise ops over (1: no parallel loops)">,
    Option<"minChunkCycles", "min-chunk-cycles", "int64_t",
           /*default=*/"50000",
           "The least estimated cycles of one parallel chunk (default: ten "
           "fork/joins, kMinParallelChunkCycles)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def SieveApproximateMath
    : Pass<"sieve-approximate-math", "::mlir::func::FuncOp"> {
  let summary = "Expand f32 transcendental functions into arithmetic that "
                "vectorizes";
  let description = [{
    LLVM lowers `math.exp`, `math.tanh`, `math.erf`, ... on vectors to one
    call of the C library's scalar function per lane (`expf`, `tanhf`), so
    a vectorized GELU or softmax row runs at scalar speed. This pass
    rewrites them on `f32` scalars and vectors into polynomial
    approximations (upstream `populateMathPolynomialApproximationPatterns`:
    range reduction, a polynomial, a few ulp of error) that stay vectors:
    `exp`, `expm1`, `tanh`, `erf`, `log`, `log1p`, `log2`. `sin` and `cos`
    keep the library calls (the approximations lose accuracy for large
    arguments, such as rotary-embedding angles). `math.powf` with a
    constant exponent becomes multiplications (`x^3`: two, GPT-2's GELU)
    or a square root (`populateMathAlgebraicSimplificationPatterns`).

    Example: `math.tanh %x : vector<16xf32>` becomes clamps, FMAs and a
    division on `vector<16xf32>`, no call.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def SieveConvToMatmul : Pass<"sieve-conv-to-matmul", "::mlir::func::FuncOp"> {
  let summary = "Rewrite NCHW convolutions as image-to-column and a matmul";
  let description = [{
    Rewrites a `linalg.conv_2d_nchw_fchw` with static shapes and batch 1
    into a matrix product that `sieve-tile-and-vectorize` turns into
    register-tiled FMA code:

    * 1x1 kernels with unit strides: `W[F, C] @ X[C, H*W]`, reshapes only;
      a 1x1 kernel with a step (up to 4 along the rows) is first rewritten
      into one with unit strides over the input sampled at the pixels it
      reads, `s[n, c, y, x] = x[n, c, y*sh, x*sw]` (a `linalg.generic`
      that sieve-tile-and-vectorize copies with wide reads and shuffles),
      instead of splitting the whole input into its phases;
    * other kernels with unit strides over images wide enough that
      `(W - OW) * 8 <= OW` (the input's width W, padding included): one
      matmul per tap `(i, j)` on the flattened input, no image to column.
      The output is computed `W` columns wide (the last `W - OW` of each
      row discarded), so that the input tap `(i, j)` multiplies is the
      contiguous window of `X_flat[C, H*W]` at `i*dh*W + j*dw`, `OH*W`
      long: `out[F, OH*W] += W[:, :, i, j] @ X_flat[:, off : off + OH*W]`.
      The input gets one more zero row (added to the importer's
      `tensor.pad` when there is one) so that the last window fits. The
      columns run in blocks (an `scf.for`) whose output block and input
      windows take at most half of `l2-bytes`, so that the output block
      stays in cache across the taps (one pass over the output per tap
      would stream a large output from memory KH*KW times);
    * other kernels: image to column, every receptive field gathered into
      `col[C*KH*KW, OH*OW]`, then `W[F, C*KH*KW] @ col`: one elementwise
      copy per tap `(i, j)` of a `[C, OH, OW]` block of the input into
      `col[:, i, j]`, whose rows are contiguous on both sides (vector
      loads and stores after sieve-tile-and-vectorize and
      sieve-expand-strided-copies). With a step `sw` > 1 along the rows,
      the input is first split into its phases, `xq[0, c, h, q, v] =
      x[0, c, h, v*sw + q]` (one `linalg.generic` over the input, scalar:
      its input map is not a projected permutation), in which each tap's
      columns are consecutive.
    * image to column in panels, with `panel-columns` = P > 0, where the
      plain layout's rows are a page (4 KiB) or more apart (OH*OW*4 bytes:
      a 7x7/2 stem over 224 x 224 has 12544 columns) and a register tile's
      strip of them (one row per reduction step of the matmul's 256-step
      cache block) does not stay in an L1 of `l1-bytes` (l1-bytes / 4096
      ways of a page; rows that far apart fall on 4096 / gcd(row bytes,
      4096) positions of each way): the output is computed OWP wide (OW
      when P divides it, else P/2 wide panels when those do, else OW
      rounded up to a multiple of P when that adds at most an eighth), the
      input padded on the right to match, and the columns laid out
      panel-major,
      `col[OH, OWP/P, C, KH, KW, P]`, so that each panel `[C*KH*KW, P]` is
      contiguous: `out[F, q*P : (q+1)*P] = W @ col[q]`, one matmul per
      panel in an `scf.for` (in `threads` chunks of panels under an
      `scf.forall`, a divisor of the panel count). The copies are per tap
      (vector copies of P elements, from the input's phases with a step
      along the rows). A register tile then streams its B operand from
      one contiguous block instead of one page per reduction step.

    * pixel rows, with `panel-rows` = R > 0 and `panel-columns` = P > 0,
      where the output map OH*OW is fewer than 8*P pixels and no multiple
      of P (7x7, 13x13, 14x14) while the F output channels are a multiple
      of P: `out^T[OH*OW, F] = rows[OH*OW, C*KH*KW] @ W^T`, `rows` the
      receptive fields gathered one pixel per row (a transpose for a 1x1
      kernel), its rows padded with zeros to a multiple of R, W^T a
      constant transposed at compile time (a `linalg.transpose` when the
      weights are no constant), the accumulator and the product
      transposed (`linalg.transpose`). The matmul is then whole register
      tiles of R rows by P channels, and the weight one operand that
      sieve-tile-and-vectorize packs into column panels at compile time;
      the other way round, the map's last partial column tile costs a
      matmul of its own over all the weights.

    With `direct-convs`, a convolution that sieve-tile-and-vectorize's
    direct kernel computes (stride 1 to 4, a constant weight of whole register
    tiles of filters, a bias or fill accumulator, few discarded columns:
    include/sieve/Dialect/Sieve/Transforms/DirectConv.h) is left as it is
    for that kernel, before pixel rows are considered (3x3 convolutions on
    13x13 and 14x14 maps: the kernel reads the input once, pixel rows copy
    it once per tap).

    The convolution's accumulator (the broadcast bias) becomes the matmul's.
    A convolution whose batch is dynamic (a symbolic batch axis) and whose
    other dimensions are static first becomes a loop (`scf.for`) over the
    batch entries, each a static batch-1 convolution rewritten as above.
  }];
  let options = [
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"524288",
           "Per-core L2 cache size (the target description's): sizes the "
           "column blocks of the shifted-tap matmuls">,
    Option<"l1Bytes", "l1-bytes", "int64_t", /*default=*/"32768",
           "Per-core L1 data cache size (the target description's): decides "
           "where column panels pay">,
    Option<"panelColumns", "panel-columns", "int64_t", /*default=*/"0",
           "Columns of the matmul register tile (the target description's "
           "tile-n): image to column in panels of this many columns where "
           "the plain layout's rows are a page apart (0: never)">,
    Option<"panelRows", "panel-rows", "int64_t", /*default=*/"0",
           "Rows of the matmul register tile (the target description's "
           "tile-m): small output maps (fewer than eight tile-n column "
           "tiles, not a whole number) computed as pixel rows against the "
           "transposed weights, the pixels padded to a multiple of this "
           "(0: never)">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads: the panels' matmuls run in that many parallel chunks "
           "(scf.forall; 1: one loop)">,
    Option<"directConvs", "direct-convs", "bool", /*default=*/"false",
           "Leave the convolutions that sieve-tile-and-vectorize computes "
           "directly (stride 1 to 4, constant weights of whole tiles of "
           "panel-rows filters) for it">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SieveGuardParallelRegions
    : Pass<"sieve-guard-parallel-regions", "::mlir::func::FuncOp"> {
  let summary = "Run an OpenMP parallel loop of one iteration on the calling "
                "thread";
  let description = [{
    After `convert-scf-to-openmp`: gives each `omp.parallel` around a
    `omp.wsloop` whose bounds are not constants an `if` clause, true when
    the loop has more than one iteration. A parallel kernel that picks its
    chunk count at run time from its work (the activation gather: from the
    number of active neurons) then starts no threads when one chunk is all
    it has (a serialized region costs well under a microsecond, a fork/join
    several).

    Example: `omp.parallel { omp.wsloop { omp.loop_nest (%i) : index =
    (%c0) to (%n) step (%c1) {...} } }` becomes `omp.parallel if(%several)`
    with `%several = arith.cmpi sgt, %n - %c0, %c1`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::omp::OpenMPDialect"];
}

def SieveConcatInPlace
    : Pass<"sieve-concat-in-place", "::mlir::func::FuncOp"> {
  let summary = "Compute the inputs of a concatenation in its slices";
  let description = [{
    A concatenation (a chain of static `tensor.insert_slice` into a
    `tensor.empty`) copies each input into its slice. When an input is
    computed into a `tensor.empty` of its own type (followed through
    reshapes, inserts, destination-passing ops and loops: a convolution's
    [channels, pixels] matmul expanded back to NCHW), that empty becomes
    the slice of the concatenation, so that one-shot bufferization
    computes the input in place and the insert copies nothing. Both are
    tensors of undefined contents: values never change, and where
    bufferization cannot keep the slice in place it copies as before.
    Upstream `eliminate-empty-tensors` does the same for inputs whose
    empty has the inserted type but stops at reshapes. An empty that CSE
    shared with another layer's computation (one output shape) is cloned
    for the input first, and so is a concatenation's empty shared by two
    concatenations; each concatenation's empty then becomes a
    `bufferization.alloc_tensor`, which a later CSE does not merge. In the
    CPU pipeline it runs right after `sieve-tile-and-vectorize`, before
    the CSE that merges the kernels' reshapes of shared empties.

    First, a concatenation whose inputs are the first inputs of a longer
    one (the same values at the same places: a DenseNet block, where layer
    k reads the block's input and layers 1 .. k-1 and the block's output
    is all of them) becomes the slice of the longer one's value after
    those inputs (its inserts moved up to their operands), when that slice
    comes before every use: one buffer per block, each layer's output
    written into it once.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def SieveResolveShapeDims
    : Pass<"sieve-resolve-shape-dims", "::mlir::func::FuncOp"> {
  let summary = "Express every dynamic dimension through the function's arguments";
  let description = [{
    Rewrites each `tensor.dim` of an intermediate tensor into the dimension
    it is computed from, until only dimensions of the function's arguments
    are left: the dims of an op that reifies its result shape (linalg ops,
    `tensor.empty`, reshapes, pads) become those of its operands, the dims
    of an `scf.for` result that its body only writes into (inserts, vector
    writes, destination-passing ops) become those of its initial value,
    and the dims of an `scf.forall` result those of its shared output.

    Run before `one-shot-bufferize` on code with dynamic shapes: its
    in-place analysis compares the offsets and sizes of tiled slices with
    `ValueBoundsConstraintSet`, which follows every `tensor.dim` back
    through the ops that produced its tensor, loop bodies included, and
    solves a Presburger problem at each step. With the dims of a whole
    network chained through its layers, that cost grew with the square of
    the network (a 4-layer KV-cache decode step: 158 s of 161 s compile
    time in bufferization; 0.6 s after this pass).

    Example:

    ```mlir
    %0 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %init) -> (tensor<?x8xf32>) {
      %w = tensor.insert_slice %row into %t[%i, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<?x8xf32>
      scf.yield %w : tensor<?x8xf32>
    }
    %d = tensor.dim %0, %c0 : tensor<?x8xf32>
    ```

    with `%init = tensor.empty(%b)` and `%b = tensor.dim %arg0, %c0`:
    `%d` is replaced by `%b`.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SieveFlattenConstantGlobals
    : Pass<"sieve-flatten-constant-globals", "::mlir::ModuleOp"> {
  let summary = "Store multi-dimensional constant globals as flat arrays";
  let description = [{
    Rewrites each `llvm.mlir.global` whose type is a nested array
    (`!llvm.array<512 x array<512 x array<3 x array<3 x f32>>>>`, a
    convolution's weight) and whose initial value is a dense elements
    attribute into a flat `!llvm.array<2359296 x f32>` with the same
    elements in the same (row-major) order. The translation to LLVM IR
    turns a nested array into one uniqued LLVM constant per innermost row:
    786,432 constants of 3 floats for that weight, which LLVM hashes,
    visits in its call graph analysis and frees one by one (more than half
    of a CNN's compile time went there); a flat array is one constant.
    The bytes are the same, and so is every address: the globals are only
    read through their address (`llvm.mlir.addressof`, and GEPs with zero
    indices to the first element), which does not depend on the declared
    type.

    Example:

    ```mlir
    llvm.mlir.global private constant @w(dense<...> : tensor<2x3xf32>) : !llvm.array<2 x array<3 x f32>>
    ```

    becomes

    ```mlir
    llvm.mlir.global private constant @w(dense<...> : tensor<6xf32>) : !llvm.array<6 x f32>
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SieveHoistVectorTransfers
    : Pass<"sieve-hoist-vector-transfers", "::mlir::func::FuncOp"> {
  let summary = "Hoist loop-invariant vector transfers out of loops";
  let description = [{
    After bufferization, moves each `vector.transfer_read` /
    `vector.transfer_write` pair on a loop-invariant buffer out of the loop
    (upstream `linalg::hoistRedundantVectorTransfers`), so that a matmul's
    accumulator tile lives in registers across the reduction loop instead of
    being loaded and stored at every step. Run `fold-memref-alias-ops`,
    `canonicalize` and `cse` first: transfers through subviews, or whose
    read and write indices are different SSA values, are not hoisted.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect"];
}

def SieveUnmaskReductions
    : Pass<"sieve-unmask-reductions", "::mlir::func::FuncOp"> {
  let summary = "Masked vector reductions as unmasked ones over selected lanes";
  let description = [{
    Rewrites `vector.mask %m { vector.reduction <kind>, %v [, %acc] }` (a
    row of dynamic length reduced in masked chunks: softmax or LayerNorm
    over attention's keys) into `vector.reduction <kind>, %s [, %acc]` with
    `%s = arith.select %m, %v, identity`, the identity of the kind
    (-0.0 for a float sum, 1 for a product, -inf/+inf for maximum/minimum,
    the integer ones likewise) in the lanes the mask leaves out. LLVM
    lowers a masked reduction to a vector-predicated one, computed on x86
    and AArch64 as a chain of scalar operations in lane order; the unmasked
    one becomes a tree (`reassociateFPReductions`). Kinds without an
    identity and masks with a pass-through value stay masked.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

//===----------------------------------------------------------------------===//
// Sparsity analyses
//===----------------------------------------------------------------------===//

def SieveAnnotateWeightPatterns
    : Pass<"sieve-annotate-weight-patterns", "::mlir::func::FuncOp"> {
  let summary = "Measure the zeros of constant weights and annotate them";
  let description = [{
    For every `linalg.matmul` (weight `[K, N]`, the second operand) and
    `linalg.conv_2d_nchw_fchw` (filter `[F, C, KH, KW]`, seen as the matrix
    `[F, C*KH*KW]`) whose weight is an f32 constant, measures the density and
    attaches `sieve.weight_pattern = #sieve.weight_pattern<...>` to the op,
    with the most specific pattern that holds, in this order:

    * `dense`: no zeros;
    * `rows` / `columns`: every zero lies in a whole zero row / column of
      the weight matrix (for a matmul, a zero row is an input neuron no
      output uses; a zero column is an output that is always zero) —
      for a convolution, whole zero output channels are `channels`;
    * `block<RxC>`: every zero lies in an all-zero RxC block (of the grid
      that tiles the matrix); the largest block that holds, by area, among
      power-of-two sides up to 64 (1x4, 4x1, 4x4 and 8x8 among them; at
      least 4 elements);
    * `n_m<N, M>`: at most N non-zeros in every group of M consecutive
      elements along the reduction dimension, and a density of at least
      3/4 of N/M (a much sparser weight, where the bound holds by chance,
      is unstructured); the sparsest of 1:4, 2:8, 2:4 and 4:8 that holds;
    * `unstructured` otherwise.

    Example: a `[4, 8]` weight whose zeros fill rows 1 and 3 gets
    `#sieve.weight_pattern<rows, density = 0.5>`.
  }];
  let dependentDialects = ["::mlir::sieve::SieveDialect"];
}

def SieveFindActivationSites
    : Pass<"sieve-find-activation-sites", "::mlir::func::FuncOp"> {
  let summary = "Mark ReLU-like outputs that reach a contraction";
  let description = [{
    Attaches `sieve.activation_site = #sieve.activation_site<kind>` to every
    op producing a ReLU-like value — `linalg.max` with zeros (`relu`), a
    `linalg.generic` computing `maximumf(x, 0)` (`relu`), the same clamped
    above (`clip`, as ReLU6 and Clip(min=0) import), or the square of such a
    value (`squared_relu`) — when the value reaches an operand of a
    `linalg.matmul`, `linalg.batch_matmul` or a `linalg` convolution,
    directly or through ops that keep zeros zero: reshapes
    (`tensor.collapse_shape`, `tensor.expand_shape`), `linalg.transpose`,
    zero padding (`tensor.pad` with 0), max pooling, and a product with
    another value (`linalg.mul`: the gate of a gated FFN).

    The density of a site is `unknown` (read as 1.0) until calibration
    measures it.
  }];
  let dependentDialects = ["::mlir::sieve::SieveDialect"];
}

def SieveApplyProfile : Pass<"sieve-apply-profile", "::mlir::ModuleOp"> {
  let summary = "Attach the measured activation densities of a profile";
  let description = [{
    Reads the JSON report of `sieve-analyze --json` (its
    `activation_sites`: ONNX node name, measured density, shape) and marks
    each ReLU-like op of the module whose ONNX node the profile lists with
    `sieve.activation_site = #sieve.activation_site<kind, measured = d>`.
    The sparsity rewrites then keep sites measured above the cost model's
    limit dense (`sparsity=auto` of `sieve-cpu-pipeline` runs this pass
    when given a `profile`).

    ```mlir
    %r = linalg.max ins(%x, %zero ...) outs(...) loc("Relu_4"("Relu"))
    // becomes, with {"node": "Relu_4", "density": 0.625} in the profile:
    %r = linalg.max {sieve.activation_site =
                       #sieve.activation_site<relu, measured = 0.625>} ...
    ```

    Entries that cannot apply (no density in [0, 1], no ReLU-like node of
    that name, another shape) are ignored with a warning that names them;
    an unreadable or malformed file is an error.
  }];
  let options = [
    Option<"path", "path", "std::string", /*default=*/"",
           "The sieve-analyze --json report to read">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark with the number of sites marked">,
  ];
  let dependentDialects = ["::mlir::sieve::SieveDialect"];
}

//===----------------------------------------------------------------------===//
// Sparsity rewrites
//===----------------------------------------------------------------------===//

def SieveSparsifyActivations
    : Pass<"sieve-sparsify-activations", "::mlir::func::FuncOp"> {
  let summary = "Skip the weight rows (and gated up columns) of inactive "
                "ReLU neurons (exact)";
  let description = [{
    Finds a `linalg.matmul` whose left operand is produced by a ReLU
    (`linalg.max` with a zero fill, or a `linalg.generic` computing
    `maximumf(x, 0)`, optionally clamped above as ReLU6/Clip do, or its
    square), directly or through a `tensor.collapse_shape` of a
    higher-rank ReLU (a `[batch, seq, d_ff]` FFN), and rewrites it into:

    ```mlir
    %idx = sieve.active_set %h {sieve.site = #sieve.activation_site<relu>}
    %density = <number of active neurons> / <neurons>
    %y = sieve.branch %density, %limit : f32 -> tensor<MxNxf32> {
      %s = sieve.gather_matmul %h, %w, %idx   // (+ the matmul's accumulator)
      sieve.yield %s
    } else {
      %d = linalg.matmul ins(%h, %w) outs(%init)  // the original
      sieve.yield %d
    }
    ```

    The rewrite is exact: the active set holds every neuron that is
    non-zero in any row of the batch, so the gathered product equals the
    dense one. `density-limit` is where the dense path takes over: above it
    the gather would not pay. By default (a negative limit) a cost model
    picks it from the shapes: a batch-1 product whose weight fits in the
    last-level cache (32 MiB) runs densely at full speed from cache, so the
    gather pays only below 15% density; otherwise (weights streamed from
    memory, or several rows sharing each gathered weight row) it pays below
    50%. With a dynamic batch the limit is picked at run time from the
    batch size (`arith.select` on `rows == 1`). The thresholds are
    break-even points measured with `benchmarks/run.py` on the development
    machine (docs/sparsity.md).

    A ReLU whose producer carries `sieve.activation_site` with a measured or
    assumed density above the limit (from a calibration profile) is left
    dense: its branch would always take the dense path.

    **Gated FFNs** (ReLU-LLaMA, ProSparse): a down projection whose left
    operand is `gate * up` (`linalg.mul`, either operand order; through a
    `tensor.collapse_shape` of a `[batch, seq, d_ff]` product, with `up`
    expanded back from its matmul by the inverse reshape), where `gate` is
    ReLU-like (ReLU, ReLU6/Clip, a squared ReLU as `linalg.mul(r, r)` or
    `linalg.powf(r, 2)`) and `up = x @ Wu` is a `linalg.matmul` with a
    static f32 constant weight (or the `linalg.transpose` of one), a zero
    or bias accumulator (Gemm), or a bias added to it (MatMul + Add), each
    with no other use, becomes:

    ```mlir
    %idx = sieve.active_set %gate
    %y = sieve.branch %density, %limit : f32 -> tensor<MxDxf32> {
      %h = sieve.gated_gather_matmul %gate, %x, %wu_t, %idx [bias %bu]
      %s = sieve.gather_matmul %h, %wd, %idx     // (+ the accumulator)
      sieve.yield %s
    } else {
      // the up projection, the product and the down projection as they were
    }
    ```

    The gate runs dense; its active neurons select the up projection's
    columns to compute, from `%wu_t`, the up weight transposed at compile
    time into a new constant (`N x K`: each neuron's weights one contiguous
    row; the transpose of a constant is used as it is), and the down
    weight's rows to read. The ideal speed-up of a memory-bound batch-1 FFN
    at density `d` is 3/(1+2d). The limit is the cost model's for the
    gathered weights together (up and down: in cache or streamed), as for a
    plain ReLU FFN. A product whose other factor is not such a projection
    is left alone (with `report`, a remark says why).

    **Predictor branches** (`approx=true`, opt-in: approximate): an FFN
    whose ReLU carries a `#sieve.predictor` (fitted on calibration data by
    the compile API with `--sparsity=approx`, docs/predictors.md) skips the
    up projection of the neurons the predictor says stay inactive, too. A
    plain ReLU FFN `y = relu(x @ W1 + b1) @ W2` (the up projection matched
    as for the gated up projection above, including a `tensor.reshape`
    that only splits rows, as the importer writes several dynamic
    dimensions) becomes:

    ```mlir
    %idx = sieve.predict %x, %u, %v, %thresholds
    %y = sieve.branch %density, %limit : f32 -> tensor<MxDxf32> {
      %h = sieve.column_gather_matmul %x, %w1_t, %idx [bias %b1] relu
      %s = sieve.gather_matmul %h, %w2, %idx     // (+ the accumulator)
      sieve.yield %s
    } else {
      // the up projection, the ReLU and the down projection as they were
    }
    ```

    and a gated FFN whose gate is a ReLU of such a projection computes the
    predicted gate columns (`sieve.column_gather_matmul ... relu`), then the
    up columns (`sieve.gated_gather_matmul`) and the down rows of the same
    neurons. `%density` is the predicted fraction; the limit is the cost
    model's for all gathered weights. Neurons the predictor misses read as
    zero: the result is approximate, with the recall the predictor reports.
    A predictor whose held-out density is above the limit is not used (the
    exact rewrite applies instead); FFNs without a predictor get the exact
    rewrites.
  }];
  let options = [
    Option<"approx", "approx", "bool", /*default=*/"false",
           "Use the #sieve.predictor of a ReLU to skip the up projection of "
           "predicted-inactive neurons too (approximate)">,
    Option<"densityLimit", "density-limit", "double", /*default=*/"-1.0",
           "Fraction of active neurons above which the dense path runs "
           "(negative: chosen by the cost model)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for every ReLU-fed matmul: rewritten, or kept "
           "dense and why">,
    Option<"cacheBytes", "cache-bytes", "int64_t", /*default=*/"33554432",
           "The target's last-level cache in bytes, for the cost model "
           "(default: 32 MiB, the development machine's)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::sieve::SieveDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SieveSparsifyWeights
    : Pass<"sieve-sparsify-weights", "::mlir::func::FuncOp"> {
  let summary = "Pack sparse constant matmul weights into sieve.sparse_matmul";
  let description = [{
    Rewrites a `linalg.matmul` whose weight (the `K x N` second operand) is
    an f32 constant with few enough non-zeros into `sieve.sparse_matmul`
    over the weight packed column by column: for each output column, the
    values of its non-zeros and their reduction rows (i32), padded with
    zeros to a multiple of 16 entries (the lowering's vector width), and
    one offset per column. The matmul's accumulator becomes the op's
    `init`. The rewrite is exact for finite inputs: only zero products are
    skipped and the sum runs in another order, so results differ by float
    rounding only (an infinite or NaN activation meeting a zero weight no
    longer gives NaN).

    The decision compares the packed density (entries, padding included,
    over `K * N`: the fraction of the dense weight's bytes the kernel reads,
    at twice the bytes per entry) with `density-limit`. By default (a
    negative limit) a cost model picks the limit from the batch and the
    weight size: for one row, 25% when the weight is streamed from memory
    (over 8 MiB: the packed form moves 8 bytes per non-zero against 4 per
    dense element) and 12% when it sits in cache (the dense vecmat is then
    compute-bound); 20% for 2-15 rows; 30% for 16 rows and more; for a
    dynamic batch the smaller of the one-row limit and 20% (the batch may
    be 1 at run time). The thresholds are measured break-even points, as packed
    densities, with a margin (`benchmarks/run.py`, docs/sparsity.md). Any
    pattern of zeros packs (unstructured, N:M, blocks, rows); the
    annotation `sieve.weight_pattern`, when present, is carried over. Weights with a zero dimension, non-f32 element types,
    non-constant weights and transposed-operand matmuls are left alone.

    Example: a `4 x 2` weight with two non-zeros becomes

    ```mlir
    %v = arith.constant dense<[2.0, 0.0, ...]> : tensor<32xf32>
    %r = arith.constant dense<[1, 1, ...]> : tensor<32xi32>
    %o = arith.constant dense<[0, 16, 32]> : tensor<3xi32>
    %y = sieve.sparse_matmul %x, %v, %r, %o, %init group 16 : ...
    ```
  }];
  let options = [
    Option<"densityLimit", "density-limit", "double", /*default=*/"-1.0",
           "Largest weight density that is packed (negative: chosen by the "
           "cost model)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for every constant weight with zeros: packed, or "
           "kept dense and why">,
    Option<"cacheBytes", "cache-bytes", "int64_t", /*default=*/"33554432",
           "The target's last-level cache in bytes, for the cost model "
           "(default: 32 MiB, the development machine's)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::sieve::SieveDialect"];
}

//===----------------------------------------------------------------------===//
// GPU code generation (sieve-gpu-pipeline)
//===----------------------------------------------------------------------===//

def SieveGPUCopyInputs
    : Pass<"sieve-gpu-copy-inputs", "::mlir::func::FuncOp"> {
  let summary = "Copy the entry's memref arguments into the model's own "
                "buffers";
  let description = [{
    Run after bufferization and before the buffer deallocation pipeline.
    The caller's buffers (host memory) are not visible to GPU kernels; the
    model's own buffers are (the GPU runtime allocates them as CUDA managed
    memory). Each memref argument of a function with a body that is used
    gets a `memref.alloc` of its shape and a `memref.copy` at the entry, and
    every other use reads the copy; the deallocation pipeline frees it.

    Example: `func.func @main(%x: memref<1x4xf32>)` starts with

    ```mlir
    %copy = memref.alloc() : memref<1x4xf32>
    memref.copy %x, %copy : memref<1x4xf32> to memref<1x4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def SieveMapToGPU : Pass<"sieve-map-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Turn the loop nests of linalg ops on buffers into GPU "
                "kernel launches";
  let description = [{
    Run on buffers, after `sieve-gpu-copy-inputs` and deallocation:

    * every `memref.copy` that does not read a function argument (those
      are the entry's copies of the caller's buffers, made on the host)
      becomes a `linalg.copy`; with `gpu-memcpy` (sieve-gpu-pipeline on a
      GPU) the entry's copies become a `gpu.memcpy` on a stream waited for
      at once: the driver's copy (`cuMemcpy`) writes the managed buffer
      where it lives, on the GPU after the first call, where a host copy
      would move its pages to the host and back on every call;
    * every linalg op becomes loops: an `scf.parallel` over its parallel
      dimensions around `scf.for` loops over its reduction dimensions
      (`linalg::linalgOpToParallelLoops`);
    * every outermost `scf.parallel` becomes a `gpu.launch` of a
      one-dimensional grid: its iteration space, linearized (innermost
      dimension fastest, so neighbouring threads touch neighbouring
      elements and a row-major weight is read coalesced), is split into
      blocks of `block-size` threads; each thread computes one point and
      runs the sequential reduction loops itself. Threads past the end do
      nothing; an empty iteration space launches one idle block. A sum
      whose result has fewer points than `reduction-threads` is split along
      its reduction into chunks of at least 32 steps, summed in registers
      and added atomically. A sum over several trailing reductions (a
      convolution's channels and window) is summed in a register too, its
      first reduction split the same way (chunks of at least
      `ceil(32 / the other reductions' size)` steps, each running the
      others whole). Without skipping, a thread sums four points along one
      parallel dimension other than the innermost (neighbouring threads
      still read neighbouring addresses) that some inputs do not depend on
      (the one with the most such inputs, then the longest; a static size
      of at least 4: a dynamic batch of one row would compute copies):
      those inputs are loaded once per step for the four (a
      matmul's weight across four rows, a convolution's input across four
      output channels); a partial last tile computes copies of its last
      point and does not store them.
    * with `shared-tiles` (the default), a contraction of two f32 buffers
      whose output points split into two sides read by one input each (a
      matmul's rows and columns, a convolution's output channels and its
      batch and pixels), each of at least 32 points, runs in shared-memory
      tiles instead: a launch of blocks of 256 threads, each block a tile
      of 64 x 64 points of one batch point (the points both or neither
      input read); per stage of 16 steps of the flattened reductions, each
      thread loads four elements of each input into shared memory
      (workgroup attributions; zeros past the ends), `gpu.barrier`, then
      adds the 16 steps to its 4 x 4 sums with 16-byte vector loads of
      shared memory, `gpu.barrier`; the reduction is split across blocks
      (atomic adds) when the tiles are fewer than `reduction-threads`
      needs. A side of dynamic size whose static part is under 32 points
      is chosen at run time (`scf.if` between the tiled launch and the
      register kernel). With `report`, a remark names each tiled op and
      its sizes.

    A sum over every element (an inner product) is split the same way. A
    sum marked `sieve.skip_zeros = i` (sieve-gather-matmul-to-linalg) runs
    over the non-zero positions of its input `i` only: with
    `compact-skipped` (the default) two launches first list them, one list
    per row of the input (a launch zeroes the lists' lengths; then each
    thread counts the non-zeros of 32 neurons, reserves that many entries
    with one atomic add and writes their positions), and the sum's threads
    split their row's list (chunks of at least 32 entries; splits past its
    end add nothing), reading each listed neuron's weights with no test;
    without it, each thread tests every activation of its chunk and loads
    the other inputs of a step only where it is non-zero. One marked `sieve.skip_zero_points = i` reads input `i`
    at each output point (it must not depend on the reduction) and sums an
    empty range where it is zero (a gated up projection's gate), adding
    nothing to the output there; when another input is read in rows along
    the reduction, one row per point of the innermost parallel dimension (a
    gated or predicted up projection's N x K weight), and the reduction is
    static and at least 128 steps, the sum runs in lanes: 32 neighbouring
    threads per point (the lane the fastest index), each taking every 32nd
    step, four steps' loads at a time, added atomically, so that a warp
    reads a point's row coalesced and the rows of points whose gate is zero
    are not read at all.
    In the kernels, float multiplies, adds and subtracts get the
    `contract` fast-math flag (as nvcc's default `--fmad=true`: a sum's
    multiply-add is one FMA), and `math.absi`, which the NVVM lowering
    lacks, becomes `max(x, 0 - x)`.
    Other loops that are not parallel (a max over every element, the
    scalar code of lowered sieve ops) stay in the host function; the
    buffers they touch are managed memory, which the host reads and
    writes between the (synchronous) launches. An `scf.parallel` with
    reductions is an error naming the op.

    Example: `linalg.matmul ins(%x, %w : memref<1x196xf32>,
    memref<196x128xf32>) outs(%y : memref<1x128xf32>)` becomes a launch of
    one block of 256 threads in which thread `t < 128` runs
    `y[0, t] += x[0, k] * w[k, t]` for k in [0, 196).
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
    Option<"reductionThreads", "reduction-threads", "int64_t",
           /*default=*/"131072",
           "Threads a sum is spread over at most: when its result has fewer "
           "points, the reduction is split into chunks (sieve-gpu-pipeline "
           "sets twice the threads the chip keeps resident)">,
    Option<"gpuMemcpy", "gpu-memcpy", "bool", /*default=*/"false",
           "The entry's copies of the caller's buffers become gpu.memcpy "
           "(else host memref.copy, what emulation runs)">,
    Option<"compactSkipped", "compact-skipped", "bool", /*default=*/"true",
           "A sum marked sieve.skip_zeros runs over a list of its input's "
           "non-zeros built by a compaction launch (else every thread tests "
           "every activation of its chunk)">,
    Option<"sharedTiles", "shared-tiles", "bool", /*default=*/"true",
           "Contractions with at least 32 points along each of two output "
           "sides (a matmul's rows and columns, a convolution's channels "
           "and pixels) run in 64 x 64 tiles staged in shared memory (else "
           "the register kernel: four points per thread)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "A remark for each contraction run in shared-memory tiles">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::vector::VectorDialect"];
}

def SieveMergeGPUModules
    : Pass<"sieve-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Move every outlined kernel into one gpu.module";
  let description = [{
    After `gpu-kernel-outlining`, which makes one `gpu.module` per kernel:
    moves the kernels (and any symbols they use) into the first module,
    renamed `@sieve_kernels`, renaming clashes and updating every
    `gpu.launch_func`. The model then is one PTX module, loaded once.
    Every kernel's workgroup (shared-memory) buffers get `llvm.align = 16`:
    the shared-memory tiles of `sieve-map-to-gpu` read them with 16-byte
    vector loads.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def SieveGPUDeviceConstants
    : Pass<"sieve-gpu-device-constants", "::mlir::ModuleOp"> {
  let summary = "Read constant weights from GPU-visible copies";
  let description = [{
    On the host code in the LLVM dialect (after `finalize-memref-to-llvm`):
    each `llvm.mlir.addressof` of a constant global with an initializer
    (a weight, as `memref.global` lowers) becomes a call
    `sieveGpuConstant(address, bytes)` of Sieve's GPU runtime, which
    returns a managed-memory copy of it, made on the first call and reused
    after. Kernels and host code then read the copy.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SieveGatherMatmulToLinalg
    : Pass<"sieve-gather-matmul-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Express the activation gathers and predictors as "
                "linalg.generic ops (for the GPU)";
  let description = [{
    sieve-gpu-pipeline runs this before the sieve ops are lowered to loops,
    so that the activation gather becomes a GPU kernel like any other
    contraction (`sieve-map-to-gpu` splits its reduction over the active
    neurons across threads) instead of host loops. The generic iterates
    over the result and, as its reduction, over the positions of `indices`;
    its body reads `indices[t]` and loads the input column and weight row
    of that neuron (`tensor.extract`).

    Example:

    ```mlir
    %y = sieve.gather_matmul %h, %w, %idx
        : tensor<1x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<1x64xf32>
    ```

    becomes a `linalg.fill` of zeros and

    ```mlir
    %y = linalg.generic {indexing_maps = [(m, n, t) -> (t), (m, n, t) -> (m, n)],
                         iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%idx : tensor<?xindex>) outs(%zeros : tensor<1x64xf32>) {
    ^bb0(%k: index, %acc: f32):
      %x = tensor.extract %h[%m, %k]   // %m, %n: linalg.index 0, 1
      %v = tensor.extract %w[%k, %n]
      ...                              // %acc + %x * %v
    }
    ```

    With `skip-zeros` (what sieve-gpu-pipeline uses), a gather whose
    indices are the non-zero neurons of its own input (`sieve.active_set`
    of the input, threshold 0) becomes instead a contraction over every
    neuron, a matmul as a `linalg.generic` marked `sieve.skip_zeros = 0`:
    `sieve-map-to-gpu` loads a weight row only where the input is non-zero
    (the threads of a warp share the neuron, so the test is uniform and
    the skipped rows are never read). No index list is needed, so a
    `sieve.branch` whose sparse region then uses no active set takes that
    region unconditionally (at density 1 it reads what the dense matmul
    reads), and the active set, host code over the activation that moved
    its pages between host and GPU on every call, is gone.

    With `skip-zeros`, a gated FFN's `sieve.gated_gather_matmul` over the
    non-zeros of its gate becomes a contraction over every neuron marked
    `sieve.skip_zero_points = 0` (the gate, read at each output point:
    `sieve-map-to-gpu` skips the whole sum of a point whose gate is zero),
    its constant N x K weight transposed back to K x N at compile time
    (neighbouring threads, neurons, read neighbouring addresses), then
    `gate * (up + bias)` elementwise; the down projection's gather over the
    same indices skips the zeros of that product (zero wherever the gate
    is).

    With `skip-zeros`, a predicted FFN (`--sparsity=approx`) needs no index
    list either: `sieve.predict` becomes a mask over the neurons (the
    contractions `x u` and `(x u) v`, then per neuron the count of rows
    whose score is above its threshold, non-zero for the union of the rows'
    predictions); each `sieve.column_gather_matmul` over its indices a
    contraction over every neuron marked `sieve.skip_zero_points = 0` (the
    mask, read at the neuron; the N x K weight as it is, which
    sieve-map-to-gpu reads in lanes) and `mask ? relu(sum + bias) : 0`; the
    gated gathers and the down projection's gather over the same indices
    skip the zeros of their input, which is zero outside the predicted
    neurons by construction (a column gather, a gated gather, or an
    elementwise activation of them that maps zero to zero). Other indices
    (a threshold, an input that may be non-zero outside the indices) keep
    the op.

    A branch whose sparse region then needs no index list is decided by
    its rows (the leading dimensions of the first non-constant value of
    rank 2 or more that the region reads from outside) instead of its
    density: below `dense-rows` (sieve-gpu-pipeline: 32, the shared-memory
    tiles' side) the sparse region, from there the dense one, whose
    contractions read each weight once per tile of rows where the skipping
    kernels read the selected rows once per row. Static rows inline one
    region at compile time; dynamic rows become the branch's density (the
    limit `dense-rows - 1`), compared on the host at run time with no
    active set and no copy from the GPU. With `dense-rows=0` the sparse
    region is always taken.
  }];
  let options = [
    Option<"skipZeros", "skip-zeros", "bool", /*default=*/"false",
           "Gathers of the non-zero neurons become zero-skipping "
           "contractions, and their branches take the sparse region">,
    Option<"denseRows", "dense-rows", "int64_t", /*default=*/"0",
           "With skip-zeros: a branch whose sparse region needs no index "
           "list takes it below this many rows and its dense region from "
           "there (chosen at compile time for static rows, at run time for "
           "dynamic ones); 0: the sparse region always">,
    Option<"report", "report", "bool", /*default=*/"false",
           "A remark for each branch whose region is chosen by its rows">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def SieveSparsifyWeightsGPU
    : Pass<"sieve-sparsify-weights-gpu", "::mlir::func::FuncOp"> {
  let summary = "Pruned constant matmul weights as interleaved ELL "
                "contractions for the GPU";
  let description = [{
    The GPU's form of `sieve-sparsify-weights` (sieve-gpu-pipeline runs it
    where the CPU pipeline packs weights). Rewrites a `linalg.matmul` whose
    weight (the `K x N` second operand) is an f32 constant with zeros into a
    `linalg.generic` over the weight's non-zeros in ELL form: every output
    column padded to the longest column's `J` entries, entry `j` of column
    `c` at `[j, c]` of a `J x N` value constant and a `J x N` row constant
    (i16 when `K <= 32767`, else i32; padding: value 0 and the column's
    last row), so that the GPU's neighbouring threads (columns) read
    neighbouring addresses. The generic sums
    `y[m, c] += values[j, c] * x[m, rows[j, c]]` over `j` (the activation
    read with `tensor.extract`), which sieve-map-to-gpu lowers like any
    sum: a thread per output point, the slots split across threads when
    the points are few. Exact for finite inputs (the zero products are
    skipped, the order of the sum changes).

    The kernel reads `J / K` of the dense weight's rows per column at
    `4 + 2` (or `4 + 4`) bytes per entry: it packs when `J / K` is at most
    `density-limit`, by default 80% of the dense bytes' share
    (`0.8 * 4 / 6 = 53%` with 16-bit rows, 40% with 32-bit ones). A
    skewed weight (one long column) pads every column to that length.

    Example: `linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x2xf32>)`
    with two non-zeros in each column becomes a generic over `tensor<2x2xf32>`
    values and `tensor<2x2xi16>` rows.
  }];
  let options = [
    Option<"densityLimit", "density-limit", "double", /*default=*/"-1.0",
           "Largest J / K (the longest column's non-zeros over the rows) "
           "that is packed (negative: 80% of the dense bytes)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for every constant weight with zeros: packed, or "
           "kept dense and why">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def SieveGPUAsyncLaunches
    : Pass<"sieve-gpu-async-launches", "::mlir::func::FuncOp"> {
  let summary = "Queue a function's launches on one stream; wait only where "
                "the host needs their results";
  let description = [{
    Run after `sieve-map-to-gpu`. Each synchronous `gpu.launch` becomes an
    async one that depends on the previous launch of its block (the first
    on a `gpu.wait async`), so that launches queue one after another on the
    stream without the host waiting for each kernel. The host waits
    (`gpu.wait [%token]`) only before an op that may read or write memory
    (a host loop over managed memory, a call, a copy), and at the end of
    the block (before `func.return`: the caller reads the results).
    Allocations and deallocations need no wait: Sieve's CUDA runtime keeps
    a freed buffer for the next allocation of its size, and the kernels that
    use it then run after those that used it before, in the stream's order.
    The blocks of nested regions (a host loop around launches) are handled
    the same way, each on its own. Launches that are already async, or
    that have attributions or clusters, are left alone.

    Example: two launches and a `func.return` become `%t0 = gpu.wait async`,
    `%t1 = gpu.launch async [%t0]`, `%t2 = gpu.launch async [%t1]`,
    `gpu.wait [%t2]`, `func.return`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def SieveGPULaunchToLoops
    : Pass<"sieve-gpu-launch-to-loops", "::mlir::func::FuncOp"> {
  let summary = "Run gpu.launch bodies on the CPU, one thread after another "
                "(emulation, for tests)";
  let description = [{
    Replaces each `gpu.launch` (of one block of code, as `sieve-map-to-gpu`
    makes them) with `scf.for` loops over its blocks and threads around a
    copy of its body. A launch with barriers or shared memory (the
    shared-memory tiles) must be side-effect-free index code, one `scf.for`
    with the same bounds in every thread whose body the barriers (directly
    in it) split into parts, then any code: each part runs for every thread
    of a block before the next one starts, the loop's values in per-thread
    host buffers (two per value, swapped each step), shared memory a host
    buffer; the index code is recomputed in each thread loop. Other forms
    are an error that says why (a barrier nested deeper, side effects
    before the loop, bounds that differ between threads, a value used
    across a barrier). The
    `sieve-gpu-pipeline` option `emulate` uses it to check the GPU
    pipeline's kernels numerically on a machine without a GPU
    (`sieve-run --device=emulated-gpu`).
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_TD
