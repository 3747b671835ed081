// Llama-3.2-1B prefill attention: 32 query heads sharing 8 key/value heads
// (GQA), sequence 2048, head dim 64, causal, bf16.
func.func @attention(%q: tensor<1x32x2048x64xbf16>, %k: tensor<1x8x2048x64xbf16>,
                     %v: tensor<1x8x2048x64xbf16>) -> tensor<1x32x2048x64xbf16> {
  %o = attn.attention %q, %k, %v causal top_left
       : tensor<1x32x2048x64xbf16>, tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16>
       -> tensor<1x32x2048x64xbf16>
  return %o : tensor<1x32x2048x64xbf16>
}
