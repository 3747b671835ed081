"""Python builders for the ``attn`` dialect.

Besides the generated op classes, :func:`attention` builds an
``attn.attention`` op and infers its result type from the operands.
"""

from __future__ import annotations

import math
from typing import Optional, Union

from ..ir import F64Type, FloatAttr, IntegerAttr, IntegerType, RankedTensorType, Value
from ._attn_enum_gen import *  # noqa: F401,F403
from ._attn_enum_gen import CausalKind, LayoutKind
from ._attn_ops_gen import *  # noqa: F401,F403
from ._attn_ops_gen import AttentionOp, _Dialect  # noqa: F401

_CAUSAL = {"none": CausalKind.none, "top_left": CausalKind.top_left, "bottom_right": CausalKind.bottom_right}
_LAYOUT = {"bhld": LayoutKind.bhld, "blhd": LayoutKind.blhd}


def _enum_attr(kind, table: dict, option: str, value) -> IntegerAttr:
    if isinstance(value, str):
        if value not in table:
            raise ValueError(f"attn.attention: unknown {option} '{value}'; expected one of {sorted(table)}")
        value = table[value]
    if not isinstance(value, kind):
        raise TypeError(f"attn.attention: {option} must be a str or {kind.__name__}, got {type(value).__name__}")
    return IntegerAttr.get(IntegerType.get_signless(32), int(value))


def _ranked(v: Value, name: str) -> RankedTensorType:
    try:
        t = RankedTensorType(v.type)
    except ValueError:
        raise TypeError(f"attn.attention: '{name}' must be a ranked tensor, got {v.type}") from None
    if t.rank != 4:
        raise ValueError(f"attn.attention: '{name}' must be a 4-D tensor, got rank {t.rank} ({t})")
    return t


def attention(
    q: Value,
    k: Value,
    v: Value,
    *,
    mask: Optional[Value] = None,
    bias: Optional[Value] = None,
    valid_len: Optional[Value] = None,
    causal: Union[str, CausalKind, None] = None,
    scale: Optional[float] = None,
    layout: Union[str, LayoutKind, None] = None,
    loc=None,
    ip=None,
) -> Value:
    """Build ``attn.attention`` and return its result.

    The result type is ``[B, H, Lq, Dv]`` (``[B, Lq, H, Dv]`` for layout
    ``blhd``) with the query's element type. Shape relations are checked by
    the op verifier, which names the offending operand and dimension.
    """
    qt, vt = _ranked(q, "query"), _ranked(v, "value")
    _ranked(k, "key")
    lay = _LAYOUT["bhld"] if layout is None else layout
    lay_attr = _enum_attr(LayoutKind, _LAYOUT, "layout", lay)
    shape = list(qt.shape)
    shape[3] = vt.shape[3]
    result_type = RankedTensorType.get(shape, qt.element_type)
    attrs = {}
    if scale is not None:
        scale = float(scale)
        if not math.isfinite(scale) or scale <= 0.0:
            raise ValueError(f"attn.attention: scale must be a finite positive number, got {scale}")
        attrs["scale"] = FloatAttr.get(F64Type.get(), scale)
    if causal is not None:
        attrs["causal"] = _enum_attr(CausalKind, _CAUSAL, "causal", causal)
    if layout is not None:
        attrs["layout"] = lay_attr
    op = AttentionOp(result_type, q, k, v, mask=mask, bias=bias, valid_len=valid_len, loc=loc, ip=ip, **attrs)
    return op.result
