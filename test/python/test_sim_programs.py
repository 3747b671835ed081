"""attn.sim on hand-written AIE programs (test/python/sim_programs/) with exact expected outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from attn import sim

PROGRAMS = Path(__file__).parent / "sim_programs"


def program(name: str) -> str:
    return (PROGRAMS / name).read_text()


@pytest.mark.parametrize("timing", [True, False])
def test_passthrough_with_transposing_pattern(timing: bool) -> None:
    x = np.arange(1024, dtype=np.int32)
    r = sim.run(program("passthrough_transpose.mlir"), x, timing=timing)
    np.testing.assert_array_equal(r.output, x.reshape(4, 16, 16).transpose(0, 2, 1).reshape(-1))
    assert list(r.outputs) == [1]
    assert r.dram_bytes == 2 * x.nbytes
    assert r.warnings == []
    assert (r.cycles > 0) == timing


def test_eltwise_add_with_task_form_sequence() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(-1000, 1000, 256).astype(np.int32)
    b = rng.integers(-1000, 1000, (64, 4)).astype(np.int32)
    r = sim.run(program("eltwise_add.mlir"), a, b)
    np.testing.assert_array_equal(r.output, a + b.T.reshape(-1))
    assert r.output.dtype == np.int32


def test_eltwise_add_wraps_like_i32() -> None:
    a = np.full(256, 2**31 - 1, np.int32)
    b = np.ones((64, 4), np.int32)
    r = sim.run(program("eltwise_add.mlir"), a, b, timing=False)
    assert (r.output == -(2**31)).all()


def test_matmul_through_memtile_join_split_and_broadcast() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(-8, 9, (2, 32, 16)).astype(np.float32)
    b = rng.integers(-8, 9, (2, 16, 16)).astype(np.float32)
    r = sim.run(program("matmul_join_split.mlir"), a, b)
    np.testing.assert_array_equal(r.output, a @ b)  # small integers: exact in f32
    assert r.output.shape == (2, 32, 16)
    busy = r.tiles
    assert busy["core (0, 2)"]["core"]["busy"] > 0 and busy["core (0, 3)"]["core"]["busy"] > 0


def test_broadcast_with_per_consumer_patterns() -> None:
    x = np.arange(128, dtype=np.int32).reshape(2, 8, 8) - 40
    r = sim.run(program("broadcast.mlir"), x)
    assert sorted(r.outputs) == [1, 2]
    np.testing.assert_array_equal(r.outputs[1].reshape(2, 8, 8), x + 1)
    np.testing.assert_array_equal(r.outputs[2].reshape(2, 8, 8), 2 * x.transpose(0, 2, 1))
    assert r.output is r.outputs[2]  # the highest-numbered written argument


def test_program_accepts_module_and_compiler_result_objects() -> None:
    from attn import ir

    text = program("passthrough_transpose.mlir")
    x = np.arange(1024, dtype=np.int32)
    with ir.Context():
        module = ir.Module.parse(text)
        by_module = sim.run(module, x, timing=False)

        class Compiled:
            aie = module

        by_result = sim.run(Compiled(), x, timing=False)
    np.testing.assert_array_equal(by_module.output, by_result.output)


def test_trace_json_has_a_track_per_tile_and_channel(tmp_path: Path) -> None:
    x = np.arange(1024, dtype=np.int32)
    r = sim.run(program("passthrough_transpose.mlir"), x)
    path = tmp_path / "trace.json"
    r.write_trace(path)
    trace = json.loads(path.read_text())
    events = trace["traceEvents"]
    processes = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert {"host", "shim (0, 0)", "memtile (0, 1)", "core (0, 2)"} <= processes
    threads = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"core", "MM2S @in", "MM2S @in_l1", "MM2S @out_l1", "MM2S @out"} <= threads
    spans = [e for e in events if e["ph"] == "X"]
    end = max(e["ts"] + e["dur"] for e in spans)
    assert end == pytest.approx(r.seconds * 1e6)
    assert all(e["dur"] > 0 for e in spans)


def test_untimed_run_has_no_trace(tmp_path: Path) -> None:
    r = sim.run(program("passthrough_transpose.mlir"), np.zeros(1024, np.int32), timing=False)
    with pytest.raises(sim.SimError, match="untimed"):
        r.write_trace(tmp_path / "t.json")


def test_timeline_plot_or_clear_missing_matplotlib_error(tmp_path: Path, monkeypatch) -> None:
    r = sim.run(program("passthrough_transpose.mlir"), np.zeros(1024, np.int32))
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="need matplotlib, which is not installed"):
        r.plot(tmp_path / "t.png")
    monkeypatch.undo()
    pytest.importorskip("matplotlib")
    r.plot(tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 0


def test_missing_trailing_arguments_start_zeroed_and_shapes_are_free() -> None:
    x = np.arange(1024, dtype=np.int32).reshape(32, 32)
    r = sim.run(program("passthrough_transpose.mlir"), x, timing=False)
    assert r.output.shape == (1024,)
    with pytest.raises(sim.SimError, match="argument 0: array of shape \\(10,\\) has 10 elements"):
        sim.run(program("passthrough_transpose.mlir"), np.zeros(10, np.int32))
    with pytest.raises(sim.SimError, match="3 arrays given but the runtime sequence @sequence takes 2"):
        sim.run(program("passthrough_transpose.mlir"), x, x, x)


def test_bf16_arguments_accept_ml_dtypes_and_round_floats() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    from test_sim_engine import one_core_copy_program

    prog = one_core_copy_program("bf16", 64)
    x = np.linspace(-3, 3, 128).astype(np.float32)
    r1 = sim.run_program(prog(), x, timing=False)
    r2 = sim.run_program(prog(), x.astype(ml_dtypes.bfloat16), timing=False)
    np.testing.assert_array_equal(r1.output, x.astype(ml_dtypes.bfloat16).astype(np.float32))
    np.testing.assert_array_equal(r1.output, r2.output)


def test_scalar_semantics_of_core_bodies() -> None:
    r = sim.run(program("scalar_ops.mlir"), timing=False)
    ints = [45, -3, -1, -4, 4, 2**31 - 4, -4, 2**31 - 4, 1, 0, 11, 8, -56, 200, -2, 0]
    np.testing.assert_array_equal(r.outputs[0], ints)
    f32 = np.float32
    floats = [1.0, 1.0078125, np.exp(f32(1)), 0.25, -7.0, f32(1) / f32(3), -2.0, np.sqrt(f32(2))]
    np.testing.assert_array_equal(r.outputs[1], np.array(floats, np.float32))


def test_acquire_may_return_the_objects_directly() -> None:
    text = program("passthrough_transpose.mlir")
    text = text.replace(
        "%si = aie.objectfifo.acquire @in_l1(Consume, 1) : !aie.objectfifosubview<memref<16x16xi32>>",
        "%x = aie.objectfifo.acquire @in_l1(Consume, 1) : memref<16x16xi32>",
    )
    text = text.replace(
        "        %x = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<16x16xi32>> "
        "-> memref<16x16xi32>\n",
        "",
    )
    assert "subview.access %si" not in text
    x = np.arange(1024, dtype=np.int32)
    r = sim.run(text, x, timing=False)
    np.testing.assert_array_equal(r.output, x.reshape(4, 16, 16).transpose(0, 2, 1).reshape(-1))


def test_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    x = np.arange(1024, dtype=np.int32)
    np.savez(tmp_path / "in.npz", x)
    cmd = [
        sys.executable,
        "-m",
        "attn.sim",
        str(PROGRAMS / "passthrough_transpose.mlir"),
        "--inputs",
        str(tmp_path / "in.npz"),
        "--trace",
        str(tmp_path / "t.json"),
        "--out",
        str(tmp_path / "out.npz"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    summary = json.loads(done.stdout)
    assert summary["cycles"] > 0 and summary["written_args"] == [1]
    with np.load(tmp_path / "out.npz") as out:
        np.testing.assert_array_equal(out["output"], x.reshape(4, 16, 16).transpose(0, 2, 1).reshape(-1))
        np.testing.assert_array_equal(out["arg1"], out["output"])
    assert json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    deadlock = (
        (PROGRAMS / "passthrough_transpose.mlir")
        .read_text()
        .replace("[1, 1, 1, 1024][0, 0, 0, 1]) {id = 1", "[1, 1, 1, 512][0, 0, 0, 1]) {id = 1")
    )
    (tmp_path / "dead.mlir").write_text(deadlock)
    failed = subprocess.run(cmd[:3] + [str(tmp_path / "dead.mlir")], capture_output=True, text=True)
    assert failed.returncode == 1
    assert "error: deadlock" in failed.stderr and "core (0, 2)" in failed.stderr


def test_lock_handoff_between_cores() -> None:
    r = sim.run(program("lock_handoff.mlir"))
    expected = [3 * i + 1 + 100 * rnd for rnd in range(2) for i in range(8)]
    np.testing.assert_array_equal(r.output, expected)


def test_core_to_core_objectfifo_over_dma() -> None:
    x = np.arange(192, dtype=np.int32).reshape(3, 8, 8)
    r = sim.run(program("core_pipeline.mlir"), x)
    np.testing.assert_array_equal(r.output.reshape(3, 8, 8), 2 * (x + 1).transpose(0, 2, 1))
    assert "MM2S @ab" in r.tiles["core (0, 2)"]


def test_link_chain_through_two_memtiles() -> None:
    # shim -> memtile (0,1) -> memtile (1,1) -> core: @mid is the output of one link
    # and the input of the next.
    text = program("passthrough_transpose.mlir")
    text = text.replace("    %core = aie.tile(0, 2)\n", "    %core = aie.tile(0, 2)\n    %mem1 = aie.tile(1, 1)\n")
    text = text.replace(
        "    aie.objectfifo @in_l1(%mem dimensionsToStream",
        "    aie.objectfifo @mid(%mem, {%mem1}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>\n"
        "    aie.objectfifo.link [@mid] -> [@in_l1] ([] [])\n"
        "    aie.objectfifo @in_l1(%mem1 dimensionsToStream",
    )
    text = text.replace("aie.objectfifo.link [@in] -> [@in_l1] ([] [])", "aie.objectfifo.link [@in] -> [@mid] ([] [])")
    x = np.arange(1024, dtype=np.int32)
    r = sim.run(text, x)
    np.testing.assert_array_equal(r.output, x.reshape(4, 16, 16).transpose(0, 2, 1).reshape(-1))
    assert "MM2S @mid" in r.tiles["memtile (0, 1)"] and "MM2S @in_l1" in r.tiles["memtile (1, 1)"]
