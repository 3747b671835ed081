"""bench/compile_time.py: the --mlir-timing parser, the quick run's record
(every pass of attn-to-aie is timed, the child's resources are read), the
README section and the CLI errors. No timing goal is asserted."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ct():
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("attn_bench_compile_time", ROOT / "bench" / "compile_time.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_timing_rows_parse(ct):
    rows = [
        "  0.0756 ( 43.2%)      AttnFold",
        "  0.1682 ( 96.0%)    'builtin.module' Pipeline",
        "  0.1750 (100.0%)  Total",
        "not a row",
    ]
    parsed = [ct._TIMING_ROW.match(r) for r in rows]
    assert parsed[0] is not None and parsed[0].group(2) == "AttnFold" and float(parsed[0].group(1)) == 0.0756
    assert parsed[1] is not None and "Pipeline" in parsed[1].group(2)
    assert parsed[3] is None


def test_quick_run(ct, tmp_path):
    assert ct.main(["--quick", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "compile_time.json").read_text())
    assert doc["label"].startswith("measured") and doc["goal_s"] == ct.GOAL_SECONDS
    (rec,) = doc["results"]
    assert rec["layer"] == "bert_base_128" and rec["target"] == "npu2" and "error" not in rec
    # The pipeline's passes, not its wrappers, are what the timing reports.
    for name in ("AttnFold", "AttnTile", "ConvertAttnToAIE"):
        assert any(name in p for p in rec["passes_s"]), rec["passes_s"]
    assert not any("Pipeline" in p for p in rec["passes_s"])
    assert rec["max_rss_mib"] > 1.0  # wait4 reported the child, not nothing
    assert rec["plan"] == "best" and rec["emitted_bytes"] > 1000  # an aie.device module was written
    assert rec["meets_goal"] == (rec["cpu_s"] <= ct.GOAL_SECONDS)
    assert (tmp_path / "compile_time.png").is_file()
    section = ct.markdown(doc)
    assert "| BERT-base L=128 | npu2 |" in section and "measured on this CPU" in section


def test_rejected_layer_is_reported(ct, tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @attention(%q: tensor<1x1x8x8xbf16>) {\n  return\n}\n")
    rec = ct.run_once(ct.find_attn_opt(None), bad, "npu9", timing=False)
    assert rec["rc"] != 0 and "npu9" in rec["error"]


def test_bad_repeat(ct, tmp_path):
    with pytest.raises(SystemExit):
        ct.main(["--repeat", "0", "--out", str(tmp_path)])
