// Layers attn-tile cannot plan: errors at the layer naming the rule, the
// buffers and the bytes.
// RUN: attn-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(attn-fold{mode=full}, attn-tile)"

func.func @dynamic_head_dim(%q: tensor<1x2x64x?xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @+1 {{attn-tile: stage 'attention' (fold full): the head dimension D is dynamic; kernels are compiled for one D, so attn-tile needs it static}}
  %o = attn.attention %q, %q, %v scale 0.125 : tensor<1x2x64x?xbf16>, tensor<1x2x64x?xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}

// -----

func.func @dynamic_value_dim(%q: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x?xbf16>) -> tensor<1x2x64x?xbf16> {
  // expected-error @+1 {{attn-tile: stage 'attention' (fold full): the value head dimension Dv is dynamic; kernels are compiled for one Dv, so attn-tile needs it static}}
  %o = attn.attention %q, %q, %v : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x?xbf16> -> tensor<1x2x64x?xbf16>
  return %o : tensor<1x2x64x?xbf16>
}

// -----

func.func @full_dynamic_keys(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x?x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @+1 {{attn-tile: stage 'attention' (fold full) keeps whole score rows on chip and needs a static key length, but the key length is dynamic; use attn-fold mode=online (or unfolded), or pad to a bucket first}}
  %o = attn.attention %q, %k, %k : tensor<1x2x64x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}

// -----

// 16384 keys: 4 rows x 16384 x 4 B of scores alone exceed L1.
func.func @full_too_long(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x16384x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{attn-tile: no tile sizes fit; even q-tile=4 kv-tile=8: stage 'attention' (fold full), L1 needs 2 x 512 B (q) + 2 x 1024 B (k/v) + 2 x 512 B (o) + 1 x 262144 B (srow) + 1 x 1024 B (acc) = 267264 B > 64512 B of npu2 (L1 65536 B - stack reserve 1024 B)}}
  %o = attn.attention %q, %k, %k : tensor<1x1x64x64xbf16>, tensor<1x1x16384x64xbf16>, tensor<1x1x16384x64xbf16> -> tensor<1x1x64x64xbf16>
  return %o : tensor<1x1x64x64xbf16>
}

// -----

// A hand-written partial stage with a dynamic key length.
func.func @partial_dynamic(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x?x64xbf16>) -> tensor<1x2x64x?xbf16> {
  // expected-error @+1 {{attn-tile: stage 'qk_softmax' (fold partial) keeps whole score rows on chip and needs a static key length}}
  %p = attn.stage "qk_softmax" fold partial ins(%a = %q, %b = %k : tensor<1x2x64x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x2x64x?xbf16> {
    %s = attn.qk %a, %b : tensor<1x2x64x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x2x64x?xf32>
    %0 = attn.softmax %s : tensor<1x2x64x?xf32> -> tensor<1x2x64x?xbf16>
    attn.yield %0 : tensor<1x2x64x?xbf16>
  }
  return %p : tensor<1x2x64x?xbf16>
}

// -----

func.func @empty_queries(%q: tensor<1x2x0x64xbf16>, %k: tensor<1x2x16x64xbf16>) -> tensor<1x2x0x64xbf16> {
  // expected-error @+1 {{attn-tile: the query length Lq is 0; there is nothing to tile}}
  %o = attn.attention %q, %k, %k : tensor<1x2x0x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x2x0x64xbf16>
  return %o : tensor<1x2x0x64xbf16>
}

// -----

func.func @empty_value_dim(%q: tensor<1x2x8x64xbf16>, %v: tensor<1x2x8x0xbf16>) -> tensor<1x2x8x0xbf16> {
  // expected-error @+1 {{attn-tile: the value head dimension Dv is 0; there is nothing to tile}}
  %o = attn.attention %q, %q, %v : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16>, tensor<1x2x8x0xbf16> -> tensor<1x2x8x0xbf16>
  return %o : tensor<1x2x8x0xbf16>
}

// -----

// Hand-written unfolded stages whose S (f32) and P (bf16) differ: the plan
// (and the cost model) has one intermediate type per layer.
func.func @mixed_intermediate(%q: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %s = attn.stage "qk" fold unfolded ins(%a = %q, %b = %q : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
    attn.yield %0 : tensor<1x2x64x64xf32>
  }
  // expected-error @+1 {{attn-tile: the scores/probabilities crossing DRAM have element types f32 and bf16; a layer is planned with one intermediate type (attn-fold intermediate-type)}}
  %p = attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xbf16> {
    %0 = attn.softmax %a : tensor<1x2x64x64xf32> -> tensor<1x2x64x64xbf16>
    attn.yield %0 : tensor<1x2x64x64xbf16>
  }
  return %p : tensor<1x2x64x64xbf16>
}
