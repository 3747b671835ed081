// RUN: attn-opt %s --attn-schedule-dma -split-input-file -verify-diagnostics

func.func @no_plan(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{has no #attn.plan; run attn-tile before attn-schedule-dma}}
  %s = attn.stage "qk" fold unfolded ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 3, mapping = stream, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @stream_mapping_full(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{plan field 'mapping' 'stream' is not emitted for fold 'full': only the online fold runs as a QK | softmax | PV pipeline}}
  %o = attn.stage "attention" fold full plan #plan ins(%a = %q, %b = %k, %c = %v : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
    %s = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    %p = attn.softmax %s : tensor<1x1x64x64xf32> -> tensor<1x1x64x64xf32>
    %r = attn.pv %p, %c : tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
    attn.yield %r : tensor<1x1x64x64xbf16>
  }
  return %o : tensor<1x1x64x64xbf16>
}

// -----

// Explicit masks of a stage that computes no scores have nowhere to go; a
// qk stage (unfolded) carries them in its K step object.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @mask(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %m: tensor<1x1x64x?xi1>) -> tensor<1x1x64x64xf32> {
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k, %c = %m : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x?xi1>) -> tensor<1x1x64x64xf32> {
    // expected-error @+1 {{explicit 'mask' of type 'tensor<1x1x64x?xi1>' has no AIE mapping: it must have a static shape broadcasting as [B|1, H|1, Lq|1, Lk] with the keys spelled out; use the CPU path}}
    %0 = attn.qk %a, %b mask(%c : tensor<1x1x64x?xi1>) : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = ?, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @dynamic(%q: tensor<1x1x?x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x?x64xf32> {
  // expected-error @+1 {{'query' has dynamic shape 'tensor<1x1x?x64xbf16>'; AIE programs need static (bucketed) lengths}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x?x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x?x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x1x?x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x?x64xf32>
    attn.yield %0 : tensor<1x1x?x64xf32>
  }
  return %s : tensor<1x1x?x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @bf16_scores(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{plan field 'intermediate' bf16 is not emitted: the core kernels write scores and probabilities in f32}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
    attn.yield %0 : tensor<1x1x64x64xbf16>
  }
  return %s : tensor<1x1x64x64xbf16>
}

// -----

// Tiles too large for a core's L1: the stage layout at the plan's depth,
// every buffer named.
#plan = #attn.plan<target = "npu1", q_tile = 128, kv_tile = 128, head_dim_tile = 64, l2_q_block = 128, l2_kv_block = 128, intrinsic = [4, 8, 4], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 128, padded_head_dim = 64, padded_value_dim = 64>
func.func @l1(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x64xbf16>) -> tensor<1x2x128x64xbf16> {
  // expected-error @+1 {{'attention' cannot be scheduled on npu1: core memory at depth 2: 2 x 16384 B (q) + 2 x 32768 B (kv) + 2 x 16384 B (o) + 65536 B (s) + 512 B (m) + 512 B (l) + 32768 B (acc) + 1024 B (stack) = 231424 B exceeds the 65536 bytes of L1 on npu1; use smaller q_tile/kv_tile or depth 1}}
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) -> tensor<1x2x128x64xbf16> {
    %s = attn.qk %a, %b : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16> -> tensor<1x2x128x128xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x2x128x128xf32>, tensor<1x2x128x64xbf16> -> tensor<1x2x128x64xbf16>
    attn.yield %r : tensor<1x2x128x64xbf16>
  }
  return %o : tensor<1x2x128x64xbf16>
}

// -----

// Q, K and V need three shim input streams; one column has two channels.
#plan = #attn.plan<target = "npu1_1col", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 4], columns = 1, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @one_column(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{'attention' cannot be scheduled on npu1_1col: the stage needs 1 shim input streams per column plus 2 shared K/V streams, but 1 columns of npu1_1col offer 2 shim input channels each; use more columns or an unfolded/partial fold}}
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
    %s = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
    attn.yield %r : tensor<1x1x64x64xbf16>
  }
  return %o : tensor<1x1x64x64xbf16>
}

// -----

// Lengths must be whole tiles (attn-pad-and-mask pads them).
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @unpadded(%q: tensor<1x1x60x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x60x64xf32> {
  // expected-error @+1 {{'qk' cannot be scheduled on npu2: padded query length 60 is not a multiple of q_tile 16}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x60x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x60x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x1x60x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x60x64xf32>
    attn.yield %0 : tensor<1x1x60x64xf32>
  }
  return %s : tensor<1x1x60x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @other_op(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    // expected-error @+1 {{'tensor.cast' op inside attn.stage 'qk' has no AIE mapping}}
    %c = tensor.cast %a : tensor<1x1x64x64xbf16> to tensor<1x1x64x64xbf16>
    %0 = attn.qk %c, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @yield_other(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{must yield the result of its last attn op (or a slice of it) for the AIE mapping}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    %z = arith.constant dense<0.0> : tensor<1x1x64x64xf32>
    attn.yield %z : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @two_results(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{must have exactly one result for the AIE mapping, has 2}}
  %s:2 = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>) {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0, %0 : tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>
  }
  return %s#0 : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @not_a_stage_form(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{body 'attention' is not one of the stage forms attn-fold produces}}
  %o = attn.stage "attention" fold full plan #plan ins(%a = %q, %b = %k, %c = %v : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
    %s = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    %r = attn.pv %s, %c : tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
    attn.yield %r : tensor<1x1x64x64xbf16>
  }
  return %o : tensor<1x1x64x64xbf16>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @low_pad(%q: tensor<1x1x60x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x60x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    %z = arith.constant 0.0 : bf16
    // expected-error @+1 {{padding before the data (non-zero low) has no AIE mapping}}
    %p = tensor.pad %a low[0, 0, 4, 0] high[0, 0, 0, 0] {
    ^bb0(%i: index, %j: index, %m: index, %n: index):
      tensor.yield %z : bf16
    } : tensor<1x1x60x64xbf16> to tensor<1x1x64x64xbf16>
    %0 = attn.qk %p, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @computed_operand(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    %c = arith.constant dense<0.0> : tensor<1x1x64x64xbf16>
    // expected-error @+1 {{operand 'query' must be an operand of the enclosing attn.stage}}
    %0 = attn.qk %c, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @unused_operand(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %x: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{operand #2 is not used by the stage body}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k, %c = %x : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @key_scalar_mask(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>, %m: tensor<1x1x1x1xf32>) -> tensor<1x1x64x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v, %d = %m : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x1x1xf32>) -> tensor<1x1x64x64xbf16> {
    // expected-error @+1 {{explicit 'mask' of type 'tensor<1x1x1x1xf32>' has no AIE mapping: it must have a static shape}}
    %s = attn.qk %a, %b mask(%d : tensor<1x1x1x1xf32>) : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
    attn.yield %r : tensor<1x1x64x64xbf16>
  }
  return %o : tensor<1x1x64x64xbf16>
}

// A mask row of a step must be whole DMA words.
// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 3, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 48, intrinsic = [1, 1, 1], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 48, padded_head_dim = 64, padded_value_dim = 64>
func.func @odd_row(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x48x64xbf16>, %v: tensor<1x1x48x64xbf16>, %m: tensor<1x1x1x48xi1>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{'attention' cannot be scheduled on npu2: a mask/bias row of kv_tile 3 keys is 6 bytes, not a multiple of the 4-byte DMA word}}
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v, %d = %m : tensor<1x1x64x64xbf16>, tensor<1x1x48x64xbf16>, tensor<1x1x48x64xbf16>, tensor<1x1x1x48xi1>) -> tensor<1x1x64x64xbf16> {
    %s = attn.qk %a, %b mask(%d : tensor<1x1x1x48xi1>) : tensor<1x1x64x64xbf16>, tensor<1x1x48x64xbf16> -> tensor<1x1x64x48xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x1x64x48xf32>, tensor<1x1x48x64xbf16> -> tensor<1x1x64x64xbf16>
    attn.yield %r : tensor<1x1x64x64xbf16>
  }
  return %o : tensor<1x1x64x64xbf16>
}

// -----

// The plan's depth is honoured: q-tile 64, kv-tile 32 at depth 2 needs
// 75264 B of L1 (the same figure attn-tile and attn.dse.estimate give for
// this plan, test/Transforms/attn-tile-errors.mlir); no FIFO is silently
// dropped to depth 1.
#plan = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 32, head_dim_tile = 64, l2_q_block = 256, l2_kv_block = 128, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 256, padded_kv_len = 256, padded_head_dim = 64, padded_value_dim = 64>
func.func @online_depth2(%q: tensor<1x32x256x64xbf16>, %k: tensor<1x8x256x64xbf16>, %v: tensor<1x8x256x64xbf16>) -> tensor<1x32x256x64xbf16> {
  // expected-error @+1 {{'attention' cannot be scheduled on npu2: core memory at depth 2: 2 x 8192 B (q) + 2 x 8192 B (kv) + 2 x 8192 B (o) + 8192 B (s) + 256 B (m) + 256 B (l) + 16384 B (acc) + 1024 B (stack) = 75264 B exceeds the 65536 bytes of L1 on npu2; use smaller q_tile/kv_tile or depth 1}}
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v : tensor<1x32x256x64xbf16>, tensor<1x8x256x64xbf16>, tensor<1x8x256x64xbf16>) -> tensor<1x32x256x64xbf16> {
    %s = attn.qk %a, %b causal top_left scale 0.125 : tensor<1x32x256x64xbf16>, tensor<1x8x256x64xbf16> -> tensor<1x32x256x256xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x32x256x256xf32>, tensor<1x8x256x64xbf16> -> tensor<1x32x256x64xbf16>
    attn.yield %r : tensor<1x32x256x64xbf16>
  }
  return %o : tensor<1x32x256x64xbf16>
}

// -----

// The stream pipelines carry no explicit mask/bias operands.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 3, mapping = stream, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @stream_mask(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>, %m: tensor<1x1x64x64xi1>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{'attention' cannot be scheduled on npu2: mapping 'stream' does not carry explicit mask/bias operands; use mapping 'fused'}}
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v, %d = %m : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xi1>) -> tensor<1x1x64x64xbf16> {
    %s = attn.qk %a, %b mask(%d : tensor<1x1x64x64xi1>) : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
    attn.yield %r : tensor<1x1x64x64xbf16>
  }
  return %o : tensor<1x1x64x64xbf16>
}

// -----

// Memtile BDs per channel pool (upstream: even channels take BD ids 0-23,
// odd ones 24-47; a memtile's ends get channels first-free per direction in
// FIFO order). At depth 8 the memtile's 6 ends need 48 BDs, within the 48 in
// all, but the even channels (K in and out on 0, S in and out on 2) need 32.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 16, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 8, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @memtile_bd_pool(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{'qk' cannot be scheduled on npu2: memtile (0, 1) needs 32 buffer descriptors on its even-channel BD pool (ids 0-23), which holds 24 on npu2 (objectfifo @k_l3_g0 (S2MM 0): 8, objectfifo @k_g0 (MM2S 0): 8, objectfifo @s_c0_r0 (S2MM 2): 8, objectfifo @s_l3_c0 (MM2S 2): 8)}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}
