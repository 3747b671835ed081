"""Case generation and checking shared by the CPU-path execution tests.

A case is one attention layer (shape, dtype, masks, fold mode) plus a seed
for its inputs. :func:`run_case` builds the layer with
``attn.compiler.attention_layer``, runs it with ``attn.compiler.run_on_cpu``
and compares it with ``attn.reference.attention`` computed in float64 from
the same dtype-rounded inputs.

Tolerance (per output element, ``|out - ref| <= atol + rtol * |ref|``): the
CPU path accumulates in f32 and rounds the result once to the layer dtype, so
the error is one rounding of the output (half an ulp: ``rtol = 2^-p`` with
``p`` = 8 for bf16, 11 for f16, 24 for f32, applied to the value) plus the
f32 accumulation error of sums over up to ~2k keys, bounded by ``atol`` =
``4e-5 * max|V|`` (the output is a convex combination of V rows). f32 gets
``rtol = 1e-5`` instead of 2^-24 because its accumulation error is not
negligible next to its own rounding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np

from attn import compiler
from attn import reference as R

RTOL = {"bf16": 2.0**-8, "f16": 2.0**-11, "f32": 1e-5}
ATOL_PER_MAX_V = 4e-5


@dataclass(frozen=True)
class Case:
    batch: int
    heads: int
    kv_heads: int
    q_len: int
    kv_len: int
    head_dim: int
    dtype: str
    causal: str = "none"
    mask: Optional[str] = None
    bias: bool = False
    dynamic: bool = False
    fold: Optional[str] = "auto"
    seed: int = 0
    # For dynamic layers: the lengths actually run (<= the bucket above).
    run_q_len: Optional[int] = None
    run_kv_len: Optional[int] = None

    @property
    def target(self) -> Optional[str]:
        # Every dtype is tiled for npu2 (f16/f32 matmuls run on the bf16 one as the
        # target table's emulation; the CPU path computes them in their own type).
        return "npu2"

    @property
    def id(self) -> str:
        heads = "mha" if self.heads == self.kv_heads else ("mqa" if self.kv_heads == 1 else "gqa")
        parts = [
            f"b{self.batch}",
            f"{heads}{self.heads}x{self.kv_heads}",
            f"q{self.q_len}k{self.kv_len}",
            f"d{self.head_dim}",
            self.dtype,
            self.causal,
            f"mask-{self.mask or 'none'}",
        ]
        if self.bias:
            parts.append("bias")
        if self.dynamic:
            parts.append(f"dyn{self.run_q_len}x{self.run_kv_len}")
        parts += [f"fold-{self.fold or 'level1'}", f"s{self.seed}"]
        return "-".join(parts)

    def program_key(self) -> tuple:
        """Cases with equal keys run the same compiled program."""
        d = dataclasses.asdict(self)
        for k in ("seed", "run_q_len", "run_kv_len"):
            d.pop(k)
        return tuple(sorted(d.items()))


def make_inputs(case: Case) -> tuple[list[np.ndarray], dict]:
    """float32 arguments of @attention and the reference keyword arguments."""
    rng = np.random.default_rng(case.seed)
    lq = case.run_q_len if case.dynamic else case.q_len
    lk = case.run_kv_len if case.dynamic else case.kv_len
    b, h, hkv, d = case.batch, case.heads, case.kv_heads, case.head_dim
    q = rng.standard_normal((b, h, lq, d)).astype(np.float32)
    k = rng.standard_normal((b, hkv, lk, d)).astype(np.float32)
    v = rng.standard_normal((b, hkv, lk, d)).astype(np.float32)
    args = [q, k, v]
    ref_kwargs: dict = {"causal": case.causal}
    if case.mask == "bool":
        m = rng.random((b, 1, lq, lk)) < 0.8
        if lq > 2:
            m[:, :, 1, :] = False  # one query row sees no key at all
        args.append(m)
        ref_kwargs["mask"] = m
    elif case.mask == "additive":
        m = (rng.standard_normal((b, 1, lq, lk)) * 2).astype(np.float32)
        m[rng.random(m.shape) < 0.1] = -np.inf
        args.append(m)
        ref_kwargs["mask"] = R.round_to_dtype(m, case.dtype)
    if case.bias:
        bias = rng.standard_normal((1, h, lq, lk)).astype(np.float32)
        args.append(bias)
        ref_kwargs["bias"] = R.round_to_dtype(bias, case.dtype)
    if case.dynamic:
        vl = rng.integers(0, lk + 1, size=b).astype(np.int32)
        vl[0] = lk  # one full-length entry, one (or none) shorter
        args.append(vl)
        ref_kwargs["valid_len"] = vl
    return args, ref_kwargs


@dataclass
class Outcome:
    max_abs_error: float
    worst_ratio: float  # max |err| / tolerance; <= 1 passes
    has_nan: bool


def run_case(case: Case) -> Outcome:
    module = compiler.attention_layer(
        case.batch,
        case.heads,
        case.kv_heads,
        case.q_len,
        case.kv_len,
        case.head_dim,
        dtype=case.dtype,
        causal=case.causal,
        mask=case.mask,
        bias=case.bias,
        dynamic=case.dynamic,
    )
    args, ref_kwargs = make_inputs(case)
    out = compiler.run_on_cpu(module, *args, fold=case.fold, target=case.target)
    q, k, v = (R.round_to_dtype(x, case.dtype) for x in args[:3])
    ref = R.attention(q, k, v, **ref_kwargs)
    out64 = np.asarray(out).astype(np.float64)
    assert out64.shape == ref.shape
    err = np.abs(out64 - ref)
    atol = ATOL_PER_MAX_V * max(1.0, float(np.abs(v).max()))
    tol = atol + RTOL[case.dtype] * np.abs(ref)
    return Outcome(
        max_abs_error=float(np.nan_to_num(err, nan=np.inf).max()) if err.size else 0.0,
        worst_ratio=float(np.nan_to_num(err / tol, nan=np.inf).max()) if err.size else 0.0,
        has_nan=bool(np.isnan(out64).any()),
    )
