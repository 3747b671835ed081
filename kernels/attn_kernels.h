//===- attn_kernels.h - core-side attention kernel ABI ----------*- C++ -*-===//
//
// The kernels an attn-aie program calls from `aie.core` bodies, as portable
// scalar C++ that compiles on the host. This is the executable specification:
// the simulator's kernel models (attn.sim.kernel_models over attn.kernels)
// and the AIE-API NPU kernels (kernels/aie2, kernels/aie2p) must match it.
// See docs/kernels.md for the full contract.
//
// Conventions:
// - Element type suffix: _bf16 (uint16_t bit patterns, round-to-nearest-even
//   on store), _f32. Accumulation is always f32.
// - Q tile [tq][d] and O tile [tq][dv] are dense row-major objects.
// - K and V blocks are addressed inside the object that carries them by an
//   element offset (`k_off`, `v_off`): K rows [tk][d] start at k + k_off, V
//   rows [tk][dv] at v + v_off. A joined K|V(|mask|bias) object is one flat
//   buffer; the kernels read its parts in place, nothing is copied out.
//   K is NOT transposed in memory: the kernel computes Q·Kᵀ.
// - Score and probability tiles (f32) are [tq][tk] windows of a row buffer
//   with row stride `s_ld` starting at column `s_col`: element (i, j) is
//   s[i * s_ld + s_col + j]. A dense tile is s_ld = tk, s_col = 0.
// - acc [tq][dv], m and l [tq] are f32.
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

/// S[i][s_col + j] = scale * sum_x Q[i][x] K[j][x].
void attn_qk_bf16(const uint16_t *q, const uint16_t *k, int32_t k_off, float *s,
                  int32_t s_ld, int32_t s_col, int32_t tq, int32_t tk,
                  int32_t d, float scale);
void attn_qk_f32(const float *q, const float *k, int32_t k_off, float *s,
                 int32_t s_ld, int32_t s_col, int32_t tq, int32_t tk, int32_t d,
                 float scale);

/// The shadowAttn pilot (attn.pilot_qk_rows): Q and K rows of d int8 values
/// followed by the 4 bytes of their f32 quantization scale (row stride
/// d + 4 bytes; K rows start at k + k_off). The int8 products are summed
/// exactly in i32, then
///   S[i][s_col + j] = ((float(dot) * qscale_i) * kscale_j) * scale.
void attn_pilot_qk_i8(const int8_t *q, const int8_t *k, int32_t k_off, float *s,
                      int32_t s_ld, int32_t s_col, int32_t tq, int32_t tk,
                      int32_t d, float scale);

/// Position masks on the score window whose first row is query q0 and first
/// column key k0: key j is hidden when j >= key_limit, query row i is hidden
/// entirely when i >= row_limit (padded queries), and (causal != 0) key j is
/// hidden for row i when j > i + causal_offset (0 for top_left, Lk - Lq for
/// bottom_right). Hidden scores become -inf.
void attn_mask_positions(float *s, int32_t s_ld, int32_t s_col, int32_t tq,
                         int32_t tk, int32_t q0, int32_t k0, int32_t key_limit,
                         int32_t row_limit, int32_t causal,
                         int32_t causal_offset);

/// Key-only explicit masks, one value per key broadcast over the rows, read
/// at `off` of the object that carries them (element type of the data):
/// keep-mask (0 hides the key) and additive (mask or bias, added in f32).
void attn_mask_keep_keys_bf16(float *s, int32_t s_ld, int32_t s_col,
                              const uint16_t *keep, int32_t off, int32_t tq,
                              int32_t tk);
void attn_mask_keep_keys_f32(float *s, int32_t s_ld, int32_t s_col,
                             const float *keep, int32_t off, int32_t tq,
                             int32_t tk);
void attn_mask_add_keys_bf16(float *s, int32_t s_ld, int32_t s_col,
                             const uint16_t *add, int32_t off, int32_t tq,
                             int32_t tk);
void attn_mask_add_keys_f32(float *s, int32_t s_ld, int32_t s_col,
                            const float *add, int32_t off, int32_t tq,
                            int32_t tk);

/// Full explicit masks, one value per (query, key): the [tq][tk] tile at
/// `off` of the object that carries it, row stride `m_ld` (element type of
/// the data), applied to the S window: keep-mask (0 hides the score) and
/// additive (mask or bias, added in f32).
void attn_mask_keep_tile_bf16(float *s, int32_t s_ld, int32_t s_col,
                              const uint16_t *keep, int32_t off, int32_t m_ld,
                              int32_t tq, int32_t tk);
void attn_mask_keep_tile_f32(float *s, int32_t s_ld, int32_t s_col,
                             const float *keep, int32_t off, int32_t m_ld,
                             int32_t tq, int32_t tk);
void attn_mask_add_tile_bf16(float *s, int32_t s_ld, int32_t s_col,
                             const uint16_t *add, int32_t off, int32_t m_ld,
                             int32_t tq, int32_t tk);
void attn_mask_add_tile_f32(float *s, int32_t s_ld, int32_t s_col,
                            const float *add, int32_t off, int32_t m_ld,
                            int32_t tq, int32_t tk);

/// m = -inf, l = 0, acc = 0.
void attn_online_init(float *m, float *l, float *acc, int32_t tq, int32_t dv);

/// One flash-attention step over a K/V block (S window as above):
///   m' = max(m, rowmax(S)); P = exp(S - m'); c = exp(m - m')
///   l = c*l + rowsum(P);   acc = c*acc + P V;  m = m'
/// Rows with m' = -inf are left unchanged.
void attn_online_update_bf16(const float *s, int32_t s_ld, int32_t s_col,
                             const uint16_t *v, int32_t v_off, float *m,
                             float *l, float *acc, int32_t tq, int32_t tk,
                             int32_t dv);
void attn_online_update_f32(const float *s, int32_t s_ld, int32_t s_col,
                            const float *v, int32_t v_off, float *m, float *l,
                            float *acc, int32_t tq, int32_t tk, int32_t dv);

/// Cascade (kv_split > 1): the cores of a cascade chain each run the online
/// state over their part of the keys, then merge the partial states along
/// the chain (docs/kernels.md, "Cascade").
/// Merge a partial state over other keys into (m, l, acc):
///   m' = max(m, m_in); a = exp(m - m'); b = exp(m_in - m')
///   l = a*l + b*l_in;  acc = a*acc + b*acc_in;  m = m'
/// Rows with m' = -inf (nothing visible on either side) are left unchanged.
void attn_online_merge(float *m, float *l, float *acc, const float *m_in,
                       const float *l_in, const float *acc_in, int32_t tq,
                       int32_t dv);
/// Write (m, l, acc) to this core's cascade output: m [tq], l [tq], then acc
/// [tq][dv], as 512-bit words (blocks while the neighbour has not read).
void attn_cascade_put(const float *m, const float *l, const float *acc,
                      int32_t tq, int32_t dv);
/// Read a state from this core's cascade input (as attn_cascade_put wrote
/// it) and merge it into (m, l, acc) with attn_online_merge's rule. The
/// host build stands one in-process FIFO in for the cascade, so a put
/// followed by a merge on the host moves the state as the cores would.
void attn_cascade_merge(float *m, float *l, float *acc, int32_t tq,
                        int32_t dv);

/// O = acc / l (zero rows where l == 0), rounded to the output type.
void attn_finalize_bf16(const float *acc, const float *l, uint16_t *o,
                        int32_t tq, int32_t dv);
void attn_finalize_f32(const float *acc, const float *l, float *o, int32_t tq,
                       int32_t dv);

/// Whole-row softmax over dense [tq][tk] rows (p may equal s); all -inf rows
/// give zeros.
void attn_softmax_rows(const float *s, float *p, int32_t tq, int32_t tk);

/// Streamed softmax (rows that do not fit L1, read in chunks twice): m =
/// -inf, l = 0; pass 1 folds an S window [tq][tk] (row stride s_ld, column
/// s_col) into the running row max m and sum l of exp(s - m); pass 2 writes
/// the dense P chunk exp(s - m) / l (zeros on rows whose max is -inf).
void attn_softmax_stats_init(float *m, float *l, int32_t tq);
void attn_softmax_stats(const float *s, int32_t s_ld, int32_t s_col, float *m,
                        float *l, int32_t tq, int32_t tk);
void attn_softmax_normalize(const float *s, int32_t s_ld, int32_t s_col,
                            const float *m, const float *l, float *p,
                            int32_t tq, int32_t tk);

/// acc = 0 (the accumulator of the whole-row folds).
void attn_acc_zero(float *acc, int32_t tq, int32_t dv);

/// acc += P V with P a window of a probability row buffer (as S above) and V
/// at v_off of its object.
void attn_pv_accumulate_bf16(const float *p, int32_t p_ld, int32_t p_col,
                             const uint16_t *v, int32_t v_off, float *acc,
                             int32_t tq, int32_t tk, int32_t dv);
void attn_pv_accumulate_f32(const float *p, int32_t p_ld, int32_t p_col,
                            const float *v, int32_t v_off, float *acc,
                            int32_t tq, int32_t tk, int32_t dv);

/// O = acc rounded to the output type (the whole-row folds, whose P rows are
/// already normalized); rows of queries q0 + i >= row_limit (padding beyond
/// valid_len) are zeros.
void attn_store_bf16(const float *acc, uint16_t *o, int32_t q0,
                     int32_t row_limit, int32_t tq, int32_t dv);
void attn_store_f32(const float *acc, float *o, int32_t q0, int32_t row_limit,
                    int32_t tq, int32_t dv);

/// Stream mapping (QK core | softmax core | PV core). The softmax core sends
/// the PV core one flat f32 P block object per key block: P [tq][tk] dense at
/// 0, the rescale factors c [tq] at tq*tk, the running row sums l [tq] at
/// tq*tk + tq.
/// m = -inf, l = 0 (the softmax core's running state).
void attn_stream_softmax_init(float *m, float *l, int32_t tq);
/// The softmax half of attn_online_update on an S window: m' = max(m,
/// rowmax S), P = exp(S - m'), c = exp(m - m'), l = c*l + rowsum P, m = m';
/// writes P, c and l into the P block object `p`. Rows with m' = -inf: P =
/// 0, c = 1, state unchanged.
void attn_stream_softmax(const float *s, int32_t s_ld, int32_t s_col, float *p,
                         float *m, float *l, int32_t tq, int32_t tk);
/// acc = 0, l = 0 (the PV core's state).
void attn_stream_pv_init(float *acc, float *l, int32_t tq, int32_t dv);
/// acc = c*acc + P V from the P block object `p`, V at v_off of its object;
/// l = the object's row sums (what attn_finalize divides by).
void attn_stream_pv_bf16(const float *p, const uint16_t *v, int32_t v_off,
                         float *acc, float *l, int32_t tq, int32_t tk,
                         int32_t dv);
void attn_stream_pv_f32(const float *p, const float *v, int32_t v_off,
                        float *acc, float *l, int32_t tq, int32_t tk,
                        int32_t dv);

/// dst = the [tq][tk] window of src at column src_col (row stride src_ld),
/// written dense: a probability row buffer handed out one key block at a
/// time (the partial fold's QK+softmax stage).
void attn_copy_window(const float *src, int32_t src_ld, int32_t src_col,
                      float *dst, int32_t tq, int32_t tk);

#ifdef __cplusplus
}
#endif

#endif // ATTN_KERNELS_H
