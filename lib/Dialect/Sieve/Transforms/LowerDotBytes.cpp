//===- LowerDotBytes.cpp - sieve.dot_bytes to LLVM or vector ops -*- C++
//-*-===//
//
// sieve.dot_bytes (four unsigned by four signed bytes summed into each 32-bit
// lane) becomes x86's `vpdpbusd` intrinsic where the target has it, or the
// same sums in portable vector arithmetic: the bytes widened to i32,
// multiplied, and each lane's four products picked out by shuffles and added.
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
StringRef intrinsicFor(int64_t lanes) {
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
      StringRef name = intrinsics ? intrinsicFor(accType.getDimSize(0)) : "";
      Value result =
          name.empty() ? portableDot(b, op)
                       : LLVM::CallIntrinsicOp::create(
                             b, op.getLoc(), accType, b.getStringAttr(name),
                             ValueRange{op.getAcc(), op.getLhs(), op.getRhs()})
                             .getResult(0);
      op.replaceAllUsesWith(result);
      op.erase();
    }
  }
};

} // namespace
