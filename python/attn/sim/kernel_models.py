"""Kernels a core body may ``func.call``: semantics and work counts.

Each model has the C ABI of ``kernels/attn_kernels.h`` (parameter kinds below)
and runs the numpy equivalent from ``attn.kernels`` on whole tiles, writing
through its pointer arguments in place. It returns a :class:`KernelWork`
that the timing model prices. More kernels can be added with
:func:`register_kernel`.

Parameter kinds: ``"bf16*"``, ``"f32*"``, ``"u8*"`` (a memref of that element
type, passed by pointer: the kernel sees its elements densely from the
start), ``"i32"``, ``"f32"`` (scalars).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .. import kernels as K
from .costs import KernelWork
from .errors import SimError, SimMisuseError

POINTER_ELEMS = {"bf16*": ("bf16",), "f32*": ("f32",), "u8*": ("ui8", "i8"), "i32*": ("i32",)}
SCALAR_KINDS = ("i32", "f32")


@dataclass(frozen=True)
class KernelModel:
    name: str
    params: tuple[str, ...]
    # Called with one entry per parameter: flat numpy arrays for pointers,
    # Python numbers for scalars. Returns the work done (None: only call overhead).
    run: Callable[..., Optional[KernelWork]]


_REGISTRY: dict[str, KernelModel] = {}


def register_kernel(name: str, params: tuple[str, ...], run: Callable[..., Optional[KernelWork]]) -> None:
    """Make ``func.call @name`` runnable in the simulator.

    ``params`` lists parameter kinds (see module docstring); ``run`` receives
    flat numpy arrays (writable views of the memrefs) and scalars in order and
    returns a :class:`KernelWork` (or None)."""
    for p in params:
        if p not in POINTER_ELEMS and p not in SCALAR_KINDS:
            raise ValueError(
                f"kernel {name!r}: unknown parameter kind {p!r}; valid: {', '.join((*POINTER_ELEMS, *SCALAR_KINDS))}"
            )
    _REGISTRY[name] = KernelModel(name, tuple(params), run)


def lookup(name: str) -> Optional[KernelModel]:
    return _REGISTRY.get(name)


def known_kernels() -> list[str]:
    return sorted(_REGISTRY)


def _tile(flat: np.ndarray, rows: int, cols: int, kernel: str, what: str) -> np.ndarray:
    if rows < 0 or cols < 0:
        raise SimMisuseError(f"kernel @{kernel}: negative tile size {rows}x{cols} for '{what}'")
    need = rows * cols
    if flat.size < need:
        raise SimMisuseError(
            f"kernel @{kernel}: '{what}' has {flat.size} elements but the call needs {rows}x{cols} = {need}"
        )
    return flat[:need].reshape(rows, cols)


def _vec(flat: np.ndarray, n: int, kernel: str, what: str) -> np.ndarray:
    return _tile(flat, 1, n, kernel, what).reshape(n)


def _qk(name: str, elem: str) -> Callable[..., KernelWork]:
    def run(q, k, s, tq, tk, d, scale):
        qt, kt = _tile(q, tq, d, name, "q"), _tile(k, tk, d, name, "k")
        _tile(s, tq, tk, name, "s")[:] = K.qk(qt, kt, scale)
        return KernelWork(macs=tq * tk * d, mac_elem=elem, vector_elements=tq * tk)

    return run


def _mask_positions(s, tq, tk, q0, k0, valid_len, causal, causal_offset):
    K.mask_positions(_tile(s, tq, tk, "attn_mask_positions", "s"), q0, k0, valid_len, bool(causal), causal_offset)
    return KernelWork(vector_elements=tq * tk)


def _mask_keep(s, keep, tq, tk):
    K.mask_keep(_tile(s, tq, tk, "attn_mask_keep", "s"), _tile(keep, tq, tk, "attn_mask_keep", "keep"))
    return KernelWork(vector_elements=tq * tk)


def _mask_add(s, add, tq, tk):
    K.mask_add(_tile(s, tq, tk, "attn_mask_add", "s"), _tile(add, tq, tk, "attn_mask_add", "add"))
    return KernelWork(vector_elements=tq * tk)


def _online_init(m, row_sum, acc, tq, dv):
    name = "attn_online_init"
    m0, l0, a0 = K.online_init(tq, dv)
    _vec(m, tq, name, "m")[:] = m0
    _vec(row_sum, tq, name, "l")[:] = l0
    _tile(acc, tq, dv, name, "acc")[:] = a0
    return KernelWork(vector_elements=2 * tq + tq * dv)


def _online_update(name: str, elem: str) -> Callable[..., KernelWork]:
    def run(s, v, m, row_sum, acc, tq, tk, dv):
        K.online_update(
            _tile(s, tq, tk, name, "s"),
            _tile(v, tk, dv, name, "v"),
            _vec(m, tq, name, "m"),
            _vec(row_sum, tq, name, "l"),
            _tile(acc, tq, dv, name, "acc"),
        )
        return KernelWork(
            macs=tq * tk * dv,
            mac_elem=elem,
            exp_elements=tq * tk + tq,
            row_reductions=2 * tq,
            vector_elements=tq * tk + tq * dv,
        )

    return run


def _finalize(name: str, dtype: str) -> Callable[..., KernelWork]:
    def run(acc, row_sum, o, tq, dv):
        out = K.finalize(_tile(acc, tq, dv, name, "acc"), _vec(row_sum, tq, name, "l"), dtype)
        _tile(o, tq, dv, name, "o")[:] = out
        return KernelWork(vector_elements=tq * dv + tq)

    return run


def _softmax_rows(s, p, tq, tk):
    name = "attn_softmax_rows"
    _tile(p, tq, tk, name, "p")[:] = K.softmax_rows(_tile(s, tq, tk, name, "s"))
    return KernelWork(exp_elements=tq * tk, row_reductions=2 * tq, vector_elements=2 * tq * tk)


def _pv_accumulate(name: str, elem: str) -> Callable[..., KernelWork]:
    def run(p, v, acc, tq, tk, dv):
        K.pv_accumulate(_tile(p, tq, tk, name, "p"), _tile(v, tk, dv, name, "v"), _tile(acc, tq, dv, name, "acc"))
        return KernelWork(macs=tq * tk * dv, mac_elem=elem)

    return run


def _register_library() -> None:
    for elem, ptr in (("bf16", "bf16*"), ("f32", "f32*")):
        register_kernel(f"attn_qk_{elem}", (ptr, ptr, "f32*", "i32", "i32", "i32", "f32"), _qk(f"attn_qk_{elem}", elem))
        register_kernel(
            f"attn_online_update_{elem}",
            ("f32*", ptr, "f32*", "f32*", "f32*", "i32", "i32", "i32"),
            _online_update(f"attn_online_update_{elem}", elem),
        )
        register_kernel(
            f"attn_finalize_{elem}", ("f32*", "f32*", ptr, "i32", "i32"), _finalize(f"attn_finalize_{elem}", elem)
        )
        register_kernel(
            f"attn_pv_accumulate_{elem}",
            ("f32*", ptr, "f32*", "i32", "i32", "i32"),
            _pv_accumulate(f"attn_pv_accumulate_{elem}", elem),
        )
    register_kernel("attn_mask_positions", ("f32*", "i32", "i32", "i32", "i32", "i32", "i32", "i32"), _mask_positions)
    register_kernel("attn_mask_keep", ("f32*", "u8*", "i32", "i32"), _mask_keep)
    register_kernel("attn_mask_add", ("f32*", "f32*", "i32", "i32"), _mask_add)
    register_kernel("attn_online_init", ("f32*", "f32*", "f32*", "i32", "i32"), _online_init)
    register_kernel("attn_softmax_rows", ("f32*", "f32*", "i32", "i32"), _softmax_rows)


_register_library()


def call(model: KernelModel, args: list[Any]) -> KernelWork:
    """Run ``model`` on already-checked arguments; wraps numpy errors with the kernel name."""
    try:
        work = model.run(*args)
    except (SimError, SimMisuseError):
        raise
    except (ValueError, IndexError, TypeError) as e:
        raise SimMisuseError(f"kernel @{model.name} failed on its arguments: {e}") from None
    return work if work is not None else KernelWork()
