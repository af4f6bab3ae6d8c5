//===- PackPanels.h - Matmul weights in column panels -----------*- C++ -*-===//
//
// A matmul's register tile walks down a strip of `tile-n` columns of the
// weight, one row per reduction step. In the weight's own [K, N] layout
// those rows are N elements apart; a wide weight (1024 x 4096: 16 KiB)
// puts every row of the strip on the same few L1 sets and on a page of its
// own, so the strip keeps evicting itself and the hardware prefetchers do
// not follow it. The cache blocks of sieve-tile-and-vectorize therefore
// read the weight in column panels laid out contiguously: a constant
// weight is rearranged once at compile time, any other (a convolution's
// input) copied one panel at a time into a small buffer.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_PACKPANELS_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_PACKPANELS_H

#include "sieve/Dialect/Sieve/Transforms/KernelUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {

/// The constants packed into column panels so far: the packed values by
/// the original values and the panel width, so that every matmul that reads
/// one weight reads the same packed copy (a constant op of the packed
/// value next to its weight's; CSE merges them). Attributes, not ops or
/// values: rewrites erase and create constant ops while the cache lives,
/// and a new op at an erased one's address must not find its packing.
using PackedConstants =
    llvm::DenseMap<std::pair<Attribute, int64_t>, TypedAttr>;

/// A matmul cache block rewritten into column panels (packColumnPanels).
struct ColumnPanels {
  /// The matmul of one panel, [M, kc] x [kc, width], to get the register
  /// tile schedule.
  linalg::MatmulOp matmul;
  /// The copy of the panel into the scratch buffer, or null when the
  /// panel is read from a constant packed at compile time.
  linalg::CopyOp copy;
};

/// Rewrites the static matmul cache block `block` ([M, kc] x [kc, nc],
/// nc a multiple of `width`) into a loop over its column panels of `width`
/// columns, each a matmul reading a contiguous [kc, width] panel of the
/// weight: a slice of the weight's constant rearranged at compile time
/// into [N / width, K, width] when the weight is a constant that only
/// matmuls read, as their weight (each reads the packed copy, found in
/// `packed`), or that only the sparse path of the run-time branch whose
/// dense path holds `block` reads otherwise (a row gather: the weight is
/// then stored in both layouts), and the block's column offset is provably
/// a multiple of `width`;
/// otherwise the panel copied into `scratch` ([kc, width], allocated
/// before the cache loops). Returns nulls, and leaves `block` as it is,
/// when the weight's rows are already at most `width` elements apart (a
/// convolution's image-to-column panels), the shapes do not fit, or
/// `scratch` is null and the weight cannot be packed at compile time.
ColumnPanels packColumnPanels(RewriterBase &rewriter, linalg::MatmulOp block,
                              int64_t width, Value scratch,
                              PackedConstants &packed);

/// The cache lines of the column panel after `strip` (a [1, K, width]
/// slice, defined outside `rowLoop`, of a constant's packed panels [P, K',
/// width]) that each iteration of `rowLoop` (the register tiles of rows
/// reading `strip`) asks for, for prefetchDuringReduction: iteration t
/// its share, about 1/(iterations) of the next panel's lines. A constant
/// weight last read a whole network ago comes from memory, and each
/// panel's first register tile otherwise waits for its lines (a 256 ->
/// 1024 1x1 convolution on 14x14 as pixel rows: its 1 MiB weight cold,
/// 0.67 ms, in cache 0.55). No lines when the loop has fewer than four
/// iterations (each would ask for a quarter of a panel or more) or
/// `strip` is not such a slice. The last panel asks for itself. With
/// `blockPanels` and `blockRows`, the panels are read in cache blocks of
/// that many panels by that many rows, the blocks of rows inner: the next
/// panel of a block's last one is the first one of the next rows (after
/// the last rows, the next block's first from row 0). Values it needs are
/// made before `rowLoop`.
PrefetchLines nextPanelLines(OpBuilder &b, scf::ForOp rowLoop, Value strip,
                             int64_t blockPanels = 0, int64_t blockRows = 0);

/// The [K, width] strip `strip` (a slice of a matmul weight) read from
/// contiguous rows, at the insertion point after `strip`: a panel of the
/// weight's constant rearranged at compile time when packColumnPanels'
/// conditions hold, else `strip` copied into `scratch` ([K, width]; `copy`
/// set to the copy), or `strip` itself when its rows are already at most
/// `width` elements apart.
Value contiguousPanel(RewriterBase &rewriter, Value strip, Value scratch,
                      linalg::CopyOp *copy, PackedConstants &packed);

/// The static [K, N] weight `weight` of a matmul column block (N a
/// multiple of `width`, at least two panels) copied, at the insertion
/// point, into its column panels [N / width, K, width] by one copy that
/// reads each row in order (`copy` set to it, a linalg.transpose of the
/// weight's [K, N / width, width] view). Where the panels were copied one
/// at a time, each read K rows of `width` elements far apart: as many
/// streams as rows, which no hardware prefetcher follows, so a feature map
/// larger than the L2 cache came in one miss at a time (a 256 -> 64 1x1
/// convolution on 56 x 56 spent a fifth of its time in those copies);
/// whole rows are runs the prefetchers follow. Null when the weight is a
/// constant (packed at compile time instead, contiguousPanel), its rows
/// are at most `width` elements apart, or the shapes do not fit.
Value copyBlockPanels(RewriterBase &rewriter, Value weight, int64_t width,
                      linalg::TransposeOp *copy);

/// Replaces every 2-D f32 constant in `root` that is read only through
/// static, unit-stride 2-D extract_slices (the column pieces of a matmul
/// whose columns the register tile does not divide) with one constant per
/// slice, so that each piece's weight is a constant read once, which
/// packColumnPanels can pack; not when the slices together are larger
/// than the constant (they overlap).
void splitConstantSlices(RewriterBase &rewriter, Operation *root);

/// The transpose of the f32 constant `weight` read as a row-major matrix of
/// its first dimension's rows ([F, C, KH, KW] as [F, C*KH*KW]): a new
/// [columns, rows] constant (a dense_resource blob) at the rewriter's
/// insertion point, or null when its values cannot be read.
Value createTransposedConstant(OpBuilder &builder, Location loc, Value weight);

/// The f32 constant `weight` with its dimensions permuted as
/// linalg.transpose's `permutation` does (result dimension i is input
/// dimension permutation[i]): a new constant (a dense_resource blob) at the
/// builder's insertion point, or null when its values cannot be read. With
/// `resultShape`, the permuted values (row-major) are given that shape (the
/// same number of elements): a matmul operand that packColumnPanels can
/// pack, where a collapse_shape of the permuted constant hid it.
Value createPermutedConstant(OpBuilder &builder, Location loc, Value weight,
                             ArrayRef<int64_t> permutation,
                             ArrayRef<int64_t> resultShape = {});

/// The f32 convolution weight `weight` [F, C, KH, KW] in tiles of `rows`
/// filters, [F / rows, KH*KW*C, rows]: tile b's row (i*KW + j)*C + c
/// (`channelMajor`: c*KH*KW + i*KW + j) holds filters [b*rows, (b+1)*rows)
/// of channel c, tap (i, j), so that a register tile of `rows` filters
/// reads one contiguous run per reduction step, in the order its loops
/// take them. A new constant at the builder's insertion point; null when
/// `weight` is no such constant, `rows` does not divide F or its values
/// cannot be read.
Value createConvTilesConstant(OpBuilder &builder, Location loc, Value weight,
                              int64_t rows, bool channelMajor);

/// The f32 3x3 convolution weight `weight` [F, C, 3, 3] transformed for
/// Winograd's F(2x2, 3x3) (U = G g G^T, a 4x4 tile per filter and
/// channel) in tiles of `rows` filters, [16, F / rows, C, rows]: element
/// (xi, b, c, r) is U[xi / 4][xi % 4] of filter b*rows + r, channel c, so
/// that the product of each of the 16 positions is a matmul whose
/// register tile of `rows` filters reads one contiguous run per channel.
/// A new constant at the builder's insertion point; null when `weight` is
/// no such constant, `rows` does not divide F or its values cannot be
/// read.
Value createWinogradTilesConstant(OpBuilder &builder, Location loc,
                                  Value weight, int64_t rows);

/// The f32 constants `parts` (2-D, static, the same number of rows) side
/// by side: a new [rows, sum of their columns] constant (a dense_resource
/// blob) at the builder's insertion point whose row r is the parts' rows r
/// one after another, or null when a part is not such a constant or its
/// values cannot be read. The gather kernels that read one row of each
/// part for the same neuron then read one contiguous row instead.
Value createBundledRowsConstant(OpBuilder &builder, Location loc,
                                ArrayRef<Value> parts);

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_PACKPANELS_H
