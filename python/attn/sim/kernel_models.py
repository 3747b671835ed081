"""Kernels a core body may ``func.call``: semantics and work counts.

Each model has the C ABI of ``kernels/attn_kernels.h`` (parameter kinds below)
and runs the numpy equivalent from ``attn.kernels`` on whole tiles, writing
through its pointer arguments in place. It returns a :class:`KernelWork`
that the timing model prices. More kernels can be added with
:func:`register_kernel`.

Parameter kinds: ``"bf16*"``, ``"f16*"``, ``"f32*"``, ``"u8*"`` (a memref of that element
type, passed by pointer: the kernel sees its elements densely from the
start and addresses its operand inside it with the ABI's offset / row
stride / column arguments), ``"i32"``, ``"f32"`` (scalars).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .. import kernels as K
from .costs import KernelWork
from .errors import SimError, SimMisuseError

POINTER_ELEMS = {"bf16*": ("bf16",), "f16*": ("f16",), "f32*": ("f32",), "u8*": ("ui8", "i8"), "i32*": ("i32",)}
SCALAR_KINDS = ("i32", "f32")


@dataclass(frozen=True)
class KernelModel:
    name: str
    params: tuple[str, ...]
    # Called with one entry per parameter: flat numpy arrays for pointers,
    # Python numbers for scalars. Returns the work done (None: only call overhead).
    run: Callable[..., Optional[KernelWork]]
    # "put": the kernel writes its core's cascade output (``run`` returns the work
    # and the message); "get": it reads the cascade input (the message is passed
    # to ``run`` after the parameters). The engine blocks on the aie.cascade_flow.
    cascade: str = ""


_REGISTRY: dict[str, KernelModel] = {}
# Models of kernel builds selected by an ``attn.kernel_defines`` flag, by (flag, name):
# ATTN_BFP16=1 runs the bf16 matmuls through npu2's BFP16 datapath.
_VARIANTS: dict[tuple[str, str], KernelModel] = {}


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


def lookup(name: str, defines: Optional[dict[str, int]] = None) -> Optional[KernelModel]:
    """The model of ``func.call @name``; with the declaration's ``attn.kernel_defines``,
    the variant a set flag selects (ATTN_BFP16=1: the BFP16 matmul kernels)."""
    for flag, value in (defines or {}).items():
        if value and (flag, name) in _VARIANTS:
            return _VARIANTS[(flag, name)]
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


def _window(flat: np.ndarray, ld: int, col: int, rows: int, cols: int, kernel: str, what: str) -> np.ndarray:
    """The [rows][cols] window at column ``col`` of a row buffer of row stride ``ld``
    (a writable numpy view)."""
    if rows < 0 or cols < 0:
        raise SimMisuseError(f"kernel @{kernel}: negative tile size {rows}x{cols} for '{what}'")
    if col < 0 or ld < 1 or col + cols > ld:
        raise SimMisuseError(
            f"kernel @{kernel}: '{what}' window of {cols} columns at column {col} does not fit row stride {ld}"
        )
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols), flat.dtype)
    need = (rows - 1) * ld + col + cols
    if flat.size < need:
        raise SimMisuseError(
            f"kernel @{kernel}: '{what}' has {flat.size} elements but a {rows}x{cols} window at column {col} "
            f"with row stride {ld} needs {need}"
        )
    if flat.size >= rows * ld:
        return flat[: rows * ld].reshape(rows, ld)[:, col : col + cols]
    # The last row ends before a full stride: view the exact span.
    return np.lib.stride_tricks.as_strided(flat[col:need], (rows, cols), (ld * flat.itemsize, flat.itemsize))


def _at(flat: np.ndarray, off: int, rows: int, cols: int, kernel: str, what: str) -> np.ndarray:
    """A dense [rows][cols] block at element offset ``off`` of an object."""
    if off < 0:
        raise SimMisuseError(f"kernel @{kernel}: negative offset {off} for '{what}'")
    if off > flat.size:
        raise SimMisuseError(f"kernel @{kernel}: offset {off} of '{what}' is past its {flat.size} elements")
    return _tile(flat[off:], rows, cols, kernel, what)


def _mac_elem(variant: str) -> str:
    """The target-table element kind whose matmul rate a variant's MACs run at:
    ``f32``/``f16`` (the table's multi-pass bf16 emulation), ``bf16`` for bf16 and
    the ``*_as_bf16`` variants (one bf16 pass)."""
    return "bf16" if variant.endswith("_as_bf16") else variant


# A kernel variant's numpy semantics (None: the element type's, from attn.kernels with
# K.SPLITS) and the rate its MACs run at (None: _mac_elem of the element type).
Variant = Optional[tuple[Callable[..., Any], str]]


def _qk(name: str, elem: str, variant: Variant = None) -> Callable[..., KernelWork]:
    def run(q, k, k_off, s, s_ld, s_col, tq, tk, d, scale):
        qt, kt = _tile(q, tq, d, name, "q"), _at(k, k_off, tk, d, name, "k")
        out = variant[0](qt, kt, scale) if variant else K.qk(qt, kt, scale, K.SPLITS[elem])
        _window(s, s_ld, s_col, tq, tk, name, "s")[:] = out
        mac = variant[1] if variant else _mac_elem(elem)
        return KernelWork(macs=tq * tk * d, mac_elem=mac, vector_elements=tq * tk)

    return run


def _pilot_qk(q, k, k_off, s, s_ld, s_col, tq, tk, d, scale):
    name = "attn_pilot_qk_i8"
    row = d + 4
    qt, kt = _tile(q, tq, row, name, "q rows"), _at(k, k_off, tk, row, name, "k rows")
    _window(s, s_ld, s_col, tq, tk, name, "s")[:] = K.pilot_qk(qt, kt, d, scale)
    # int8 MACs at the int8 rate, then the three f32 scale multiplies per score.
    return KernelWork(macs=tq * tk * d, mac_elem="i8", vector_elements=3 * tq * tk)


def _mask_positions(s, s_ld, s_col, tq, tk, q0, k0, key_limit, row_limit, causal, causal_offset):
    window = _window(s, s_ld, s_col, tq, tk, "attn_mask_positions", "s")
    K.mask_positions(window, q0, k0, key_limit, bool(causal), causal_offset, row_limit)
    return KernelWork(vector_elements=tq * tk)


def _mask_keys(name: str, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., KernelWork]:
    def run(s, s_ld, s_col, row, off, tq, tk):
        values = _at(row, off, 1, tk, name, "key row").reshape(tk)
        fn(_window(s, s_ld, s_col, tq, tk, name, "s"), values)
        return KernelWork(vector_elements=tq * tk)

    return run


def _mask_tile(name: str, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., KernelWork]:
    def run(s, s_ld, s_col, tile, off, m_ld, tq, tk):
        if m_ld != 0 and m_ld < tk:  # 0: one row for every query row
            raise SimMisuseError(f"kernel @{name}: mask row stride {m_ld} is below the tile width {tk}")
        values = _at(tile, off, 1, (tq - 1) * m_ld + tk, name, "mask tile").reshape(-1)
        rows = np.lib.stride_tricks.as_strided(
            values, shape=(tq, tk), strides=(m_ld * values.strides[0], values.strides[0])
        )
        fn(_window(s, s_ld, s_col, tq, tk, name, "s"), rows)
        return KernelWork(vector_elements=tq * tk)

    return run


def _online_init(m, row_sum, acc, tq, dv):
    name = "attn_online_init"
    m0, l0, a0 = K.online_init(tq, dv)
    _vec(m, tq, name, "m")[:] = m0
    _vec(row_sum, tq, name, "l")[:] = l0
    _tile(acc, tq, dv, name, "acc")[:] = a0
    return KernelWork(vector_elements=2 * tq + tq * dv)


def _online_update(name: str, elem: str, variant: Variant = None) -> Callable[..., KernelWork]:
    def run(s, s_ld, s_col, v, v_off, m, row_sum, acc, tq, tk, dv):
        args = (
            _window(s, s_ld, s_col, tq, tk, name, "s"),
            _at(v, v_off, tk, dv, name, "v"),
            _vec(m, tq, name, "m"),
            _vec(row_sum, tq, name, "l"),
            _tile(acc, tq, dv, name, "acc"),
        )
        if variant:
            variant[0](*args)
        else:
            K.online_update(*args, K.SPLITS[elem])
        return KernelWork(
            macs=tq * tk * dv,
            mac_elem=variant[1] if variant else _mac_elem(elem),
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


def _store(name: str, dtype: str) -> Callable[..., KernelWork]:
    def run(acc, o, q0, row_limit, tq, dv):
        _tile(o, tq, dv, name, "o")[:] = K.store(_tile(acc, tq, dv, name, "acc"), dtype, q0, row_limit)
        return KernelWork(vector_elements=tq * dv)

    return run


def _softmax_rows(s, p, tq, tk):
    name = "attn_softmax_rows"
    _tile(p, tq, tk, name, "p")[:] = K.softmax_rows(_tile(s, tq, tk, name, "s"))
    return KernelWork(exp_elements=tq * tk, row_reductions=2 * tq, vector_elements=2 * tq * tk)


def _softmax_stats_init(m, row_sum, tq):
    name = "attn_softmax_stats_init"
    m0, l0 = K.softmax_stats_init(tq)
    _vec(m, tq, name, "m")[:] = m0
    _vec(row_sum, tq, name, "l")[:] = l0
    return KernelWork(vector_elements=2 * tq)


def _softmax_stats(s, s_ld, s_col, m, row_sum, tq, tk):
    name = "attn_softmax_stats"
    K.softmax_stats(_window(s, s_ld, s_col, tq, tk, name, "s"), _vec(m, tq, name, "m"), _vec(row_sum, tq, name, "l"))
    return KernelWork(exp_elements=tq * tk + tq, row_reductions=2 * tq, vector_elements=tq * tk)


def _softmax_normalize(s, s_ld, s_col, m, row_sum, p, tq, tk):
    name = "attn_softmax_normalize"
    _tile(p, tq, tk, name, "p")[:] = K.softmax_normalize(
        _window(s, s_ld, s_col, tq, tk, name, "s"), _vec(m, tq, name, "m"), _vec(row_sum, tq, name, "l")
    )
    return KernelWork(exp_elements=tq * tk, vector_elements=tq * tk)


def _cascade_put(m, row_sum, acc, tq, dv):
    name = "attn_cascade_put"
    message = (
        _vec(m, tq, name, "m").copy(),
        _vec(row_sum, tq, name, "l").copy(),
        _tile(acc, tq, dv, name, "acc").copy(),
    )
    return KernelWork(), message


def _cascade_merge(m, row_sum, acc, tq, dv, message):
    name = "attn_cascade_merge"
    m_in, sum_in, acc_in = message
    if m_in.shape != (tq,) or acc_in.shape != (tq, dv):
        raise SimMisuseError(
            f"kernel @{name}: the cascade carries a {acc_in.shape[0]}x{acc_in.shape[1]} state, "
            f"the call merges {tq}x{dv}"
        )
    K.online_merge(
        _vec(m, tq, name, "m"), _vec(row_sum, tq, name, "l"), _tile(acc, tq, dv, name, "acc"), m_in, sum_in, acc_in
    )
    # Two rescale passes and an add over acc, two exps per row.
    return KernelWork(exp_elements=2 * tq, vector_elements=3 * tq * dv)


def _acc_zero(acc, tq, dv):
    _tile(acc, tq, dv, "attn_acc_zero", "acc")[:] = K.acc_zero(tq, dv)
    return KernelWork(vector_elements=tq * dv)


def _copy_window(src, src_ld, src_col, dst, tq, tk):
    name = "attn_copy_window"
    _tile(dst, tq, tk, name, "dst")[:] = _window(src, src_ld, src_col, tq, tk, name, "src")
    return KernelWork(vector_elements=tq * tk)


def _pv_accumulate(name: str, elem: str, variant: Variant = None) -> Callable[..., KernelWork]:
    def run(p, p_ld, p_col, v, v_off, acc, tq, tk, dv):
        args = (
            _window(p, p_ld, p_col, tq, tk, name, "p"),
            _at(v, v_off, tk, dv, name, "v"),
            _tile(acc, tq, dv, name, "acc"),
        )
        if variant:
            variant[0](*args)
        else:
            K.pv_accumulate(*args, K.SPLITS[elem])
        return KernelWork(macs=tq * tk * dv, mac_elem=variant[1] if variant else _mac_elem(elem))

    return run


def _stream_softmax_init(m, row_sum, tq):
    name = "attn_stream_softmax_init"
    m0, l0 = K.stream_softmax_init(tq)
    _vec(m, tq, name, "m")[:] = m0
    _vec(row_sum, tq, name, "l")[:] = l0
    return KernelWork(vector_elements=2 * tq)


def _stream_softmax(s, s_ld, s_col, p, m, row_sum, tq, tk):
    name = "attn_stream_softmax"
    obj = K.stream_softmax(
        _window(s, s_ld, s_col, tq, tk, name, "s"), _vec(m, tq, name, "m"), _vec(row_sum, tq, name, "l")
    )
    _vec(p, obj.size, name, "p")[:] = obj
    # One max pass, one exp pass (row sums fused) and the row factors' exps.
    return KernelWork(exp_elements=tq * tk + tq, row_reductions=2 * tq, vector_elements=tq * tk)


def _stream_pv_init(acc, row_sum, tq, dv):
    name = "attn_stream_pv_init"
    _tile(acc, tq, dv, name, "acc")[:] = K.acc_zero(tq, dv)
    _vec(row_sum, tq, name, "l")[:] = 0
    return KernelWork(vector_elements=tq * dv + tq)


def _stream_pv(name: str, elem: str, variant: Variant = None) -> Callable[..., KernelWork]:
    def run(p, v, v_off, acc, row_sum, tq, tk, dv):
        args = (
            _vec(p, tq * tk + 2 * tq, name, "p"),
            _at(v, v_off, tk, dv, name, "v"),
            _tile(acc, tq, dv, name, "acc"),
            _vec(row_sum, tq, name, "l"),
        )
        if variant:
            variant[0](*args)
        else:
            K.stream_pv(*args, K.SPLITS[elem])
        # The rescale pass over acc and the copy of the row sums.
        return KernelWork(
            macs=tq * tk * dv, mac_elem=variant[1] if variant else _mac_elem(elem), vector_elements=tq * dv + tq
        )

    return run


def _register_library() -> None:
    i32 = "i32"
    for elem, ptr in (
        ("bf16", "bf16*"),
        ("f32", "f32*"),
        ("f16", "f16*"),
        ("f32_as_bf16", "f32*"),
        ("f16_as_bf16", "f16*"),
    ):
        register_kernel(
            f"attn_qk_{elem}",
            (ptr, ptr, i32, "f32*", i32, i32, i32, i32, i32, "f32"),
            _qk(f"attn_qk_{elem}", elem),
        )
        register_kernel(
            f"attn_online_update_{elem}",
            ("f32*", i32, i32, ptr, i32, "f32*", "f32*", "f32*", i32, i32, i32),
            _online_update(f"attn_online_update_{elem}", elem),
        )
        out = elem.split("_")[0]  # O's data type
        register_kernel(
            f"attn_finalize_{elem}", ("f32*", "f32*", ptr, i32, i32), _finalize(f"attn_finalize_{elem}", out)
        )
        register_kernel(f"attn_store_{elem}", ("f32*", ptr, i32, i32, i32, i32), _store(f"attn_store_{elem}", out))
        register_kernel(
            f"attn_pv_accumulate_{elem}",
            ("f32*", i32, i32, ptr, i32, "f32*", i32, i32, i32),
            _pv_accumulate(f"attn_pv_accumulate_{elem}", elem),
        )
        register_kernel(
            f"attn_stream_pv_{elem}",
            ("f32*", ptr, i32, "f32*", "f32*", i32, i32, i32),
            _stream_pv(f"attn_stream_pv_{elem}", elem),
        )
        register_kernel(
            f"attn_mask_keep_keys_{elem}",
            ("f32*", i32, i32, ptr, i32, i32, i32),
            _mask_keys(f"attn_mask_keep_keys_{elem}", K.mask_keep_keys),
        )
        register_kernel(
            f"attn_mask_add_keys_{elem}",
            ("f32*", i32, i32, ptr, i32, i32, i32),
            _mask_keys(f"attn_mask_add_keys_{elem}", K.mask_add_keys),
        )
        for kind, fn in (("keep", K.mask_keep_tile), ("add", K.mask_add_tile)):
            register_kernel(
                f"attn_mask_{kind}_tile_{elem}",
                ("f32*", i32, i32, ptr, i32, i32, i32, i32),
                _mask_tile(f"attn_mask_{kind}_tile_{elem}", fn),
            )
    register_kernel("attn_pilot_qk_i8", ("u8*", "u8*", i32, "f32*", i32, i32, i32, i32, i32, "f32"), _pilot_qk)
    register_kernel("attn_mask_positions", ("f32*",) + (i32,) * 10, _mask_positions)
    register_kernel("attn_online_init", ("f32*", "f32*", "f32*", i32, i32), _online_init)
    register_kernel("attn_softmax_rows", ("f32*", "f32*", i32, i32), _softmax_rows)
    register_kernel("attn_acc_zero", ("f32*", i32, i32), _acc_zero)
    register_kernel("attn_softmax_stats_init", ("f32*", "f32*", i32), _softmax_stats_init)
    register_kernel("attn_softmax_stats", ("f32*", i32, i32, "f32*", "f32*", i32, i32), _softmax_stats)
    register_kernel("attn_softmax_normalize", ("f32*", i32, i32, "f32*", "f32*", "f32*", i32, i32), _softmax_normalize)
    register_kernel("attn_stream_softmax_init", ("f32*", "f32*", i32), _stream_softmax_init)
    register_kernel("attn_stream_softmax", ("f32*", i32, i32, "f32*", "f32*", "f32*", i32, i32), _stream_softmax)
    register_kernel("attn_stream_pv_init", ("f32*", "f32*", i32, i32), _stream_pv_init)
    cascade = ("f32*", "f32*", "f32*", i32, i32)
    _REGISTRY["attn_cascade_put"] = KernelModel("attn_cascade_put", cascade, _cascade_put, "put")
    _REGISTRY["attn_cascade_merge"] = KernelModel("attn_cascade_merge", cascade, _cascade_merge, "get")
    register_kernel("attn_copy_window", ("f32*", i32, i32, "f32*", i32, i32), _copy_window)
    # ATTN_BFP16=1 (npu2): the bf16 matmul kernels on bfp16ebs8 operands, timed at the
    # target table's BFP16 rate (work element "bfp16").
    bfp16 = {
        "attn_qk_bf16": _qk("attn_qk_bf16", "bf16", (K.qk_bfp16, "bfp16")),
        "attn_online_update_bf16": _online_update("attn_online_update_bf16", "bf16", (K.online_update_bfp16, "bfp16")),
        "attn_pv_accumulate_bf16": _pv_accumulate("attn_pv_accumulate_bf16", "bf16", (K.pv_accumulate_bfp16, "bfp16")),
        "attn_stream_pv_bf16": _stream_pv("attn_stream_pv_bf16", "bf16", (K.stream_pv_bfp16, "bfp16")),
    }
    for name, run in bfp16.items():
        _VARIANTS[("ATTN_BFP16", name)] = KernelModel(name, _REGISTRY[name].params, run)


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
