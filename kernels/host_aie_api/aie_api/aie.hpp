//===- aie_api/aie.hpp - host implementation of an AIE-API subset -*- C++ -*-//
//
// Exactly the part of AMD's AIE-API that kernels/aie2 and kernels/aie2p use,
// implemented with plain C++ so the same kernel sources build and run on the
// host (there is no Peano/Chess in this project). It models values, not
// timing or register pressure: vectors are arrays, accumulators are f32 lanes
// (`accfloat`), `mmul` is the block product the hardware computes. Target
// rules the kernels must respect are checked at compile time from
// __AIE_ARCH__ (20: AIE2/npu1, 21: AIE2P/npu2), which the host build defines
// the way the NPU compilers predefine it:
//   - vectors are at most 1024 bits;
//   - bf16 `mmul` shapes: 4x8x4 on AIE2, 8x8x8 on AIE2P; f32 `mmul`: 4x8x4;
//     bfp16ebs8 (`block_vector`) `mmul`: 8x8x8 on AIE2P only;
//   - `exp2` exists on AIE2P only (AIE2 has no exp unit);
//   - int8 `mmul` (`acc32` accumulator, exact 32-bit integer lanes): 4x8x8
//     on AIE2, 8x8x8 on AIE2P.
// Numerics: float -> bf16 conversions round as set by `set_rounding`
// (conv_even: nearest-even, the kernels' choice; floor: toward -inf);
// `exp2<bfloat16>` is exp2f rounded to bf16 (the hardware's own error, a
// lookup-table approximation, is not modeled); `to_fixed` rounds toward
// -inf like the floor mode. Cascade: `put_mcd(v16int32)` and
// `get_scd_v16int32()` (one 512-bit word, the cascade width of AIE2 and
// AIE2P) go through one in-process FIFO standing in for the core-to-core
// cascade stream, so a put followed by a get moves the words as two
// neighbouring cores would; a get on an empty FIFO (on the hardware: a core
// stalled on a neighbour that never writes) returns zeros and is counted in
// aie::detail::cascadeUnderflows(). See docs/kernels.md.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_HOST_AIE_API_AIE_HPP
#define ATTN_HOST_AIE_API_AIE_HPP

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <type_traits>

#ifndef __AIE_ARCH__
#error "host AIE-API: define __AIE_ARCH__ (20 = AIE2/npu1, 21 = AIE2P/npu2)"
#endif

/// bf16 as its bit pattern.
struct bfloat16 {
  uint16_t bits = 0;
  bfloat16() = default;
  bfloat16(float f); // nearest-even
  operator float() const {
    uint32_t wide = uint32_t(bits) << 16;
    float out;
    std::memcpy(&out, &wide, sizeof(out));
    return out;
  }
};

/// Accumulator lane tags: f32 accumulation; 32-bit integer accumulation
/// (int8 x int8 matmuls).
struct accfloat {};
struct acc32 {};

/// Block floating point (AIE2P): blocks of 8 values sharing one 8-bit
/// exponent, each with an 8-bit signed mantissa. Only as the element type of
/// aie::block_vector and of the bfp16 mmul.
struct bfp16ebs8 {};

/// The compilers' native 512-bit vector of 16 int32 lanes (what
/// aie::vector<int32_t, 16>::to_native() gives and the cascade moves).
struct v16int32 {
  std::array<int32_t, 16> lanes{};
};

namespace aie {

enum class rounding_mode { floor, conv_even };

namespace detail {
inline rounding_mode &rounding() {
  static rounding_mode mode = rounding_mode::floor; // the hardware's reset
  return mode;
}
inline uint16_t toBf16(float value, rounding_mode mode) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (std::isnan(value))
    return uint16_t((bits >> 16) | 0x40);
  if (mode == rounding_mode::conv_even)
    return uint16_t((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
  // toward -inf: truncating the magnitude rounds negatives up, so bump them
  uint16_t hi = uint16_t(bits >> 16);
  if ((bits & 0xFFFF) && (bits >> 31) && !std::isinf(value))
    ++hi;
  return hi;
}
template <typename T> constexpr unsigned bits() { return 8 * sizeof(T); }
template <typename Tag>
using lane_t = std::conditional_t<std::is_same_v<Tag, acc32>, int32_t, float>;
} // namespace detail

inline void set_rounding(rounding_mode mode) { detail::rounding() = mode; }

template <typename T, unsigned N> class vector {
  static_assert(N > 0 && detail::bits<T>() * N <= 1024,
                "AIE vectors hold at most 1024 bits");
  std::array<T, N> lanes{};

public:
  using value_type = T;
  vector() = default;
  /// From / to the native 512-bit int32 vector (int32 x 16 only).
  template <typename U = T,
            std::enable_if_t<std::is_same_v<U, int32_t> && N == 16, int> = 0>
  vector(const v16int32 &native) {
    for (unsigned i = 0; i < N; ++i)
      lanes[i] = native.lanes[i];
  }
  template <typename U = T,
            std::enable_if_t<std::is_same_v<U, int32_t> && N == 16, int> = 0>
  v16int32 to_native() const {
    v16int32 out;
    for (unsigned i = 0; i < N; ++i)
      out.lanes[i] = lanes[i];
    return out;
  }
  static constexpr unsigned size() { return N; }
  T get(unsigned i) const { return lanes[i]; }
  T operator[](unsigned i) const { return lanes[i]; }
  void set(T value, unsigned i) { lanes[i] = value; }
  template <unsigned M> vector<T, M> extract(unsigned idx) const {
    static_assert(N % M == 0, "extract: sub-vector size must divide N");
    vector<T, M> out;
    for (unsigned i = 0; i < M; ++i)
      out.set(lanes[idx * M + i], i);
    return out;
  }
  template <unsigned M> vector &insert(unsigned idx, const vector<T, M> &v) {
    static_assert(N % M == 0, "insert: sub-vector size must divide N");
    for (unsigned i = 0; i < M; ++i)
      lanes[idx * M + i] = v[i];
    return *this;
  }
};

template <unsigned N> class mask {
  std::array<bool, N> lanes{};

public:
  bool test(unsigned i) const { return lanes[i]; }
  void set(unsigned i, bool v = true) { lanes[i] = v; }
};

/// bfp16ebs8 values, 8 per shared exponent, in element order. Converting
/// from f32 picks, per block, the exponent that puts the largest magnitude
/// in [64, 128) and rounds mantissas to nearest-even (clamped to +-127); an
/// all-zero block is zero.
template <typename T, unsigned N> class block_vector {
  static_assert(std::is_same_v<T, bfp16ebs8>, "block_vector<bfp16ebs8, N>");
  static_assert(N % 8 == 0, "whole blocks of 8");
#if __AIE_ARCH__ < 21
  static_assert(N == 0, "bfp16 exists on AIE2P only");
#endif
  std::array<int8_t, N> mant{};
  std::array<int, N / 8> exps{};

public:
  static constexpr unsigned size() { return N; }
  float get(unsigned i) const {
    return std::ldexp(float(mant[i]), exps[i / 8]);
  }
  static block_vector quantize(const float *v) {
    block_vector out;
    for (unsigned blk = 0; blk < N / 8; ++blk) {
      float big = 0.0f;
      for (unsigned i = 0; i < 8; ++i)
        big = std::fmax(big, std::fabs(v[blk * 8 + i]));
      int e = big > 0.0f ? std::ilogb(big) - 6 : 0;
      out.exps[blk] = e;
      for (unsigned i = 0; i < 8; ++i) {
        float m = std::nearbyint(std::ldexp(v[blk * 8 + i], -e));
        out.mant[blk * 8 + i] = int8_t(m > 127.0f    ? 127.0f
                                       : m < -127.0f ? -127.0f
                                                     : m);
      }
    }
    return out;
  }
};

template <typename Tag, unsigned N> class accum {
  static_assert(std::is_same_v<Tag, accfloat> || std::is_same_v<Tag, acc32>,
                "only accfloat and acc32 accumulators");
  static_assert(32 * N <= 2048, "AIE accumulators hold at most 2048 bits");
  using lane = detail::lane_t<Tag>;
  std::array<lane, N> lanes{};

public:
  static constexpr unsigned size() { return N; }
  accum() = default;
  template <typename T> explicit accum(const vector<T, N> &v) {
    from_vector(v);
  }
  lane get(unsigned i) const { return lanes[i]; }
  void set(lane v, unsigned i) { lanes[i] = v; }
  template <unsigned M> accum<Tag, M> extract(unsigned idx) const {
    static_assert(N % M == 0, "extract: sub-accumulator size must divide N");
    accum<Tag, M> out;
    for (unsigned i = 0; i < M; ++i)
      out.set(lanes[idx * M + i], i);
    return out;
  }
  template <unsigned M> accum &insert(unsigned idx, const accum<Tag, M> &a) {
    static_assert(N % M == 0, "insert: sub-accumulator size must divide N");
    for (unsigned i = 0; i < M; ++i)
      lanes[idx * M + i] = a.get(i);
    return *this;
  }
  template <typename T> accum &from_vector(const vector<T, N> &v) {
    for (unsigned i = 0; i < N; ++i)
      lanes[i] = lane(v[i]);
    return *this;
  }
  template <typename T> auto to_vector() const {
    if constexpr (std::is_same_v<Tag, acc32>) {
      static_assert(std::is_same_v<T, int32_t>, "acc32 -> int32 vectors");
      vector<int32_t, N> out;
      for (unsigned i = 0; i < N; ++i)
        out.set(lanes[i], i);
      return out;
    } else if constexpr (std::is_same_v<T, bfp16ebs8>) {
      return block_vector<bfp16ebs8, N>::quantize(lanes.data());
    } else {
      return toPlainVector<T>();
    }
  }

private:
  template <typename T> vector<T, N> toPlainVector() const {
    vector<T, N> out;
    for (unsigned i = 0; i < N; ++i) {
      if constexpr (std::is_same_v<T, bfloat16>) {
        bfloat16 b;
        b.bits = detail::toBf16(lanes[i], detail::rounding());
        out.set(b, i);
      } else {
        static_assert(std::is_same_v<T, float>, "accfloat -> float or bf16");
        out.set(lanes[i], i);
      }
    }
    return out;
  }
};

// --- memory -------------------------------------------------------------

template <unsigned N, typename T>
vector<std::remove_const_t<T>, N> load_v(T *p) {
  vector<std::remove_const_t<T>, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(p[i], i);
  return out;
}
template <typename T, unsigned N> void store_v(T *p, const vector<T, N> &v) {
  for (unsigned i = 0; i < N; ++i)
    p[i] = v[i];
}

template <typename T, unsigned N> vector<T, N> broadcast(T value) {
  vector<T, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(value, i);
  return out;
}
template <typename T, unsigned N> vector<T, N> zeros() {
  return broadcast<T, N>(T(0.0f));
}

// --- element-wise -------------------------------------------------------

namespace detail {
template <typename T, unsigned N, typename F>
vector<T, N> map2(const vector<T, N> &a, const vector<T, N> &b, F f) {
  vector<T, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(T(f(a[i], b[i])), i);
  return out;
}
} // namespace detail

template <typename T, unsigned N>
vector<T, N> add(const vector<T, N> &a, const vector<T, N> &b) {
  return detail::map2(a, b, [](T x, T y) { return x + y; });
}
template <typename T, unsigned N> vector<T, N> add(const vector<T, N> &a, T b) {
  return add(a, broadcast<T, N>(b));
}
template <typename T, unsigned N>
vector<T, N> sub(const vector<T, N> &a, const vector<T, N> &b) {
  return detail::map2(a, b, [](T x, T y) { return x - y; });
}
template <typename T, unsigned N>
vector<T, N> max(const vector<T, N> &a, const vector<T, N> &b) {
  // like fmax: a NaN lane loses to a number
  return detail::map2(a, b, [](T x, T y) { return T(std::fmax(x, y)); });
}
template <typename T, unsigned N>
vector<T, N> upshift(const vector<T, N> &a, unsigned shift) {
  static_assert(std::is_integral_v<T>, "upshift: integer vectors");
  vector<T, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(T(uint32_t(a[i]) << shift), i);
  return out;
}

/// Products go to an accumulator (f32 lanes).
template <typename T, unsigned N>
accum<accfloat, N> mul(const vector<T, N> &a, const vector<T, N> &b) {
  accum<accfloat, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(float(a[i]) * float(b[i]), i);
  return out;
}
template <typename T, unsigned N>
accum<accfloat, N> mul(const vector<T, N> &a, T b) {
  return mul(a, broadcast<T, N>(b));
}
template <typename T, unsigned N>
accum<accfloat, N> mac(const accum<accfloat, N> &acc, const vector<T, N> &a,
                       T b) {
  accum<accfloat, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(acc.get(i) + float(a[i]) * float(b), i);
  return out;
}
template <typename T, unsigned N>
accum<accfloat, N> add(const accum<accfloat, N> &acc, const vector<T, N> &b) {
  accum<accfloat, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(acc.get(i) + float(b[i]), i);
  return out;
}
template <typename T, unsigned N>
accum<accfloat, N> sub(const accum<accfloat, N> &acc, const vector<T, N> &b) {
  accum<accfloat, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(acc.get(i) - float(b[i]), i);
  return out;
}

template <typename T, unsigned N> T reduce_max(const vector<T, N> &v) {
  T out = v[0];
  for (unsigned i = 1; i < N; ++i)
    out = T(std::fmax(out, v[i]));
  return out;
}
template <typename T, unsigned N> T reduce_add(const vector<T, N> &v) {
  static_assert((N & (N - 1)) == 0, "reduce_add: power-of-two lanes");
  std::array<float, N> work; // pairwise, as a reduction tree adds
  for (unsigned i = 0; i < N; ++i)
    work[i] = float(v[i]);
  for (unsigned width = N; width > 1; width /= 2)
    for (unsigned i = 0; i < width / 2; ++i)
      work[i] += work[i + width / 2];
  return T(work[0]);
}

// --- comparisons and selection -----------------------------------------

template <typename T, unsigned N> mask<N> lt(const vector<T, N> &a, T b) {
  mask<N> m;
  for (unsigned i = 0; i < N; ++i)
    m.set(i, a[i] < b);
  return m;
}
template <typename T, unsigned N> mask<N> eq(const vector<T, N> &a, T b) {
  mask<N> m;
  for (unsigned i = 0; i < N; ++i)
    m.set(i, a[i] == b);
  return m;
}
template <typename T, unsigned N>
mask<N> eq(const vector<T, N> &a, const vector<T, N> &b) {
  mask<N> m;
  for (unsigned i = 0; i < N; ++i)
    m.set(i, a[i] == b[i]);
  return m;
}
/// Lane i is b[i] where m is set, a[i] elsewhere.
template <typename T, unsigned N>
vector<T, N> select(const vector<T, N> &a, const vector<T, N> &b,
                    const mask<N> &m) {
  vector<T, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(m.test(i) ? b[i] : a[i], i);
  return out;
}

// --- conversions ----------------------------------------------------------

template <typename To, typename From, unsigned N>
vector<To, N> vector_cast(const vector<From, N> &v) {
  static_assert(sizeof(To) == sizeof(From), "vector_cast keeps the bits");
  vector<To, N> out;
  for (unsigned i = 0; i < N; ++i) {
    From x = v[i];
    To y;
    std::memcpy(&y, &x, sizeof(y));
    out.set(y, i);
  }
  return out;
}
/// float -> int32 scaled by 2^shift, rounded toward -inf.
template <typename To, unsigned N>
vector<To, N> to_fixed(const vector<float, N> &v, int shift = 0) {
  static_assert(std::is_same_v<To, int32_t>, "to_fixed: int32 lanes");
  vector<To, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(To(std::floor(std::ldexp(v[i], shift))), i);
  return out;
}
template <unsigned N>
vector<float, N> to_float(const vector<int32_t, N> &v, int shift = 0) {
  vector<float, N> out;
  for (unsigned i = 0; i < N; ++i)
    out.set(std::ldexp(float(v[i]), -shift), i);
  return out;
}

/// Row-major rows x cols -> cols x rows.
template <typename T, unsigned N>
vector<T, N> transpose(const vector<T, N> &v, unsigned rows, unsigned cols) {
  vector<T, N> out;
  for (unsigned r = 0; r < rows; ++r)
    for (unsigned c = 0; c < cols; ++c)
      out.set(v[r * cols + c], c * rows + r);
  return out;
}

#if __AIE_ARCH__ >= 21
/// 2^x per lane (AIE2P's exp unit), bf16 results.
template <typename T, unsigned N> vector<T, N> exp2(const vector<float, N> &x) {
  static_assert(std::is_same_v<T, bfloat16>, "exp2 produces bf16");
  vector<T, N> out;
  for (unsigned i = 0; i < N; ++i) {
    bfloat16 b;
    b.bits = detail::toBf16(std::exp2(x[i]), rounding_mode::conv_even);
    out.set(b, i);
  }
  return out;
}
#endif

// --- matrix multiply --------------------------------------------------------

namespace detail {
template <unsigned M, unsigned K, unsigned N, typename TA, typename TB>
constexpr bool supportedMmul() {
  // AIE2P: 4x8x8 is the native bf16 shape (the target table's npu2
  // intrinsic), 8x8x8 the one its bfp16 emulation path pairs with.
  if constexpr (std::is_same_v<TA, bfloat16> && std::is_same_v<TB, bfloat16>)
    return __AIE_ARCH__ >= 21 ? ((M == 4 || M == 8) && K == 8 && N == 8)
                              : (M == 4 && K == 8 && N == 4);
  if constexpr (std::is_same_v<TA, float> && std::is_same_v<TB, float>)
    return M == 4 && K == 8 && N == 4;
  if constexpr (std::is_same_v<TA, bfp16ebs8> && std::is_same_v<TB, bfp16ebs8>)
    return __AIE_ARCH__ >= 21 && M == 8 && K == 8 && N == 8;
  if constexpr (std::is_same_v<TA, int8_t> && std::is_same_v<TB, int8_t>)
    return __AIE_ARCH__ >= 21 ? (M == 8 && K == 8 && N == 8)
                              : (M == 4 && K == 8 && N == 8);
  return false;
}
template <typename T, unsigned N>
using operand_t = std::conditional_t<std::is_same_v<T, bfp16ebs8>,
                                     block_vector<T, N>, vector<T, N>>;
} // namespace detail

/// C[M][N] (+)= A[M][K] B[K][N], operands row-major vectors (block vectors
/// for bfp16ebs8: A's blocks run along K, B's along N).
template <unsigned M, unsigned K, unsigned N, typename TA, typename TB = TA,
          typename TAcc = accfloat>
class mmul {
  static_assert(detail::supportedMmul<M, K, N, TA, TB>(),
                "mmul shape/type not supported by this AIE generation");
  static_assert(std::is_same_v<TAcc, acc32> == std::is_same_v<TA, int8_t>,
                "int8 matmuls accumulate in acc32, the others in accfloat");
  accum<TAcc, M * N> c;

public:
  mmul() = default;
  explicit mmul(const accum<TAcc, M * N> &init) : c(init) {}
  using A = detail::operand_t<TA, M * K>;
  using B = detail::operand_t<TB, K * N>;
  void mul(const A &a, const B &b) {
    c = accum<TAcc, M * N>();
    mac(a, b);
  }
  void mac(const A &a, const B &b) {
    for (unsigned i = 0; i < M; ++i)
      for (unsigned j = 0; j < N; ++j) {
        using L = detail::lane_t<TAcc>;
        L sum = c.get(i * N + j);
        for (unsigned x = 0; x < K; ++x)
          sum += L(a.get(i * K + x)) * L(b.get(x * N + j));
        c.set(sum, i * N + j);
      }
  }
  template <typename T> vector<T, M * N> to_vector() const {
    return c.template to_vector<T>();
  }
  const accum<TAcc, M * N> &to_accum() const { return c; }
};

namespace detail {
/// The cascade stream between two cores: words put and not yet read.
inline std::deque<v16int32> &cascadeWords() {
  static std::deque<v16int32> words;
  return words;
}
/// Gets that found the cascade empty (a kernel sequencing error on the host).
inline int64_t &cascadeUnderflows() {
  static int64_t count = 0;
  return count;
}
} // namespace detail

} // namespace aie

/// Write one 512-bit word to the core's cascade output (master cascade).
inline void put_mcd(v16int32 word) {
  aie::detail::cascadeWords().push_back(word);
}
/// Read one 512-bit word from the core's cascade input (slave cascade).
inline v16int32 get_scd_v16int32() {
  auto &words = aie::detail::cascadeWords();
  if (words.empty()) {
    ++aie::detail::cascadeUnderflows();
    return v16int32{};
  }
  v16int32 word = words.front();
  words.pop_front();
  return word;
}

inline bfloat16::bfloat16(float f) {
  bits = aie::detail::toBf16(f, aie::rounding_mode::conv_even);
}

#endif // ATTN_HOST_AIE_API_AIE_HPP
