// RUN: sieve-opt %s --pass-pipeline="builtin.module(func.func(sieve-lower-dot-bytes{instruction=vpdpbusd}))" | FileCheck %s --check-prefix=X86
// RUN: sieve-opt %s --pass-pipeline="builtin.module(func.func(sieve-lower-dot-bytes{instruction=usdot}))" | FileCheck %s --check-prefix=ARM
// RUN: sieve-opt %s --pass-pipeline="builtin.module(func.func(sieve-lower-dot-bytes))" | FileCheck %s --check-prefix=PORTABLE
// RUN: not sieve-opt %s --pass-pipeline="builtin.module(func.func(sieve-lower-dot-bytes{instruction=sdot}))" 2>&1 | FileCheck %s --check-prefix=BAD

// With intrinsics: x86 VNNI's vpdpbusd at 512, 256 and 128 bits; other
// lane counts in portable vector arithmetic.
// X86-LABEL: func.func @widths
// X86:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// X86:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// X86:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.128"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// X86:         arith.extui %{{.*}} : vector<8xi8> to vector<8xi32>
// X86-NOT:     sieve.dot_bytes

// AArch64 (i8mm): usdot on each 128-bit piece of four lanes, the pieces
// inserted back; two lanes as one 64-bit usdot.
// ARM-LABEL: func.func @widths
// ARM:         %[[A0:.*]] = vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [4], strides = [1]} : vector<16xi32> to vector<4xi32>
// ARM:         %[[L0:.*]] = vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// ARM:         %[[R0:.*]] = vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// ARM:         %[[D0:.*]] = llvm.call_intrinsic "llvm.aarch64.neon.usdot.v4i32.v16i8"(%[[A0]], %[[L0]], %[[R0]]) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// ARM:         vector.insert_strided_slice %[[D0]], %{{.*}} {offsets = [0], strides = [1]} : vector<4xi32> into vector<16xi32>
// ARM-COUNT-3: llvm.call_intrinsic "llvm.aarch64.neon.usdot.v4i32.v16i8"
// ARM:         vector.insert_strided_slice %{{.*}}, %{{.*}} {offsets = [12], strides = [1]} : vector<4xi32> into vector<16xi32>
// ARM:         llvm.call_intrinsic "llvm.aarch64.neon.usdot.v4i32.v16i8"
// ARM:         llvm.call_intrinsic "llvm.aarch64.neon.usdot.v4i32.v16i8"
// ARM:         llvm.call_intrinsic "llvm.aarch64.neon.usdot.v4i32.v16i8"(%{{.*}}) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// ARM:         llvm.call_intrinsic "llvm.aarch64.neon.usdot.v2i32.v8i8"(%{{.*}}) : (vector<2xi32>, vector<8xi8>, vector<8xi8>) -> vector<2xi32>
// ARM-NOT:     sieve.dot_bytes

// BAD: error: sieve-lower-dot-bytes: unknown instruction 'sdot' (vpdpbusd, usdot or empty)

// Portable: the first operand's bytes widened as unsigned, the second's as
// signed, multiplied; lane i adds products 4i, 4i+1, 4i+2 and 4i+3, each
// picked out by a shuffle.
// PORTABLE-LABEL: func.func @widths
// PORTABLE-SAME:    (%[[ACC:.*]]: vector<16xi32>, %[[A:.*]]: vector<64xi8>, %[[B:.*]]: vector<64xi8>
// PORTABLE:         %[[WA:.*]] = arith.extui %[[A]] : vector<64xi8> to vector<64xi32>
// PORTABLE:         %[[WB:.*]] = arith.extsi %[[B]] : vector<64xi8> to vector<64xi32>
// PORTABLE:         %[[P:.*]] = arith.muli %[[WA]], %[[WB]] : vector<64xi32>
// PORTABLE:         %[[S0:.*]] = vector.shuffle %[[P]], %[[P]] [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60] : vector<64xi32>, vector<64xi32>
// PORTABLE:         %[[R0:.*]] = arith.addi %[[ACC]], %[[S0]] : vector<16xi32>
// PORTABLE:         %[[S1:.*]] = vector.shuffle %[[P]], %[[P]] [1, 5, 9,
// PORTABLE:         %[[R1:.*]] = arith.addi %[[R0]], %[[S1]] : vector<16xi32>
// PORTABLE:         vector.shuffle %[[P]], %[[P]] [2, 6,
// PORTABLE:         vector.shuffle %[[P]], %[[P]] [3, 7,
// PORTABLE-NOT:     llvm.call_intrinsic
// PORTABLE-NOT:     sieve.dot_bytes
func.func @widths(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>,
                  %acc8: vector<8xi32>, %a8: vector<32xi8>,
                  %acc4: vector<4xi32>, %a4: vector<16xi8>,
                  %acc2: vector<2xi32>, %a2: vector<8xi8>)
    -> (vector<16xi32>, vector<8xi32>, vector<4xi32>, vector<2xi32>) {
  %0 = sieve.dot_bytes %acc, %a, %b : vector<16xi32>, vector<64xi8>
  %1 = sieve.dot_bytes %acc8, %a8, %a8 : vector<8xi32>, vector<32xi8>
  %2 = sieve.dot_bytes %acc4, %a4, %a4 : vector<4xi32>, vector<16xi8>
  %3 = sieve.dot_bytes %acc2, %a2, %a2 : vector<2xi32>, vector<8xi8>
  return %0, %1, %2, %3 : vector<16xi32>, vector<8xi32>, vector<4xi32>, vector<2xi32>
}
