// RUN: attn-opt %s -split-input-file -verify-diagnostics

// Verifier rules of attn.quantize, attn.pilot_qk, attn.topk and
// attn.sparse_attention.

func.func @quantize_result_type(%x: tensor<1x2x8x4xbf16>) {
  // expected-error @+1 {{'quantized' element type 'i16' must be i8}}
  %q, %s = attn.quantize %x block 4 : tensor<1x2x8x4xbf16> -> tensor<1x2x8x4xi16>, tensor<1x2x2xf32>
  return
}

// -----

func.func @quantize_block(%x: tensor<1x2x8x4xbf16>) {
  // expected-error @+1 {{'block' must be positive, got 0}}
  %q, %s = attn.quantize %x block 0 : tensor<1x2x8x4xbf16> -> tensor<1x2x8x4xi8>, tensor<1x2x2xf32>
  return
}

// -----

func.func @quantize_scale_count(%x: tensor<1x2x9x4xbf16>) {
  // expected-error @+1 {{'scales' dimension 2 is 2 but the length 9 of 'input' (dimension 2) in blocks of block = 4 needs 3 scales}}
  %q, %s = attn.quantize %x block 4 : tensor<1x2x9x4xbf16> -> tensor<1x2x9x4xi8>, tensor<1x2x2xf32>
  return
}

// -----

func.func @quantize_shape(%x: tensor<1x2x8x4xbf16>) {
  // expected-error @+1 {{dimension 3 mismatch: 'input' dimension 3 is 4 but 'quantized' dimension 3 is 8}}
  %q, %s = attn.quantize %x block 4 : tensor<1x2x8x4xbf16> -> tensor<1x2x8x8xi8>, tensor<1x2x2xf32>
  return
}

// -----

func.func @quantize_int_input(%x: tensor<1x2x8x4xi8>) {
  // expected-error @+1 {{'input' element type 'i8' must be bf16, f16 or f32}}
  %q, %s = attn.quantize %x block 4 : tensor<1x2x8x4xi8> -> tensor<1x2x8x4xi8>, tensor<1x2x2xf32>
  return
}

// -----

func.func @pilot_float_operand(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x2x8x4xi8>, %qs: tensor<1x2x8xf32>, %ks: tensor<1x2x1xf32>) {
  // expected-error @+1 {{'query' element type 'bf16' must be i8 (attn.quantize output)}}
  %s = attn.pilot_qk %q, %k scales(%qs, %ks : tensor<1x2x8xf32>, tensor<1x2x1xf32>) q_block 1 k_block 8 : tensor<1x2x8x4xbf16>, tensor<1x2x8x4xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @pilot_key_scales(%q: tensor<1x2x8x4xi8>, %k: tensor<1x2x8x4xi8>, %qs: tensor<1x2x8xf32>, %ks: tensor<1x2x2xf32>) {
  // expected-error @+1 {{'key_scales' dimension 2 is 2 but the length 8 of 'key' (dimension 2) in blocks of k_block = 8 needs 1 scales}}
  %s = attn.pilot_qk %q, %k scales(%qs, %ks : tensor<1x2x8xf32>, tensor<1x2x2xf32>) q_block 1 k_block 8 : tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @pilot_gqa(%q: tensor<1x3x8x4xi8>, %k: tensor<1x2x8x4xi8>, %qs: tensor<1x3x8xf32>, %ks: tensor<1x2x1xf32>) {
  // expected-error @+1 {{query head count H = 3 ('query' dimension 1) is not a multiple of the key/value head count Hkv = 2 ('key' dimension 1)}}
  %s = attn.pilot_qk %q, %k scales(%qs, %ks : tensor<1x3x8xf32>, tensor<1x2x1xf32>) q_block 1 k_block 8 : tensor<1x3x8x4xi8>, tensor<1x2x8x4xi8> -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @pilot_scores_type(%q: tensor<1x2x8x4xi8>, %k: tensor<1x2x8x4xi8>, %qs: tensor<1x2x8xf32>, %ks: tensor<1x2x1xf32>) {
  // expected-error @+1 {{'scores' element type 'bf16' must be f32}}
  %s = attn.pilot_qk %q, %k scales(%qs, %ks : tensor<1x2x8xf32>, tensor<1x2x1xf32>) q_block 1 k_block 8 : tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8> -> tensor<1x2x8x8xbf16>
  return
}

// -----

func.func @pilot_scale(%q: tensor<1x2x8x4xi8>, %k: tensor<1x2x8x4xi8>, %qs: tensor<1x2x8xf32>, %ks: tensor<1x2x1xf32>) {
  // expected-error @+1 {{'scale' must be a finite positive number, got -1}}
  %s = attn.pilot_qk %q, %k scales(%qs, %ks : tensor<1x2x8xf32>, tensor<1x2x1xf32>) scale -1.0 q_block 1 k_block 8 : tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @topk_dynamic_budget(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'indices' dimension 3 (the key budget N) must be static and positive, got ?}}
  %i = attn.topk %s : tensor<1x2x8x8xf32> -> tensor<1x2x8x?xi32>
  return
}

// -----

func.func @topk_budget_exceeds(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{key budget N = 9 ('indices' dimension 3) exceeds the key length Lk = 8 ('scores' dimension 3)}}
  %i = attn.topk %s : tensor<1x2x8x8xf32> -> tensor<1x2x8x9xi32>
  return
}

// -----

func.func @topk_head_budget_count(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'head_budgets' has 3 entries but the head count H is 2}}
  %i = attn.topk %s head_budgets [1, 2, 3] : tensor<1x2x8x8xf32> -> tensor<1x2x8x4xi32>
  return
}

// -----

func.func @topk_head_budget_range(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'head_budgets' entry 1 is 5; it must be in [1, N = 4]}}
  %i = attn.topk %s head_budgets [1, 5] : tensor<1x2x8x8xf32> -> tensor<1x2x8x4xi32>
  return
}

// -----

func.func @topk_index_type(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'indices' element type 'i64' must be i32}}
  %i = attn.topk %s : tensor<1x2x8x8xf32> -> tensor<1x2x8x4xi64>
  return
}

// -----

func.func @topk_rows(%s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{query length (Lq) mismatch: 'scores' dimension 2 is 8 but 'indices' dimension 2 is 7}}
  %i = attn.topk %s : tensor<1x2x8x8xf32> -> tensor<1x2x7x4xi32>
  return
}

// -----

func.func @sparse_indices_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %i: tensor<1x2x8x4xi32>) {
  // expected-error @+1 {{head count (H) mismatch: 'query' dimension 1 is 4 but 'indices' dimension 1 is 2}}
  %o = attn.sparse_attention %q, %k, %v, %i : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x4xi32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @sparse_indices_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %i: tensor<1x4x8x4xf32>) {
  // expected-error @+1 {{'indices' element type 'f32' must be i32}}
  %o = attn.sparse_attention %q, %k, %v, %i : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x4xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @sparse_value_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xbf16>, %i: tensor<1x4x8x4xi32>) {
  // expected-error @+1 {{'value' element type 'bf16' differs from the query element type 'f32'}}
  %o = attn.sparse_attention %q, %k, %v, %i : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xbf16>, tensor<1x4x8x4xi32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @sparse_mask(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %i: tensor<1x4x8x4xi32>, %m: tensor<1x1x8x7xi1>) {
  // expected-error @+1 {{operand 'mask' dimension 3 has size 7 which does not broadcast to Lk = 8 of the scores [B, H, Lq, Lk]}}
  %o = attn.sparse_attention %q, %k, %v, %i mask(%m : tensor<1x1x8x7xi1>) : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x4xi32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @sparse_valid_len(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %i: tensor<1x4x8x4xi32>, %n: tensor<2xi32>) {
  // expected-error @+1 {{'valid_len' has 2 entries but the batch size B is 1}}
  %o = attn.sparse_attention %q, %k, %v, %i valid_len(%n : tensor<2xi32>) : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x4xi32> -> tensor<1x4x8x16xf32>
  return
}
