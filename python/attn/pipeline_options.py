"""Typed options of the attn-aie passes, rendered to MLIR's textual pipeline.

The pass options are declared once, in C++ (``include/attn/Dialect/Attn/Transforms/Passes.td``);
the C++ passes do all the work. These dataclasses give Python users types, defaults and early
errors, render to the text the C++ parser reads and parse it back::

    >>> from attn.pipeline_options import FoldOptions, TileOptions, render_pipeline
    >>> str(FoldOptions(mode="online"))
    'attn-fold{mode=online}'
    >>> FoldOptions.parse("attn-fold{mode=online}")
    FoldOptions(mode='online', target='npu2', intermediate_type='f32', explain=False, allow_precision_loss=False)
    >>> render_pipeline(FoldOptions(mode="online"), TileOptions(target="npu1", q_tile=32))
    'builtin.module(attn-fold{mode=online},attn-tile{target=npu1 q-tile=32})'

Field names are the C++ option names with ``_`` for ``-``; defaults are the C++ defaults
(``test/python/test_pipeline_options.py`` checks both against the registered passes).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, Union

from .errors import AttnError

__all__ = [
    "FoldMode",
    "FoldOptions",
    "IntermediateType",
    "Datapath",
    "Mapping",
    "PassOptions",
    "TileOptions",
    "parse_pipeline",
    "render_pipeline",
]

FoldMode = Literal["auto", "unfolded", "partial", "full", "online"]
IntermediateType = Literal["f32", "bf16", "f16", "input"]
Mapping = Literal["fused", "stream"]
# Matmul datapath of attn-tile: the element type's native intrinsic, bf16 through the
# BFP16 block-float 8x8x8 matmul (npu2), or the cost model's pick of the two.
Datapath = Literal["native", "bfp16", "auto"]

_Self = TypeVar("_Self", bound="PassOptions")
_PASS_TEXT = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*(?:\{(.*)\})?\s*", re.DOTALL)


def _target_names() -> list[str]:
    # The target table lives in C++; imported lazily so that rendering needs no native code.
    from . import target

    return list(target.names())


class PassOptions:
    """Base of the option dataclasses: validation, rendering and parsing.

    Subclasses are frozen dataclasses whose fields mirror one pass's C++ options.
    """

    PASS: ClassVar[str] = ""
    # Fields whose value names an NPU target (checked against attn.target.names()).
    _TARGET_FIELDS: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            _check_value(self.PASS, _option_name(f.name), hints[f.name], value)
            if f.name in self._TARGET_FIELDS:
                names = _target_names()
                if value not in names:
                    raise AttnError(
                        f"{self.PASS}: option '{_option_name(f.name)}': unknown target '{value}'; "
                        f"valid targets: {', '.join(names)}"
                    )

    @classmethod
    def option_names(cls) -> list[str]:
        """The C++ option names, in field order."""
        return [_option_name(f.name) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    def render(self, *, defaults: bool = False) -> str:
        """The pass as pipeline text; options equal to their default are left out unless `defaults`."""
        parts = []
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if defaults or value != f.default:
                parts.append(f"{_option_name(f.name)}={_format(value)}")
        return f"{self.PASS}{{{' '.join(parts)}}}" if parts else self.PASS

    def __str__(self) -> str:
        return self.render()

    @classmethod
    def parse(cls: type[_Self], text: str) -> _Self:
        """Parse ``pass-name{opt=value ...}`` (the form `render` and MLIR's ``str(pm)`` print)."""
        if not isinstance(text, str):
            raise AttnError(f"{cls.PASS}: expected pipeline text, got {type(text).__name__}")
        match = _PASS_TEXT.fullmatch(text)
        if not match:
            raise AttnError(f"{cls.PASS}: cannot parse '{text}'; expected '{cls.PASS}{{option=value ...}}'")
        name, body = match.group(1), match.group(2)
        if name != cls.PASS:
            raise AttnError(f"{cls.PASS}: '{text}' names pass '{name}', not '{cls.PASS}'")
        hints = typing.get_type_hints(cls)
        by_option = {_option_name(f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values: dict[str, Any] = {}
        for token in (body or "").split():
            option, eq, raw = token.partition("=")
            if not eq:
                raise AttnError(f"{cls.PASS}: expected 'option=value', got '{token}'")
            f = by_option.get(option)
            if f is None:
                raise AttnError(f"{cls.PASS}: unknown option '{option}'; options: {', '.join(by_option)}")
            if f.name in values:
                raise AttnError(f"{cls.PASS}: option '{option}' given twice")
            values[f.name] = _convert(cls.PASS, option, hints[f.name], raw)
        return cls(**values)

    def replace(self: _Self, **changes: Any) -> _Self:
        """A copy with some fields changed (validated like the constructor)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


def _option_name(field_name: str) -> str:
    return field_name.replace("_", "-")


def _format(value: Any) -> str:
    """An option value as MLIR prints it (bools lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_value(pass_name: str, option: str, hint: Any, value: Any) -> None:
    if hint is bool:
        if not isinstance(value, bool):
            raise AttnError(f"{pass_name}: option '{option}' must be a bool, got {value!r}")
    elif typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        if not isinstance(value, str) or value not in choices:
            raise AttnError(f"{pass_name}: option '{option}' must be one of {', '.join(choices)}; got {value!r}")
    elif hint is int:
        # bool is an int in Python but never a valid size.
        if not isinstance(value, int) or isinstance(value, bool):
            raise AttnError(f"{pass_name}: option '{option}' must be an int, got {value!r}")
        if value < 0:
            raise AttnError(f"{pass_name}: option '{option}' must be >= 0 (0 picks), got {value}")
    elif hint is str:
        if not isinstance(value, str) or not value or any(c.isspace() or c in "{}," for c in value):
            raise AttnError(f"{pass_name}: option '{option}' must be a non-empty word, got {value!r}")
    else:  # pragma: no cover - a field type this module does not know
        raise TypeError(f"{pass_name}: option '{option}' has unsupported type {hint}")


def _convert(pass_name: str, option: str, hint: Any, raw: str) -> Any:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    if hint is bool:
        # The spellings llvm::cl accepts for a bool option.
        if raw in ("true", "TRUE", "True", "1"):
            return True
        if raw in ("false", "FALSE", "False", "0"):
            return False
        raise AttnError(f"{pass_name}: option '{option}' must be true or false, got '{raw}'")
    if hint is int:
        try:
            return int(raw, 10)
        except ValueError:
            raise AttnError(f"{pass_name}: option '{option}' must be an int, got '{raw}'") from None
    return raw


@dataclass(frozen=True)
class FoldOptions(PassOptions):
    """Options of ``attn-fold`` (split attn.attention into attn.stage dispatches)."""

    PASS: ClassVar[str] = "attn-fold"
    _TARGET_FIELDS: ClassVar[tuple[str, ...]] = ("target",)

    mode: FoldMode = "auto"
    target: str = "npu2"
    intermediate_type: IntermediateType = "f32"
    explain: bool = False
    # mode=auto costs f16/f32 matmuls as one bf16 pass (attn-tile allow-precision-loss)
    allow_precision_loss: bool = False


@dataclass(frozen=True)
class TileOptions(PassOptions):
    """Options of ``attn-tile`` (attach an #attn.plan to every attn.stage); 0 sizes are picked."""

    PASS: ClassVar[str] = "attn-tile"
    _TARGET_FIELDS: ClassVar[tuple[str, ...]] = ("target",)

    target: str = "npu2"
    q_tile: int = 0
    kv_tile: int = 0
    l2_q_block: int = 0
    l2_kv_block: int = 0
    columns: int = 0
    cores_per_column: int = 0
    # Cascade chain length (online fold, fused mapping); 0 picks, 1 = no cascade.
    kv_split: int = 0
    depth: int = 2
    mapping: Mapping = "fused"
    datapath: Datapath = "native"
    # f16/f32 layers: matmul operands rounded to bf16, one bf16 pass (stages get
    # matmul_type = bf16, reported) instead of the target table's emulation.
    allow_precision_loss: bool = False


_OPTION_CLASSES: dict[str, type[PassOptions]] = {cls.PASS: cls for cls in (FoldOptions, TileOptions)}


def render_pipeline(*passes: Union[PassOptions, str], anchor: str = "builtin.module") -> str:
    """A full pipeline string, e.g. ``builtin.module(attn-fold{mode=online},attn-tile)``.

    Entries are option objects or pass text for other passes (``"canonicalize"``).
    """
    parts = []
    for p in passes:
        if isinstance(p, PassOptions):
            parts.append(p.render())
        elif isinstance(p, str) and p.strip():
            parts.append(p.strip())
        else:
            raise AttnError(f"render_pipeline: expected pass options or pass text, got {p!r}")
    return f"{anchor}({','.join(parts)})"


def parse_pipeline(text: str) -> tuple[str, list[Union[PassOptions, str]]]:
    """Split ``anchor(pass,pass,...)`` into the anchor and its passes.

    attn-aie passes come back as option objects, other passes as their text.
    """
    match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*\((.*)\)\s*", text, re.DOTALL)
    if not match:
        raise AttnError(f"parse_pipeline: expected 'anchor(pass,...)', got '{text}'")
    anchor, body = match.group(1), match.group(2)
    passes: list[Union[PassOptions, str]] = []
    depth, start = 0, 0
    for i, c in enumerate(body + ","):
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
        elif c == "," and depth == 0:
            item = body[start:i].strip()
            start = i + 1
            if not item:
                continue
            name = re.match(r"[A-Za-z0-9_.-]+", item)
            cls = _OPTION_CLASSES.get(name.group(0)) if name else None
            passes.append(cls.parse(item) if cls and "(" not in item else item)
    if depth != 0:
        raise AttnError(f"parse_pipeline: unbalanced brackets in '{text}'")
    return anchor, passes
