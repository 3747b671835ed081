"""Access patterns (DMA address generators) as numpy index arrays.

A pattern is a list of ``(size, stride)`` dimensions, outermost first, counted
in elements: the DMA visits ``base + sum(i_d * stride_d)`` with the innermost
index running fastest. Whole transfers are computed at once by broadcasting,
never element by element.
"""

from __future__ import annotations

from typing import Optional, Union

import numpy as np

from .errors import SimMisuseError, where
from .program import Dims

Index = Union[slice, np.ndarray]


def indices(dims: Dims, base: int = 0) -> np.ndarray:
    """Element indices visited by ``dims`` from ``base`` (int64, in visiting order)."""
    idx = np.array([base], dtype=np.int64)
    for size, stride in dims:
        idx = (idx[:, None] + np.arange(size, dtype=np.int64) * stride).reshape(-1)
    return idx


def shim_dims(sizes: tuple[int, ...], strides: tuple[int, ...]) -> Dims:
    return tuple((int(s), int(st)) for s, st in zip(sizes, strides, strict=True))


def shim_base(offsets: tuple[int, ...], strides: tuple[int, ...]) -> int:
    """Start element of a ``dma_memcpy_nd``: offsets scale with their dimension's stride."""
    return int(sum(int(o) * int(s) for o, s in zip(offsets, strides, strict=True)))


def as_slice_if_contiguous(idx: np.ndarray) -> Index:
    """A slice when ``idx`` is a contiguous ascending run (faster to copy), else ``idx``."""
    n = idx.size
    if n == 0:
        return slice(0, 0)
    first = int(idx[0])
    if int(idx[-1]) - first == n - 1 and (n == 1 or np.all(np.diff(idx) == 1)):
        return slice(first, first + n)
    return idx


def check_word_units(dims: Dims, base: int, elem_bytes: int, unit_bytes: int, what: str, loc: Optional[str]) -> None:
    """DMAs move ``unit_bytes`` words: for narrower elements the innermost run must be
    whole words starting word-aligned, and every outer stride a whole number of words."""
    if elem_bytes >= unit_bytes or not dims:
        return
    size0, stride0 = dims[-1]
    if size0 > 1 and stride0 != 1:
        raise SimMisuseError(
            f"{what}{where(loc)}: innermost stride is {stride0} elements of {elem_bytes} bytes; DMAs move "
            f"{unit_bytes}-byte words, so an innermost dimension of sub-word elements must be contiguous (stride 1)"
        )
    if (size0 * elem_bytes) % unit_bytes:
        raise SimMisuseError(
            f"{what}{where(loc)}: innermost run of {size0} elements is {size0 * elem_bytes} bytes, "
            f"not a multiple of the {unit_bytes}-byte DMA word"
        )
    for d, (size, stride) in enumerate(dims[:-1]):
        if size > 1 and (stride * elem_bytes) % unit_bytes:
            raise SimMisuseError(
                f"{what}{where(loc)}: stride {stride} of dimension {d} (outermost first) is "
                f"{stride * elem_bytes} bytes, not a multiple of the {unit_bytes}-byte DMA word"
            )
    if (base * elem_bytes) % unit_bytes:
        raise SimMisuseError(
            f"{what}{where(loc)}: start element {base} is not aligned to the {unit_bytes}-byte DMA word"
        )


def check_bounds(dims: Dims, base: int, limit: int, what: str, loc: Optional[str]) -> None:
    """Every element ``dims`` visits from ``base`` must fall inside ``[0, limit)``."""
    if any(size < 1 for size, _ in dims):
        raise SimMisuseError(f"{what}{where(loc)}: access pattern sizes must be positive, got {[s for s, _ in dims]}")
    lo = base + sum((size - 1) * stride for size, stride in dims if stride < 0)
    hi = base + sum((size - 1) * stride for size, stride in dims if stride > 0)
    if lo < 0 or hi >= limit:
        raise SimMisuseError(
            f"{what}{where(loc)}: access pattern reaches elements {lo}..{hi}, outside the {limit} elements available"
        )


def word_pattern(dims: Dims, base: int, elem_bytes: int, unit_bytes: int) -> tuple[Dims, int]:
    """The same access pattern in ``unit_bytes`` words (after :func:`check_word_units`):
    narrower elements merge into words, wider ones split into several."""
    if elem_bytes == unit_bytes:
        return dims, base
    if elem_bytes < unit_bytes:
        per = unit_bytes // elem_bytes
        size0, _ = dims[-1]
        outer = tuple((size, stride // per) for size, stride in dims[:-1])
        return outer + ((size0 // per, 1),), base // per
    per = elem_bytes // unit_bytes
    return tuple((size, stride * per) for size, stride in dims) + ((per, 1),), base * per
