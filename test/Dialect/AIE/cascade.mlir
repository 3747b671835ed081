// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s -mlir-print-op-generic | attn-opt | FileCheck %s

// Cascade ops in upstream mlir-aie's (3ca0193c) spelling: a flow from the
// North neighbour and one from the West neighbour, words put and got in
// core bodies.

// CHECK-LABEL: aie.device(npu2)
// CHECK:         %[[T03:.*]] = aie.tile(0, 3)
// CHECK:         %[[T02:.*]] = aie.tile(0, 2)
// CHECK:         %[[T12:.*]] = aie.tile(1, 2)
// CHECK:         aie.cascade_flow(%[[T03]], %[[T02]])
// CHECK:         aie.cascade_flow(%[[T02]], %[[T12]])
// CHECK:         aie.core(%[[T03]])
// CHECK:           aie.put_cascade(%{{.*}} : vector<16xi32>)
// CHECK:         aie.core(%[[T02]])
// CHECK:           %[[W:.*]] = aie.get_cascade() : vector<16xi32>
// CHECK:           aie.put_cascade(%[[W]] : vector<16xi32>)
// CHECK:         aie.core(%[[T12]])
// CHECK:           aie.get_cascade() : i512
aie.device(npu2) {
  %t03 = aie.tile(0, 3)
  %t02 = aie.tile(0, 2)
  %t12 = aie.tile(1, 2)
  aie.cascade_flow(%t03, %t02)
  aie.cascade_flow(%t02, %t12)
  %c03 = aie.core(%t03) {
    %z = arith.constant dense<0> : vector<16xi32>
    aie.put_cascade(%z : vector<16xi32>)
    aie.end
  }
  %c02 = aie.core(%t02) {
    %w = aie.get_cascade() : vector<16xi32>
    aie.put_cascade(%w : vector<16xi32>)
    aie.end
  }
  %c12 = aie.core(%t12) {
    %w = aie.get_cascade() : i512
    aie.end
  }
}

// CHECK-LABEL: aie.device(npu1) @second
// CHECK:         aie.cascade_flow
aie.device(npu1) @second {
  %t05 = aie.tile(0, 5)
  %t04 = aie.tile(0, 4)
  aie.cascade_flow(%t05, %t04)
}
