// Found by the in-repo fuzzer (test/fuzz/fuzz_attn_opt.py): a layer with a
// dynamic key/value head count reached an assertion of upstream's
// expand-strided-metadata in the CPU pipeline. attn-lower-to-cpu rejects it.
// RUN: attn-opt %s -split-input-file -verify-diagnostics --attn-lower-to-cpu

func.func @all_dynamic(%q: tensor<?x?x?x?xbf16>, %k: tensor<?x?x?x?xbf16>, %v: tensor<?x?x?x?xbf16>, %n: tensor<?xi32>) -> tensor<?x?x?x?xbf16> {
  // expected-error @below {{attn-lower-to-cpu: the key/value head count Hkv (operand #1 dimension 1) is dynamic; the CPU lowering needs it static}}
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<?xi32>) : tensor<?x?x?x?xbf16>, tensor<?x?x?x?xbf16>, tensor<?x?x?x?xbf16> -> tensor<?x?x?x?xbf16>
  return %o : tensor<?x?x?x?xbf16>
}

// -----

// Static Hkv with a dynamic H lowers.
func.func @dynamic_query_heads(%q: tensor<1x?x8x16xf32>, %k: tensor<1x2x8x16xf32>) -> tensor<1x?x8x16xf32> {
  %o = attn.attention %q, %k, %k : tensor<1x?x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x?x8x16xf32>
  return %o : tensor<1x?x8x16xf32>
}
