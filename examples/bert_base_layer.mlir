// BERT-base self-attention: batch 1, 12 heads, sequence 512, head dim 64, bf16.
func.func @attention(%q: tensor<1x12x512x64xbf16>, %k: tensor<1x12x512x64xbf16>,
                     %v: tensor<1x12x512x64xbf16>) -> tensor<1x12x512x64xbf16> {
  %o = attn.attention %q, %k, %v
       : tensor<1x12x512x64xbf16>, tensor<1x12x512x64xbf16>, tensor<1x12x512x64xbf16>
       -> tensor<1x12x512x64xbf16>
  return %o : tensor<1x12x512x64xbf16>
}
