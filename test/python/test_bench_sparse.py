"""bench/sparse.py in --quick mode: JSON schema and internal consistency of
its numbers (budgets, kept keys, pipeline bounds, ratios). No timing goal is
checked."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("attn_bench_sparse", ROOT / "bench" / "sparse.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("bench_sparse")
    assert module.main(["--quick", "--out", str(out)]) == 0
    return module, out, json.loads((out / "sparse.json").read_text())


def test_quick_schema_and_consistency(quick) -> None:
    module, out, doc = quick
    for name in ("sparse.json", "sparse_recall.png", "sparse_time.png", "sparse_pipeline.png"):
        assert (out / name).is_file()
    trace = json.loads((out / "sparse_pipeline_trace.json").read_text())
    assert any(e["ph"] == "X" for e in trace["traceEvents"])
    ((name, layer),) = doc["layers"].items()
    cfg = layer["config"]
    assert set(layer["settings"]) == {"calibrated", "5%", "10%", "20%"}
    assert len(layer["calibration"]["keep_per_head"]) == cfg["h"]
    for key, e in layer["settings"].items():
        assert len(e["recall_per_head"]) == cfg["h"]
        assert all(0.0 <= r <= 1.0 + 1e-9 for r in e["recall_per_head"])
        if key != "calibrated":
            frac = float(key.rstrip("%")) / 100
            assert e["budget_per_head"] == [math.ceil(frac * cfg["lk"])] * cfg["h"]
        assert 0 < e["kept_fraction_of_visible_keys"] <= 1
        assert math.isclose(
            e["sparse_vs_torch"], e["cpu_sparse_stage_s"] / layer["dense_cpu_measured"]["torch_sdpa_s"], rel_tol=1e-12
        )
        for tgt, plan in e["plans"].items():
            chosen = plan["by_selection"][plan["selection_on"]]
            # A two-stage pipeline is never faster than either stage alone, never slower than serial.
            npu_total = chosen["pilot"]["total_s"]
            assert plan["pipelined_s"] >= npu_total - 1e-12
            assert plan["pipelined_s"] <= chosen["serial_s"] + 1e-12
            assert plan["pipelined_s"] == min(p["pipelined_s"] for p in plan["by_selection"].values())
            assert math.isclose(plan["vs_dense_npu"], plan["pipelined_s"] / layer["dense_npu_modeled_s"][tgt])
    # The pilot of the simulated AIE programs equals the CPU pilot: same scores, same selections, same recall.
    assert set(layer["npu_pilot_max_abs_score_error_vs_cpu_pilot"]) == {"npu1", "npu2"}
    assert all(err == 0.0 for err in layer["npu_pilot_max_abs_score_error_vs_cpu_pilot"].values())
    for e in layer["settings"].values():
        assert e["npu_pilot_selection_equal_rows"] == 1.0
        assert e["recall_per_head_npu_pilot"] == e["recall_per_head"]
        for plan in e["plans"].values():
            for p in plan["by_selection"].values():
                assert p["pilot"]["simulated"] and p["pilot_modeled"]["modeled"]
                assert p["pilot"]["total_s"] > p["pilot"]["dispatch_overhead_s"] * cfg["hkv"]
    # More keys kept, more recall (same pilot ranking, nested selections).
    med = [layer["settings"][k]["median_head_recall"] for k in ("5%", "10%", "20%")]
    assert med[0] <= med[1] <= med[2]
    section = module.readme_section(doc)
    assert section.startswith(module.BEGIN) and section.endswith(module.END) and name in section


def test_readme_update_is_idempotent(quick, tmp_path) -> None:
    module, _, doc = quick
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nhand-written\n")
    module.update_readme(readme, module.readme_section(doc))
    once = readme.read_text()
    module.update_readme(readme, module.readme_section(doc))
    assert readme.read_text() == once and "hand-written" in once


def test_unknown_layer_is_an_error(quick) -> None:
    module, _, _ = quick
    with pytest.raises(SystemExit):
        module.main(["--quick", "--layers", "nope"])
