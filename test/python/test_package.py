"""`attn-compile --package DIR` and the packaged host program on the simulator backend.

For both bundled examples: the full layer is packaged (manifest, stage modules, kernels,
build script with the pinned commit's aiecc flags, run.py), and a slice of it (as
examples/demo.py slices: 2 query heads of one kv group, 128 tokens) is packaged and its
``run.py --backend sim`` runs the very host sequence an NPU run would (padding, dispatches,
S/P chaining, slicing) on attn.sim and matches attn.reference. A valid_len layer shows one
package serving two lengths with no file rewritten. Nothing here runs the XRT path or
upstream's tools (there is no NPU, Peano or mlir-aie install here).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attn import cli, dse, ir
from attn.compiler import attention_layer
from attn.package import PINNED_MLIR_AIE

pytest.importorskip("attn.sim")
import aie_host  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["bert_base_layer.mlir", "llama32_1b_prefill.mlir"]


def _slice(path: Path) -> str:
    """The demo's slice of a bundled layer: 2 query heads of one kv group, 128 tokens."""
    with ir.Context():
        shape = dse.shape_of(ir.Module.parse(path.read_text()))
    heads = min(shape.heads // shape.kv_heads, 2)
    return str(attention_layer(1, heads, 1, 128, 128, shape.head_dim, causal=shape.causal))


def _run_py(package: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run(
        [sys.executable, str(package / "run.py"), "--backend", "sim", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _digest(package: Path) -> dict[str, str]:
    return {
        str(p.relative_to(package)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(package.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("example", EXAMPLES)
def test_package_of_bundled_example(example: str, tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    assert cli.main([str(ROOT / "examples" / example), "--target", "npu2", "--package", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["mlir_aie_commit"] == PINNED_MLIR_AIE and manifest["target"] == "npu2"
    assert manifest["layer"]["heads"] in (12, 32) and manifest["stages"]
    for stage in manifest["stages"]:
        text = (out / stage["module"]).read_text()
        assert f"aie.device(npu2) @{stage['device']}" in text
        buffers = [a for a in stage["arguments"] if a["kind"] == "buffer"]
        assert [a["xrt_group_id"] for a in buffers] == list(range(3, 3 + len(buffers)))
        assert sum(a["output"] for a in buffers) == 1 and buffers[-1]["output"]
        shim = (out / "host" / f"{stage['device']}_txn.cpp").read_text()
        assert f"{stage['txn_function']}(" in shim
    build = (out / "build.sh").read_text()
    assert "--peano" in build and "--get-xclbin" in build and "--get=npu_lowered.mlir" in build
    assert "--aie-npu-to-cpp" in build and "--target=aie2p-none-unknown-elf" in (out / "kernels" / "FLAGS").read_text()
    assert (out / "kernels" / "aie2p" / "attn_kernels.cc").is_file() and os.access(out / "run.py", os.X_OK)
    assert (out / "kernels" / "aie_common" / "attn_aie.hpp").is_file()
    assert "kernels/aie2p/attn_kernels.cc" in build
    for stage in manifest["stages"]:
        defines = (out / "kernels" / f"{stage['device']}.DEFINES").read_text().split()
        assert defines == [f"-D{k}={v}" for k, v in sorted(stage["kernel_defines"].items())]
        assert {"ATTN_TQ", "ATTN_TK", "ATTN_D", "ATTN_DV"} <= set(stage["kernel_defines"])


@pytest.mark.parametrize("example", EXAMPLES)
def test_run_py_sim_backend_on_example_slice(example: str, tmp_path: Path) -> None:
    layer = tmp_path / "slice.mlir"
    layer.write_text(_slice(ROOT / "examples" / example))
    out = tmp_path / "pkg"
    assert cli.main([str(layer), "--target", "npu2", "--package", str(out)]) == 0
    r = _run_py(out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout and "sim (modeled array time)" in r.stdout


def test_one_package_serves_every_length(tmp_path: Path) -> None:
    layer = tmp_path / "vl.mlir"
    layer.write_text(aie_host.layer_text(2, 2, 1, 64, 64, 32, valid_len=True))
    out = tmp_path / "pkg"
    assert cli.main([str(layer), "--target", "npu1", "--package", str(out), "--fold", "online"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    scalars = [a for s in manifest["stages"] for a in s["arguments"] if a["kind"] == "scalar"]
    assert [a["batch"] for a in scalars] == [0, 1]
    before = _digest(out)
    for lengths in ("64", "37,5", "1,64"):
        r = _run_py(out, "--valid-len", lengths)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "PASS" in r.stdout
    assert _digest(out) == before  # nothing in the package is rewritten per length
    r = _run_py(out, "--valid-len", "65")
    assert r.returncode != 0 and "--valid-len needs 2 values in [0, 64]" in r.stderr


def test_package_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    two = tmp_path / "two.mlir"
    one = aie_host.layer_text(1, 2, 1, 64, 64, 32)
    two.write_text(one + "\n" + one.replace("@layer", "@layer2"))
    assert cli.main([str(two), "--target", "npu2", "--package", str(tmp_path / "p")]) == 1
    assert "--package: the compiled module holds several layers" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("")
    layer = tmp_path / "l.mlir"
    layer.write_text(one)
    assert cli.main([str(layer), "--target", "npu2", "--package", str(blocker)]) == 1
    assert "--package: cannot write" in capsys.readouterr().err


def test_package_of_padded_layer(tmp_path: Path) -> None:
    # Lengths that do not divide the tiles: the manifest's pad_to / result shapes
    # come from the devices' typed host_padding records, and run.py pads, runs
    # and slices back to the logical shape.
    layer = tmp_path / "pad.mlir"
    layer.write_text(aie_host.layer_text(1, 2, 1, 100, 77, 64))
    out = tmp_path / "pkg"
    assert cli.main([str(layer), "--target", "npu2", "--package", str(out), "--fold", "online"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    (stage,) = manifest["stages"]
    pads = {a["role"]: a["pad_to"] for a in stage["arguments"] if a["kind"] == "buffer"}
    assert pads["q"][:2] == [1, 2] and pads["q"][2] > 100 and pads["q"][2] % 16 == 0
    assert pads["k"][2] > 77 and pads["k"] == pads["v"]
    assert stage["result_logical"] == [1, 2, 100, 64]
    assert stage["result_padded"] == [1, 2, pads["q"][2], 64]
    # The host program (IR) is packaged; the stage's buffers index its arguments.
    host = manifest["host_program"]
    assert (out / host["module"]).is_file() and "aiex.configure" in (out / host["module"]).read_text()
    assert [host["arguments"][i] for i in stage["host_arguments"]] == ["q", "k", "v", "o"]
    r = _run_py(out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout
