"""attn.compiler.compile (python/attn/aie_compile.py) and the attn-compile CLI:
reports, exact DRAM traffic, determinism, errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from attn import aie_compile, ir
from attn.aie_compile import AIEPipelineOptions, compile
from attn.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    name: (ROOT / "examples" / f"{name}.mlir").read_text() for name in ("bert_base_layer", "llama32_1b_prefill")
}


def layer(b: int, h: int, hkv: int, lq: int, lk: int, d: int, extra: str = "") -> str:
    q = f"tensor<{b}x{h}x{lq}x{d}xbf16>"
    k = f"tensor<{b}x{hkv}x{lk}x{d}xbf16>"
    return (
        f"func.func @layer(%q: {q}, %k: {k}, %v: {k}) -> {q} {{\n"
        f"  %o = attn.attention %q, %k, %v{extra} : {q}, {k}, {k} -> {q}\n"
        f"  return %o : {q}\n}}\n"
    )


def bytes_of(*dims: int, elem: int = 2) -> int:
    return math.prod(dims) * elem


@pytest.mark.parametrize("example", sorted(EXAMPLES))
@pytest.mark.parametrize("target", ["npu1", "npu2"])
def test_bundled_examples_compile(example: str, target: str) -> None:
    program = compile(EXAMPLES[example], target=target)
    assert isinstance(program.aie, ir.Module)
    assert program.text.startswith("module {") and f"aie.device({target})" in program.text
    report = program.report
    assert report["target"] == target and report["fold"] == "auto"
    assert report["pipeline"].startswith(f"attn-to-aie{{target={target} fold=auto")
    assert {s["device"] for s in report["stages"]} == set(report["plans"]) == set(report["schedules"])
    for device, plan in report["plans"].items():
        assert plan["target"] == target and plan["mapping"] == "fused", device
    # Every byte is counted, and no program moves less than Q, K, V and O once.
    assert report["dram_read_bytes"] + report["dram_write_bytes"] >= report["compulsory_bytes"] > 0
    assert sum(d["read_bytes"] for d in report["per_device"]) == report["dram_read_bytes"]
    assert sum(d["write_bytes"] for d in report["per_device"]) == report["dram_write_bytes"]


def test_online_reads_and_writes_exactly_the_compulsory_bytes() -> None:
    # 8 query heads over 2 kv heads, 8 query tiles each: 32 tiles per kv head
    # fit one round of the 32 cores, so K and V are read once.
    program = compile(
        layer(1, 8, 2, 256, 256, 64), target="npu2", fold="online", q_tile=32, kv_tile=32, columns=8, cores_per_column=4
    )
    r = program.report
    q = o = bytes_of(1, 8, 256, 64)
    k = v = bytes_of(1, 2, 256, 64)
    (schedule,) = r["schedules"].values()
    assert schedule["rounds_per_kv_head"] == 1
    assert r["compulsory_bytes"] == q + k + v + o == 655360
    assert r["dram_read_bytes"] == q + k + v == 393216
    assert r["dram_write_bytes"] == o == 262144
    assert r["per_tensor"] == {
        "q": {"read_bytes": q, "write_bytes": 0},
        "k": {"read_bytes": k, "write_bytes": 0},
        "v": {"read_bytes": v, "write_bytes": 0},
        "o": {"read_bytes": 0, "write_bytes": o},
    }


def test_online_rereads_kv_once_per_round() -> None:
    # 128 query tiles per kv head and 32 cores: four rounds, each streaming
    # the head's K and V again (objects are consumed once; L2 holds a step).
    program = compile(
        layer(1, 8, 2, 1024, 1024, 64),
        target="npu2",
        fold="online",
        q_tile=32,
        kv_tile=32,
        l2_q_block=4 * 32,  # one query tile per core
        l2_kv_block=32,  # K/V streamed per round (not L2-resident)
        columns=8,
        cores_per_column=4,
    )
    r = program.report
    (schedule,) = r["schedules"].values()
    tiles_per_kv_head = (8 // 2) * (1024 // 32)
    rounds = math.ceil(tiles_per_kv_head / schedule["cores_per_group"])
    assert schedule["rounds_per_kv_head"] == rounds == 4
    q = o = bytes_of(1, 8, 1024, 64)
    k = v = bytes_of(1, 2, 1024, 64)
    assert r["dram_read_bytes"] == q + rounds * (k + v) == 3145728
    assert r["dram_write_bytes"] == o == 1048576
    assert r["compulsory_bytes"] == q + k + v + o == 2621440


def test_unfolded_traffic_is_the_analytic_count_with_s_and_p() -> None:
    program = compile(
        layer(1, 2, 2, 128, 128, 64),
        target="npu1",
        fold="unfolded",
        q_tile=32,
        kv_tile=32,
        columns=2,
        cores_per_column=4,
    )
    r = program.report
    assert [s["name"] for s in r["stages"]] == ["qk", "softmax", "pv"]
    assert [s["device"] for s in r["stages"]] == ["layer_qk", "layer_softmax", "layer_pv"]
    qkvo = bytes_of(1, 2, 128, 64)
    sp = bytes_of(1, 2, 128, 128, elem=4)  # S and P in f32
    # K (qk) and V (pv) are read once: one round per kv head.
    assert r["schedules"]["layer_qk"]["rounds_per_kv_head"] == 1
    assert r["schedules"]["layer_pv"]["rounds_per_kv_head"] == 1
    # Q, K read; S written, read, P written, read; V read; O written.
    assert r["dram_read_bytes"] == 3 * qkvo + 2 * sp == 360448
    assert r["dram_write_bytes"] == qkvo + 2 * sp == 294912
    assert r["compulsory_bytes"] == 4 * qkvo == 131072
    assert r["per_tensor"]["s"] == {"read_bytes": sp, "write_bytes": sp}
    assert r["per_tensor"]["p"] == {"read_bytes": sp, "write_bytes": sp}
    by_device = {d["device"]: d for d in r["per_device"]}
    assert by_device["layer_softmax"]["arguments"] == {
        "s": {"read_bytes": sp, "write_bytes": 0},
        "p": {"read_bytes": 0, "write_bytes": sp},
    }


def test_padding_is_reported_and_counted_on_the_padded_buffers() -> None:
    program = compile(layer(1, 3, 1, 100, 77, 64), target="npu2", fold="online", q_tile=32, kv_tile=32)
    (schedule,) = program.report["schedules"].values()
    assert schedule["host_padding"] == [
        {"operand": 0, "logical": "tensor<1x3x100x64xbf16>", "device": "tensor<1x3x128x64xbf16>"},
        {"operand": 1, "logical": "tensor<1x1x77x64xbf16>", "device": "tensor<1x1x96x64xbf16>"},
        {"operand": 2, "logical": "tensor<1x1x77x64xbf16>", "device": "tensor<1x1x96x64xbf16>"},
        {"logical": "tensor<1x3x100x64xbf16>", "device": "tensor<1x3x128x64xbf16>"},
    ]
    # The host side is typed IR on each device: attn.host holds the function,
    # stage, dispatch index, fold, plan and schedule; the plan is read through
    # the attribute accessors.
    (stage,) = program.report["stages"]
    assert program.report["plans"][stage["device"]]["padded_q_len"] == 128
    assert program.report["plans"][stage["device"]]["q_tile"] == 32
    assert schedule["buffer_bytes"] == {
        "q": bytes_of(3, 128, 64),
        "k": bytes_of(96, 64),
        "v": bytes_of(96, 64),
        "o": bytes_of(3, 128, 64),
    }


def test_output_is_deterministic() -> None:
    first = compile(EXAMPLES["llama32_1b_prefill"], target="npu2", fold="online")
    second = compile(EXAMPLES["llama32_1b_prefill"], target="npu2", fold="online")
    assert first.text == second.text
    assert json.dumps(first.report, sort_keys=True) == json.dumps(second.report, sort_keys=True)


def test_cli_output_is_byte_identical_across_processes(tmp_path: Path) -> None:
    src = ROOT / "examples" / "bert_base_layer.mlir"
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}.mlir"
        subprocess.run(
            [sys.executable, "-m", "attn.cli", str(src), "--target", "npu1", "--fold", "unfolded", "-o", str(out)],
            check=True,
        )
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and b"aie.device(npu1) @attention_softmax" in outs[0]


def test_cli_writes_module_and_report(tmp_path: Path) -> None:
    out, rep = tmp_path / "layer.aie.mlir", tmp_path / "r.json"
    src = ROOT / "examples" / "llama32_1b_prefill.mlir"
    assert (
        main([str(src), "--target", "npu2", "-o", str(out), "--report", str(rep), "--fold", "online", "--q-tile", "64"])
        == 0
    )
    report = json.loads(rep.read_text())
    assert report["target"] == "npu2" and "q-tile=64" in report["pipeline"]
    assert out.read_text() == compile(src.read_text(), target="npu2", fold="online", q_tile=64).text


@pytest.mark.parametrize("lossy", [False, True])
def test_cli_f32_layer_and_allow_precision_loss(tmp_path: Path, capsys: pytest.CaptureFixture[str], lossy) -> None:
    """An f32 layer compiles for the NPU (6-pass bf16 emulation); --allow-precision-loss
    switches its kernels to the bf16-rounded ones and says so on stderr and in the report."""
    src, out, rep = tmp_path / "f32.mlir", tmp_path / "f32.aie.mlir", tmp_path / "r.json"
    t = "tensor<1x2x64x64xf32>"
    src.write_text(
        f"func.func @f(%q: {t}) -> {t} {{\n  %o = attn.attention %q, %q, %q : {t}, {t}, {t} -> {t}\n"
        f"  return %o : {t}\n}}\n"
    )
    flags = ["--allow-precision-loss"] if lossy else []
    assert main([str(src), "--target", "npu1", "--fold", "online", "-o", str(out), "--report", str(rep), *flags]) == 0
    report, err = json.loads(rep.read_text()), capsys.readouterr().err
    assert report["precision_loss"] is lossy
    assert {s["matmul"] for s in report["stages"]} == {"bf16_rounded" if lossy else "bf16x6"}
    assert ("allow-precision-loss" in report["pipeline"]) is lossy
    assert ("round their f16/f32 operands to bf16" in err) is lossy
    assert ("@attn_qk_f32_as_bf16" in out.read_text()) is lossy
    assert "(%arg0: memref<8192xf32>" in out.read_text()  # Q in DRAM as f32: 1x2x64x64 elements


def test_cli_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = ROOT / "examples" / "llama32_1b_prefill.mlir"
    assert main([str(tmp_path / "missing.mlir")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main([str(src), "--target", "npu7"]) == 1
    assert "unknown target 'npu7'" in capsys.readouterr().err
    assert main([str(src), "--target", "npu2_1col", "--fold", "online"]) == 1
    err = capsys.readouterr().err
    assert "no plan fits target npu2_1col" in err and "see current operation" not in err


def test_pipeline_options_render() -> None:
    assert AIEPipelineOptions().render() == "attn-to-aie{target=npu2 fold=auto}"
    text = AIEPipelineOptions(target="npu1", fold="online", q_tile=32, query_chunks=2).render()
    assert text == "attn-to-aie{target=npu1 fold=online q-tile=32 query-chunks=2}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "npu3"}, "unknown target 'npu3'"),
        ({"fold": "folded"}, "fold"),
        ({"qtile": 3}, "unknown option(s) qtile"),
        ({"query_chunks": -1}, "'query-chunks' must be a non-negative int"),
        ({"kv_group_columns": 1.5}, "'kv-group-columns' must be a non-negative int"),
        ({"q_tile": -4}, "q-tile"),
    ],
)
def test_bad_options_raise(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        compile(EXAMPLES["bert_base_layer"], **kwargs)
    assert message in str(info.value)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="cannot parse"):
        compile("func.func @f(")
    with pytest.raises(ValueError, match="expected an attn.ir.Module or MLIR text"):
        compile(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no attn.attention to compile"):
        compile("func.func @f() { return }")
    # A mask broadcasting over the keys stays on the CPU path (full masks map).
    with pytest.raises(ValueError, match=r"must have a static shape broadcasting as \[B\|1, H\|1, Lq\|1, Lk\]"):
        q = "tensor<1x1x64x64xbf16>"
        compile(
            f"func.func @f(%q: {q}, %k: {q}, %v: {q}, %m: tensor<1x1x64x1xi1>) -> {q} {{\n"
            f"  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x64x1xi1>) : {q}, {q}, {q} -> {q}\n"
            f"  return %o : {q}\n}}\n"
        )


def test_module_input_is_left_unchanged() -> None:
    with ir.Context():
        module = ir.Module.parse(EXAMPLES["bert_base_layer"])
        before = str(module)
        program = compile(module, target="npu1", fold="online")
        assert str(module) == before
        assert program.aie.context is module.context


def test_compile_is_exported_name() -> None:
    assert aie_compile.__all__ == ["AIEPipelineOptions", "CompiledProgram", "compile"]
