//===- LowerDotBytes.cpp - sieve.dot_bytes to LLVM or vector ops -*- C++
//-*-===//
//
// sieve.dot_bytes (four unsigned by four signed bytes summed into each 32-bit
// lane) becomes x86's `vpdpbusd` or AArch64's `usdot` intrinsic where the
// target has it, or the same sums in portable vector arithmetic: the bytes
// widened to i32, multiplied, and each lane's four products picked out by
// shuffles and added.
// It runs after bufferization, which rejects the intrinsic call (an op with
// unknown memory effects) that the op stands for until then.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/IR/SieveOps.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVELOWERDOTBYTES
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// The name of the x86 intrinsic for `lanes` 32-bit lanes, or "".
StringRef x86Intrinsic(int64_t lanes) {
  switch (lanes) {
  case 16:
    return "llvm.x86.avx512.vpdpbusd.512";
  case 8:
    return "llvm.x86.avx512.vpdpbusd.256";
  case 4:
    return "llvm.x86.avx512.vpdpbusd.128";
  default:
    return "";
  }
}

/// `op` as calls of AArch64's usdot (FEAT_I8MM) on 128-bit pieces of
/// four lanes (or one of two lanes), or null when its lanes are neither.
Value aarch64Dot(OpBuilder &b, sieve::DotBytesOp op) {
  Location loc = op.getLoc();
  auto accType = cast<VectorType>(op.getAcc().getType());
  int64_t lanes = accType.getDimSize(0);
  if (lanes == 2) {
    return LLVM::CallIntrinsicOp::create(
               b, loc, accType,
               b.getStringAttr("llvm.aarch64.neon.usdot.v2i32.v8i8"),
               ValueRange{op.getAcc(), op.getLhs(), op.getRhs()})
        .getResult(0);
  }
  if (lanes % 4 != 0)
    return {};
  auto piece = VectorType::get({4}, b.getI32Type());
  Value result = op.getAcc();
  for (int64_t i = 0; i < lanes; i += 4) {
    auto slice = [&](Value v, int64_t offset, int64_t size) {
      return vector::ExtractStridedSliceOp::create(
          b, loc, v, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{size},
          ArrayRef<int64_t>{1});
    };
    Value acc = lanes == 4 ? op.getAcc() : slice(op.getAcc(), i, 4);
    Value lhs = lanes == 4 ? op.getLhs() : slice(op.getLhs(), 4 * i, 16);
    Value rhs = lanes == 4 ? op.getRhs() : slice(op.getRhs(), 4 * i, 16);
    Value dot = LLVM::CallIntrinsicOp::create(
                    b, loc, piece,
                    b.getStringAttr("llvm.aarch64.neon.usdot.v4i32.v16i8"),
                    ValueRange{acc, lhs, rhs})
                    .getResult(0);
    if (lanes == 4)
      return dot;
    result = vector::InsertStridedSliceOp::create(
        b, loc, dot, result, ArrayRef<int64_t>{i}, ArrayRef<int64_t>{1});
  }
  return result;
}

/// `op` as widened products summed four lanes at a time.
Value portableDot(OpBuilder &b, sieve::DotBytesOp op) {
  Location loc = op.getLoc();
  auto bytes = cast<VectorType>(op.getLhs().getType());
  auto wide = VectorType::get(bytes.getShape(), b.getI32Type());
  Value lhs = arith::ExtUIOp::create(b, loc, wide, op.getLhs());
  Value rhs = arith::ExtSIOp::create(b, loc, wide, op.getRhs());
  Value products = arith::MulIOp::create(b, loc, lhs, rhs);
  int64_t lanes = cast<VectorType>(op.getAcc().getType()).getDimSize(0);
  Value sum = op.getAcc();
  for (int64_t j = 0; j < 4; ++j) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < lanes; ++i)
      mask.push_back(4 * i + j);
    Value part = vector::ShuffleOp::create(b, loc, products, products, mask);
    sum = arith::AddIOp::create(b, loc, sum, part);
  }
  return sum;
}

struct SieveLowerDotBytesPass
    : sieve::impl::SieveLowerDotBytesBase<SieveLowerDotBytesPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<sieve::DotBytesOp> ops;
    getOperation().walk([&](sieve::DotBytesOp op) { ops.push_back(op); });
    for (sieve::DotBytesOp op : ops) {
      OpBuilder b(op);
      auto accType = cast<VectorType>(op.getAcc().getType());
      Value result;
      if (instruction == "vpdpbusd") {
        if (StringRef name = x86Intrinsic(accType.getDimSize(0)); !name.empty())
          result = LLVM::CallIntrinsicOp::create(
                       b, op.getLoc(), accType, b.getStringAttr(name),
                       ValueRange{op.getAcc(), op.getLhs(), op.getRhs()})
                       .getResult(0);
      } else if (instruction == "usdot") {
        result = aarch64Dot(b, op);
      } else if (!instruction.empty()) {
        op.emitError() << "sieve-lower-dot-bytes: unknown instruction '"
                       << instruction << "' (vpdpbusd, usdot or empty)";
        return signalPassFailure();
      }
      if (!result)
        result = portableDot(b, op);
      op.replaceAllUsesWith(result);
      op.erase();
    }
  }
};

} // namespace
