// RUN: attn-opt %s -split-input-file -verify-diagnostics

// Verifier rules of attn.qk, attn.softmax, attn.pv and attn.online_softmax_pv
// (attn.stage and #attn.plan: stage-errors.mlir).

func.func @qk_query_rank(%q: tensor<2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'query' must be a 4-D tensor [B, H, L, D] (layout bhld), got rank 3}}
  %s = attn.qk %q, %k : tensor<2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_key_rank(%q: tensor<1x2x8x64xbf16>, %k: tensor<2x8x64xbf16>) {
  // expected-error @+1 {{'key' must be a 4-D tensor [B, H, L, D] (layout bhld), got rank 3}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xbf16>, tensor<2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_scores_rank(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'scores' must be a 4-D tensor [B, H, Lq, Lk], got rank 3}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<2x8x8xf32>
  return
}

// -----

func.func @qk_query_int(%q: tensor<1x2x8x64xi8>, %k: tensor<1x2x8x64xi8>) {
  // expected-error @+1 {{'query' element type 'i8' must be bf16, f16 or f32}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xi8>, tensor<1x2x8x64xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_key_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xf16>) {
  // expected-error @+1 {{'key' element type 'f16' differs from the query element type 'bf16'}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_scores_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'scores' element type 'i32' must be bf16, f16 or f32}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xi32>
  return
}

// -----

func.func @qk_batch_key(%q: tensor<2x2x8x64xf32>, %k: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{batch size (B) mismatch: 'query' dimension 0 is 2 but 'key' dimension 0 is 1}}
  %s = attn.qk %q, %k : tensor<2x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<2x2x8x8xf32>
  return
}

// -----

func.func @qk_batch_scores(%q: tensor<2x2x8x64xf32>, %k: tensor<2x2x8x64xf32>) {
  // expected-error @+1 {{batch size (B) mismatch: 'query' dimension 0 is 2 but 'scores' dimension 0 is 3}}
  %s = attn.qk %q, %k : tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32> -> tensor<3x2x8x8xf32>
  return
}

// -----

func.func @qk_head_dim(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{query/key head dimension (D) mismatch: 'query' dimension 3 is 64 but 'key' dimension 3 is 32}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xf32>, tensor<1x2x8x32xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_heads_scores(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{head count (H) mismatch: 'query' dimension 1 is 4 but 'scores' dimension 1 is 2}}
  %s = attn.qk %q, %k : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_lq_scores(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{query length (Lq) mismatch: 'query' dimension 2 is 8 but 'scores' dimension 2 is 9}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x9x16xf32>
  return
}

// -----

func.func @qk_lk_scores(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{key length (Lk) mismatch: 'key' dimension 2 is 16 but 'scores' dimension 3 is 8}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_zero_kv_heads(%q: tensor<1x2x8x64xf32>, %k: tensor<1x0x8x64xf32>) {
  // expected-error @+1 {{'key' has 0 heads (dimension 1); at least one key/value head is required}}
  %s = attn.qk %q, %k : tensor<1x2x8x64xf32>, tensor<1x0x8x64xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_gqa(%q: tensor<1x6x8x64xf32>, %k: tensor<1x4x8x64xf32>) {
  // expected-error @+1 {{query head count H = 6 ('query' dimension 1) is not a multiple of the key/value head count Hkv = 4 ('key' dimension 1)}}
  %s = attn.qk %q, %k : tensor<1x6x8x64xf32>, tensor<1x4x8x64xf32> -> tensor<1x6x8x8xf32>
  return
}

// -----

func.func @qk_zero_head_dim(%q: tensor<1x2x8x0xf32>, %k: tensor<1x2x8x0xf32>) {
  // expected-error @+1 {{'query' head dimension D (dimension 3) must not be 0}}
  %s = attn.qk %q, %k : tensor<1x2x8x0xf32>, tensor<1x2x8x0xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_head_dim_blhd(%q: tensor<1x8x2x64xf32>, %k: tensor<1x8x2x32xf32>) {
  // expected-error @+1 {{query/key head dimension (D) mismatch: 'query' dimension 3 is 64 but 'key' dimension 3 is 32}}
  %s = attn.qk %q, %k layout blhd : tensor<1x8x2x64xf32>, tensor<1x8x2x32xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_mask_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>, %m: tensor<1x1x8x8xi8>) {
  // expected-error @+1 {{additive 'mask' element type 'i8' must be i1 (keep-mask), f32 or the query element type 'bf16'}}
  %s = attn.qk %q, %k mask(%m : tensor<1x1x8x8xi8>) : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_mask_broadcast(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>, %m: tensor<8x7xi1>) {
  // expected-error @+1 {{operand 'mask' dimension 1 has size 7 which does not broadcast to Lk = 8 of the scores [B, H, Lq, Lk]}}
  %s = attn.qk %q, %k mask(%m : tensor<8x7xi1>) : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_mask_rank(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>, %m: tensor<1x1x1x8x8xi1>) {
  // expected-error @+1 {{operand 'mask' must have rank 1 to 4 to broadcast to the scores [B, H, Lq, Lk], got rank 5}}
  %s = attn.qk %q, %k mask(%m : tensor<1x1x1x8x8xi1>) : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_bias_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>, %m: tensor<8x8xf16>) {
  // expected-error @+1 {{'bias' element type 'f16' must be f32 or the query element type 'bf16'}}
  %s = attn.qk %q, %k bias(%m : tensor<8x8xf16>) : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_bias_broadcast(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>, %m: tensor<3x8x8xf32>) {
  // expected-error @+1 {{operand 'bias' dimension 0 has size 3 which does not broadcast to H = 2 of the scores [B, H, Lq, Lk]}}
  %s = attn.qk %q, %k bias(%m : tensor<3x8x8xf32>) : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_valid_len_type(%q: tensor<2x2x8x64xbf16>, %k: tensor<2x2x8x64xbf16>, %n: tensor<2xi64>) {
  // expected-error @+1 {{'valid_len' must be a 1-D tensor of i32 (one length per batch entry), got 'tensor<2xi64>'}}
  %s = attn.qk %q, %k valid_len(%n : tensor<2xi64>) : tensor<2x2x8x64xbf16>, tensor<2x2x8x64xbf16> -> tensor<2x2x8x8xf32>
  return
}

// -----

func.func @qk_valid_len_batch(%q: tensor<2x2x8x64xbf16>, %k: tensor<2x2x8x64xbf16>, %n: tensor<3xi32>) {
  // expected-error @+1 {{'valid_len' has 3 entries but the batch size B is 2}}
  %s = attn.qk %q, %k valid_len(%n : tensor<3xi32>) : tensor<2x2x8x64xbf16>, tensor<2x2x8x64xbf16> -> tensor<2x2x8x8xf32>
  return
}

// -----

func.func @qk_scale(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'scale' must be a finite positive number, got -1}}
  %s = attn.qk %q, %k scale -1.0 : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_key_len_zero(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'key_len' must be positive, got 0}}
  %s = attn.qk %q, %k key_len 0 : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_key_len_big(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x16x64xbf16>) {
  // expected-error @+1 {{'key_len' = 17 exceeds the Lk = 16 of 'key' (dimension 2)}}
  %s = attn.qk %q, %k key_len 17 : tensor<1x2x8x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x2x8x16xf32>
  return
}

// -----

func.func @qk_query_len_big(%q: tensor<1x8x2x64xbf16>, %k: tensor<1x16x2x64xbf16>) {
  // expected-error @+1 {{'query_len' = 9 exceeds the Lq = 8 of 'query' (dimension 1)}}
  %s = attn.qk %q, %k layout blhd query_len 9 : tensor<1x8x2x64xbf16>, tensor<1x16x2x64xbf16> -> tensor<1x2x8x16xf32>
  return
}

// -----

func.func @qk_query_len_negative(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x16x64xbf16>) {
  // expected-error @+1 {{'query_len' must be positive, got -3}}
  %s = attn.qk %q, %k query_len -3 : tensor<1x2x8x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x2x8x16xf32>
  return
}

// -----

func.func @softmax_scores_rank(%s: tensor<2x8x8xf32>) {
  // expected-error @+1 {{'scores' must be a 4-D tensor [B, H, Lq, Lk], got rank 3}}
  %p = attn.softmax %s : tensor<2x8x8xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @softmax_probs_rank(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'probs' must be a 4-D tensor [B, H, Lq, Lk], got rank 5}}
  %p = attn.softmax %s : tensor<1x2x8x8xf32> -> tensor<1x2x8x8x1xf32>
  return
}

// -----

func.func @softmax_scores_type(%s: tensor<1x2x8x8xi32>) {
  // expected-error @+1 {{'scores' element type 'i32' must be bf16, f16 or f32}}
  %p = attn.softmax %s : tensor<1x2x8x8xi32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @softmax_probs_type(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'probs' element type 'f64' must be bf16, f16 or f32}}
  %p = attn.softmax %s : tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf64>
  return
}

// -----

func.func @softmax_batch(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{batch size (B) mismatch: 'scores' dimension 0 is 1 but 'probs' dimension 0 is 2}}
  %p = attn.softmax %s : tensor<1x2x8x8xf32> -> tensor<2x2x8x8xf32>
  return
}

// -----

func.func @softmax_heads(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{head count (H) mismatch: 'scores' dimension 1 is 2 but 'probs' dimension 1 is 3}}
  %p = attn.softmax %s : tensor<1x2x8x8xf32> -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @softmax_lq(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{query length (Lq) mismatch: 'scores' dimension 2 is 8 but 'probs' dimension 2 is 4}}
  %p = attn.softmax %s : tensor<1x2x8x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @softmax_lk(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{key length (Lk) mismatch: 'scores' dimension 3 is 8 but 'probs' dimension 3 is 9}}
  %p = attn.softmax %s : tensor<1x2x8x8xf32> -> tensor<1x2x8x9xf32>
  return
}

// -----

func.func @softmax_valid_len(%s: tensor<2x2x8x8xf32>, %n: tensor<1xi32>) {
  // expected-error @+1 {{'valid_len' has 1 entries but the batch size B is 2}}
  %p = attn.softmax %s valid_len(%n : tensor<1xi32>) : tensor<2x2x8x8xf32> -> tensor<2x2x8x8xf32>
  return
}

// -----

func.func @pv_weights_rank(%p: tensor<2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'probs' must be a 4-D tensor [B, H, Lq, Lk], got rank 3}}
  %o = attn.pv %p, %v : tensor<2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @pv_value_rank(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64x1xbf16>) {
  // expected-error @+1 {{'value' must be a 4-D tensor [B, H, L, D] (layout bhld), got rank 5}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64x1xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @pv_result_rank(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'result' must be a 4-D tensor [B, H, L, D] (layout bhld), got rank 3}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<2x8x64xbf16>
  return
}

// -----

func.func @pv_weights_type(%p: tensor<1x2x8x8xi1>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'probs' element type 'i1' must be bf16, f16 or f32}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xi1>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @pv_value_type(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xi8>) {
  // expected-error @+1 {{'value' element type 'i8' must be bf16, f16 or f32}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xi8> -> tensor<1x2x8x64xi8>
  return
}

// -----

func.func @pv_result_type(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'result' element type 'f32' differs from the value element type 'bf16'}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @pv_batch_value(%p: tensor<1x2x8x8xf32>, %v: tensor<2x2x8x64xbf16>) {
  // expected-error @+1 {{batch size (B) mismatch: 'probs' dimension 0 is 1 but 'value' dimension 0 is 2}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<2x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @pv_batch_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{batch size (B) mismatch: 'probs' dimension 0 is 1 but 'result' dimension 0 is 3}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<3x2x8x64xbf16>
  return
}

// -----

func.func @pv_heads_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{head count (H) mismatch: 'probs' dimension 1 is 2 but 'result' dimension 1 is 4}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x4x8x64xbf16>
  return
}

// -----

func.func @pv_lq_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{query length (Lq) mismatch: 'probs' dimension 2 is 8 but 'result' dimension 2 is 7}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x7x64xbf16>
  return
}

// -----

func.func @pv_lk_value(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x16x64xbf16>) {
  // expected-error @+1 {{key/value length (Lk) mismatch: 'probs' dimension 3 is 8 but 'value' dimension 2 is 16}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x16x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @pv_dv_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{value head dimension (Dv) mismatch: 'value' dimension 3 is 64 but 'result' dimension 3 is 32}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x32xbf16>
  return
}

// -----

func.func @pv_zero_kv_heads(%p: tensor<1x2x8x8xf32>, %v: tensor<1x0x8x64xbf16>) {
  // expected-error @+1 {{'value' has 0 heads (dimension 1); at least one key/value head is required}}
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x0x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @pv_gqa(%p: tensor<1x6x8x8xf32>, %v: tensor<1x4x8x64xbf16>) {
  // expected-error @+1 {{query head count H = 6 ('probs' dimension 1) is not a multiple of the key/value head count Hkv = 4 ('value' dimension 1)}}
  %o = attn.pv %p, %v : tensor<1x6x8x8xf32>, tensor<1x4x8x64xbf16> -> tensor<1x6x8x64xbf16>
  return
}

// -----

func.func @pv_dv_blhd(%p: tensor<1x2x8x16xf32>, %v: tensor<1x16x2x64xbf16>) {
  // expected-error @+1 {{value head dimension (Dv) mismatch: 'value' dimension 3 is 64 but 'result' dimension 3 is 32}}
  %o = attn.pv %p, %v layout blhd : tensor<1x2x8x16xf32>, tensor<1x16x2x64xbf16> -> tensor<1x8x2x32xbf16>
  return
}

// -----

func.func @pv_valid_len(%p: tensor<2x2x8x8xf32>, %v: tensor<2x2x8x64xbf16>, %n: tensor<2x1xi32>) {
  // expected-error @+1 {{'valid_len' must be a 1-D tensor of i32 (one length per batch entry), got 'tensor<2x1xi32>'}}
  %o = attn.pv %p, %v valid_len(%n : tensor<2x1xi32>) : tensor<2x2x8x8xf32>, tensor<2x2x8x64xbf16> -> tensor<2x2x8x64xbf16>
  return
}

// -----

func.func @online_weights_rank(%p: tensor<2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'scores' must be a 4-D tensor [B, H, Lq, Lk], got rank 3}}
  %o = attn.online_softmax_pv %p, %v : tensor<2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @online_value_rank(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64x1xbf16>) {
  // expected-error @+1 {{'value' must be a 4-D tensor [B, H, L, D] (layout bhld), got rank 5}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64x1xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @online_result_rank(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'result' must be a 4-D tensor [B, H, L, D] (layout bhld), got rank 3}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<2x8x64xbf16>
  return
}

// -----

func.func @online_weights_type(%p: tensor<1x2x8x8xi1>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'scores' element type 'i1' must be bf16, f16 or f32}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xi1>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @online_value_type(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xi8>) {
  // expected-error @+1 {{'value' element type 'i8' must be bf16, f16 or f32}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xi8> -> tensor<1x2x8x64xi8>
  return
}

// -----

func.func @online_result_type(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'result' element type 'f32' differs from the value element type 'bf16'}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @online_batch_value(%p: tensor<1x2x8x8xf32>, %v: tensor<2x2x8x64xbf16>) {
  // expected-error @+1 {{batch size (B) mismatch: 'scores' dimension 0 is 1 but 'value' dimension 0 is 2}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<2x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @online_batch_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{batch size (B) mismatch: 'scores' dimension 0 is 1 but 'result' dimension 0 is 3}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<3x2x8x64xbf16>
  return
}

// -----

func.func @online_heads_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{head count (H) mismatch: 'scores' dimension 1 is 2 but 'result' dimension 1 is 4}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x4x8x64xbf16>
  return
}

// -----

func.func @online_lq_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{query length (Lq) mismatch: 'scores' dimension 2 is 8 but 'result' dimension 2 is 7}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x7x64xbf16>
  return
}

// -----

func.func @online_lk_value(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x16x64xbf16>) {
  // expected-error @+1 {{key/value length (Lk) mismatch: 'scores' dimension 3 is 8 but 'value' dimension 2 is 16}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x16x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @online_dv_result(%p: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{value head dimension (Dv) mismatch: 'value' dimension 3 is 64 but 'result' dimension 3 is 32}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x32xbf16>
  return
}

// -----

func.func @online_zero_kv_heads(%p: tensor<1x2x8x8xf32>, %v: tensor<1x0x8x64xbf16>) {
  // expected-error @+1 {{'value' has 0 heads (dimension 1); at least one key/value head is required}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x0x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @online_gqa(%p: tensor<1x6x8x8xf32>, %v: tensor<1x4x8x64xbf16>) {
  // expected-error @+1 {{query head count H = 6 ('scores' dimension 1) is not a multiple of the key/value head count Hkv = 4 ('value' dimension 1)}}
  %o = attn.online_softmax_pv %p, %v : tensor<1x6x8x8xf32>, tensor<1x4x8x64xbf16> -> tensor<1x6x8x64xbf16>
  return
}

// -----

func.func @online_dv_blhd(%p: tensor<1x2x8x16xf32>, %v: tensor<1x16x2x64xbf16>) {
  // expected-error @+1 {{value head dimension (Dv) mismatch: 'value' dimension 3 is 64 but 'result' dimension 3 is 32}}
  %o = attn.online_softmax_pv %p, %v layout blhd : tensor<1x2x8x16xf32>, tensor<1x16x2x64xbf16> -> tensor<1x8x2x32xbf16>
  return
}

// -----

func.func @online_valid_len(%p: tensor<2x2x8x8xf32>, %v: tensor<2x2x8x64xbf16>, %n: tensor<2x1xi32>) {
  // expected-error @+1 {{'valid_len' must be a 1-D tensor of i32 (one length per batch entry), got 'tensor<2x1xi32>'}}
  %o = attn.online_softmax_pv %p, %v valid_len(%n : tensor<2x1xi32>) : tensor<2x2x8x8xf32>, tensor<2x2x8x64xbf16> -> tensor<2x2x8x64xbf16>
  return
}
