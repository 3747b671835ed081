// RUN: attn-opt %s -split-input-file -verify-diagnostics

// #attn.plan's kv_split: optional (1), a power of two dividing
// cores_per_column, fused mapping only.

// expected-error @+1 {{#attn.plan: 'kv_split' = 3 must be a power of two dividing cores_per_column = 4 (a cascade chain is kv_split cores of a column)}}
func.func @three() attributes {p = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 16, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, kv_split = 3, depth = 2, padded_q_len = 16, padded_kv_len = 16, padded_head_dim = 64, padded_value_dim = 64>} {
  return
}

// -----

// expected-error @+1 {{#attn.plan: 'kv_split' = 4 must be a power of two dividing cores_per_column = 2}}
func.func @divide() attributes {p = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 16, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 2, mapping = fused, kv_split = 4, depth = 2, padded_q_len = 16, padded_kv_len = 16, padded_head_dim = 64, padded_value_dim = 64>} {
  return
}

// -----

// expected-error @+1 {{#attn.plan: 'kv_split' = 2 needs mapping = fused}}
func.func @stream() attributes {p = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 16, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = stream, kv_split = 2, depth = 2, padded_q_len = 16, padded_kv_len = 16, padded_head_dim = 64, padded_value_dim = 64>} {
  return
}
