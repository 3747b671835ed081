// Reproducers 04-07 and 10 of the 2026-12-06 fuzz campaign: sizes the
// compiler cannot represent are errors (they were an out-of-memory abort,
// std::length_error, SIGFPE, an overflow assertion in the CPU pipeline and a
// silently emitted 2^62-element L1 buffer). Types whose element count or
// bytes overflow int64 are rejected by attn-opt before any verifier runs;
// the attn ops reject tensors (and score matrices) over 2^48 bytes, which
// is also what the Python API reports for the overflowing ones.
// RUN: attn-opt %s -split-input-file -verify-diagnostics
// RUN: attn-opt %s -split-input-file -verify-diagnostics --attn-fold
// RUN: attn-opt %s -split-input-file -verify-diagnostics --attn-to-aie=target=npu2
// RUN: attn-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(attn-lower-to-cpu,canonicalize)"

// 04: the f32 scores of Lq = Lk = 1e11 (the tensors themselves fit).
func.func @f(%q: tensor<1x2x99999999999x64xbf16>, %k: tensor<1x2x99999999999x64xbf16>, %v: tensor<1x2x99999999999x64xbf16>) -> tensor<1x2x99999999999x64xbf16> {
  // expected-error @below {{the f32 score matrix [B, H, Lq, Lk] = [1, 2, 99999999999, 99999999999] has more than 2^63 bytes, beyond the 2^48 bytes the compiler represents}}
  %o = attn.attention %q, %k, %v : tensor<1x2x99999999999x64xbf16>, tensor<1x2x99999999999x64xbf16>, tensor<1x2x99999999999x64xbf16> -> tensor<1x2x99999999999x64xbf16>
  return %o : tensor<1x2x99999999999x64xbf16>
}

// -----

// 05
// expected-error @below {{type 'tensor<1x2x9223372036854775807x80xbf16>' of block argument #0 cannot be represented: its static dimensions hold more than 2^63 elements}}
func.func @f(%q: tensor<1x2x9223372036854775807x80xbf16>, %k: tensor<1x2x200x80xbf16>, %v: tensor<1x2x200x40xbf16>) -> tensor<1x2x9223372036854775807x40xbf16> {
  // expected-error @below {{type 'tensor<1x2x9223372036854775807x40xbf16>' of result #0 cannot be represented}}
  %o = attn.attention %q, %k, %v : tensor<1x2x9223372036854775807x80xbf16>, tensor<1x2x200x80xbf16>, tensor<1x2x200x40xbf16> -> tensor<1x2x9223372036854775807x40xbf16>
  return %o : tensor<1x2x9223372036854775807x40xbf16>
}

// -----

// 06
// expected-error @below {{type 'tensor<1x?x128x9223372036854775807xbf16>' of block argument #0 cannot be represented: its static dimensions hold more than 2^63 elements}}
func.func @f(%q: tensor<1x?x128x9223372036854775807xbf16>) -> tensor<1x?x128x9223372036854775807xbf16> {
  // expected-error @below {{of result #0 cannot be represented}}
  %o = attn.attention %q, %q, %q : tensor<1x?x128x9223372036854775807xbf16>, tensor<1x?x128x9223372036854775807xbf16>, tensor<1x?x128x9223372036854775807xbf16> -> tensor<1x?x128x9223372036854775807xbf16>
  return %o : tensor<1x?x128x9223372036854775807xbf16>
}

// -----

// 07
// expected-error @below {{type 'tensor<?x4x9223372036854775807x9223372036854775807xbf16>' of block argument #0 cannot be represented: its static dimensions hold more than 2^63 elements}}
// expected-error @below {{type 'tensor<131072x1x?x9223372036854775807xi1>' of block argument #1 cannot be represented}}
func.func @f(%q: tensor<?x4x9223372036854775807x9223372036854775807xbf16>, %m: tensor<131072x1x?x9223372036854775807xi1>) -> tensor<?x4x9223372036854775807x9223372036854775807xbf16> {
  // expected-error @below {{of result #0 cannot be represented}}
  %o = attn.attention %q, %q, %q mask(%m : tensor<131072x1x?x9223372036854775807xi1>) : tensor<?x4x9223372036854775807x9223372036854775807xbf16>, tensor<?x4x9223372036854775807x9223372036854775807xbf16>, tensor<?x4x9223372036854775807x9223372036854775807xbf16> -> tensor<?x4x9223372036854775807x9223372036854775807xbf16>
  return %o : tensor<?x4x9223372036854775807x9223372036854775807xbf16>
}

// -----

// 10
// expected-error @below {{type 'tensor<1x2x128x4611686018427387904xbf16>' of block argument #0 cannot be represented: its static dimensions hold more than 2^63 elements}}
func.func @f(%q: tensor<1x2x128x4611686018427387904xbf16>) -> tensor<1x2x128x4611686018427387904xbf16> {
  // expected-error @below {{of result #0 cannot be represented}}
  %o = attn.attention %q, %q, %q : tensor<1x2x128x4611686018427387904xbf16>, tensor<1x2x128x4611686018427387904xbf16>, tensor<1x2x128x4611686018427387904xbf16> -> tensor<1x2x128x4611686018427387904xbf16>
  return %o : tensor<1x2x128x4611686018427387904xbf16>
}

// -----

// Representable in int64 but over 2^48 bytes: the attn verifier's limit.
func.func @f(%q: tensor<1x2x1099511627776x1024xbf16>, %k: tensor<1x2x16x1024xbf16>) -> tensor<1x2x1099511627776x1024xbf16> {
  // expected-error @below {{operand #0 of type 'tensor<1x2x1099511627776x1024xbf16>' has 4503599627370496 bytes, beyond the 2^48 bytes the compiler represents}}
  %o = attn.attention %q, %k, %k : tensor<1x2x1099511627776x1024xbf16>, tensor<1x2x16x1024xbf16>, tensor<1x2x16x1024xbf16> -> tensor<1x2x1099511627776x1024xbf16>
  return %o : tensor<1x2x1099511627776x1024xbf16>
}

// -----

// Dynamic dims count as 1: the static part alone is over the limit.
func.func @f(%q: tensor<1x?x128x2199023255552xbf16>) -> tensor<1x?x128x2199023255552xbf16> {
  // expected-error @below {{operand #0 of type 'tensor<1x?x128x2199023255552xbf16>' has 562949953421312 bytes in its static dimensions, beyond the 2^48 bytes}}
  %o = attn.attention %q, %q, %q : tensor<1x?x128x2199023255552xbf16>, tensor<1x?x128x2199023255552xbf16>, tensor<1x?x128x2199023255552xbf16> -> tensor<1x?x128x2199023255552xbf16>
  return %o : tensor<1x?x128x2199023255552xbf16>
}

// -----

// Tensors under the limit, scores over it: Lq = Lk = 2^24.
func.func @f(%q: tensor<1x1x16777216x64xbf16>) -> tensor<1x1x16777216x64xbf16> {
  // expected-error @below {{the f32 score matrix [B, H, Lq, Lk] = [1, 1, 16777216, 16777216] has 1125899906842624 bytes, beyond the 2^48 bytes}}
  %o = attn.attention %q, %q, %q : tensor<1x1x16777216x64xbf16>, tensor<1x1x16777216x64xbf16>, tensor<1x1x16777216x64xbf16> -> tensor<1x1x16777216x64xbf16>
  return %o : tensor<1x1x16777216x64xbf16>
}
