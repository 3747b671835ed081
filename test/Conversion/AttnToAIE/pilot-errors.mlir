// RUN: attn-opt %s -split-input-file -verify-diagnostics --attn-extract-pilot=target=npu2

// attn-extract-pilot rejects what the NPU pilot cannot map, naming the op
// and the reason.

// expected-error @+1 {{attn-extract-pilot: no attn.pilot_qk in the module; run attn-sparsify first}}
module {
  func.func @dense(%q: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
    return %q : tensor<1x1x8x8xf32>
  }
}

// -----

func.func @blhd(%qq: tensor<1x8x2x16xi8>, %kq: tensor<1x8x2x16xi8>, %qs: tensor<1x2x1xf32>, %ks: tensor<1x2x1xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{attn-extract-pilot: layout blhd has no NPU pilot mapping}}
  %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<1x2x1xf32>, tensor<1x2x1xf32>) layout blhd q_block 8 k_block 8 : tensor<1x8x2x16xi8>, tensor<1x8x2x16xi8> -> tensor<1x2x8x8xf32>
  return %s : tensor<1x2x8x8xf32>
}

// -----

func.func @dynamic(%qq: tensor<1x2x?x16xi8>, %kq: tensor<1x2x8x16xi8>, %qs: tensor<1x2x?xf32>, %ks: tensor<1x2x1xf32>) -> tensor<1x2x?x8xf32> {
  // expected-error @+1 {{attn-extract-pilot: needs static Q/K shapes}}
  %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<1x2x?xf32>, tensor<1x2x1xf32>) q_block 8 k_block 8 : tensor<1x2x?x16xi8>, tensor<1x2x8x16xi8> -> tensor<1x2x?x8xf32>
  return %s : tensor<1x2x?x8xf32>
}

// -----

func.func @two(%qq: tensor<1x2x8x16xi8>, %kq: tensor<1x2x8x16xi8>, %qs: tensor<1x2x1xf32>, %ks: tensor<1x2x1xf32>) -> tensor<1x2x8x8xf32> {
  %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<1x2x1xf32>, tensor<1x2x1xf32>) q_block 8 k_block 8 : tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8> -> tensor<1x2x8x8xf32>
  // expected-error @+1 {{attn-extract-pilot: a function may hold one pilot (one layer)}}
  %t = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<1x2x1xf32>, tensor<1x2x1xf32>) q_block 8 k_block 8 : tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8> -> tensor<1x2x8x8xf32>
  return %s : tensor<1x2x8x8xf32>
}
