// attn.stage matmul_type: only bf16, only for f16/f32 layers.
// RUN: attn-opt %s -split-input-file -verify-diagnostics

func.func @not_bf16(%q: tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{'attn.stage' op matmul_type 'f16' is not supported; expected bf16 (the allow-precision-loss datapath)}}
  %s = attn.stage "qk" fold unfolded ins(%a = %q, %b = %q : tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> attributes {matmul_type = f16} {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

func.func @bf16_layer(%q: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{'attn.stage' op matmul_type bf16 is for f16 and f32 layers; this stage has a bf16 operand}}
  %s = attn.stage "qk" fold unfolded ins(%a = %q, %b = %q : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> attributes {matmul_type = bf16} {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}

// -----

func.func @round_trip(%q: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf32> {
  %s = attn.stage "qk" fold unfolded ins(%a = %q, %b = %q : tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf32> attributes {matmul_type = bf16} {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}
