// RUN: attn-opt %s -split-input-file -verify-diagnostics

func.func @query_rank(%q: tensor<12x128x64xbf16>, %k: tensor<1x12x128x64xbf16>, %v: tensor<1x12x128x64xbf16>) {
  // expected-error @+1 {{'query' must be a 4-D tensor [B, H, L, D] (layout bhld), got rank 3}}
  %o = attn.attention %q, %k, %v : tensor<12x128x64xbf16>, tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16> -> tensor<1x12x128x64xbf16>
  return
}

// -----

func.func @result_rank_blhd(%q: tensor<1x128x12x64xbf16>, %k: tensor<1x128x12x64xbf16>, %v: tensor<1x128x12x64xbf16>) {
  // expected-error @+1 {{'result' must be a 4-D tensor [B, L, H, D] (layout blhd), got rank 2}}
  %o = attn.attention %q, %k, %v layout blhd : tensor<1x128x12x64xbf16>, tensor<1x128x12x64xbf16>, tensor<1x128x12x64xbf16> -> tensor<128x64xbf16>
  return
}

// -----

func.func @element_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xf16>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'key' element type 'f16' differs from the query element type 'bf16'}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @result_element_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'result' element type 'f32' differs from the query element type 'bf16'}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @integer_elements(%q: tensor<1x2x8x64xi8>, %k: tensor<1x2x8x64xbf16>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{'query' element type 'i8' must be bf16, f16 or f32}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x64xi8>, tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @batch_key(%q: tensor<2x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{batch size (B) mismatch: 'query' dimension 0 is 2 but 'key' dimension 0 is 1}}
  %o = attn.attention %q, %k, %v : tensor<2x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<2x2x8x64xf32>
  return
}

// -----

func.func @batch_value(%q: tensor<2x2x8x64xf32>, %k: tensor<2x2x8x64xf32>, %v: tensor<3x2x8x64xf32>) {
  // expected-error @+1 {{batch size (B) mismatch: 'query' dimension 0 is 2 but 'value' dimension 0 is 3}}
  %o = attn.attention %q, %k, %v : tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32>, tensor<3x2x8x64xf32> -> tensor<2x2x8x64xf32>
  return
}

// -----

func.func @batch_result(%q: tensor<2x2x8x64xf32>, %k: tensor<2x2x8x64xf32>, %v: tensor<2x2x8x64xf32>) {
  // expected-error @+1 {{batch size (B) mismatch: 'query' dimension 0 is 2 but 'result' dimension 0 is 4}}
  %o = attn.attention %q, %k, %v : tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32> -> tensor<4x2x8x64xf32>
  return
}

// -----

func.func @kv_heads(%q: tensor<1x8x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x4x8x64xf32>) {
  // expected-error @+1 {{key/value head count (Hkv) mismatch: 'key' dimension 1 is 2 but 'value' dimension 1 is 4}}
  %o = attn.attention %q, %k, %v : tensor<1x8x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x4x8x64xf32> -> tensor<1x8x8x64xf32>
  return
}

// -----

func.func @head_dim(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{query/key head dimension (D) mismatch: 'query' dimension 3 is 64 but 'key' dimension 3 is 32}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x64xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @kv_length_blhd(%q: tensor<1x8x2x64xf32>, %k: tensor<1x16x2x64xf32>, %v: tensor<1x15x2x64xf32>) {
  // expected-error @+1 {{key/value length (Lk) mismatch: 'key' dimension 1 is 16 but 'value' dimension 1 is 15}}
  %o = attn.attention %q, %k, %v layout blhd : tensor<1x8x2x64xf32>, tensor<1x16x2x64xf32>, tensor<1x15x2x64xf32> -> tensor<1x8x2x64xf32>
  return
}

// -----

func.func @result_heads(%q: tensor<1x8x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{head count (H) mismatch: 'query' dimension 1 is 8 but 'result' dimension 1 is 2}}
  %o = attn.attention %q, %k, %v : tensor<1x8x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @result_length(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{query length (Lq) mismatch: 'query' dimension 2 is 8 but 'result' dimension 2 is 16}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x16x64xf32>
  return
}

// -----

func.func @result_value_dim(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{value head dimension (Dv) mismatch: 'value' dimension 3 is 32 but 'result' dimension 3 is 64}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x32xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @zero_kv_heads(%q: tensor<1x2x8x64xf32>, %k: tensor<1x0x8x64xf32>, %v: tensor<1x0x8x64xf32>) {
  // expected-error @+1 {{'key' has 0 heads (dimension 1); at least one key/value head is required}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x64xf32>, tensor<1x0x8x64xf32>, tensor<1x0x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @gqa_divisibility(%q: tensor<1x12x8x64xf32>, %k: tensor<1x5x8x64xf32>, %v: tensor<1x5x8x64xf32>) {
  // expected-error @+1 {{query head count H = 12 ('query' dimension 1) is not a multiple of the key/value head count Hkv = 5 ('key' dimension 1)}}
  %o = attn.attention %q, %k, %v : tensor<1x12x8x64xf32>, tensor<1x5x8x64xf32>, tensor<1x5x8x64xf32> -> tensor<1x12x8x64xf32>
  return
}

// -----

func.func @zero_head_dim(%q: tensor<1x2x8x0xf32>, %k: tensor<1x2x8x0xf32>, %v: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{'query' head dimension D (dimension 3) must not be 0}}
  %o = attn.attention %q, %k, %v : tensor<1x2x8x0xf32>, tensor<1x2x8x0xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return
}

// -----

func.func @mask_element_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x8x64xbf16>, %v: tensor<1x2x8x64xbf16>, %m: tensor<8x8xf16>) {
  // expected-error @+1 {{additive 'mask' element type 'f16' must be i1 (keep-mask), f32 or the query element type 'bf16'}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xf16>) : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return
}

// -----

func.func @mask_integer(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %m: tensor<8x8xi8>) {
  // expected-error @+1 {{additive 'mask' element type 'i8' must be i1 (keep-mask), f32 or the query element type 'f32'}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi8>) : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @mask_rank(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %m: tensor<1x1x1x8x8xi1>) {
  // expected-error @+1 {{operand 'mask' must have rank 1 to 4 to broadcast to the scores [B, H, Lq, Lk], got rank 5}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x1x8x8xi1>) : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @mask_scalar(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %m: tensor<i1>) {
  // expected-error @+1 {{operand 'mask' must have rank 1 to 4 to broadcast to the scores [B, H, Lq, Lk], got rank 0}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<i1>) : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @mask_broadcast(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>, %m: tensor<8x8xi1>) {
  // expected-error @+1 {{operand 'mask' dimension 1 has size 8 which does not broadcast to Lk = 16 of the scores [B, H, Lq, Lk]}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x2x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @mask_broadcast_heads(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %m: tensor<3x8x8xf32>) {
  // expected-error @+1 {{operand 'mask' dimension 0 has size 3 which does not broadcast to H = 2 of the scores [B, H, Lq, Lk]}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<3x8x8xf32>) : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @bias_element_type(%q: tensor<1x2x8x64xf16>, %k: tensor<1x2x8x64xf16>, %v: tensor<1x2x8x64xf16>, %b: tensor<8x8xbf16>) {
  // expected-error @+1 {{'bias' element type 'bf16' must be f32 or the query element type 'f16'}}
  %o = attn.attention %q, %k, %v bias(%b : tensor<8x8xbf16>) : tensor<1x2x8x64xf16>, tensor<1x2x8x64xf16>, tensor<1x2x8x64xf16> -> tensor<1x2x8x64xf16>
  return
}

// -----

func.func @bias_broadcast(%q: tensor<2x2x8x64xf32>, %k: tensor<2x2x8x64xf32>, %v: tensor<2x2x8x64xf32>, %b: tensor<3x1x8x8xf32>) {
  // expected-error @+1 {{operand 'bias' dimension 0 has size 3 which does not broadcast to B = 2 of the scores [B, H, Lq, Lk]}}
  %o = attn.attention %q, %k, %v bias(%b : tensor<3x1x8x8xf32>) : tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32> -> tensor<2x2x8x64xf32>
  return
}

// -----

func.func @valid_len_size(%q: tensor<2x2x8x64xf32>, %k: tensor<2x2x8x64xf32>, %v: tensor<2x2x8x64xf32>, %n: tensor<3xi32>) {
  // expected-error @+1 {{'valid_len' has 3 entries but the batch size B is 2}}
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<3xi32>) : tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32> -> tensor<2x2x8x64xf32>
  return
}

// -----

func.func @valid_len_type(%q: tensor<2x2x8x64xf32>, %k: tensor<2x2x8x64xf32>, %v: tensor<2x2x8x64xf32>, %n: tensor<2xi64>) {
  // expected-error @+1 {{'valid_len' must be a 1-D tensor of i32 (one length per batch entry), got 'tensor<2xi64>'}}
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<2xi64>) : tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32> -> tensor<2x2x8x64xf32>
  return
}

// -----

func.func @scale_negative(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{'scale' must be a finite positive number, got -1.250000e-01}}
  %o = attn.attention %q, %k, %v scale -0.125 : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @scale_infinite(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{'scale' must be a finite positive number, got INF}}
  %o = attn.attention %q, %k, %v scale 0x7FF0000000000000 : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @bad_causal(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'causal' [none, top_left, bottom_right]}}
  %o = attn.attention %q, %k, %v causal diagonal : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @valid_len_rank(%q: tensor<2x2x8x64xf32>, %k: tensor<2x2x8x64xf32>, %v: tensor<2x2x8x64xf32>, %n: tensor<2x1xi32>) {
  // expected-error @+1 {{'valid_len' must be a 1-D tensor of i32 (one length per batch entry), got 'tensor<2x1xi32>'}}
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<2x1xi32>) : tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32>, tensor<2x2x8x64xf32> -> tensor<2x2x8x64xf32>
  return
}

// -----

func.func @scale_zero(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{'scale' must be a finite positive number, got 0.000000e+00}}
  %o = attn.attention %q, %k, %v scale 0.0 : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}
