// RUN: attn-opt %s -split-input-file -verify-diagnostics

// Verifier and parser rules of attn.stage, attn.yield, #attn.fold and
// #attn.plan.

func.func @name_for_fold(%s: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{stage name 'softmax' is not valid for fold 'partial'; expected one of: qk_softmax, pv}}
  %p = attn.stage "softmax" fold partial ins(%a = %s : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
    %0 = attn.softmax %a : tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32>
    attn.yield %0 : tensor<1x2x8x8xf32>
  }
  return %p : tensor<1x2x8x8xf32>
}

// -----

func.func @name_for_online(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{stage name 'qk' is not valid for fold 'online'; expected one of: attention}}
  %p = attn.stage "qk" fold online ins(%a = %s : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
    attn.yield %a : tensor<1x2x8x8xf32>
  }
  return
}

// -----

func.func @unknown_fold(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{unknown fold 'folded'; expected unfolded, partial, full or online}}
  %p = attn.stage "softmax" fold folded ins(%a = %s : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
    attn.yield %a : tensor<1x2x8x8xf32>
  }
  return
}

// -----

func.func @no_results(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{stage 'softmax' has no results; a stage writes at least one tensor to DRAM}}
  attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x2x8x8xf32>) -> () {
    attn.yield
  }
  return
}

// -----

func.func @input_type_count(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{expected 1 input types, got 2}}
  %p = attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
    attn.yield %a : tensor<1x2x8x8xf32>
  }
  return
}

// -----

func.func @body_arguments(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{body has 2 arguments but the stage has 1 inputs}}
  %p = "attn.stage"(%s) <{name = "softmax", fold = #attn.fold<unfolded>}> ({
  ^bb0(%a: tensor<1x2x8x8xf32>, %b: tensor<1x2x8x8xf32>):
    attn.yield %a : tensor<1x2x8x8xf32>
  }) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @body_argument_type(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{body argument #0 has type 'tensor<1x2x8x8xbf16>' but input #0 has type 'tensor<1x2x8x8xf32>'}}
  %p = "attn.stage"(%s) <{name = "softmax", fold = #attn.fold<unfolded>}> ({
  ^bb0(%a: tensor<1x2x8x8xbf16>):
    attn.yield %a : tensor<1x2x8x8xbf16>
  }) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xbf16>
  return
}

// -----

func.func @missing_yield(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{body must end with 'attn.yield'}}
  %p = "attn.stage"(%s) <{name = "softmax", fold = #attn.fold<unfolded>}> ({
  ^bb0(%a: tensor<1x2x8x8xf32>):
    %0 = attn.softmax %a : tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32>
  }) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @yield_count(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'attn.yield' returns 2 values but the stage has 1 results}}
  %p = attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
    attn.yield %a, %a : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
  }
  return
}

// -----

func.func @yield_type(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<1x2x8x8xbf16>' but 'attn.yield' operand #0 has type 'tensor<1x2x8x8xf32>'}}
  %p = attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xbf16> {
    attn.yield %a : tensor<1x2x8x8xf32>
  }
  return
}

// -----

func.func @yield_outside(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'attn.yield' op expects parent op 'attn.stage'}}
  attn.yield %s : tensor<1x2x8x8xf32>
}

// -----

func.func @isolated(%s: tensor<1x2x8x8xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %p = attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
    // expected-error @+1 {{using value defined outside the region}}
    %0 = attn.softmax %s : tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32>
    attn.yield %0 : tensor<1x2x8x8xf32>
  }
  return
}

// -----

// Plan against the stage body: a static length needs a static padded
// length at least as large.
func.func @plan_dynamic_padded(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>) {
  // expected-error @+1 {{plan padded_q_len is ? but the query length Lq of 'attn.qk' is static (128)}}
  %s = attn.stage "qk" fold unfolded
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64,
                      l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1,
                      mapping = fused, depth = 2, padded_q_len = ?, padded_kv_len = 128, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %q, %b = %k : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) -> tensor<1x2x128x128xf32> {
    %0 = attn.qk %a, %b : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16> -> tensor<1x2x128x128xf32>
    attn.yield %0 : tensor<1x2x128x128xf32>
  }
  return
}

// -----

func.func @plan_kv_too_small(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x200x64xbf16>) {
  // expected-error @+1 {{plan padded_kv_len = 192 is smaller than the key length Lk = 200 of 'attn.qk'}}
  %s = attn.stage "qk" fold unfolded
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64,
                      l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1,
                      mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 192, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %q, %b = %k : tensor<1x2x128x64xbf16>, tensor<1x2x200x64xbf16>) -> tensor<1x2x128x200xf32> {
    %0 = attn.qk %a, %b : tensor<1x2x128x64xbf16>, tensor<1x2x200x64xbf16> -> tensor<1x2x128x200xf32>
    attn.yield %0 : tensor<1x2x128x200xf32>
  }
  return
}

// -----

func.func @plan_head_dim_too_small(%q: tensor<1x2x128x80xbf16>, %k: tensor<1x2x128x80xbf16>) {
  // expected-error @+1 {{plan padded_head_dim = 64 is smaller than the head dimension D = 80 of 'attn.qk'}}
  %s = attn.stage "qk" fold unfolded
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64,
                      l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1,
                      mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 128, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %q, %b = %k : tensor<1x2x128x80xbf16>, tensor<1x2x128x80xbf16>) -> tensor<1x2x128x128xf32> {
    %0 = attn.qk %a, %b : tensor<1x2x128x80xbf16>, tensor<1x2x128x80xbf16> -> tensor<1x2x128x128xf32>
    attn.yield %0 : tensor<1x2x128x128xf32>
  }
  return
}

// -----

func.func @plan_softmax_q(%s: tensor<1x2x130x128xf32>) {
  // expected-error @+1 {{plan padded_q_len = 128 is smaller than the query length Lq = 130 of 'attn.softmax'}}
  %p = attn.stage "softmax" fold unfolded
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64,
                      l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1,
                      mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 128, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %s : tensor<1x2x130x128xf32>) -> tensor<1x2x130x128xf32> {
    %0 = attn.softmax %a : tensor<1x2x130x128xf32> -> tensor<1x2x130x128xf32>
    attn.yield %0 : tensor<1x2x130x128xf32>
  }
  return
}

// -----

func.func @plan_softmax_kv(%s: tensor<1x2x128x130xf32>) {
  // expected-error @+1 {{plan padded_kv_len = 128 is smaller than the key length Lk = 130 of 'attn.softmax'}}
  %p = attn.stage "softmax" fold unfolded
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64,
                      l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1,
                      mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 128, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %s : tensor<1x2x128x130xf32>) -> tensor<1x2x128x130xf32> {
    %0 = attn.softmax %a : tensor<1x2x128x130xf32> -> tensor<1x2x128x130xf32>
    attn.yield %0 : tensor<1x2x128x130xf32>
  }
  return
}

// -----

func.func @plan_pv_value_dim(%p: tensor<1x2x128x128xf32>, %v: tensor<1x2x128x96xbf16>) {
  // expected-error @+1 {{plan padded_value_dim = 64 is smaller than the value dimension Dv = 96 of 'attn.pv'}}
  %o = attn.stage "pv" fold unfolded
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64,
                      l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1,
                      mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 128, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %p, %b = %v : tensor<1x2x128x128xf32>, tensor<1x2x128x96xbf16>) -> tensor<1x2x128x96xbf16> {
    %0 = attn.pv %a, %b : tensor<1x2x128x128xf32>, tensor<1x2x128x96xbf16> -> tensor<1x2x128x96xbf16>
    attn.yield %0 : tensor<1x2x128x96xbf16>
  }
  return
}

// -----

func.func @plan_online_kv(%s: tensor<1x2x64x300xf32>, %v: tensor<1x2x300x64xbf16>) {
  // expected-error @+1 {{plan padded_kv_len = 256 is smaller than the key length Lk = 300 of 'attn.online_softmax_pv'}}
  %o = attn.stage "attention" fold online
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64,
                      l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1,
                      mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 256, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %s, %b = %v : tensor<1x2x64x300xf32>, tensor<1x2x300x64xbf16>) -> tensor<1x2x64x64xbf16> {
    %0 = attn.online_softmax_pv %a, %b : tensor<1x2x64x300xf32>, tensor<1x2x300x64xbf16> -> tensor<1x2x64x64xbf16>
    attn.yield %0 : tensor<1x2x64x64xbf16>
  }
  return
}

// -----

// #attn.plan on its own.
// expected-error @+1 {{#attn.plan: 'target' must name a target}}
func.func @plan_target() attributes {p = #attn.plan<target = "", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: 'q_tile' must be positive, got 0}}
func.func @plan_q_tile() attributes {p = #attn.plan<target = "npu2", q_tile = 0, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: 'depth' must be positive, got -1}}
func.func @plan_depth() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = -1, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: 'cores_per_column' must be positive, got 0}}
func.func @plan_cores() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 0, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: 'intrinsic' must have 3 entries [M, K, N], got 2}}
func.func @plan_intrinsic_size() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: intrinsic K must be positive, got 0}}
func.func @plan_intrinsic_value() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 0, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: q_tile = 6 is not a multiple of intrinsic M = 4}}
func.func @plan_q_tile_m() attributes {p = #attn.plan<target = "npu2", q_tile = 6, kv_tile = 64, head_dim_tile = 64, l2_q_block = 60, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 60, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: kv_tile = 40 is not a multiple of intrinsic N = 12}}
func.func @plan_kv_tile_n() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 40, head_dim_tile = 48, l2_q_block = 64, l2_kv_block = 80, intrinsic = [4, 4, 12], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 80, padded_head_dim = 48, padded_value_dim = 48>}

// -----

// expected-error @+1 {{#attn.plan: kv_tile = 36 is not a multiple of intrinsic K = 8}}
func.func @plan_kv_tile_k() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 36, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 72, intrinsic = [4, 8, 4], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 72, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: head_dim_tile = 36 is not a multiple of intrinsic K = 8}}
func.func @plan_head_dim_k() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 36, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 4], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 36, padded_value_dim = 36>}

// -----

// expected-error @+1 {{#attn.plan: head_dim_tile = 40 is not a multiple of intrinsic N = 16}}
func.func @plan_head_dim_n() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 40, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 16], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 40, padded_value_dim = 40>}

// -----

// expected-error @+1 {{#attn.plan: l2_q_block = 96 is not a multiple of q_tile = 64}}
func.func @plan_l2_q() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 96, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: l2_kv_block = 32 is not a multiple of kv_tile = 64}}
func.func @plan_l2_kv() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: padded_q_len = 100 is not a multiple of q_tile = 64}}
func.func @plan_padded_q() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 100, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: 'padded_kv_len' must be positive or ?, got 0}}
func.func @plan_padded_kv_zero() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 0, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: padded_value_dim = 96 is not a multiple of head_dim_tile = 64}}
func.func @plan_padded_dv() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 96>}

// -----

// expected-error @+1 {{#attn.plan: 'padded_head_dim' and 'padded_value_dim' must be static}}
func.func @plan_dynamic_head_dim() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = ?, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: 'padded_q_len' must be positive or ?, got -64}}
func.func @plan_negative_length() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = -64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: missing fields depth, padded_value_dim}}
func.func @plan_missing() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64>}

// -----

// expected-error @+1 {{#attn.plan: unknown field 'q_tiles'; expected target, q_tile, kv_tile, head_dim_tile, l2_q_block, l2_kv_block, intrinsic, columns, cores_per_column, mapping, depth, padded_q_len, padded_kv_len, padded_head_dim, padded_value_dim}}
func.func @plan_unknown() attributes {p = #attn.plan<target = "npu2", q_tiles = 64>}

// -----

// expected-error @+1 {{#attn.plan: field 'depth' given twice}}
func.func @plan_twice() attributes {p = #attn.plan<target = "npu2", depth = 2, depth = 3>}

// -----

// expected-error @+1 {{#attn.plan: unknown mapping 'pipelined'; expected fused or stream}}
func.func @plan_mapping() attributes {p = #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = pipelined, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>}

// -----

// expected-error @+2 {{expected ::mlir::attn::FoldKind to be one of: unfolded, partial, full, online}}
// expected-error @+1 {{failed to parse Attn_FoldAttr parameter 'value'}}
func.func @fold_attr() attributes {f = #attn.fold<folded>}
