// One broadcast group of both columns (kv-group-columns=2; by itself the
// scheduler takes two one-column groups for this causal layer, see
// causal-balance.mlir).
// RUN: attn-opt %s --attn-schedule-dma=kv-group-columns=2 --convert-attn-to-aie | FileCheck %s
// RUN: attn-opt %s --attn-schedule-dma=kv-group-columns=2 --convert-attn-to-aie --aie-check-limits | attn-opt | FileCheck %s --check-prefix=ROUND

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 32, l2_q_block = 32, l2_kv_block = 96, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 32>
func.func @attention(%q: tensor<2x4x64x64xbf16>, %k: tensor<2x2x96x64xbf16>, %v: tensor<2x2x96x32xbf16>, %n: tensor<2xi32>) -> tensor<2x4x64x32xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v, %d = %n : tensor<2x4x64x64xbf16>, tensor<2x2x96x64xbf16>, tensor<2x2x96x32xbf16>, tensor<2xi32>)
      -> tensor<2x4x64x32xbf16> {
    %s = attn.qk %a, %b valid_len(%d : tensor<2xi32>) causal bottom_right scale 0.125 key_len 90 query_len 60
           : tensor<2x4x64x64xbf16>, tensor<2x2x96x64xbf16> -> tensor<2x4x64x96xf32>
    %r = attn.online_softmax_pv %s, %c valid_len(%d : tensor<2xi32>) : tensor<2x4x64x96xf32>, tensor<2x2x96x32xbf16> -> tensor<2x4x64x32xbf16>
    attn.yield %r : tensor<2x4x64x32xbf16>
  }
  return %o : tensor<2x4x64x32xbf16>
}

// The function becomes one device; kernels are declared with the ABI of
// docs/kernels.md and linked from attn_kernels.o.
// CHECK-NOT: func.func @attention
// CHECK: aie.device(npu2) @attention_attention {
// Every declaration carries the compile-time tile sizes of the kernel object
// (attn.kernel_defines, the -D values of kernels/aie2p).
// CHECK-DAG: func.func private @attn_online_init(memref<16xf32>, memref<16xf32>, memref<16x32xf32>, i32, i32) attributes {attn.kernel_defines = {ATTN_BF16 = 1 : i32, ATTN_D = 64 : i32, ATTN_DV = 32 : i32, ATTN_LD = 32 : i32, ATTN_TK = 32 : i32, ATTN_TQ = 16 : i32}, link_with = "attn_kernels.o"}
// K and V are read in place from the joined object: K at offset 0, V at 32 * 64.
// CHECK-DAG: func.func private @attn_qk_bf16(memref<16x64xbf16>, memref<3072xbf16>, i32, memref<16x32xf32>, i32, i32, i32, i32, i32, f32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK-DAG: func.func private @attn_mask_positions(memref<16x32xf32>, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK-DAG: func.func private @attn_online_update_bf16(memref<16x32xf32>, i32, i32, memref<3072xbf16>, i32, memref<16xf32>, memref<16xf32>, memref<16x32xf32>, i32, i32, i32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK-DAG: func.func private @attn_finalize_bf16(memref<16x32xf32>, memref<16xf32>, memref<16x32xbf16>, i32, i32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK-DAG: %[[S0:.*]] = aie.tile(0, 0)
// CHECK-DAG: %[[M0:.*]] = aie.tile(0, 1)
// CHECK-DAG: %[[C02:.*]] = aie.tile(0, 2)
// CHECK-DAG: %[[C03:.*]] = aie.tile(0, 3)
// CHECK-DAG: %[[S1:.*]] = aie.tile(1, 0)
// CHECK-DAG: %[[C12:.*]] = aie.tile(1, 2)
// CHECK-DAG: %[[C13:.*]] = aie.tile(1, 3)
// K and V come from two shims and are joined into one object per step,
// broadcast to the four cores of the group.
// CHECK: aie.objectfifo @k_l3_g0(%[[S0]], {%[[M0]]}, 2 : i32) : !aie.objectfifo<memref<32x64xbf16>>
// CHECK: aie.objectfifo @v_l3_g0(%[[S1]], {%[[M0]]}, 2 : i32) : !aie.objectfifo<memref<32x32xbf16>>
// CHECK: aie.objectfifo @kv_g0(%[[M0]], {%[[C02]], %[[C03]], %[[C12]], %[[C13]]}, 2 : i32) : !aie.objectfifo<memref<3072xbf16>>
// CHECK: aie.objectfifo @q_l3_c0(%[[S0]], {%[[M0]]}, 2 : i32) : !aie.objectfifo<memref<32x64xbf16>>
// CHECK: aie.objectfifo @q_c0_r0(%[[M0]], {%[[C02]]}, 2 : i32) : !aie.objectfifo<memref<16x64xbf16>>
// CHECK: aie.objectfifo @o_c0_r0(%[[C02]], {%[[M0]]}, 2 : i32) : !aie.objectfifo<memref<16x32xbf16>>
// CHECK: aie.objectfifo @o_l3_c0(%[[M0]], {%[[S0]]}, 2 : i32) : !aie.objectfifo<memref<32x32xbf16>>
// CHECK: aie.objectfifo.link [@k_l3_g0, @v_l3_g0] -> [@kv_g0]([0, 2048] [])
// CHECK: aie.objectfifo.link [@q_l3_c0] -> [@q_c0_r0, @q_c0_r1]([] [0, 1024])
// CHECK: aie.objectfifo.link [@o_c0_r0, @o_c0_r1] -> [@o_l3_c0]([0, 512] [])
// Per core: scratch (no V copy), the valid_len parameter buffer, and the
// program. Every loop around an acquire has constant bounds.
// CHECK: aie.buffer(%[[C02]]) {sym_name = "s_c0_r0"} : memref<16x32xf32>
// CHECK-NOT: sym_name = "v_c0_r0"
// CHECK: aie.buffer(%[[C02]]) {sym_name = "rtp_c0_r0"} : memref<2xi32>
// CHECK: aie.core(%[[C02]]) {
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[OFF:.*]] = arith.constant 2048 : i32
// Causal: units are dealt boustrophedon, so the unit loop runs whole periods
// of two units (the odd one with the columns reversed), then the rounds.
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C2]] step %[[C1]]
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C2]] step %[[C1]]
// CHECK: %[[QS:.*]] = aie.objectfifo.acquire @q_c0_r0(Consume, 1) : !aie.objectfifosubview<memref<16x64xbf16>>
// CHECK: %[[Q:.*]] = aie.objectfifo.subview.access %[[QS]]
// CHECK: %[[RAW:.*]] = memref.load %rtp_c0_r0
// CHECK: func.call @attn_online_init(
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C3]] step %[[C1]]
// CHECK: %[[KVS:.*]] = aie.objectfifo.acquire @kv_g0(Consume, 1) : !aie.objectfifosubview<memref<3072xbf16>>
// CHECK: %[[KV:.*]] = aie.objectfifo.subview.access %[[KVS]]
// CHECK: scf.if
// CHECK-NOT: memref.load
// CHECK-NOT: memref.store
// CHECK: func.call @attn_qk_bf16(%[[Q]], %[[KV]], %{{.*}}, %s_c0_r0,
// CHECK: func.call @attn_mask_positions(
// CHECK: func.call @attn_online_update_bf16(%s_c0_r0, %{{.*}}, %{{.*}}, %[[KV]], %[[OFF]],
// CHECK: aie.objectfifo.release @kv_g0(Consume, 1)
// CHECK: aie.objectfifo.acquire @o_c0_r0(Produce, 1)
// CHECK-NOT: memref.store
// CHECK: func.call @attn_finalize_bf16(
// CHECK: aie.objectfifo.release @o_c0_r0(Produce, 1)
// CHECK: aie.objectfifo.release @q_c0_r0(Consume, 1)
// CHECK: aie.end
// The runtime sequence: Q, K, V, valid_len (one i32 runtime scalar per
// batch, supplied at dispatch), O (flattened); valid_len goes to every core
// as runtime parameters written from those arguments; outputs are issued
// first and carry the tokens waited on.
// CHECK: aie.runtime_sequence @attention_attention(%[[Q:.*]]: memref<32768xbf16>, %[[K:.*]]: memref<24576xbf16>, %[[V:.*]]: memref<12288xbf16>, %[[VL0:.*]]: i32, %[[VL1:.*]]: i32, %[[O:.*]]: memref<16384xbf16>) {
// CHECK: aiex.npu.rtp_write(@rtp_c0_r0, 0, %[[VL0]]) : i32
// CHECK: aiex.npu.rtp_write(@rtp_c0_r0, 1, %[[VL1]]) : i32
// CHECK: aiex.npu.dma_memcpy_nd(%[[O]][0, 0, 0, 0][1, 2, 32, 32][0, 2048, 32, 1]) {id = 0 : i64, issue_token = true, metadata = @o_l3_c0}
// K/V of a kv head are re-read once per round (repeat dimension, stride 0).
// CHECK: aiex.npu.dma_memcpy_nd(%[[O]][0, 0, 0, 1024][1, 2, 32, 32][0, 2048, 32, 1]) {id = 0 : i64, issue_token = true, metadata = @o_l3_c1}
// CHECK: aiex.npu.dma_memcpy_nd(%[[K]][0, 0, 0, 0][2, 1, 96, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @k_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%[[V]][0, 0, 0, 0][2, 1, 96, 32][0, 0, 32, 1]) {id = 1 : i64, metadata = @v_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%[[Q]][0, 0, 0, 0][1, 2, 32, 64][0, 4096, 64, 1]) {id = 2 : i64, metadata = @q_l3_c0}
// CHECK: aiex.npu.dma_wait {symbol = @o_l3_c0}
// CHECK: aiex.npu.dma_wait {symbol = @o_l3_c1}

// ROUND: aie.device(npu2) @attention_attention
// ROUND: aie.runtime_sequence @attention_attention
