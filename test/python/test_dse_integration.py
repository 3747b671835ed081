"""The cost model wired into the compiler: attn-fold{mode=auto} picks the fold
of attn.dse.explore(space="attn-tile") and attn-tile attaches exactly its plan;
both sides size buffers with the same accounting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from attn import dse, ir
from attn.passmanager import PassManager

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "bert": (ROOT / "examples" / "bert_base_layer.mlir").read_text(),
    "llama": (ROOT / "examples" / "llama32_1b_prefill.mlir").read_text(),
}


def layer(b: int, h: int, hkv: int, lq: int, lk: int, d: int = 64, extra: str = "", elem: str = "bf16") -> str:
    q = f"tensor<{b}x{h}x{lq}x{d}x{elem}>"
    kv = f"tensor<{b}x{hkv}x{lk}x{d}x{elem}>"
    return f"""
func.func @layer(%q: {q}, %k: {kv}, %v: {kv}) -> {q} {{
  %o = attn.attention %q, %k, %v {extra} : {q}, {kv}, {kv} -> {q}
  return %o : {q}
}}
"""


SHORT = layer(1, 12, 12, 128, 128)  # BERT-base, 128 tokens
LONG = layer(1, 2, 2, 16384, 16384)  # 16K x 16K, two heads

PLAN_RE = re.compile(r'attn\.stage "(\w+)" fold (\w+) plan #attn\.plan<([^>]*)>')


def run(source: str, pipeline: str) -> tuple[str, list[str]]:
    """The module after `pipeline` and the remarks it emitted."""
    remarks: list[str] = []
    with ir.Context() as ctx:

        def handler(diag: ir.Diagnostic) -> bool:
            if diag.severity == ir.DiagnosticSeverity.REMARK:
                remarks.append(diag.message)
            return True

        ctx.attach_diagnostic_handler(handler)
        module = ir.Module.parse(source)
        PassManager.parse(pipeline).run(module.operation)
        return str(module), remarks


def explore(source: str, target: str, **fixed) -> dse.Exploration:
    with ir.Context():
        return dse.explore(ir.Module.parse(source), target=target, space="attn-tile", **fixed)


def plans(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(stage name, fold, plan fields) of every stage."""
    out = []
    for name, fold, body in PLAN_RE.findall(text):
        fields = dict(re.findall(r"(\w+) = (\[[^\]]*\]|\"[^\"]*\"|[^,]+)", body))
        out.append((name, fold, {k: v.strip().strip('"') for k, v in fields.items()}))
    return out


def expected_fields(est: dse.Estimate, target: str) -> dict[str, str]:
    p = est.plan
    return {
        "target": target,
        "q_tile": str(p.q_tile),
        "kv_tile": str(p.kv_tile),
        "l2_q_block": str(p.l2_q_block),
        "l2_kv_block": str(p.l2_kv_block),
        "intrinsic": "[" + ", ".join(map(str, p.intrinsic)) + "]",
        "columns": str(p.columns),
        "cores_per_column": str(p.cores_per_column),
        "depth": str(p.depth),
        "padded_q_len": str(est.padded["query_len"]),
        "padded_kv_len": str(est.padded["key_len"]),
        "padded_head_dim": str(est.padded["head_dim"]),
        "padded_value_dim": str(est.padded["value_dim"]),
    }


CASES = [(name, target) for name in ("bert", "llama") for target in ("npu1", "npu2")]


@pytest.mark.parametrize(("name", "target"), CASES)
def test_default_plan_is_the_models(name: str, target: str) -> None:
    source = EXAMPLES[name]
    result = explore(source, target)
    text, _ = run(source, f"builtin.module(attn-fold{{target={target}}},attn-tile{{target={target}}})")
    (stage,) = plans(text)
    assert stage[1] == result.plan.fold
    fields = stage[2]
    for key, value in expected_fields(result.best, target).items():
        assert fields[key] == value, key
    assert fields["mapping"] == result.plan.mapping == "fused"
    # The compiler's space: native intrinsic, no cascade, K^T in the kernel.
    assert result.plan.kv_split == 1 and result.plan.k_transpose == "dma"
    assert result.best.datapath["name"] == "native"


MASKED_BLHD = """
func.func @layer(%q: tensor<2x256x8x64xbf16>, %k: tensor<2x256x4x64xbf16>, %v: tensor<2x256x4x64xbf16>,
                 %m: tensor<1x1x256x256xi1>, %b: tensor<8x256x256xbf16>, %n: tensor<2xi32>)
    -> tensor<2x256x8x64xbf16> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x256x256xi1>) bias(%b : tensor<8x256x256xbf16>)
       valid_len(%n : tensor<2xi32>) causal bottom_right layout blhd
       : tensor<2x256x8x64xbf16>, tensor<2x256x4x64xbf16>, tensor<2x256x4x64xbf16> -> tensor<2x256x8x64xbf16>
  return %o : tensor<2x256x8x64xbf16>
}
"""


@pytest.mark.parametrize("fold", ["auto", "unfolded", "partial", "full", "online"])
def test_stages_read_back_as_the_layer(fold: str) -> None:
    # Mask, bias, valid_len, GQA, causal and the blhd layout survive folding:
    # attn-tile rebuilds from the stages the shape attn.dse reads from the op.
    fixed = {} if fold == "auto" else {"fold": fold}
    result = explore(MASKED_BLHD, "npu2", **fixed)
    assert result.plan.layout == "dma"
    text, _ = run(MASKED_BLHD, f"builtin.module(attn-fold{{mode={fold}}},attn-tile)")
    stages = plans(text)
    assert stages and all(s[1] == result.plan.fold for s in stages)
    for _, _, fields in stages:
        for key, value in expected_fields(result.best, "npu2").items():
            assert fields[key] == value, key


@pytest.mark.parametrize("target", ["npu1", "npu2"])
def test_auto_picks_full_for_short_and_online_for_long(target: str) -> None:
    folds = {}
    for label, source in (("short", SHORT), ("long", LONG)):
        result = explore(source, target)
        text, remarks = run(source, f"builtin.module(attn-fold{{target={target} explain=true}})")
        fold = re.search(r'attn\.stage "\w+" fold (\w+)', text).group(1)
        assert fold == result.plan.fold
        folds[label] = fold
        # The remark reports the model's numbers: the chosen plan and every
        # fold's best (or why none fits).
        (remark,) = remarks
        chosen = re.search(r"modeled latency ([0-9.]+) ms", remark)
        assert float(chosen.group(1)) == pytest.approx(result.latency_s * 1e3, abs=1e-4)
        for fold_name, best in result.per_fold.items():
            part = re.search(rf"; {fold_name}: ([^;]+)", remark).group(1)
            if isinstance(best, str):
                assert part.startswith("no plan fits")
            else:
                assert float(part.removesuffix(" ms")) == pytest.approx(best.latency_s * 1e3, abs=1e-4)
    assert folds == {"short": "full", "long": "online"}


def test_explicit_options_and_fold_match_the_restricted_search() -> None:
    source = EXAMPLES["llama"]
    # A forced fold and mapping: the plan of that fold, stream pipelines of 3 cores.
    result = explore(source, "npu2", fold="online", mapping="stream")
    text, _ = run(source, "builtin.module(attn-fold{mode=online},attn-tile{mapping=stream})")
    (stage,) = plans(text)
    assert stage[2]["mapping"] == "stream" and result.plan.mapping == "stream"
    assert result.plan.cores_per_column % 3 == 0
    for key, value in expected_fields(result.best, "npu2").items():
        assert stage[2][key] == value, key
    # Pinned sizes stay; the rest is searched around them.
    result = explore(source, "npu2", fold="online", q_tile=32, columns=4)
    text, _ = run(source, "builtin.module(attn-fold{mode=online},attn-tile{q-tile=32 columns=4})")
    (stage,) = plans(text)
    assert stage[2]["q_tile"] == "32" and stage[2]["columns"] == "4"
    for key, value in expected_fields(result.best, "npu2").items():
        assert stage[2][key] == value, key


def test_unfolded_stages_share_the_plan_and_intermediate_type() -> None:
    source = layer(1, 8, 8, 256, 256)
    result = explore(source, "npu2", fold="unfolded", intermediate="bf16")
    assert result.plan.intermediate == "bf16"
    text, _ = run(source, "builtin.module(attn-fold{mode=unfolded intermediate-type=bf16},attn-tile)")
    stages = plans(text)
    assert [s[0] for s in stages] == ["qk", "softmax", "pv"]
    for _, _, fields in stages:
        for key, value in expected_fields(result.best, "npu2").items():
            assert fields[key] == value, key
    # auto with bf16 intermediates: the fold of the same restricted search.
    auto = explore(source, "npu2", intermediate="bf16")
    text, _ = run(source, "builtin.module(attn-fold{intermediate-type=bf16})")
    assert f"fold {auto.plan.fold}" in text


@pytest.mark.parametrize("fold", ["online", "full", "partial"])
def test_model_l1_equals_what_aie_check_limits_measures(fold: str) -> None:
    # The model's L1 for a plan (stack reserve + the largest core's buffers)
    # against the emitted program: aie-check-limits (last pass of attn-to-aie)
    # measures every tile of every device and fails unless the measurement
    # equals the stage layout recorded on the device (attn.layout_memory), so
    # the largest core entry there is the measured L1.
    from attn import compiler

    source = layer(1, 4, 2, 256, 256)
    program = compiler.compile(
        source, target="npu2", fold=fold, q_tile=16, kv_tile=32, l2_q_block=64, cores_per_column=4, depth=2
    )
    measured = 0
    for op in program.aie.body.operations:
        if op.operation.name == "aie.device":
            for entry in op.attributes["attn.layout_memory"]:
                col, row, nbytes = list(ir.DenseI64ArrayAttr(entry))
                if row >= 2:  # a core tile of npu2
                    measured = max(measured, nbytes)
    plan = next(iter(program.report["plans"].values()))
    with ir.Context():
        est = dse.estimate(
            ir.Module.parse(source),
            "npu2",
            fold,
            allow_illegal=True,
            q_tile=plan["q_tile"],
            kv_tile=plan["kv_tile"],
            l2_q_block=plan["l2_q_block"],
            l2_kv_block=plan["l2_kv_block"],
            intrinsic=tuple(plan["intrinsic"]),
            columns=plan["columns"],
            cores_per_column=plan["cores_per_column"],
            mapping="fused",
            kv_split=1,
            depth=plan["depth"],
            k_transpose="dma",
            layout="native",
            intermediate="f32",
        )
    assert measured > 0
    assert est.l1_bytes == measured, (fold, est.l1_bytes, measured)


def test_tiler_model_and_scheduler_reject_with_one_figure() -> None:
    # q-tile 64, kv-tile 32 at depth 2 (test/Conversion/AttnToAIE/
    # schedule-dma-errors.mlir @online_depth2): attn-tile, the model and
    # attn-schedule-dma all count 75264 B of L1 (74240 B of buffers + the
    # 1024 B stack reserve).
    source = layer(1, 32, 8, 256, 256)
    with pytest.raises(ir.MLIRError) as err:
        run(source, "builtin.module(attn-fold{mode=online},attn-tile{q-tile=64 kv-tile=32 cores-per-column=4})")
    needed = int(re.search(r"= (\d+) B > (\d+) B of npu2", str(err.value)).group(1))
    assert needed == 74240
    with ir.Context():
        est = dse.estimate(
            ir.Module.parse(source),
            "npu2",
            "online",
            allow_illegal=True,
            q_tile=64,
            kv_tile=32,
            l2_q_block=256,
            l2_kv_block=128,
            intrinsic=(4, 8, 8),
            columns=8,
            cores_per_column=4,
            mapping="fused",
            kv_split=1,
            depth=2,
            k_transpose="dma",
            layout="native",
            intermediate="f32",
        )
    assert est.l1_bytes == 75264 and any("L1 use" in v for v in est.violations)


def test_space_errors() -> None:
    source = EXAMPLES["bert"]
    with pytest.raises(ValueError, match="space: unknown search space 'tile'; valid: all, attn-tile"):
        with ir.Context():
            dse.explore(ir.Module.parse(source), space="tile")
    # Cascades are in the compiler's space for layers without mask/bias tensors.
    assert explore(source, "npu2", fold="online", kv_split=2).plan.kv_split == 2
    with pytest.raises(
        ValueError,
        match="fixed field 'kv_split' \\(2\\) is outside the compiler's space: .*cascades "
        "are emitted for layers without explicit mask or bias tensors",
    ):
        explore(MASKED_BLHD, "npu2", kv_split=2)
    # npu2's BFP16 [8, 8, 8] is in the compiler's space (attn-tile datapath=bfp16); npu1 has none.
    with pytest.raises(
        ValueError,
        match="fixed field 'intrinsic' \\[8, 8, 8\\] is outside the compiler's space: attn-tile emits the bf16 "
        "datapaths of npu1: native \\[4, 8, 4\\]",
    ):
        explore(source, "npu1", intrinsic=(8, 8, 8))
    with pytest.raises(ValueError, match="fixed field 'intrinsic' \\[4, 8, 4\\] is outside the compiler's space"):
        explore(source, "npu2", intrinsic=(4, 8, 4))
    with pytest.raises(ValueError, match="fixed field 'k_transpose' 'core' is outside"):
        explore(source, "npu2", k_transpose="core")
    with pytest.raises(ValueError, match="fixed field 'causal_skip' false is outside"):
        explore(EXAMPLES["llama"], "npu2", causal_skip=False)
    with pytest.raises(ValueError, match="fixed field 'layout' 'transpose' is outside"):
        explore(source, "npu2", layout="transpose")
    # The unrestricted space still offers what the compiler does not attach.
    with ir.Context():
        full = dse.explore(ir.Module.parse(source), "npu2")
    assert full.latency_s <= explore(source, "npu2").latency_s
