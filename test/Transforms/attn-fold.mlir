// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=unfolded})" | FileCheck %s --check-prefix=UNF
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=unfolded intermediate-type=bf16})" | FileCheck %s --check-prefix=UNF16
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=partial})" | FileCheck %s --check-prefix=PART
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=partial intermediate-type=input})" | FileCheck %s --check-prefix=PARTIN
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=partial intermediate-type=f16})" | FileCheck %s --check-prefix=PARTF16
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=full})" | FileCheck %s --check-prefix=FULL
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online intermediate-type=f16})" | FileCheck %s --check-prefix=ONL
// The result must verify and round-trip.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=unfolded})" | attn-opt | FileCheck %s --check-prefix=UNF

// GQA with every optional operand; the scale becomes explicit (1/sqrt(64)).
func.func @gqa(%q: tensor<2x8x128x64xbf16>, %k: tensor<2x2x256x64xbf16>, %v: tensor<2x2x256x32xbf16>,
               %m: tensor<1x1x128x256xi1>, %b: tensor<8x128x256xf32>, %n: tensor<2xi32>) -> tensor<2x8x128x32xbf16> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x128x256xi1>) bias(%b : tensor<8x128x256xf32>) valid_len(%n : tensor<2xi32>)
       causal bottom_right : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16>, tensor<2x2x256x32xbf16> -> tensor<2x8x128x32xbf16>
  return %o : tensor<2x8x128x32xbf16>
}

// UNF-LABEL: func.func @gqa(
// UNF-SAME: %[[Q:[^:]*]]: tensor<2x8x128x64xbf16>, %[[K:[^:]*]]: tensor<2x2x256x64xbf16>, %[[V:[^:]*]]: tensor<2x2x256x32xbf16>, %[[M:[^:]*]]: tensor<1x1x128x256xi1>, %[[B:[^:]*]]: tensor<8x128x256xf32>, %[[N:[^:]*]]: tensor<2xi32>)
// UNF-NOT: attn.attention
// UNF: %[[S:.*]] = attn.stage "qk" fold unfolded ins(%[[A0:.*]] = %[[Q]], %[[A1:.*]] = %[[K]], %[[A2:.*]] = %[[M]], %[[A3:.*]] = %[[B]], %[[A4:.*]] = %[[N]] : {{.*}}) -> tensor<2x8x128x256xf32> {
// UNF-NEXT: %[[X:.*]] = attn.qk %[[A0]], %[[A1]] mask(%[[A2]] : tensor<1x1x128x256xi1>) bias(%[[A3]] : tensor<8x128x256xf32>) valid_len(%[[A4]] : tensor<2xi32>) causal bottom_right scale 1.250000e-01 : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16> -> tensor<2x8x128x256xf32>
// UNF-NEXT: attn.yield %[[X]] : tensor<2x8x128x256xf32>
// UNF: %[[P:.*]] = attn.stage "softmax" fold unfolded ins(%[[A5:.*]] = %[[S]] : tensor<2x8x128x256xf32>) -> tensor<2x8x128x256xf32> {
// UNF-NEXT: %[[Y:.*]] = attn.softmax %[[A5]] : tensor<2x8x128x256xf32> -> tensor<2x8x128x256xf32>
// UNF-NEXT: attn.yield %[[Y]]
// UNF: %[[O:.*]] = attn.stage "pv" fold unfolded ins(%[[A6:.*]] = %[[P]], %[[A7:.*]] = %[[V]], %[[A8:.*]] = %[[N]] : tensor<2x8x128x256xf32>, tensor<2x2x256x32xbf16>, tensor<2xi32>) -> tensor<2x8x128x32xbf16> {
// UNF-NEXT: %[[Z:.*]] = attn.pv %[[A6]], %[[A7]] valid_len(%[[A8]] : tensor<2xi32>) : tensor<2x8x128x256xf32>, tensor<2x2x256x32xbf16> -> tensor<2x8x128x32xbf16>
// UNF-NEXT: attn.yield %[[Z]]
// UNF: return %[[O]]

// S and P in DRAM as bf16; the softmax stage rounds.
// UNF16-LABEL: func.func @gqa(
// UNF16: attn.stage "qk" {{.*}} -> tensor<2x8x128x256xbf16>
// UNF16: attn.qk {{.*}} -> tensor<2x8x128x256xbf16>
// UNF16: attn.stage "softmax" {{.*}} -> tensor<2x8x128x256xbf16>
// UNF16: attn.softmax {{.*}} : tensor<2x8x128x256xbf16> -> tensor<2x8x128x256xbf16>
// UNF16: attn.stage "pv" fold unfolded ins({{.*}} : tensor<2x8x128x256xbf16>, tensor<2x2x256x32xbf16>, tensor<2xi32>)

// Partial: S stays on chip (f32), P goes to DRAM.
// PART-LABEL: func.func @gqa(
// PART: %[[P:.*]] = attn.stage "qk_softmax" fold partial ins({{.*}}) -> tensor<2x8x128x256xf32> {
// PART-NEXT: %[[S:.*]] = attn.qk {{.*}} causal bottom_right scale 1.250000e-01 : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16> -> tensor<2x8x128x256xf32>
// PART-NEXT: %[[X:.*]] = attn.softmax %[[S]] : tensor<2x8x128x256xf32> -> tensor<2x8x128x256xf32>
// PART-NEXT: attn.yield %[[X]]
// PART: attn.stage "pv" fold partial ins(%{{.*}} = %[[P]], {{.*}}) -> tensor<2x8x128x32xbf16>
// PART-NEXT: attn.pv
// PART-NEXT: attn.yield
// PART-NEXT: }
// PART-NEXT: return

// PARTIN-LABEL: func.func @gqa(
// PARTIN: attn.stage "qk_softmax" {{.*}} -> tensor<2x8x128x256xbf16>
// PARTIN: attn.qk {{.*}} -> tensor<2x8x128x256xf32>
// PARTIN: attn.softmax {{.*}} : tensor<2x8x128x256xf32> -> tensor<2x8x128x256xbf16>

// PARTF16-LABEL: func.func @gqa(
// PARTF16: attn.stage "qk_softmax" {{.*}} -> tensor<2x8x128x256xf16>
// PARTF16: attn.softmax {{.*}} : tensor<2x8x128x256xf32> -> tensor<2x8x128x256xf16>
// PARTF16: attn.pv {{.*}} : tensor<2x8x128x256xf16>, tensor<2x2x256x32xbf16> -> tensor<2x8x128x32xbf16>

// Full: one stage; Q, K, mask, bias, V, valid_len go in.
// FULL-LABEL: func.func @gqa(
// FULL-SAME: %[[Q:[^:]*]]: tensor<2x8x128x64xbf16>, %[[K:[^:]*]]: tensor<2x2x256x64xbf16>, %[[V:[^:]*]]: tensor<2x2x256x32xbf16>, %[[M:[^:]*]]: tensor<1x1x128x256xi1>, %[[B:[^:]*]]: tensor<8x128x256xf32>, %[[N:[^:]*]]: tensor<2xi32>)
// FULL: %[[O:.*]] = attn.stage "attention" fold full ins(%[[A0:.*]] = %[[Q]], %[[A1:.*]] = %[[K]], %[[A2:.*]] = %[[M]], %[[A3:.*]] = %[[B]], %[[A4:.*]] = %[[V]], %[[A5:.*]] = %[[N]] : {{.*}}) -> tensor<2x8x128x32xbf16> {
// FULL-NEXT: %[[S:.*]] = attn.qk %[[A0]], %[[A1]] mask(%[[A2]] : {{.*}}) bias(%[[A3]] : {{.*}}) valid_len(%[[A5]] : tensor<2xi32>) causal bottom_right scale 1.250000e-01 {{.*}} -> tensor<2x8x128x256xf32>
// FULL-NEXT: %[[P:.*]] = attn.softmax %[[S]] : tensor<2x8x128x256xf32> -> tensor<2x8x128x256xf32>
// FULL-NEXT: %[[R:.*]] = attn.pv %[[P]], %[[A4]] valid_len(%[[A5]] : tensor<2xi32>) : tensor<2x8x128x256xf32>, tensor<2x2x256x32xbf16> -> tensor<2x8x128x32xbf16>
// FULL-NEXT: attn.yield %[[R]]
// FULL-NEXT: }
// FULL-NEXT: return %[[O]]

// Online: intermediate-type does not apply (S stays on chip as f32).
// ONL-LABEL: func.func @gqa(
// ONL: attn.stage "attention" fold online ins(
// ONL-NEXT: %[[S:.*]] = attn.qk {{.*}} -> tensor<2x8x128x256xf32>
// ONL-NEXT: %[[R:.*]] = attn.online_softmax_pv %[[S]], %{{.*}} valid_len(%{{.*}} : tensor<2xi32>) : tensor<2x8x128x256xf32>, tensor<2x2x256x32xbf16> -> tensor<2x8x128x32xbf16>
// ONL-NEXT: attn.yield %[[R]]

// blhd layout, explicit scale, no optional operands: S is [B, H, Lq, Lk].
func.func @blhd(%q: tensor<1x100x4x80xf16>, %k: tensor<1x60x4x80xf16>, %v: tensor<1x60x4x80xf16>) -> tensor<1x100x4x80xf16> {
  %o = attn.attention %q, %k, %v scale 0.5 layout blhd : tensor<1x100x4x80xf16>, tensor<1x60x4x80xf16>, tensor<1x60x4x80xf16> -> tensor<1x100x4x80xf16>
  return %o : tensor<1x100x4x80xf16>
}
// UNF-LABEL: func.func @blhd(
// UNF: attn.qk %{{.*}}, %{{.*}} scale 5.000000e-01 layout blhd : tensor<1x100x4x80xf16>, tensor<1x60x4x80xf16> -> tensor<1x4x100x60xf32>
// UNF: attn.softmax %{{.*}} : tensor<1x4x100x60xf32> -> tensor<1x4x100x60xf32>
// UNF: attn.pv %{{.*}}, %{{.*}} layout blhd : tensor<1x4x100x60xf32>, tensor<1x60x4x80xf16> -> tensor<1x100x4x80xf16>
// ONL-LABEL: func.func @blhd(
// ONL: attn.online_softmax_pv %{{.*}}, %{{.*}} layout blhd : tensor<1x4x100x60xf32>, tensor<1x60x4x80xf16> -> tensor<1x100x4x80xf16>
// FULL-LABEL: func.func @blhd(
// FULL: attn.pv %{{.*}}, %{{.*}} layout blhd : tensor<1x4x100x60xf32>, tensor<1x60x4x80xf16> -> tensor<1x100x4x80xf16>

// Two layers, the second nested in a region, the second using the first.
func.func @two_layers(%x: tensor<1x2x16x64xf32>, %c: i1) -> tensor<1x2x16x64xf32> {
  %a = attn.attention %x, %x, %x : tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x16x64xf32>
  %r = scf.if %c -> tensor<1x2x16x64xf32> {
    %b = attn.attention %a, %a, %a : tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x16x64xf32>
    scf.yield %b : tensor<1x2x16x64xf32>
  } else {
    scf.yield %a : tensor<1x2x16x64xf32>
  }
  return %r : tensor<1x2x16x64xf32>
}
// PART-LABEL: func.func @two_layers(
// PART: %[[P1:.*]] = attn.stage "qk_softmax"
// PART: %[[O1:.*]] = attn.stage "pv" fold partial ins(%{{.*}} = %[[P1]]
// PART: scf.if
// PART: %[[P2:.*]] = attn.stage "qk_softmax" fold partial ins(%{{.*}} = %[[O1]], %{{.*}} = %[[O1]] :
// PART: attn.stage "pv" fold partial ins(%{{.*}} = %[[P2]], %{{.*}} = %[[O1]] :
// PART-NOT: attn.attention
