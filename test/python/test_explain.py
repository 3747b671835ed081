"""attn-compile --explain: the chosen plan, the cost model's view of it, the best plan of each
fold (or why none fits), the alternatives with reasons, and the roofline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from attn import dse, ir
from attn.cli import main
from attn.compiler import compile
from attn.explain import explain

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_explain_sections_and_numbers() -> None:
    text = (EXAMPLES / "bert_base_layer.mlir").read_text()
    program = compile(text, target="npu2", fold="online")
    with ir.Context():
        module = ir.Module.parse(text)
        out = explain(module, program)
        found = dse.explore(module, target="npu2")
    assert "target npu2" in out and "not measured" in out
    assert "aie.device @attention_attention (stage attention, fold online)" in out
    assert "x compulsory" in out
    # The search's best latency and the roofline are printed as the model computes them.
    assert f"best: {found.latency_s * 1e3:.3f} ms" in out
    assert f"roofline bound: {found.roofline.bound_s * 1e3:.3f} ms (binding: {found.roofline.binding}" in out
    for fold in ("unfolded", "partial", "full", "online"):
        assert re.search(rf"^    {fold}\s", out, re.M), fold
    assert "alternatives and why they lost" in out
    assert re.search(r"the emitted plan is (the search's best|[\d.]+ x the search's best)", out)


def test_cli_explain_goes_to_stdout_with_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bert.aie.mlir"
    assert main([str(EXAMPLES / "bert_base_layer.mlir"), "--target", "npu1", "-o", str(out), "--explain"]) == 0
    captured = capsys.readouterr()
    assert "design-space search:" in captured.out and captured.err == ""
    assert out.read_text().startswith("module {")


def test_cli_explain_goes_to_stderr_when_the_program_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLES / "bert_base_layer.mlir"), "--target", "npu2", "--explain"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("module {") and "design-space search:" not in captured.out
    assert "design-space search:" in captured.err
