//===- KernelUtils.h - Pieces shared by the hand-written kernels -*- C++
//-*-===//
//
// What the window kernels, the direct convolution kernel and the
// convolution rewrites build or recognise alike: a per-channel accumulator
// (a bias broadcast or a fill), an elementwise copy, and a loop split into
// parallel chunks along one dimension of its destination.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_KERNELUTILS_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_KERNELUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

#include <functional>
#include <optional>

namespace mlir::tensor {
class PadOp;
} // namespace mlir::tensor

namespace mlir::sieve {

/// An accumulator that holds one value per channel (dimension 1): the
/// broadcast of a 1-D `bias` (a linalg.generic yielding its only input,
/// read at the channel) or a fill's `splat`. Neither set: any other value.
struct ChannelInit {
  Value bias, splat;
};
ChannelInit matchChannelInit(Value init);

/// A linalg.generic copying `source` into `dest` (same shape, identity
/// maps): an elementwise op that sieve-tile-and-vectorize vectorizes along
/// the innermost dimension.
Value identityCopy(OpBuilder &b, Location loc, Value source, Value dest);

/// An scf.for over [from, to) by `step` carrying `init` through `body`
/// (which returns the next value); a single iteration is emitted inline,
/// none returns `init`.
Value carriedLoop(OpBuilder &b, Location loc, int64_t from, int64_t to,
                  int64_t step, Value init,
                  function_ref<Value(Value iv, Value carried)> body);

/// `body` over `chunks` parallel chunks of `size` along dimension `dim` of
/// the static tensor `dest` (an scf.forall; chunk i gets the slice at
/// offset i * size and that offset, and returns the slice updated).
Value forallChunks(OpBuilder &b, Location loc, Value dest, int64_t dim,
                   int64_t chunks, int64_t size,
                   function_ref<Value(Value slice, Value offset)> body);

/// The elementwise linalg.generic that alone consumes `result` and reads it
/// as it is (Relu, Clip): every map the identity or a rank-0 operand, the
/// same result type, a body of elementwise-mappable ops that does not read
/// its output; null otherwise. With `otherOperands`, inputs other than
/// `result` of its type read with identity maps (a residual Add's other
/// operand) are taken too. A kernel applies it to its accumulators in
/// registers (applyEpilogue) and replaces it.
linalg::GenericOp soleElementwiseUser(Value result, bool otherOperands = false);

/// The body of the elementwise `generic` (soleElementwiseUser) on the
/// vector `acc` (any shape): each op cloned with vector operands (values
/// from outside and rank-0 operands broadcast). `readOperand` gives the
/// vector of a full-rank input at `acc`'s position (null for the input
/// that `acc` is); without it every full-rank input is `acc`.
Value applyEpilogue(OpBuilder &b, Location loc, linalg::GenericOp generic,
                    Value acc,
                    function_ref<Value(OpOperand &)> readOperand = nullptr);

/// The tensor.pad that `value` is when it pads only its last two (spatial)
/// dimensions, by static amounts of zero or more, with a constant; null
/// otherwise. Callers check the constant (getConstantPaddingValue) and the
/// rank they read.
tensor::PadOp spatialPadOf(Value value);

/// An `scf.for` with constant bounds: its lower bound, its step (> 0) and
/// its number of iterations (> 0).
struct StaticLoop {
  int64_t lower, step, trips;
};
std::optional<StaticLoop> staticLoop(scf::ForOp loop);

/// How many elements of `element` (an integer or float type) a cache line
/// holds (at least one).
int64_t lineElements(Type element);

/// `tensor` (static shape) as a read-only buffer of any layout, at `b`'s
/// insertion point: what a prefetch names its lines in.
Value readOnlyBuffer(OpBuilder &b, Location loc, Value tensor);

/// Cache lines that a register tile asks for while it computes: `count`
/// lines, line i (an index value) at `buffer`[`indices`(i)].
struct PrefetchLines {
  Value buffer;
  int64_t count = 0;
  std::function<SmallVector<Value>(OpBuilder &, Location, Value)> indices;
  /// Asked for to be written (`prefetchw`).
  bool isWrite = false;
};

/// The cache lines of `tile`, a static 2-D slice of a larger tensor (rows
/// far apart) that a register tile reads or writes after its reduction (a
/// residual Add's operand, its own output), row by row, with one more per
/// row when the larger tensor's rows are not whole lines; the buffer they
/// are named in is made at `b`'s insertion point. Its rows, a row of the
/// whole tensor apart, are as many streams as the tile has rows, and
/// successive tiles of a column panel move down the rows: hardware
/// prefetchers follow neither, so without a prefetch the tile waits for
/// memory once per line. No lines (count 0) for other values.
PrefetchLines tileLines(OpBuilder &b, Location loc, Value tile);

/// The loop in `root`'s regions that carries a register tile's
/// accumulator (the first innermost `scf.for` with a vector iter_arg), or
/// null.
scf::ForOp accumulatorLoop(Operation *root);

/// Asks for the lines of `streams` (`memref.prefetch` into L1, to read or
/// to write) during the first steps of `reduction` (static bounds): each
/// stream ceil(count / steps) lines per step, over as few steps as that
/// takes, those steps split off into a loop of their own (the other steps
/// run without a test). Spread out rather than a burst before the
/// reduction, which holds the tile's own loads back behind the misses
/// (the next weight panel's share, 128 lines per tile of the batch-32
/// FFN, as a burst: 9% slower at two threads). Nothing when no stream has
/// lines or the bounds are not static.
void prefetchDuringReduction(OpBuilder &b, scf::ForOp reduction,
                             ArrayRef<PrefetchLines> streams);

/// Gives every user of a linalg.fill of a tensor.empty its own fill (and
/// empty tensor), placed right before it. CSE merges the same fill of two
/// layers (the zero accumulator of two bias-free convolutions of one
/// shape, the -inf of two max pools); the kernels fuse an accumulator's
/// producer into their tiles only when it has one user, so a shared fill
/// would be written to memory whole and read back by each layer.
void untieSharedFills(Operation *root);

/// Rewrites every static tensor.pad under `root` with a constant value and
/// an unpadded innermost dimension (a channels-last image [H, W, C] padded
/// in H and W) into its border filled slab by slab and its source inserted:
/// bufferized, a tensor.pad fills the whole buffer and then copies the
/// source over most of it, while the slabs write each element once. The
/// slabs are runs of whole innermost rows (a 14x14 map padded by 2: 2
/// rows above and below, 2 pixels left and right of each row) and become
/// linalg.fill ops, which the vectorizer writes in vectors. Pads that pad
/// the innermost dimension stay: their border slabs would be single
/// elements, slower than the whole fill.
void fillPadBorders(RewriterBase &rewriter, Operation *root);

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_KERNELUTILS_H
