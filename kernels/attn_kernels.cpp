//===- attn_kernels.cpp - host reference of the core kernel ABI -----------===//
//
// Scalar, portable implementations. They favour obviously-correct code over
// speed: they are the executable specification, not the NPU kernels.
//
//===----------------------------------------------------------------------===//

#include "attn_kernels.h"

#include <cmath>
#include <cstring>
#include <deque>
#include <limits>

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// max that propagates NaN (std::fmax drops it): a NaN score makes its row
/// NaN, as in the op's IEEE semantics.
inline float maxPropagatingNaN(float a, float b) {
  return std::isnan(a) || std::isnan(b)
             ? std::numeric_limits<float>::quiet_NaN()
             : std::fmax(a, b);
}

float bf16ToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float out;
  std::memcpy(&out, &wide, sizeof(out));
  return out;
}

uint16_t floatToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40); // quiet NaN
  // Round to nearest, ties to even.
  uint32_t rounded = bits + 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(rounded >> 16);
}

inline float load(const float *p, int64_t i) { return p[i]; }
inline float load(const uint16_t *p, int64_t i) { return bf16ToFloat(p[i]); }
inline void store(float *p, int64_t i, float v) { p[i] = v; }
inline void store(uint16_t *p, int64_t i, float v) { p[i] = floatToBf16(v); }

/// A [rows][cols] window of a row buffer: element (i, j) at base[i*ld + col +
/// j].
struct Window {
  float *base;
  int64_t ld, col;
  float &at(int64_t i, int64_t j) const { return base[i * ld + col + j]; }
};
struct ConstWindow {
  const float *base;
  int64_t ld, col;
  float at(int64_t i, int64_t j) const { return base[i * ld + col + j]; }
};

/// The largest of row i's first tk values (a NaN propagates).
float rowMax(ConstWindow s, int32_t i, int32_t tk) {
  float largest = kNegInf;
  for (int32_t j = 0; j < tk; ++j)
    largest = maxPropagatingNaN(largest, s.at(i, j));
  return largest;
}

template <typename T>
void qk(const T *q, const T *k, Window s, int32_t tq, int32_t tk, int32_t d,
        float scale) {
  for (int32_t i = 0; i < tq; ++i)
    for (int32_t j = 0; j < tk; ++j) {
      float acc = 0.0f;
      for (int32_t x = 0; x < d; ++x)
        acc += load(q, int64_t(i) * d + x) * load(k, int64_t(j) * d + x);
      s.at(i, j) = scale * acc;
    }
}

/// Explicit masks: the [tq][tk] values at `keep`/`add` with row stride ld
/// (ld 0: one value per key, broadcast over the rows).
template <typename T>
void maskKeep(Window s, const T *keep, int32_t ld, int32_t tq, int32_t tk) {
  for (int32_t i = 0; i < tq; ++i)
    for (int32_t j = 0; j < tk; ++j)
      if (load(keep, int64_t(i) * ld + j) == 0.0f)
        s.at(i, j) = kNegInf;
}

template <typename T>
void maskAdd(Window s, const T *add, int32_t ld, int32_t tq, int32_t tk) {
  for (int32_t i = 0; i < tq; ++i)
    for (int32_t j = 0; j < tk; ++j)
      s.at(i, j) += load(add, int64_t(i) * ld + j);
}

template <typename T>
void onlineUpdate(ConstWindow s, const T *v, float *m, float *l, float *acc,
                  int32_t tq, int32_t tk, int32_t dv) {
  for (int32_t i = 0; i < tq; ++i) {
    float newMax = maxPropagatingNaN(m[i], rowMax(s, i, tk));
    if (newMax == kNegInf)
      continue; // nothing visible yet: keep the row's state as is
    // m[i] may be -inf (first visible block): exp(-inf) = 0 wipes the
    // (all-zero) previous state without producing NaN.
    float correction = std::exp(m[i] - newMax);
    float *accRow = acc + int64_t(i) * dv;
    for (int32_t x = 0; x < dv; ++x)
      accRow[x] *= correction;
    float rowSum = 0.0f;
    for (int32_t j = 0; j < tk; ++j) {
      float p = std::exp(s.at(i, j) - newMax); // exp(-inf) = 0: hidden keys
      rowSum += p;
      if (p == 0.0f)
        continue;
      for (int32_t x = 0; x < dv; ++x)
        accRow[x] += p * load(v, int64_t(j) * dv + x);
    }
    l[i] = correction * l[i] + rowSum;
    m[i] = newMax;
  }
}

template <typename T>
void finalize(const float *acc, const float *l, T *o, int32_t tq, int32_t dv) {
  for (int32_t i = 0; i < tq; ++i)
    for (int32_t x = 0; x < dv; ++x) {
      // l == 0: no visible key (zeros); a NaN l propagates.
      float value = l[i] != 0.0f ? acc[int64_t(i) * dv + x] / l[i] : 0.0f;
      store(o, int64_t(i) * dv + x, value);
    }
}

template <typename T>
void storeTile(const float *acc, T *o, int32_t q0, int32_t rowLimit, int32_t tq,
               int32_t dv) {
  for (int32_t i = 0; i < tq; ++i) {
    bool padded = int64_t(q0) + i >= rowLimit;
    for (int32_t x = 0; x < dv; ++x)
      store(o, int64_t(i) * dv + x, padded ? 0.0f : acc[int64_t(i) * dv + x]);
  }
}

template <typename T>
void pvAccumulate(ConstWindow p, const T *v, float *acc, int32_t tq, int32_t tk,
                  int32_t dv) {
  for (int32_t i = 0; i < tq; ++i)
    for (int32_t j = 0; j < tk; ++j) {
      float w = p.at(i, j);
      if (w == 0.0f)
        continue;
      for (int32_t x = 0; x < dv; ++x)
        acc[int64_t(i) * dv + x] += w * load(v, int64_t(j) * dv + x);
    }
}

template <typename T>
void streamPV(const float *p, const T *v, float *acc, float *l, int32_t tq,
              int32_t tk, int32_t dv) {
  const float *c = p + int64_t(tq) * tk;
  for (int32_t i = 0; i < tq; ++i) {
    for (int32_t x = 0; x < dv; ++x)
      acc[int64_t(i) * dv + x] *= c[i];
    l[i] = c[tq + i];
  }
  pvAccumulate(ConstWindow{p, tk, 0}, v, acc, tq, tk, dv);
}

} // namespace

extern "C" {

// The entry points of one data type T (suffix sfx: bf16 as uint16_t bit
// patterns, f32); declared one by one in attn_kernels.h.
#define ATTN_SPEC_TYPED(sfx, T)                                                \
  void attn_qk_##sfx(const T *q, const T *k, int32_t k_off, float *s,          \
                     int32_t s_ld, int32_t s_col, int32_t tq, int32_t tk,      \
                     int32_t d, float scale) {                                 \
    qk(q, k + k_off, Window{s, s_ld, s_col}, tq, tk, d, scale);                \
  }                                                                            \
  void attn_mask_keep_keys_##sfx(float *s, int32_t s_ld, int32_t s_col,        \
                                 const T *keep, int32_t off, int32_t tq,       \
                                 int32_t tk) {                                 \
    maskKeep(Window{s, s_ld, s_col}, keep + off, 0, tq, tk);                   \
  }                                                                            \
  void attn_mask_add_keys_##sfx(float *s, int32_t s_ld, int32_t s_col,         \
                                const T *add, int32_t off, int32_t tq,         \
                                int32_t tk) {                                  \
    maskAdd(Window{s, s_ld, s_col}, add + off, 0, tq, tk);                     \
  }                                                                            \
  void attn_mask_keep_tile_##sfx(float *s, int32_t s_ld, int32_t s_col,        \
                                 const T *keep, int32_t off, int32_t m_ld,     \
                                 int32_t tq, int32_t tk) {                     \
    maskKeep(Window{s, s_ld, s_col}, keep + off, m_ld, tq, tk);                \
  }                                                                            \
  void attn_mask_add_tile_##sfx(float *s, int32_t s_ld, int32_t s_col,         \
                                const T *add, int32_t off, int32_t m_ld,       \
                                int32_t tq, int32_t tk) {                      \
    maskAdd(Window{s, s_ld, s_col}, add + off, m_ld, tq, tk);                  \
  }                                                                            \
  void attn_online_update_##sfx(                                               \
      const float *s, int32_t s_ld, int32_t s_col, const T *v, int32_t v_off,  \
      float *m, float *l, float *acc, int32_t tq, int32_t tk, int32_t dv) {    \
    onlineUpdate(ConstWindow{s, s_ld, s_col}, v + v_off, m, l, acc, tq, tk,    \
                 dv);                                                          \
  }                                                                            \
  void attn_finalize_##sfx(const float *acc, const float *l, T *o, int32_t tq, \
                           int32_t dv) {                                       \
    finalize(acc, l, o, tq, dv);                                               \
  }                                                                            \
  void attn_pv_accumulate_##sfx(const float *p, int32_t p_ld, int32_t p_col,   \
                                const T *v, int32_t v_off, float *acc,         \
                                int32_t tq, int32_t tk, int32_t dv) {          \
    pvAccumulate(ConstWindow{p, p_ld, p_col}, v + v_off, acc, tq, tk, dv);     \
  }                                                                            \
  void attn_store_##sfx(const float *acc, T *o, int32_t q0, int32_t row_limit, \
                        int32_t tq, int32_t dv) {                              \
    storeTile(acc, o, q0, row_limit, tq, dv);                                  \
  }                                                                            \
  void attn_stream_pv_##sfx(const float *p, const T *v, int32_t v_off,         \
                            float *acc, float *l, int32_t tq, int32_t tk,      \
                            int32_t dv) {                                      \
    streamPV(p, v + v_off, acc, l, tq, tk, dv);                                \
  }

ATTN_SPEC_TYPED(bf16, uint16_t)
ATTN_SPEC_TYPED(f32, float)
#undef ATTN_SPEC_TYPED

static float rowScale(const int8_t *row, int32_t d) {
  float v;
  std::memcpy(&v, row + d, sizeof(v)); // little endian, as the host wrote it
  return v;
}

void attn_pilot_qk_i8(const int8_t *q, const int8_t *k, int32_t k_off, float *s,
                      int32_t s_ld, int32_t s_col, int32_t tq, int32_t tk,
                      int32_t d, float scale) {
  Window w{s, s_ld, s_col};
  const int8_t *kb = k + k_off;
  const int32_t stride = d + 4;
  for (int32_t i = 0; i < tq; ++i) {
    const int8_t *qi = q + int64_t(i) * stride;
    float qs = rowScale(qi, d);
    for (int32_t j = 0; j < tk; ++j) {
      const int8_t *kj = kb + int64_t(j) * stride;
      int32_t dot = 0;
      for (int32_t x = 0; x < d; ++x)
        dot += int32_t(qi[x]) * int32_t(kj[x]);
      w.at(i, j) = ((float(dot) * qs) * rowScale(kj, d)) * scale;
    }
  }
}

void attn_mask_positions(float *s, int32_t s_ld, int32_t s_col, int32_t tq,
                         int32_t tk, int32_t q0, int32_t k0, int32_t key_limit,
                         int32_t row_limit, int32_t causal,
                         int32_t causal_offset) {
  Window w{s, s_ld, s_col};
  for (int32_t i = 0; i < tq; ++i)
    for (int32_t j = 0; j < tk; ++j) {
      int64_t key = int64_t(k0) + j, query = int64_t(q0) + i;
      bool hidden = key >= key_limit || query >= row_limit ||
                    (causal != 0 && key > query + int64_t(causal_offset));
      if (hidden)
        w.at(i, j) = kNegInf;
    }
}

void attn_online_init(float *m, float *l, float *acc, int32_t tq, int32_t dv) {
  for (int32_t i = 0; i < tq; ++i) {
    m[i] = kNegInf;
    l[i] = 0.0f;
  }
  attn_acc_zero(acc, tq, dv);
}

void attn_softmax_rows(const float *s, float *p, int32_t tq, int32_t tk) {
  for (int32_t i = 0; i < tq; ++i) {
    const float *row = s + int64_t(i) * tk;
    float *out = p + int64_t(i) * tk;
    float largest = rowMax(ConstWindow{s, tk, 0}, i, tk);
    if (largest == kNegInf) {
      for (int32_t j = 0; j < tk; ++j)
        out[j] = 0.0f;
      continue;
    }
    float sum = 0.0f;
    for (int32_t j = 0; j < tk; ++j) {
      out[j] = std::exp(row[j] - largest);
      sum += out[j];
    }
    for (int32_t j = 0; j < tk; ++j)
      out[j] /= sum;
  }
}

void attn_softmax_stats_init(float *m, float *l, int32_t tq) {
  for (int32_t i = 0; i < tq; ++i) {
    m[i] = kNegInf;
    l[i] = 0.0f;
  }
}

void attn_softmax_stats(const float *s, int32_t s_ld, int32_t s_col, float *m,
                        float *l, int32_t tq, int32_t tk) {
  ConstWindow w{s, s_ld, s_col};
  for (int32_t i = 0; i < tq; ++i) {
    float newMax = maxPropagatingNaN(m[i], rowMax(w, i, tk));
    if (newMax == kNegInf)
      continue; // nothing visible yet
    float rowSum = 0.0f;
    for (int32_t j = 0; j < tk; ++j)
      rowSum += std::exp(w.at(i, j) - newMax);
    l[i] = std::exp(m[i] - newMax) * l[i] + rowSum;
    m[i] = newMax;
  }
}

void attn_softmax_normalize(const float *s, int32_t s_ld, int32_t s_col,
                            const float *m, const float *l, float *p,
                            int32_t tq, int32_t tk) {
  ConstWindow w{s, s_ld, s_col};
  for (int32_t i = 0; i < tq; ++i) {
    float *out = p + int64_t(i) * tk;
    for (int32_t j = 0; j < tk; ++j)
      out[j] = m[i] == kNegInf ? 0.0f : std::exp(w.at(i, j) - m[i]) / l[i];
  }
}

void attn_acc_zero(float *acc, int32_t tq, int32_t dv) {
  for (int64_t n = 0, e = int64_t(tq) * dv; n < e; ++n)
    acc[n] = 0.0f;
}

void attn_stream_softmax_init(float *m, float *l, int32_t tq) {
  for (int32_t i = 0; i < tq; ++i) {
    m[i] = kNegInf;
    l[i] = 0.0f;
  }
}

void attn_stream_softmax(const float *s, int32_t s_ld, int32_t s_col, float *p,
                         float *m, float *l, int32_t tq, int32_t tk) {
  ConstWindow w{s, s_ld, s_col};
  float *c = p + int64_t(tq) * tk, *lOut = c + tq;
  for (int32_t i = 0; i < tq; ++i) {
    float newMax = maxPropagatingNaN(m[i], rowMax(w, i, tk));
    float *row = p + int64_t(i) * tk;
    if (newMax == kNegInf) { // nothing visible yet: P = 0, state unchanged
      for (int32_t j = 0; j < tk; ++j)
        row[j] = 0.0f;
      c[i] = 1.0f;
      lOut[i] = l[i];
      continue;
    }
    float correction = std::exp(m[i] - newMax); // 0 when m[i] = -inf
    float rowSum = 0.0f;
    for (int32_t j = 0; j < tk; ++j) {
      row[j] = std::exp(w.at(i, j) - newMax);
      rowSum += row[j];
    }
    l[i] = correction * l[i] + rowSum;
    m[i] = newMax;
    c[i] = correction;
    lOut[i] = l[i];
  }
}

void attn_stream_pv_init(float *acc, float *l, int32_t tq, int32_t dv) {
  attn_acc_zero(acc, tq, dv);
  for (int32_t i = 0; i < tq; ++i)
    l[i] = 0.0f;
}

void attn_copy_window(const float *src, int32_t src_ld, int32_t src_col,
                      float *dst, int32_t tq, int32_t tk) {
  ConstWindow w{src, src_ld, src_col};
  for (int32_t i = 0; i < tq; ++i)
    for (int32_t j = 0; j < tk; ++j)
      dst[int64_t(i) * tk + j] = w.at(i, j);
}

} // extern "C"

void attn_online_merge(float *m, float *l, float *acc, const float *m_in,
                       const float *l_in, const float *acc_in, int32_t tq,
                       int32_t dv) {
  for (int32_t i = 0; i < tq; ++i) {
    float merged = m[i] > m_in[i] ? m[i] : m_in[i];
    if (merged == kNegInf)
      continue;
    float a = std::exp(m[i] - merged), b = std::exp(m_in[i] - merged);
    l[i] = a * l[i] + b * l_in[i];
    float *row = acc + int64_t(i) * dv;
    const float *in = acc_in + int64_t(i) * dv;
    for (int32_t x = 0; x < dv; ++x)
      row[x] = a * row[x] + b * in[x];
    m[i] = merged;
  }
}

// The host's stand-in for the cascade between two cores: one FIFO of f32
// words (the NPU kernels use the cascade put/get intrinsics instead).
static std::deque<float> &hostCascade() {
  static std::deque<float> words;
  return words;
}

void attn_cascade_put(const float *m, const float *l, const float *acc,
                      int32_t tq, int32_t dv) {
  std::deque<float> &c = hostCascade();
  c.insert(c.end(), m, m + tq);
  c.insert(c.end(), l, l + tq);
  c.insert(c.end(), acc, acc + int64_t(tq) * dv);
}

void attn_cascade_merge(float *m, float *l, float *acc, int32_t tq,
                        int32_t dv) {
  std::deque<float> &c = hostCascade();
  size_t n = size_t(2 * tq) + size_t(tq) * size_t(dv);
  if (c.size() < n)
    return; // nothing was put: the host has no neighbour to block on
  float *in = new float[n];
  for (size_t x = 0; x < n; ++x) {
    in[x] = c.front();
    c.pop_front();
  }
  attn_online_merge(m, l, acc, in, in + tq, in + 2 * tq, tq, dv);
  delete[] in;
}
