// The host execution pipeline of attn.compiler.run_on_cpu (print it with
// attn.compiler.cpu_pipeline("online", q_tile=8)) takes a bf16 layer with a
// boolean mask and odd lengths all the way to the LLVM dialect: nothing of
// attn, linalg, tensor, memref or scf is left, bf16 conversions are integer
// code, and the C interface the ExecutionEngine calls is there.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile{q-tile=8},attn-pad-and-mask,attn-lower-to-cpu,canonicalize,cse,one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-deallocation-pipeline,attn-strided-copy-to-linalg,convert-linalg-to-loops,expand-strided-metadata,lower-affine,canonicalize,loop-invariant-code-motion,cse,arith-expand{include-bf16=true},convert-scf-to-cf,convert-math-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,attn-lower-i1-memref-access,finalize-memref-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,convert-ub-to-llvm,reconcile-unrealized-casts)" | FileCheck %s

// CHECK-NOT: attn.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-NOT: scf.
// CHECK-NOT: tensor.
// CHECK: llvm.func @attention(
// CHECK-NOT: llvm.fptrunc
// CHECK-NOT: llvm.call @memrefCopy
// CHECK: llvm.func @_mlir_ciface_attention(
func.func @attention(%q: tensor<1x4x7x40xbf16>, %k: tensor<1x2x9x40xbf16>, %v: tensor<1x2x9x40xbf16>, %m: tensor<1x1x7x9xi1>) -> tensor<1x4x7x40xbf16> attributes {llvm.emit_c_interface} {
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x7x9xi1>) causal bottom_right : tensor<1x4x7x40xbf16>, tensor<1x2x9x40xbf16>, tensor<1x2x9x40xbf16> -> tensor<1x4x7x40xbf16>
  return %o : tensor<1x4x7x40xbf16>
}
