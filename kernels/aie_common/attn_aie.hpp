//===- attn_aie.hpp - AIE-API attention kernels (AIE2 and AIE2P) -*- C++
//-*-===//
//
// The kernel ABI of kernels/attn_kernels.h (docs/kernels.md) in AIE-API C++,
// shared by kernels/aie2/attn_kernels.cc (npu1) and
// kernels/aie2p/attn_kernels.cc (npu2), which set the generation's choices
// before including this file:
//   ATTN_AIE_LANES       f32 lanes of the element-wise loops (16 / 32)
//   ATTN_MMUL_M/K/N      bf16 matmul block (4x8x4 / 8x8x8)
//   ATTN_AIE_HW_EXP2     1: exp through the exp2 unit (AIE2P, bf16 kernels)
//   ATTN_I8_MMUL_M       int8 matmul rows (4 / 8; K = N = 8), the pilot
//
// ATTN_BFP16=1 (AIE2P only) runs the bf16 matmuls through the block floating
// point path (bfp16ebs8 operands, 8x8x8).
//
// f16 and f32 layers have no matmul datapath of their own on AIE2/AIE2P:
// their matmuls split each operand into ATTN_BF16_SPLITS bf16 terms and sum
// the cross products of total order < splits on the native bf16 matmul
// (f32: 3 terms, 6 passes; f16: 2 terms, 3 passes; the target table's
// numbers, passed as a kernel define). The `*_as_bf16` variants
// (allow-precision-loss) use one term: operands rounded to bf16. f16 data is
// handled as bit patterns (AIE-API has no float16 on AIE2/AIE2P) and
// converted to f32 per element on load and back on store (scalar code).
//
// Tile sizes are compile-time: the object is built per kernel configuration
// with the -D values convert-attn-to-aie records on every kernel declaration
// (`attn.kernel_defines`): ATTN_TQ, ATTN_TK, ATTN_LD, ATTN_D, ATTN_DV,
// ATTN_BF16. The runtime size arguments of the ABI must equal them (checked
// in host builds with ATTN_HOST_CHECKS).
//
// Differences from the scalar specification, all within the documented
// tolerances: exp is a polynomial (AIE2, and f32 kernels) or the AIE2P exp2
// unit with bf16 results; bf16 kernels round P to bf16 before the P·V
// matmul; sums are vector reductions (another summation order). The score
// window passed to online_update / pv_accumulate is used as scratch for P
// (its contents afterwards are unspecified by the ABI).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_AIE_COMMON_ATTN_AIE_HPP
#define ATTN_AIE_COMMON_ATTN_AIE_HPP

#include <aie_api/aie.hpp>
#include <stdint.h>

#if !defined(ATTN_TQ) || !defined(ATTN_TK) || !defined(ATTN_LD) ||             \
    !defined(ATTN_D) || !defined(ATTN_DV)
#error                                                                         \
    "build with -DATTN_TQ= -DATTN_TK= -DATTN_LD= -DATTN_D= -DATTN_DV= (attn.kernel_defines)"
#endif
#ifndef ATTN_BF16
#define ATTN_BF16 1
#endif
#ifndef ATTN_BFP16
#define ATTN_BFP16                                                             \
  0 // AIE2P: bf16 matmuls through the block floating point path
#endif
#if ATTN_BFP16 && ATTN_MMUL_M != 8
#error "ATTN_BFP16 needs AIE2P's 8x8x8 matmul (kernels/aie2p)"
#endif

#ifdef ATTN_HOST_CHECKS
#include <cstdio>
#include <cstdlib>
#define ATTN_EXPECT(cond)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "attn AIE kernel: %s fails (compiled sizes)\n",     \
                   #cond);                                                     \
      std::abort();                                                            \
    }                                                                          \
  } while (0)
#else
#define ATTN_EXPECT(cond) ((void)0)
#endif

/// An IEEE binary16 value as its bit pattern (the ABI's f16 element).
struct attn_f16 {
  uint16_t bits;
};

namespace attn_aie {

constexpr int TQ = ATTN_TQ, TK = ATTN_TK, LD = ATTN_LD, D = ATTN_D,
              DV = ATTN_DV;
constexpr unsigned LANES = ATTN_AIE_LANES;
constexpr unsigned lanesFor(int n) {
  return n % int(LANES) == 0 ? LANES : n % 16 == 0 ? 16u : 8u;
}
constexpr unsigned VK = lanesFor(TK); // lanes over a score window row
constexpr unsigned VL = lanesFor(LD); // lanes over a whole score row
constexpr unsigned VD = lanesFor(DV); // lanes over an output row
static_assert(TK % VK == 0 && LD % VL == 0 && DV % VD == 0,
              "ATTN_TK, ATTN_LD and ATTN_DV must be multiples of 8");
static_assert(LD >= TK, "the score row buffer is at least one window wide");

constexpr float kNegInf = -__builtin_inff();
constexpr float kLog2e = 1.4426950408889634f;

#ifdef ATTN_BF16_SPLITS
constexpr int kSplitsF32 = ATTN_BF16_SPLITS, kSplitsF16 = ATTN_BF16_SPLITS;
#else
constexpr int kSplitsF32 = 3, kSplitsF16 = 2; // the target table's defaults
#endif
static_assert(kSplitsF32 >= 1 && kSplitsF32 <= 3 && kSplitsF16 >= 1 &&
                  kSplitsF16 <= 3,
              "ATTN_BF16_SPLITS must be 1, 2 or 3");

/// Matmul blocks: the generation's native bf16 shape (f16 and f32 matmuls
/// run on it as sums of bf16 terms).
template <typename T> struct Mm {
  static constexpr unsigned M = ATTN_MMUL_M, K = ATTN_MMUL_K, N = ATTN_MMUL_N;
};
template <typename T>
using MMul = aie::mmul<Mm<T>::M, Mm<T>::K, Mm<T>::N, T, T, accfloat>;

/// One matmul step c (+)= a b. With ATTN_BFP16 the bf16 operand blocks are
/// converted to bfp16ebs8 (8 values per shared exponent) and multiplied by
/// AIE2P's bfp16 8x8x8 matmul, whose accumulator is then carried on.
template <typename T, unsigned M, unsigned K, unsigned N>
inline void mmulStep(MMul<T> &c, bool first, const aie::vector<T, M * K> &a,
                     const aie::vector<T, K * N> &b) {
#if ATTN_BFP16
  if constexpr (std::is_same_v<T, bfloat16>) {
    aie::mmul<M, K, N, bfp16ebs8> q(c.to_accum());
    auto qa = aie::accum<accfloat, M * K>(a).template to_vector<bfp16ebs8>();
    auto qb = aie::accum<accfloat, K * N>(b).template to_vector<bfp16ebs8>();
    if (first)
      q.mul(qa, qb);
    else
      q.mac(qa, qb);
    c = MMul<T>(q.to_accum());
    return;
  }
#endif
  if (first)
    c.mul(a, b);
  else
    c.mac(a, b);
}
static_assert(TQ % Mm<bfloat16>::M == 0,
              "ATTN_TQ must be a multiple of the matmul rows");
static_assert(TK % 8 == 0 && D % 8 == 0 && DV % 8 == 0,
              "ATTN_TK, ATTN_D and ATTN_DV must be multiples of 8");

/// R rows of C contiguous elements, row stride ld, as one row-major vector.
template <unsigned R, unsigned C, typename T>
inline aie::vector<T, R * C> loadBlock(const T *p, int ld) {
  aie::vector<T, R * C> v;
  for (unsigned r = 0; r < R; ++r)
    v.insert(r, aie::load_v<C>(p + r * ld));
  return v;
}
template <unsigned R, unsigned C, typename T>
inline void storeBlock(T *p, int ld, const aie::vector<T, R * C> &v) {
  for (unsigned r = 0; r < R; ++r)
    aie::store_v(p + r * ld, v.template extract<C>(r));
}

/// Rows of a matmul result move between accumulator and memory in chunks of
/// at most 1024 bits (a vector register), R = 32 / N rows at a time.
template <unsigned M, unsigned N> constexpr unsigned chunkRows() {
  return M * N <= 32 ? M : 32 / N;
}
template <unsigned M, unsigned N>
inline aie::accum<accfloat, M * N> loadAcc(const float *p, int ld) {
  constexpr unsigned R = chunkRows<M, N>();
  aie::accum<accfloat, M * N> a;
  for (unsigned h = 0; h < M / R; ++h)
    a.insert(h,
             aie::accum<accfloat, R * N>(loadBlock<R, N>(p + h * R * ld, ld)));
  return a;
}
template <unsigned M, unsigned N>
inline void storeAcc(float *p, int ld, const aie::accum<accfloat, M * N> &a,
                     float scale = 1.0f) {
  constexpr unsigned R = chunkRows<M, N>();
  for (unsigned h = 0; h < M / R; ++h) {
    auto part = a.template extract<R * N>(h).template to_vector<float>();
    if (scale != 1.0f)
      part = aie::mul(part, scale).template to_vector<float>();
    storeBlock<R, N>(p + h * R * ld, ld, part);
  }
}

template <unsigned N>
inline aie::vector<float, N> poly(const aie::vector<float, N> &x,
                                  const float *c, int degree) {
  aie::vector<float, N> p = aie::broadcast<float, N>(c[degree]);
  for (int k = degree - 1; k >= 0; --k)
    p = aie::add(aie::mul(p, x), aie::broadcast<float, N>(c[k]))
            .template to_vector<float>();
  return p;
}

/// exp(x) per lane, exactly 0 for x = -inf. Polynomial: x·log2(e) = n + f
/// with n = round(x·log2(e)), |f| <= 1/2, 2^f by its degree-6 Taylor
/// polynomial (relative error < 2e-7), 2^n built in the exponent field.
template <unsigned N>
inline aie::vector<float, N> expPoly(const aie::vector<float, N> &x) {
  static const float c[7] = {1.0f,          0.69314718f,   0.24022651f,
                             0.055504109f,  0.0096181291f, 0.0013333558f,
                             0.00015403530f};
  aie::vector<float, N> t = aie::mul(x, kLog2e).template to_vector<float>();
  aie::mask<N> tiny = aie::lt(t, -126.0f);
  t = aie::max(t, aie::broadcast<float, N>(-126.0f));
  aie::vector<int32_t, N> n =
      aie::to_fixed<int32_t>(aie::add(t, 0.5f), 0); // toward -inf
  aie::vector<float, N> f = aie::sub(t, aie::to_float(n, 0));
  aie::vector<float, N> scale =
      aie::vector_cast<float>(aie::upshift(aie::add(n, int32_t(127)), 23));
  aie::vector<float, N> r =
      aie::mul(poly(f, c, 6), scale).template to_vector<float>();
  return aie::select(r, aie::zeros<float, N>(), tiny);
}

/// exp(x) per lane for the bf16 kernels: AIE2P's exp2 unit with log2(e)
/// folded into its argument (one multiply), or the polynomial.
template <unsigned N>
inline aie::vector<float, N> expFast(const aie::vector<float, N> &x) {
#if ATTN_AIE_HW_EXP2
  aie::vector<float, N> t = aie::mul(x, kLog2e).template to_vector<float>();
  aie::mask<N> tiny = aie::lt(t, -126.0f);
  aie::vector<bfloat16, N> e = aie::exp2<bfloat16>(t);
  aie::vector<float, N> r =
      aie::accum<accfloat, N>(e).template to_vector<float>();
  return aie::select(r, aie::zeros<float, N>(), tiny);
#else
  return expPoly(x);
#endif
}

template <typename T, unsigned N>
inline aie::vector<float, N> expFor(const aie::vector<float, N> &x) {
  if constexpr (std::is_same_v<T, bfloat16>)
    return expFast(x);
  else
    return expPoly(x);
}

template <unsigned N> inline float expScalar(float x) {
  return expPoly(aie::broadcast<float, N>(x))[0];
}

template <typename T, unsigned N>
inline aie::vector<float, N> toFloat(const aie::vector<T, N> &v) {
  if constexpr (std::is_same_v<T, float>)
    return v;
  else
    return aie::accum<accfloat, N>(v).template to_vector<float>();
}
template <typename T, unsigned N>
inline aie::vector<T, N> fromFloat(const aie::vector<float, N> &v) {
  if constexpr (std::is_same_v<T, float>)
    return v;
  else
    return aie::accum<accfloat, N>(v).template to_vector<T>();
}

// --- f16 bit patterns -------------------------------------------------------

/// The f32 value of an f16 bit pattern (exact: f32 holds every f16 value).
inline float f16ToFloat(attn_f16 h) {
  uint32_t sign = uint32_t(h.bits & 0x8000u) << 16;
  uint32_t mag = h.bits & 0x7fffu;
  uint32_t bits;
  if (mag >= 0x7c00u) // inf / NaN: exponent all ones, payload kept
    bits = sign | 0x7f800000u | ((mag & 0x3ffu) << 13);
  else if (mag >= 0x0400u) // normal: rebias the exponent (15 -> 127)
    bits = sign | ((mag << 13) + (112u << 23));
  else { // subnormal or zero: mag * 2^-24
    float v = float(mag) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  float out;
  __builtin_memcpy(&out, &bits, sizeof(out));
  return out;
}

/// f32 -> f16 bit pattern, round to nearest even; overflow gives inf, NaN a
/// quiet NaN, values below the smallest subnormal round to (signed) zero.
inline attn_f16 floatToF16(float f) {
  uint32_t bits;
  __builtin_memcpy(&bits, &f, sizeof(bits));
  uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
  uint32_t mag = bits & 0x7fffffffu;
  if (mag > 0x7f800000u)
    return {uint16_t(sign | 0x7e00u)};
  if (mag >= 0x477ff000u) // >= 65520: rounds past the largest f16
    return {uint16_t(sign | 0x7c00u)};
  if (mag >= 0x38800000u) { // normal f16 (>= 2^-14)
    uint32_t r = mag + 0xfffu + ((mag >> 13) & 1u);
    return {uint16_t(sign | (((r >> 13) - (112u << 10)) & 0x7fffu))};
  }
  if (mag < 0x33000000u) // below half the smallest subnormal (2^-25)
    return {sign};
  // subnormal: the significand (implicit bit set) shifted into 2^-24 units
  uint32_t exp = mag >> 23, sig = (mag & 0x7fffffu) | 0x800000u;
  uint32_t shift = 126u - exp; // 14..24 (value = sig * 2^(exp - 150))
  uint32_t q = sig >> shift, rem = sig & ((1u << shift) - 1u);
  uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u)))
    ++q;
  return {uint16_t(sign | q)};
}

/// N elements of type T at p as f32 lanes (f16: converted per element).
template <unsigned N, typename T>
inline aie::vector<float, N> loadRowF32(const T *p) {
  if constexpr (std::is_same_v<T, attn_f16>) {
    aie::vector<float, N> v;
    for (unsigned i = 0; i < N; ++i)
      v.set(f16ToFloat(p[i]), i);
    return v;
  } else {
    return toFloat(aie::load_v<N>(p));
  }
}
/// N f32 lanes stored as T (bf16 and f16 rounded to nearest even).
template <unsigned N, typename T>
inline void storeRowFrom(T *p, const aie::vector<float, N> &v) {
  if constexpr (std::is_same_v<T, attn_f16>) {
    for (unsigned i = 0; i < N; ++i)
      p[i] = floatToF16(v[i]);
  } else {
    aie::store_v(p, fromFloat<T>(v));
  }
}

// --- f16/f32 matmuls as sums of bf16 terms -----------------------------------

/// Element type P (probabilities) takes before the P·V matmul: bf16 for bf16
/// layers, f32 otherwise (split into bf16 terms by the matmul).
template <typename T>
using PType = std::conditional_t<std::is_same_v<T, bfloat16>, bfloat16, float>;

/// S bf16 terms of R rows of C elements of T (row stride ld): x = t0 + t1 +
/// ... + residual, each term the residual rounded to bf16 (nearest even).
template <int S, unsigned R, unsigned C, typename T>
inline void loadSplit(const T *p, int ld, aie::vector<bfloat16, R * C> *terms) {
  for (unsigned r = 0; r < R; ++r) {
    aie::vector<float, C> x = loadRowF32<C>(p + r * ld);
    for (int t = 0; t < S; ++t) {
      aie::vector<bfloat16, C> part = fromFloat<bfloat16>(x);
      terms[t].insert(r, part);
      if (t + 1 < S) { // residual; inf - inf (a non-finite lane) -> 0
        x = aie::sub(x, toFloat(part));
        x = aie::select(aie::zeros<float, C>(), x, aie::eq(x, x));
      }
    }
  }
}

/// c (+)= a b with a, b given as S bf16 terms each: the products of total
/// order i + j < S (3 of 4 for S = 2, 6 of 9 for S = 3), smallest first.
template <int S, unsigned M, unsigned K, unsigned N>
inline void mmulSplit(MMul<bfloat16> &c, bool first,
                      const aie::vector<bfloat16, M * K> *a,
                      const aie::vector<bfloat16, K * N> *b) {
  for (int order = S - 1; order >= 0; --order)
    for (int i = 0; i <= order; ++i) {
      if (first)
        c.mul(a[i], b[order - i]);
      else
        c.mac(a[i], b[order - i]);
      first = false;
    }
}

// --- kernels --------------------------------------------------------------

/// S window = scale · Q Kᵀ, one M x N block at a time over K-deep slices.
/// S = 0: bf16 operands on the native matmul; S >= 1: operands of T split
/// into S bf16 terms (f16, f32).
template <typename T, int S>
inline void qk(const T *q, const T *k, float *s, int ld, float scale) {
  using B = Mm<bfloat16>;
  for (int i = 0; i < TQ; i += B::M)
    for (int j = 0; j < TK; j += B::N) {
      MMul<bfloat16> c;
      for (int x = 0; x < D; x += B::K) {
        if constexpr (S == 0) {
          auto a = loadBlock<B::M, B::K>(q + i * D + x, D);
          auto kt = loadBlock<B::N, B::K>(k + j * D + x, D); // N keys x K
          auto b = aie::transpose(kt, B::N, B::K);           // K x N
          mmulStep<T, B::M, B::K, B::N>(c, x == 0, a, b);
        } else {
          aie::vector<bfloat16, B::M * B::K> a[S];
          aie::vector<bfloat16, B::N * B::K> kt[S];
          aie::vector<bfloat16, B::K * B::N> b[S];
          loadSplit<S, B::M, B::K>(q + i * D + x, D, a);
          loadSplit<S, B::N, B::K>(k + j * D + x, D, kt);
          for (int t = 0; t < S; ++t)
            b[t] = aie::transpose(kt[t], B::N, B::K);
          mmulSplit<S, B::M, B::K, B::N>(c, x == 0, a, b);
        }
      }
      storeAcc<B::M, B::N>(s + i * ld + j, ld, c.to_accum(), scale);
    }
}

/// The f32 scale stored after the D int8 values of a pilot row.
inline float pilotRowScale(const int8_t *row) {
  float v;
  __builtin_memcpy(&v, row + D, sizeof(v));
  return v;
}

#if ATTN_TQ % ATTN_I8_MMUL_M == 0 // see attn_pilot_qk_i8
/// The shadowAttn pilot: S window = ((f32(int8 Q Kᵀ, exact in acc32) · qs_i)
/// · ks_j) · scale on rows of D int8 values + the f32 scale (row stride
/// D + 4 bytes), one M x 8 block at a time over 8-deep slices (the target's
/// int8 intrinsic).
inline void pilotQK(const int8_t *q, const int8_t *k, float *s, int ld,
                    float scale) {
  constexpr unsigned M = ATTN_I8_MMUL_M, K = 8, N = 8;
  constexpr int RB = D + 4;
  using MMulI8 = aie::mmul<M, K, N, int8_t, int8_t, acc32>;
  static_assert(TQ % M == 0 && TK % N == 0 && D % K == 0,
                "pilot tiles must be multiples of the int8 intrinsic");
  alignas(32) float ks[N];
  for (int j = 0; j < TK; j += N) {
    for (unsigned c = 0; c < N; ++c)
      ks[c] = pilotRowScale(k + (j + c) * RB);
    const aie::vector<float, N> ksv = aie::load_v<N>(ks);
    for (int i = 0; i < TQ; i += M) {
      MMulI8 c;
      for (int x = 0; x < D; x += K) {
        auto a = loadBlock<M, K>(q + i * RB + x, RB);
        auto kt = loadBlock<N, K>(k + j * RB + x, RB); // N keys x K dims
        auto b = aie::transpose(kt, N, K);             // K x N
        if (x == 0)
          c.mul(a, b);
        else
          c.mac(a, b);
      }
      // One row of N lanes at a time (a whole 8x8 int32 block exceeds a
      // 1024-bit vector register).
      const auto dot = c.to_accum();
      for (unsigned r = 0; r < M; ++r) {
        float qs = pilotRowScale(q + (i + r) * RB);
        auto lanes = dot.template extract<N>(r).template to_vector<int32_t>();
        auto row = aie::to_float(lanes, 0);
        row = aie::mul(row, qs).template to_vector<float>();
        row = aie::mul(row, ksv).template to_vector<float>();
        row = aie::mul(row, scale).template to_vector<float>();
        aie::store_v(s + (i + r) * ld + j, row);
      }
    }
  }
}
#endif

/// Query row i sees the key prefix [k0, visible_i): one bound per row
/// (O(rows) scalar work), then whole vectors: kept, filled with -inf, or
/// blended with a lane-index compare at the boundary.
inline void maskPositions(float *s, int ld, int cols, int q0, int k0,
                          int keyLimit, int rowLimit, bool causal,
                          int causalOffset) {
  alignas(64) static const int32_t iota[32] = {
      0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
      16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
  constexpr unsigned V = VK;
  const aie::vector<int32_t, V> lane = aie::load_v<V>(iota);
  const aie::vector<float, V> hidden = aie::broadcast<float, V>(kNegInf);
  for (int i = 0; i < TQ; ++i) {
    int64_t query = int64_t(q0) + i;
    int64_t end = query >= rowLimit ? int64_t(k0) : int64_t(keyLimit);
    if (causal && query + causalOffset + 1 < end)
      end = query + causalOffset + 1;
    int64_t visible = end - k0; // columns [0, visible) stay
    float *row = s + i * ld;
    for (int j = 0; j < cols; j += V) {
      if (j + int64_t(V) <= visible)
        continue;
      if (j >= visible) {
        aie::store_v(row + j, hidden);
        continue;
      }
      auto keep = aie::lt(lane, int32_t(visible - j));
      aie::store_v(row + j, aie::select(hidden, aie::load_v<V>(row + j), keep));
    }
  }
}

/// Applies `op` (S, mask values) to the S window: key-only masks (mld 0)
/// broadcast one value per key over the rows, full masks give the
/// [TQ][TK] tile at `m` (row stride `mld`) element-wise.
template <typename T, typename Op>
inline void maskWindow(float *s, int ld, const T *m, int mld, Op op) {
  constexpr unsigned V = VK;
  for (int j = 0; j < TK; j += V) {
    if (mld == 0) {
      auto mj = loadRowF32<V>(m + j);
      for (int i = 0; i < TQ; ++i)
        aie::store_v(s + i * ld + j, op(aie::load_v<V>(s + i * ld + j), mj));
    } else {
      for (int i = 0; i < TQ; ++i)
        aie::store_v(s + i * ld + j, op(aie::load_v<V>(s + i * ld + j),
                                        loadRowF32<V>(m + i * mld + j)));
    }
  }
}

/// Keep-mask: a 0 hides the score (-inf).
template <typename T>
inline void maskKeep(float *s, int ld, const T *keep, int mld) {
  const auto hidden = aie::broadcast<float, VK>(kNegInf);
  maskWindow(s, ld, keep, mld, [&](auto x, auto k) {
    return aie::select(x, hidden, aie::eq(k, 0.0f));
  });
}

/// Additive mask or bias, added in f32.
template <typename T>
inline void maskAdd(float *s, int ld, const T *add, int mld) {
  maskWindow(s, ld, add, mld, [](auto x, auto a) { return aie::add(x, a); });
}

/// acc[i] *= c for one row.
inline void scaleRow(float *row, float c) {
  for (int x = 0; x < DV; x += VD)
    aie::store_v(
        row + x,
        aie::mul(aie::load_v<VD>(row + x), c).template to_vector<float>());
}

/// acc += P V with P at `p` (row stride pld, element type PType<T>) and V
/// [TK][DV] of T; S as for qk.
template <typename T, int S>
inline void pvMatmul(const PType<T> *p, int pld, const T *v, float *acc) {
  using B = Mm<bfloat16>;
  for (int i = 0; i < TQ; i += B::M)
    for (int j = 0; j < DV; j += B::N) {
      MMul<bfloat16> c(loadAcc<B::M, B::N>(acc + i * DV + j, DV));
      for (int x = 0; x < TK; x += B::K) {
        if constexpr (S == 0) {
          mmulStep<T, B::M, B::K, B::N>(
              c, false, loadBlock<B::M, B::K>(p + i * pld + x, pld),
              loadBlock<B::K, B::N>(v + x * DV + j, DV));
        } else {
          aie::vector<bfloat16, B::M * B::K> a[S];
          aie::vector<bfloat16, B::K * B::N> b[S];
          loadSplit<S, B::M, B::K>(p + i * pld + x, pld, a);
          loadSplit<S, B::K, B::N>(v + x * DV + j, DV, b);
          mmulSplit<S, B::M, B::K, B::N>(c, false, a, b);
        }
      }
      storeAcc<B::M, B::N>(acc + i * DV + j, DV, c.to_accum());
    }
}

/// The largest of the first n (a multiple of V) values of a row.
template <unsigned V> inline float rowMax(const float *row, int n) {
  aie::vector<float, V> mx = aie::load_v<V>(row);
  for (int j = V; j < n; j += V)
    mx = aie::max(mx, aie::load_v<V>(row + j));
  return aie::reduce_max(mx);
}

/// out[j] = exp(row[j] - shift) as f32 for j < n (a multiple of V; bf16
/// layers round through bf16, as onlineUpdate's P); returns their sum.
template <unsigned V>
inline float expRow(const float *row, float *out, int n, float shift) {
  const auto by = aie::broadcast<float, V>(shift);
  aie::vector<float, V> sum = aie::zeros<float, V>();
  for (int j = 0; j < n; j += V) {
#if ATTN_BF16
    aie::vector<float, V> e = toFloat(
        fromFloat<bfloat16>(expFast(aie::sub(aie::load_v<V>(row + j), by))));
#else
    aie::vector<float, V> e = expPoly(aie::sub(aie::load_v<V>(row + j), by));
#endif
    sum = aie::add(sum, e);
    aie::store_v(out + j, e);
  }
  return aie::reduce_add(sum);
}

/// The P of an f32 window row, as the matmul's element type, written over
/// the start of the same row (bf16 P takes half its bytes; a chunk is
/// written only after it was read).
template <typename T> inline T *pRow(float *row) {
  return reinterpret_cast<T *>(row);
}

template <typename T, int S>
inline void onlineUpdate(float *s, int ld, const T *v, float *m, float *l,
                         float *acc) {
  using P = PType<T>;
  constexpr unsigned V = VK;
  for (int i = 0; i < TQ; ++i) {
    float *row = s + i * ld;
    float blockMax = rowMax<V>(row, TK);
    float newMax = m[i] > blockMax ? m[i] : blockMax;
    P *p = pRow<P>(row);
    if (newMax == kNegInf) { // nothing visible yet: P = 0, state unchanged
      for (int j = 0; j < TK; j += V)
        aie::store_v(p + j, aie::zeros<P, V>());
      continue;
    }
    float c = expScalar<V>(m[i] - newMax); // 0 when m[i] = -inf
    aie::vector<float, V> sum = aie::zeros<float, V>();
    const auto shift = aie::broadcast<float, V>(newMax);
    for (int j = 0; j < TK; j += V) {
      aie::vector<P, V> pj =
          fromFloat<P>(expFor<T>(aie::sub(aie::load_v<V>(row + j), shift)));
      sum = aie::add(sum, toFloat(pj));
      aie::store_v(p + j, pj);
    }
    l[i] = c * l[i] + aie::reduce_add(sum);
    m[i] = newMax;
    scaleRow(acc + i * DV, c);
  }
  pvMatmul<T, S>(pRow<P>(s), int(ld * sizeof(float) / sizeof(P)), v, acc);
}

template <typename T, int S>
inline void pvAccumulate(float *p, int ld, const T *v, float *acc) {
  using P = PType<T>;
  if constexpr (!std::is_same_v<P, float>) {
    constexpr unsigned V = VK;
    for (int i = 0; i < TQ; ++i) {
      float *row = p + i * ld;
      for (int j = 0; j < TK; j += V)
        aie::store_v(pRow<P>(row) + j, fromFloat<P>(aie::load_v<V>(row + j)));
    }
  }
  pvMatmul<T, S>(pRow<P>(p), int(ld * sizeof(float) / sizeof(P)), v, acc);
}

/// The softmax core of the stream mapping: onlineUpdate's softmax half on an
/// S window, writing the P block object [TQ][TK] P, [TQ] c, [TQ] l (f32; P
/// rounded through bf16 for bf16 layers, as onlineUpdate's P).
inline void streamSoftmax(const float *s, int ld, float *p, float *m,
                          float *l) {
  constexpr unsigned V = VK;
  float *c = p + TQ * TK, *lOut = c + TQ;
  for (int i = 0; i < TQ; ++i) {
    const float *row = s + i * ld;
    float *out = p + i * TK;
    float blockMax = rowMax<V>(row, TK);
    float newMax = m[i] > blockMax ? m[i] : blockMax;
    if (newMax == kNegInf) { // nothing visible yet: P = 0, state unchanged
      for (int j = 0; j < TK; j += V)
        aie::store_v(out + j, aie::zeros<float, V>());
      c[i] = 1.0f;
      lOut[i] = l[i];
      continue;
    }
    float corr = expScalar<V>(m[i] - newMax); // 0 when m[i] = -inf
    l[i] = corr * l[i] + expRow<V>(row, out, TK, newMax);
    m[i] = newMax;
    c[i] = corr;
    lOut[i] = l[i];
  }
}

/// The PV core of the stream mapping: acc = c acc + P V from a P block
/// object, l = its row sums.
template <typename T, int S>
inline void streamPV(float *p, const T *v, float *acc, float *l) {
  const float *c = p + TQ * TK;
  for (int i = 0; i < TQ; ++i) {
    scaleRow(acc + i * DV, c[i]);
    l[i] = c[TQ + i];
  }
  pvAccumulate<T, S>(p, TK, v, acc);
}

/// Merge a partial state over other keys into (m, l, acc):
/// m' = max(m, m_in), a = e^(m - m'), b = e^(m_in - m'), l = a l + b l_in,
/// acc = a acc + b acc_in; rows with m' = -inf are left unchanged.
inline void onlineMerge(float *m, float *l, float *acc, const float *mIn,
                        const float *lIn, const float *accIn) {
  for (int i = 0; i < TQ; ++i) {
    float merged = m[i] > mIn[i] ? m[i] : mIn[i];
    if (merged == kNegInf) // nothing visible on either side
      continue;
    float a = expScalar<VD>(m[i] - merged); // 0 when m[i] = -inf
    float b = expScalar<VD>(mIn[i] - merged);
    l[i] = a * l[i] + b * lIn[i];
    float *row = acc + i * DV;
    const float *in = accIn + i * DV;
    for (int x = 0; x < DV; x += VD) {
      aie::accum<accfloat, VD> sum = aie::mul(aie::load_v<VD>(row + x), a);
      sum = aie::mac(sum, aie::load_v<VD>(in + x), b);
      aie::store_v(row + x, sum.template to_vector<float>());
    }
    m[i] = merged;
  }
}

/// One cascade word: 512 bits, 16 f32 lanes (AIE2 and AIE2P).
constexpr int kCascadeLanes = 16;
using CascadeWord = aie::vector<float, kCascadeLanes>;

inline void putWord(const CascadeWord &w) {
  put_mcd(aie::vector_cast<int32_t>(w).to_native());
}
inline CascadeWord getWord() {
  return aie::vector_cast<float>(
      aie::vector<int32_t, kCascadeLanes>(get_scd_v16int32()));
}
/// n <= 16 row values as one word (unused lanes zero).
inline CascadeWord rowWord(const float *p, int n) {
  CascadeWord w = aie::zeros<float, kCascadeLanes>();
  for (int x = 0; x < n; ++x) // one value per row: O(rows)
    w.set(p[x], x);
  return w;
}

/// The cascade format of a state, in groups of up to 16 rows: a word of the
/// rows' m, a word of their l, then their acc rows (whole words: the rows of
/// a group hold a multiple of 16 values). A core merging it needs no more
/// than one group's factors in scratch.
inline void cascadePut(const float *m, const float *l, const float *acc) {
  for (int r0 = 0; r0 < TQ; r0 += kCascadeLanes) {
    int rows = TQ - r0 < kCascadeLanes ? TQ - r0 : kCascadeLanes;
    putWord(rowWord(m + r0, rows));
    putWord(rowWord(l + r0, rows));
    for (int f = 0; f < rows * DV; f += kCascadeLanes)
      putWord(aie::load_v<kCascadeLanes>(acc + r0 * DV + f));
  }
}

/// Reads a state as cascadePut wrote it and merges it into (m, l, acc) with
/// onlineMerge's rule (a dead row keeps a = 1, b = 0: acc unchanged).
inline void cascadeMerge(float *m, float *l, float *acc) {
  static_assert(((TQ % kCascadeLanes) * DV) % kCascadeLanes == 0,
                "the rows of every group hold whole cascade words");
  for (int r0 = 0; r0 < TQ; r0 += kCascadeLanes) {
    int rows = TQ - r0 < kCascadeLanes ? TQ - r0 : kCascadeLanes;
    CascadeWord mIn = getWord(), lIn = getWord();
    float a[kCascadeLanes], b[kCascadeLanes];
    for (int x = 0; x < rows; ++x) {
      int i = r0 + x;
      float merged = m[i] > mIn[x] ? m[i] : mIn[x];
      a[x] = 1.0f;
      b[x] = 0.0f;
      if (merged == kNegInf) // nothing visible on either side
        continue;
      a[x] = expScalar<VD>(m[i] - merged); // 0 when m[i] = -inf
      b[x] = expScalar<VD>(mIn[x] - merged);
      l[i] = a[x] * l[i] + b[x] * lIn[x];
      m[i] = merged;
    }
    float *out = acc + r0 * DV;
    for (int f = 0; f < rows * DV; f += kCascadeLanes) {
      CascadeWord in = getWord();
      CascadeWord own = aie::load_v<kCascadeLanes>(out + f);
      int row = f / DV;
      if (DV % kCascadeLanes == 0) { // the word lies in one row
        aie::accum<accfloat, kCascadeLanes> sum = aie::mul(own, a[row]);
        aie::store_v(out + f,
                     aie::mac(sum, in, b[row]).template to_vector<float>());
        continue;
      }
      CascadeWord fa, fb; // the word spans two rows: per-lane factors
      for (int x = 0; x < kCascadeLanes; ++x) {
        fa.set(a[(f + x) / DV], x);
        fb.set(b[(f + x) / DV], x);
      }
      aie::accum<accfloat, kCascadeLanes> sum = aie::mul(own, fa);
      sum = aie::add(sum, aie::mul(in, fb).template to_vector<float>());
      aie::store_v(out + f, sum.template to_vector<float>());
    }
  }
}

template <typename T>
inline void finalize(const float *acc, const float *l, T *o) {
  for (int i = 0; i < TQ; ++i) {
    float inv = l[i] > 0.0f ? 1.0f / l[i] : 0.0f; // one division per row
    for (int x = 0; x < DV; x += VD) {
      aie::vector<float, VD> a =
          l[i] > 0.0f ? aie::mul(aie::load_v<VD>(acc + i * DV + x), inv)
                            .template to_vector<float>()
                      : aie::zeros<float, VD>();
      storeRowFrom(o + i * DV + x, a);
    }
  }
}

template <typename T>
inline void storeTile(const float *acc, T *o, int q0, int rowLimit) {
  for (int i = 0; i < TQ; ++i) {
    bool padded = int64_t(q0) + i >= rowLimit; // one compare per row
    for (int x = 0; x < DV; x += VD)
      storeRowFrom(o + i * DV + x, padded ? aie::zeros<float, VD>()
                                          : aie::load_v<VD>(acc + i * DV + x));
  }
}

inline void fill(float *p, int n, float value) {
  constexpr unsigned V = 8;
  int j = 0;
  for (; j + int(V) <= n; j += V)
    aie::store_v(p + j, aie::broadcast<float, V>(value));
  for (; j < n; ++j) // TQ need not be a multiple of 8: O(rows) tail
    p[j] = value;
}

inline void softmaxRows(const float *s, float *p) {
  constexpr unsigned V = VL;
  for (int i = 0; i < TQ; ++i) {
    const float *row = s + i * LD;
    float *out = p + i * LD;
    float largest = rowMax<V>(row, LD);
    if (largest == kNegInf) {
      fill(out, LD, 0.0f);
      continue;
    }
    float inv = 1.0f / expRow<V>(row, out, LD, largest);
    for (int j = 0; j < LD; j += V)
      aie::store_v(
          out + j,
          aie::mul(aie::load_v<V>(out + j), inv).template to_vector<float>());
  }
}

} // namespace attn_aie

// --- the C ABI of kernels/attn_kernels.h ------------------------------------

#define ATTN_SIZES(tq_, tk_, d_)                                               \
  ATTN_EXPECT((tq_) == attn_aie::TQ);                                          \
  ATTN_EXPECT((tk_) == attn_aie::TK);                                          \
  ATTN_EXPECT((d_) == attn_aie::D)

extern "C" {

#define ATTN_TYPED(sfx, T, S)                                                  \
  void attn_qk_##sfx(const T *q, const T *k, int32_t k_off, float *s,          \
                     int32_t s_ld, int32_t s_col, int32_t tq, int32_t tk,      \
                     int32_t d, float scale) {                                 \
    ::aie::set_rounding(::aie::rounding_mode::conv_even);                      \
    ATTN_SIZES(tq, tk, d);                                                     \
    attn_aie::qk<T, S>(q, k + k_off, s + s_col, s_ld, scale);                  \
  }                                                                            \
  void attn_mask_keep_keys_##sfx(float *s, int32_t s_ld, int32_t s_col,        \
                                 const T *keep, int32_t off, int32_t tq,       \
                                 int32_t tk) {                                 \
    ATTN_SIZES(tq, tk, attn_aie::D);                                           \
    attn_aie::maskKeep(s + s_col, s_ld, keep + off, 0);                        \
  }                                                                            \
  void attn_mask_add_keys_##sfx(float *s, int32_t s_ld, int32_t s_col,         \
                                const T *add, int32_t off, int32_t tq,         \
                                int32_t tk) {                                  \
    ATTN_SIZES(tq, tk, attn_aie::D);                                           \
    attn_aie::maskAdd(s + s_col, s_ld, add + off, 0);                          \
  }                                                                            \
  void attn_mask_keep_tile_##sfx(float *s, int32_t s_ld, int32_t s_col,        \
                                 const T *keep, int32_t off, int32_t m_ld,     \
                                 int32_t tq, int32_t tk) {                     \
    ATTN_SIZES(tq, tk, attn_aie::D);                                           \
    attn_aie::maskKeep(s + s_col, s_ld, keep + off, m_ld);                     \
  }                                                                            \
  void attn_mask_add_tile_##sfx(float *s, int32_t s_ld, int32_t s_col,         \
                                const T *add, int32_t off, int32_t m_ld,       \
                                int32_t tq, int32_t tk) {                      \
    ATTN_SIZES(tq, tk, attn_aie::D);                                           \
    attn_aie::maskAdd(s + s_col, s_ld, add + off, m_ld);                       \
  }                                                                            \
  void attn_online_update_##sfx(                                               \
      const float *s, int32_t s_ld, int32_t s_col, const T *v, int32_t v_off,  \
      float *m, float *l, float *acc, int32_t tq, int32_t tk, int32_t dv) {    \
    ::aie::set_rounding(::aie::rounding_mode::conv_even);                      \
    ATTN_SIZES(tq, tk, attn_aie::D);                                           \
    ATTN_EXPECT(dv == attn_aie::DV);                                           \
    attn_aie::onlineUpdate<T, S>(const_cast<float *>(s) + s_col, s_ld,         \
                                 v + v_off, m, l, acc);                        \
  }                                                                            \
  void attn_finalize_##sfx(const float *acc, const float *l, T *o, int32_t tq, \
                           int32_t dv) {                                       \
    ::aie::set_rounding(::aie::rounding_mode::conv_even);                      \
    ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);                     \
    attn_aie::finalize(acc, l, o);                                             \
  }                                                                            \
  void attn_pv_accumulate_##sfx(const float *p, int32_t p_ld, int32_t p_col,   \
                                const T *v, int32_t v_off, float *acc,         \
                                int32_t tq, int32_t tk, int32_t dv) {          \
    ::aie::set_rounding(::aie::rounding_mode::conv_even);                      \
    ATTN_SIZES(tq, tk, attn_aie::D);                                           \
    ATTN_EXPECT(dv == attn_aie::DV);                                           \
    attn_aie::pvAccumulate<T, S>(const_cast<float *>(p) + p_col, p_ld,         \
                                 v + v_off, acc);                              \
  }                                                                            \
  void attn_stream_pv_##sfx(const float *p, const T *v, int32_t v_off,         \
                            float *acc, float *l, int32_t tq, int32_t tk,      \
                            int32_t dv) {                                      \
    ::aie::set_rounding(::aie::rounding_mode::conv_even);                      \
    ATTN_SIZES(tq, tk, attn_aie::D);                                           \
    ATTN_EXPECT(dv == attn_aie::DV);                                           \
    attn_aie::streamPV<T, S>(const_cast<float *>(p), v + v_off, acc, l);       \
  }                                                                            \
  void attn_store_##sfx(const float *acc, T *o, int32_t q0, int32_t row_limit, \
                        int32_t tq, int32_t dv) {                              \
    ::aie::set_rounding(::aie::rounding_mode::conv_even);                      \
    ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);                     \
    attn_aie::storeTile(acc, o, q0, row_limit);                                \
  }

ATTN_TYPED(bf16, bfloat16, 0)
ATTN_TYPED(f32, float, attn_aie::kSplitsF32)
ATTN_TYPED(f16, attn_f16, attn_aie::kSplitsF16)
ATTN_TYPED(f32_as_bf16, float, 1)
ATTN_TYPED(f16_as_bf16, attn_f16, 1)
#undef ATTN_TYPED

// The pilot exists only for tiles of whole int8 intrinsics (AIE2P: 8 rows);
// an attention object built for smaller query tiles (decode: 4 rows on the
// native bf16 4x8x8) leaves it out.
#if ATTN_TQ % ATTN_I8_MMUL_M == 0
void attn_pilot_qk_i8(const int8_t *q, const int8_t *k, int32_t k_off, float *s,
                      int32_t s_ld, int32_t s_col, int32_t tq, int32_t tk,
                      int32_t d, float scale) {
  ATTN_SIZES(tq, tk, d);
  attn_aie::pilotQK(q, k + k_off, s + s_col, s_ld, scale);
}
#endif

void attn_mask_positions(float *s, int32_t s_ld, int32_t s_col, int32_t tq,
                         int32_t tk, int32_t q0, int32_t k0, int32_t key_limit,
                         int32_t row_limit, int32_t causal,
                         int32_t causal_offset) {
  ATTN_SIZES(tq, tk, attn_aie::D);
  attn_aie::maskPositions(s + s_col, s_ld, tk, q0, k0, key_limit, row_limit,
                          causal != 0, causal_offset);
}

void attn_online_init(float *m, float *l, float *acc, int32_t tq, int32_t dv) {
  ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);
  attn_aie::fill(m, attn_aie::TQ, attn_aie::kNegInf);
  attn_aie::fill(l, attn_aie::TQ, 0.0f);
  attn_aie::fill(acc, attn_aie::TQ * attn_aie::DV, 0.0f);
}

void attn_online_merge(float *m, float *l, float *acc, const float *m_in,
                       const float *l_in, const float *acc_in, int32_t tq,
                       int32_t dv) {
  ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);
  attn_aie::onlineMerge(m, l, acc, m_in, l_in, acc_in);
}

// Cascade chains (kv_split > 1): a core passes its state (m [TQ], l [TQ],
// acc [TQ][DV], f32) down the chain as 512-bit cascade words; the core below
// merges them as they arrive (docs/kernels.md, "Cascade kernels").
void attn_cascade_put(const float *m, const float *l, const float *acc,
                      int32_t tq, int32_t dv) {
  ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);
  attn_aie::cascadePut(m, l, acc);
}

void attn_cascade_merge(float *m, float *l, float *acc, int32_t tq,
                        int32_t dv) {
  ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);
  attn_aie::cascadeMerge(m, l, acc);
}

#ifdef ATTN_HOST_CHECKS
/// Host build only: cascade words put and not yet read, and gets that found
/// the cascade empty (the tests check a put / merge pair leaves neither).
void attn_host_cascade_state(int64_t *pending, int64_t *underflows) {
  *pending = int64_t(aie::detail::cascadeWords().size());
  *underflows = aie::detail::cascadeUnderflows();
}
#endif

void attn_acc_zero(float *acc, int32_t tq, int32_t dv) {
  ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);
  attn_aie::fill(acc, attn_aie::TQ * attn_aie::DV, 0.0f);
}

void attn_softmax_rows(const float *s, float *p, int32_t tq, int32_t tk) {
  ::aie::set_rounding(::aie::rounding_mode::conv_even);
  ATTN_EXPECT(tq == attn_aie::TQ && tk == attn_aie::LD);
  attn_aie::softmaxRows(s, p);
}

void attn_stream_softmax_init(float *m, float *l, int32_t tq) {
  ATTN_EXPECT(tq == attn_aie::TQ);
  attn_aie::fill(m, attn_aie::TQ, attn_aie::kNegInf);
  attn_aie::fill(l, attn_aie::TQ, 0.0f);
}

void attn_stream_softmax(const float *s, int32_t s_ld, int32_t s_col, float *p,
                         float *m, float *l, int32_t tq, int32_t tk) {
  ::aie::set_rounding(::aie::rounding_mode::conv_even);
  ATTN_SIZES(tq, tk, attn_aie::D);
  attn_aie::streamSoftmax(s + s_col, s_ld, p, m, l);
}

void attn_stream_pv_init(float *acc, float *l, int32_t tq, int32_t dv) {
  ATTN_EXPECT(tq == attn_aie::TQ && dv == attn_aie::DV);
  attn_aie::fill(acc, attn_aie::TQ * attn_aie::DV, 0.0f);
  attn_aie::fill(l, attn_aie::TQ, 0.0f);
}

void attn_copy_window(const float *src, int32_t src_ld, int32_t src_col,
                      float *dst, int32_t tq, int32_t tk) {
  ATTN_SIZES(tq, tk, attn_aie::D);
  constexpr unsigned V = attn_aie::VK;
  for (int i = 0; i < attn_aie::TQ; ++i)
    for (int j = 0; j < attn_aie::TK; j += V)
      aie::store_v(dst + i * attn_aie::TK + j,
                   aie::load_v<V>(src + i * src_ld + src_col + j));
}

} // extern "C"

#endif // ATTN_AIE_COMMON_ATTN_AIE_HPP
