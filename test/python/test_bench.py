"""bench/run.py in --quick mode: the JSON schema, internal consistency of its
numbers (speedup = unfolded / best, scaled simulator latency, DRAM ratios,
goal verdicts), the README section generator and the CLI errors. No timing
goals are checked."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("attn_bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    assert bench.main(["--quick", "--out", str(out)]) == 0
    return out, json.loads((out / "results.json").read_text())


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def test_files_and_schema(bench, quick):
    out, doc = quick
    assert doc["schema_version"] == bench.SCHEMA_VERSION
    assert doc["meta"]["quick"] is True
    assert doc["meta"]["labels"] == {
        "model": "modeled (cost model)",
        "sim": "modeled (simulator)",
        "published": "measured on hardware",
    }
    assert [(r["layer"], r["target"]) for r in doc["results"]] == [(bench.QUICK_LAYER, "npu2")]
    for name in ("speedup.png", "roofline.png"):
        assert (out / name).stat().st_size > 1000
    r = doc["results"][0]
    for key in ("shape", "flops", "model", "compiled", "sim", "dram", "goals", "wall_s", "sim_speedup"):
        assert key in r, key
    assert set(r["goals"]) == {"latency", "dse", "speedup", "roofline", "dram", "agreement"}
    assert r["model"]["label"] == bench.MODEL_LABEL
    assert r["model"]["best"]["label"] == bench.MODEL_LABEL


def test_model_numbers_are_consistent(quick):
    _, doc = quick
    r = doc["results"][0]
    m = r["model"]
    s = r["shape"]
    assert close(m["speedup"], m["unfolded"]["latency_s"] / m["best"]["latency_s"])
    assert close(m["best_over_roofline"], m["best"]["latency_s"] / m["roofline"]["bound_s"])
    # The best plan is searched over every fold, unfolded included; the
    # roofline bounds every plan from below.
    assert m["best"]["latency_s"] <= m["unfolded"]["latency_s"]
    assert m["best"]["latency_s"] >= m["roofline"]["bound_s"]
    assert m["unfolded"]["plan"]["fold"] == "unfolded"
    # Compulsory traffic: Q, K, V read once, O written once, bf16.
    compulsory = 2 * s["batch"] * (2 * s["heads"] * s["query_len"] + 2 * s["kv_heads"] * s["key_len"]) * s["head_dim"]
    assert m["roofline"]["compulsory_bytes"] == compulsory
    assert r["flops"] == 2 * s["heads"] * s["query_len"] * s["key_len"] * 2 * s["head_dim"]


def test_compiled_and_dram_numbers_are_consistent(bench, quick):
    _, doc = quick
    r = doc["results"][0]
    d = r["dram"]
    for which in ("baseline", "best"):
        c = r["compiled"][which]
        assert c["dram_bytes"] == c["dram_read_bytes"] + c["dram_write_bytes"]
        assert c["dram_source"] == bench.DRAM_EMITTED
        # Every program reads Q, K, V and writes O at least once.
        assert c["dram_bytes"] >= d["compulsory_bytes"]
        assert c["model_same_plan"]["plan"]["fold"] == c["fold"]
    assert r["compiled"]["baseline"]["fold"] == "unfolded"
    assert d["source"] == bench.DRAM_EMITTED
    assert d["best_bytes"] == r["compiled"]["best"]["dram_bytes"]
    assert d["baseline_bytes"] == r["compiled"]["baseline"]["dram_bytes"]
    assert close(d["ratio"], d["best_bytes"] / d["compulsory_bytes"])
    # The unfolded baseline moves S and P through DRAM.
    assert d["baseline_bytes"] > d["best_bytes"]
    same = [r["compiled"][w]["model_same_plan"]["latency_s"] for w in ("baseline", "best")]
    assert close(r["compiled_model_speedup"], same[0] / same[1])


def test_simulator_numbers_are_consistent(bench, quick):
    _, doc = quick
    r = doc["results"][0]
    s = r["shape"]
    sims = r["sim"]
    for which in ("baseline", "best"):
        x = sims[which]
        assert x["feasible"], x.get("reason")
        assert x["label"] == bench.SIM_LABEL
        sl, plan = x["slice"], x["slice_plan"]
        full = bench.computed_pairs(s["heads"], s["query_len"], s["key_len"], plan["q_tile"], plan["kv_tile"], "none")
        part = bench.computed_pairs(sl["heads"], sl["q_len"], sl["kv_len"], plan["q_tile"], plan["kv_tile"], "none")
        assert close(x["scale"], full / part)
        assert x["scaled"] == (x["scale"] != 1.0)
        assert close(x["latency_s"], x["slice_array_s"] * x["scale"] + x["dispatch_s"])
        assert close(x["slice_latency_s"], x["slice_array_s"] + x["dispatch_s"])
        assert close(x["agreement"], x["slice_latency_s"] / x["slice_model_latency_s"] - 1.0)
        # The simulated program computes attention (bf16 output).
        assert x["max_abs_error"] < 2e-2
    # Same slice for both, one dispatch per stage.
    assert sims["baseline"]["slice"] == sims["best"]["slice"]
    assert close(sims["baseline"]["dispatch_s"], 3 * sims["best"]["dispatch_s"])
    assert close(r["sim_speedup"], sims["baseline"]["latency_s"] / sims["best"]["latency_s"])


def test_goal_verdicts_follow_values(quick):
    _, doc = quick
    r = doc["results"][0]
    for key, g in r["goals"].items():
        if not g["applies"]:
            assert g["met"] is None, key
            continue
        expected = {
            "latency": g["value"] <= g["threshold"],
            "dse": g["value"] <= g["threshold"],
            "speedup": g["value"] >= g["threshold"],
            "roofline": g["value"] <= g["threshold"],
            "dram": g["value"] <= g["threshold"],
            "agreement": abs(g["value"]) <= g["threshold"],
        }[key]
        assert g["met"] == expected, key
    assert r["goals"]["speedup"]["applies"] is False  # L = 128 is not a long sequence
    assert r["goals"]["latency"]["applies"] is False  # only Llama-3.2-1B and 16K on npu2
    assert close(r["goals"]["dse"]["value"], r["sim"]["best"]["latency_s"] / r["model"]["best"]["latency_s"])
    assert close(r["goals"]["roofline"]["value"], r["model"]["best_over_roofline"])


def test_computed_pairs(bench):
    assert bench.computed_pairs(2, 100, 100, 32, 16, "none") == 2 * 4 * 7
    # Causal with square tiles: the lower triangle of tiles.
    assert bench.computed_pairs(1, 256, 256, 64, 64, "top_left") == 4 + 3 + 2 + 1
    # bottom_right shifts the diagonal right when Lk > Lq.
    assert bench.computed_pairs(1, 64, 128, 64, 64, "bottom_right") == 2
    assert bench.computed_pairs(1, 64, 128, 64, 64, "top_left") == 1


def test_readme_section(bench, quick, tmp_path):
    _, doc = quick
    section = bench.markdown({**doc, "published": []})
    assert "BERT-base L=128" in section
    assert bench.MODEL_LABEL in section and bench.SIM_LABEL in section
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.README_BEGIN}\nold table\n{bench.README_END}\noutro\n")
    bench.update_readme(readme, section)
    text = readme.read_text()
    assert "old table" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert section in text
    readme.write_text("no markers\n")
    with pytest.raises(SystemExit, match="missing the markers"):
        bench.update_readme(readme, section)


def test_cli_errors(bench, tmp_path, capsys):
    for argv, message in (
        (["--layers", "gpt5"], "unknown layer(s) gpt5"),
        (["--targets", "npu9"], "unknown target(s) npu9"),
        (["--sim-budget", "0"], "--sim-budget must be positive"),
    ):
        with pytest.raises(SystemExit):
            bench.main([*argv, "--out", str(tmp_path)])
        assert message in capsys.readouterr().err


def test_from_json_redraws(bench, quick, tmp_path, capsys):
    out, doc = quick
    readme = tmp_path / "README.md"
    readme.write_text(f"{bench.README_BEGIN}\n{bench.README_END}\n")
    redraw = tmp_path / "redraw"
    argv = ["--from-json", str(out / "results.json"), "--out", str(redraw), "--readme", str(readme)]
    assert bench.main(argv) == 0
    assert (redraw / "speedup.png").is_file() and (redraw / "roofline.png").is_file()
    assert bench.markdown(doc) in readme.read_text()
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({**doc, "schema_version": 0}))
    with pytest.raises(SystemExit):
        bench.main(["--from-json", str(bad), "--out", str(redraw)])
    assert "schema_version 0, expected" in capsys.readouterr().err


def test_dse_best_is_what_is_compiled(quick):
    _, doc = quick
    r = doc["results"][0]
    cb = r["compiled"]["best"]
    # No compilable subset: the DSE best itself, every field pinned.
    assert cb["rank"] == 0 and cb["rejected"] == 0
    assert cb["model_plan"] == r["model"]["best"]["plan"]
    for field in ("q_tile", "kv_tile", "l2_q_block", "l2_kv_block", "columns", "cores_per_column", "depth"):
        assert cb["plan"][field] == cb["model_plan"][field], field
    assert close(cb["model_same_plan"]["latency_s"], r["model"]["best"]["latency_s"])
    assert r["model"]["explored"]["not_emittable"] > 0


def test_dram_section_explains_rereads(bench):
    layer = next(x for x in bench.LAYERS if x.name == "whisper_base_enc")
    from attn import dse

    shape = dse.AttentionShape(1, 8, 8, 1500, 1500, 64, 64)
    best = dse.explore_shape(shape, "npu2")
    kv_head = 1500 * 2 * 64 * 2
    compiled = {
        "best": {"dram_bytes": 3 * 8 * kv_head, "kv_read_bytes": 2 * 8 * kv_head},
        "baseline": {"dram_bytes": 10 * 8 * kv_head},
    }
    d = bench.dram_section(layer, "npu2", shape, best.best, compiled, 8 * kv_head)
    assert d["kv_head_bytes"] == kv_head and d["kv_reread_factor"] == 2.0
    assert d["columns_per_kv_head"] == max(1, best.plan.columns // 8)
    assert d["l2_allows"] == (kv_head <= d["aggregate_l2_bytes"])
    # The reasons are the emitter rules the predicate gives, not prose of the bench.
    padded = -(-1500 // best.plan.kv_tile) * best.plan.kv_tile
    resident = dse.why_not_emittable(shape, "npu2", best.plan.fold, **{**best.plan.options(), "l2_kv_block": padded})
    assert resident is not None and resident.message in d["reread_reasons"]
    once = {**compiled, "best": {**compiled["best"], "kv_read_bytes": 8 * kv_head}}
    assert bench.dram_section(layer, "npu2", shape, best.best, once, 8 * kv_head)["reread_reasons"] == []


def test_calibration_rows_say_why_not_emitted(bench):
    from attn import dse

    rows = bench.calibration_section(1.0)
    assert [r["published_s"] for r in rows] == [40.1e-3, 15.4e-3, 47.5e-3, 432e-6]
    # mlir-air's decode row: the DSE's plan compiled and simulated whole, its
    # array time within the simulator-vs-model tolerance of the model.
    decode = rows[-1]
    assert decode["status"] == "compiled and simulated", decode["status"]
    assert decode["max_abs_error"] < 2e-2 and abs(decode["array_agreement"]) <= 0.15
    assert decode["error"] == decode["sim_s"] / 432e-6 - 1.0
    for row, spec in zip(rows[:-1], bench._calibration_specs(), strict=True):
        layer = spec["layer"]
        shape = dse.AttentionShape(
            1, layer.heads, layer.kv_heads, layer.length, layer.length, 64, 64, causal=layer.causal
        )
        plan = row["plan"]
        why = dse.why_not_emittable(
            shape,
            "npu2",
            plan["fold"],
            **{k: (tuple(v) if k == "intrinsic" else v) for k, v in plan.items() if k not in ("target", "fold")},
        )
        if why is not None:
            assert row["status"] == f"not emittable: {why.message}" and row["sim_s"] is None
        else:
            assert row["status"] in ("compiled and simulated",) or row["status"].startswith(("does not", "not"))
        assert row["model_s"] > 0


def test_calibration_row_compiles_and_simulates_an_emitted_mapping(bench):
    # The path the published mappings take once the back end emits them:
    # a fused online mapping on a small shape, compiled and simulated.
    layer = bench.Layer("small", "small", 2, 2, 256, 64)
    spec = {
        "name": "fused mapping",
        "design": "test",
        "layer": layer,
        "latency_s": 1e-3,
        "plan": dict(
            q_tile=32,
            kv_tile=32,
            columns=2,
            cores_per_column=2,
            mapping="fused",
            kv_split=1,
            depth=2,
            intrinsic=(4, 8, 8),
            l2_q_block=64,
            l2_kv_block=32,
            k_transpose="dma",
            layout="native",
            intermediate="f32",
            causal_skip=True,
        ),
    }
    row = bench.calibration_row(spec, budget_s=20.0)
    assert row["status"] == "compiled and simulated", row["status"]
    assert row["sim_s"] > 0 and close(row["error"], row["sim_s"] / 1e-3 - 1.0)
    assert row["met"] == (abs(row["error"]) <= bench.GOAL_CALIBRATION)
    section = "\n".join(bench._calibration_rows([row]))
    assert "fused mapping (test)" in section
