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
    assert set(r["goals"]) == {"speedup", "roofline", "dram", "agreement"}
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
            "speedup": g["value"] >= g["threshold"],
            "roofline": g["value"] <= g["threshold"],
            "dram": g["value"] <= g["threshold"],
            "agreement": abs(g["value"]) <= g["threshold"],
        }[key]
        assert g["met"] == expected, key
    assert r["goals"]["speedup"]["applies"] is False  # L = 128 is not a long sequence
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
