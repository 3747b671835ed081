// RUN: not attn-opt %s --attn-extract-pilot="target=npu3" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not attn-opt %s --attn-extract-pilot="target=npu2 q-tile=12" 2>&1 | FileCheck %s --check-prefix=QTILE
// RUN: not attn-opt %s --attn-extract-pilot="target=npu1 kv-tile=12" 2>&1 | FileCheck %s --check-prefix=KVTILE
// RUN: not attn-opt %s --attn-extract-pilot="target=npu1 columns=5" 2>&1 | FileCheck %s --check-prefix=COLUMNS
// RUN: not attn-opt %s --attn-extract-pilot="target=npu2 q-tile=abc" 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-pilot-to-aie{target=npu2 depth=x})" 2>&1 | FileCheck %s --check-prefix=PIPE
// RUN: not attn-opt %s --attn-extract-pilot="target=npu2 kv-tile=-8" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not attn-opt %s --attn-extract-pilot="target=npu2 depth=0" 2>&1 | FileCheck %s --check-prefix=DEPTH

// TARGET: attn-extract-pilot: unknown target 'npu3'; valid targets: npu1,
// QTILE: 'attn.pilot_qk' op attn-extract-pilot: q-tile = 12 is not a multiple of the int8 intrinsic M = 8 of npu2
// KVTILE: 'attn.pilot_qk' op attn-extract-pilot: kv-tile = 12 is not a multiple of the int8 intrinsic K/N = 8 of npu1
// COLUMNS: attn-extract-pilot: columns = 5, cores-per-column = 4, depth = 2 do not fit npu1 (4 columns, 4 core rows, depth >= 1)
// PARSE: attn-extract-pilot
// PARSE-SAME: q-tile
// PIPE: attn-pilot-to-aie
// PIPE-SAME: depth
// NEG: attn-extract-pilot: kv-tile = -8 must be >= 0 (0 chooses)
// DEPTH: depth = 0 do not fit npu2

func.func @p(%qq: tensor<1x2x8x16xi8>, %kq: tensor<1x2x8x16xi8>, %qs: tensor<1x2x1xf32>, %ks: tensor<1x2x1xf32>) -> tensor<1x2x8x8xf32> {
  %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<1x2x1xf32>, tensor<1x2x1xf32>) q_block 8 k_block 8 : tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8> -> tensor<1x2x8x8xf32>
  return %s : tensor<1x2x8x8xf32>
}
