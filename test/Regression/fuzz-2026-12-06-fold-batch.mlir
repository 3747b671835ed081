// Reproducer 08 of the 2026-12-06 fuzz campaign: attn-fold mode=auto walked
// every (batch, head) item in the cost model (B = 100,000: over 60 s). The
// schedule is now modeled in closed form (no causal rule) or by equivalence
// class of rounds, independent of B and H.
// RUN: attn-opt %s --attn-fold="explain=true" 2>&1 | FileCheck %s
// CHECK: remark: attn-fold: mode=auto on npu2: '{{[a-z]+}}', modeled latency
// CHECK: attn.stage
func.func @attention(%q: tensor<100000x12x512x64xbf16>, %k: tensor<100000x12x512x64xbf16>,
                     %v: tensor<100000x12x512x64xbf16>) -> tensor<100000x12x512x64xbf16> {
  %o = attn.attention %q, %k, %v
       : tensor<100000x12x512x64xbf16>, tensor<100000x12x512x64xbf16>, tensor<100000x12x512x64xbf16>
       -> tensor<100000x12x512x64xbf16>
  return %o : tensor<100000x12x512x64xbf16>
}
