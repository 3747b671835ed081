//===- attn_kernels.h - core-side attention kernel ABI ----------*- C++ -*-===//
//
// The kernels an attn-aie program calls from `aie.core` bodies, as portable
// C++ that compiles on the host. They define the semantics the simulator
// executes and that NPU kernels (built with Peano/Chess, outside this repo)
// must match. See docs/kernels.md for the full contract.
//
// Conventions:
// - Tiles are dense row-major. Q tile [tq][d], K tile [tk][d] (K is NOT
//   transposed in memory: the DMA delivers key rows, the kernel computes the
//   transposed-operand product), V tile [tk][dv], scores S and probabilities
//   P [tq][tk] in f32, accumulator acc [tq][dv] in f32, running max m and
//   running sum l [tq] in f32.
// - Element type suffix: _bf16 (uint16_t bit patterns, round-to-nearest-even
//   on store), _f32. Accumulation is always f32.
// - Masked scores are -inf. A row whose scores are all -inf contributes
//   nothing and finalizes to zeros (never NaN).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_H
#define ATTN_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// S = scale * Q Kᵀ.
void attn_qk_bf16(const uint16_t *q, const uint16_t *k, float *s, int32_t tq,
                  int32_t tk, int32_t d, float scale);
void attn_qk_f32(const float *q, const float *k, float *s, int32_t tq,
                 int32_t tk, int32_t d, float scale);

/// Applies position masks to a score tile whose first row is query q0 and
/// first column is key k0: key j is hidden when j >= valid_len, and (causal
/// != 0) when j > i + causal_offset (causal_offset = 0 for top_left,
/// Lk - Lq for bottom_right). Hidden scores become -inf.
void attn_mask_positions(float *s, int32_t tq, int32_t tk, int32_t q0,
                         int32_t k0, int32_t valid_len, int32_t causal,
                         int32_t causal_offset);

/// Explicit masks on a score tile: keep-mask (0 hides) or additive f32.
void attn_mask_keep(float *s, const uint8_t *keep, int32_t tq, int32_t tk);
void attn_mask_add(float *s, const float *add, int32_t tq, int32_t tk);

/// m = -inf, l = 0, acc = 0.
void attn_online_init(float *m, float *l, float *acc, int32_t tq, int32_t dv);

/// One flash-attention step over a K/V block:
///   m' = max(m, rowmax(S)); P = exp(S - m'); c = exp(m - m')
///   l = c*l + rowsum(P);   acc = c*acc + P V;  m = m'
/// Rows with m' = -inf are left unchanged.
void attn_online_update_bf16(const float *s, const uint16_t *v, float *m,
                             float *l, float *acc, int32_t tq, int32_t tk,
                             int32_t dv);
void attn_online_update_f32(const float *s, const float *v, float *m, float *l,
                            float *acc, int32_t tq, int32_t tk, int32_t dv);

/// O = acc / l (zero rows where l == 0), rounded to the output type.
void attn_finalize_bf16(const float *acc, const float *l, uint16_t *o,
                        int32_t tq, int32_t dv);
void attn_finalize_f32(const float *acc, const float *l, float *o, int32_t tq,
                       int32_t dv);

/// Whole-row softmax (unfolded / partial / full folds): P = softmax(S) per
/// row over tk columns; all -inf rows give zeros.
void attn_softmax_rows(const float *s, float *p, int32_t tq, int32_t tk);

/// acc += P V (P in f32, V in the element type).
void attn_pv_accumulate_bf16(const float *p, const uint16_t *v, float *acc,
                             int32_t tq, int32_t tk, int32_t dv);
void attn_pv_accumulate_f32(const float *p, const float *v, float *acc,
                            int32_t tq, int32_t tk, int32_t dv);

#ifdef __cplusplus
}
#endif

#endif // ATTN_KERNELS_H
