// RUN: attn-opt %s -split-input-file -verify-diagnostics

// Verifier rules of attn.pilot_qk_rows.

func.func @element(%q: tensor<1x2x8x12xi16>, %k: tensor<1x2x8x12xi8>) {
  // expected-error @+1 {{'query' element type 'i16' must be i8 (int8 values + f32 scale bytes)}}
  %s = attn.pilot_qk_rows %q, %k : tensor<1x2x8x12xi16>, tensor<1x2x8x12xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @scores_element(%q: tensor<1x2x8x12xi8>, %k: tensor<1x2x8x12xi8>) {
  // expected-error @+1 {{'scores' element type 'bf16' must be f32}}
  %s = attn.pilot_qk_rows %q, %k : tensor<1x2x8x12xi8>, tensor<1x2x8x12xi8> -> tensor<1x2x8x8xbf16>
  return
}

// -----

func.func @row_bytes(%q: tensor<1x2x8x12xi8>, %k: tensor<1x2x8x16xi8>) {
  // expected-error @+1 {{row bytes (D + 4) mismatch}}
  %s = attn.pilot_qk_rows %q, %k : tensor<1x2x8x12xi8>, tensor<1x2x8x16xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @no_values(%q: tensor<1x2x8x4xi8>, %k: tensor<1x2x8x4xi8>) {
  // expected-error @+1 {{'query' rows of 4 bytes must be static and hold D in [1, 133144] int8 values plus the 4 scale bytes}}
  %s = attn.pilot_qk_rows %q, %k : tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @gqa(%q: tensor<1x3x8x12xi8>, %k: tensor<1x2x8x12xi8>) {
  // expected-error @+1 {{multiple}}
  %s = attn.pilot_qk_rows %q, %k : tensor<1x3x8x12xi8>, tensor<1x2x8x12xi8> -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @scores_shape(%q: tensor<1x2x8x12xi8>, %k: tensor<1x2x16x12xi8>) {
  // expected-error @+1 {{key length (Lk) mismatch}}
  %s = attn.pilot_qk_rows %q, %k : tensor<1x2x8x12xi8>, tensor<1x2x16x12xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @key_len(%q: tensor<1x2x8x12xi8>, %k: tensor<1x2x8x12xi8>) {
  // expected-error @+1 {{'key_len' = 9 must be in [1, 8]}}
  %s = attn.pilot_qk_rows %q, %k key_len 9 : tensor<1x2x8x12xi8>, tensor<1x2x8x12xi8> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @valid_len(%q: tensor<2x2x8x12xi8>, %k: tensor<2x2x8x12xi8>, %n: tensor<3xi32>) {
  // expected-error @+1 {{valid_len}}
  %s = attn.pilot_qk_rows %q, %k valid_len(%n : tensor<3xi32>) : tensor<2x2x8x12xi8>, tensor<2x2x8x12xi8> -> tensor<2x2x8x8xf32>
  return
}
