"""attn.pipeline_options: the Python dataclasses mirror the C++ pass options exactly."""

from __future__ import annotations

import dataclasses
import re
import typing

import pytest

from attn import target
from attn.ir import Context, MLIRError, Module
from attn.passmanager import PassManager
from attn.pipeline_options import FoldOptions, PassOptions, TileOptions, parse_pipeline, render_pipeline

OPTION_CLASSES = [FoldOptions, TileOptions]

LAYER = """
func.func @layer(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x64xbf16>)
    -> tensor<1x2x128x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>
       -> tensor<1x2x128x64xbf16>
  return %o : tensor<1x2x128x64xbf16>
}
"""


def cxx_options(pass_name: str) -> dict[str, str]:
    """Every option of a registered C++ pass with its default, as MLIR prints them."""
    with Context():
        text = str(PassManager.parse(f"builtin.module({pass_name})"))
    match = re.fullmatch(rf"builtin\.module\({re.escape(pass_name)}\{{(.*)\}}\)", text)
    assert match, text
    return dict(token.split("=", 1) for token in match.group(1).split())


def run(pipeline: str, source: str = LAYER) -> str:
    with Context():
        module = Module.parse(source)
        PassManager.parse(pipeline).run(module.operation)
        return str(module)


@pytest.mark.parametrize("cls", OPTION_CLASSES, ids=lambda c: c.PASS)
def test_fields_match_cxx_options(cls: type[PassOptions]) -> None:
    cxx = cxx_options(cls.PASS)
    assert sorted(cls.option_names()) == sorted(cxx), f"{cls.__name__} fields differ from the C++ options of {cls.PASS}"
    defaults = cls()
    for f in dataclasses.fields(cls):
        option = f.name.replace("_", "-")
        value = getattr(defaults, f.name)
        printed = str(value).lower() if isinstance(value, bool) else str(value)
        assert printed == cxx[option], f"default of '{option}'"


@pytest.mark.parametrize("cls", OPTION_CLASSES, ids=lambda c: c.PASS)
def test_parse_cxx_printed_form(cls: type[PassOptions]) -> None:
    with Context():
        text = str(PassManager.parse(f"builtin.module({cls.PASS})"))
    anchor, passes = parse_pipeline(text)
    assert anchor == "builtin.module"
    assert passes == [cls()]


def test_render_and_parse() -> None:
    assert str(FoldOptions()) == "attn-fold"
    assert str(FoldOptions(mode="online")) == "attn-fold{mode=online}"
    assert FoldOptions.parse("attn-fold{mode=online}") == FoldOptions(mode="online")
    assert FoldOptions.parse("attn-fold") == FoldOptions()
    tile = TileOptions(target="npu1_2col", q_tile=32, kv_tile=16, depth=1, mapping="stream")
    assert tile.render() == "attn-tile{target=npu1_2col q-tile=32 kv-tile=16 depth=1 mapping=stream}"
    assert TileOptions.parse(tile.render()) == tile
    assert TileOptions.parse(tile.render(defaults=True)) == tile
    assert TileOptions.parse('attn-tile{ target="npu2"  q-tile=64 }') == TileOptions(q_tile=64)
    assert tile.replace(depth=2) == TileOptions(target="npu1_2col", q_tile=32, kv_tile=16, mapping="stream")


def test_bool_option() -> None:
    explain = FoldOptions(explain=True)
    assert str(explain) == "attn-fold{explain=true}"
    assert FoldOptions.parse("attn-fold{explain=true}") == explain
    assert FoldOptions.parse("attn-fold{explain=false}") == FoldOptions()
    assert FoldOptions.parse(explain.render(defaults=True)) == explain
    assert "remark" not in run(render_pipeline(explain))  # remarks go to diagnostics, not the module
    with pytest.raises(ValueError, match="option 'explain' must be a bool, got 'yes'"):
        FoldOptions(explain="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="option 'explain' must be true or false, got 'maybe'"):
        FoldOptions.parse("attn-fold{explain=maybe}")


def test_render_pipeline_round_trip() -> None:
    passes = [FoldOptions(mode="partial", intermediate_type="bf16"), "canonicalize", TileOptions(columns=2)]
    text = render_pipeline(*passes)
    assert text == "builtin.module(attn-fold{mode=partial intermediate-type=bf16},canonicalize,attn-tile{columns=2})"
    assert parse_pipeline(text) == ("builtin.module", passes)
    with pytest.raises(ValueError, match="render_pipeline"):
        render_pipeline(FoldOptions(), 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unbalanced"):
        parse_pipeline("builtin.module(attn-fold{mode=online)")


def test_rendered_pipeline_runs() -> None:
    pipeline = render_pipeline(
        FoldOptions(mode="online"), TileOptions(target="npu1_2col", q_tile=32, kv_tile=16, depth=1, columns=2)
    )
    out = run(pipeline)
    assert 'attn.stage "attention" fold online plan #attn.plan<target = "npu1_2col", q_tile = 32, kv_tile = 16' in out
    assert "columns = 2" in out and "depth = 1" in out


@pytest.mark.parametrize(
    ("cls", "field"), [(FoldOptions, "mode"), (FoldOptions, "intermediate_type"), (TileOptions, "mapping")]
)
def test_choices_accepted_by_cxx(cls: type[PassOptions], field: str) -> None:
    # Every value the Python type allows is one the C++ pass accepts.
    choices = typing.get_args(typing.get_type_hints(cls)[field])
    assert choices
    for value in choices:
        opts = cls(**{field: value})
        # Tiling needs stages; fold with mode=online (stream pipelines exist for the
        # online fold only; plannable at any choice above).
        pipeline = render_pipeline(opts) if cls is FoldOptions else render_pipeline(FoldOptions(mode="online"), opts)
        assert "attn.stage" in run(pipeline)


def test_targets_accepted_by_cxx() -> None:
    for name in target.names():
        assert f'target = "{name}"' in run(render_pipeline(FoldOptions(target=name), TileOptions(target=name)))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: FoldOptions(mode="folded"), "option 'mode' must be one of auto, unfolded, partial, full, online"),
        (lambda: FoldOptions(intermediate_type="f64"), "option 'intermediate-type' must be one of"),
        (lambda: FoldOptions(target="npu3"), "option 'target': unknown target 'npu3'; valid targets: npu1"),
        (lambda: TileOptions(q_tile="64"), "option 'q-tile' must be an int, got '64'"),
        (lambda: TileOptions(depth=True), "option 'depth' must be an int, got True"),
        (lambda: TileOptions(kv_tile=-8), "option 'kv-tile' must be >= 0"),
        (lambda: TileOptions(mapping="pipeline"), "option 'mapping' must be one of fused, stream"),
        (lambda: TileOptions(target="npu2 q-tile=4"), "option 'target' must be a non-empty word"),
        (lambda: TileOptions.parse("attn-tile{q-tile=big}"), "option 'q-tile' must be an int, got 'big'"),
        (lambda: TileOptions.parse("attn-tile{kv_tile=16}"), "unknown option 'kv_tile'; options: target, q-tile"),
        (lambda: TileOptions.parse("attn-tile{q-tile=4 q-tile=8}"), "option 'q-tile' given twice"),
        (lambda: TileOptions.parse("attn-tile{q-tile}"), "expected 'option=value', got 'q-tile'"),
        (lambda: TileOptions.parse("attn-fold{mode=online}"), "names pass 'attn-fold', not 'attn-tile'"),
        (lambda: FoldOptions.parse("attn-fold{mode=online"), "cannot parse"),
        (lambda: FoldOptions.parse("attn-fold{mode=diagonal}"), "option 'mode' must be one of"),
    ],
)
def test_errors(build, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


def test_cxx_rejects_what_python_rejects() -> None:
    # The C++ pass is the authority; Python only reports the same problems earlier.
    cases = {
        "attn-fold{mode=folded}": "attn-fold: unknown mode 'folded'",
        "attn-tile{mapping=pipeline}": "attn-tile: unknown mapping 'pipeline'",
        "attn-fold{target=npu3}": "attn-fold: unknown target 'npu3'",
    }
    for bad, message in cases.items():
        with pytest.raises(MLIRError, match=re.escape(message)):
            run(f"builtin.module({bad})")
