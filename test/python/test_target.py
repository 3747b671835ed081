"""attn.target: the C++ target table seen from Python, checked against AIE-TARGET.md facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from attn import target

EXPECTED_NAMES = [
    "npu1",
    "npu1_1col",
    "npu1_2col",
    "npu1_3col",
    "npu2",
    "npu2_1col",
    "npu2_2col",
    "npu2_3col",
    "npu2_4col",
    "npu2_5col",
    "npu2_6col",
    "npu2_7col",
]


def test_names_are_the_documented_targets() -> None:
    assert target.names() == EXPECTED_NAMES


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_every_target_resolves_and_is_consistent(name: str) -> None:
    t = target.get(name)
    assert t.name == name
    family, _, cols = name.partition("_")
    assert t.family == family
    full_columns = {"npu1": 4, "npu2": 8}[family]
    assert t.num_columns == (int(cols.removesuffix("col")) if cols else full_columns)
    # One shim row, one memtile row, four core rows.
    assert (t.num_rows, t.shim_row, t.mem_tile_row, t.first_core_row, t.num_core_rows) == (6, 0, 1, 2, 4)
    assert t.num_cores == t.num_columns * 4
    assert t.core_l1_bytes == 64 * 1024
    assert t.mem_tile_l2_bytes == 512 * 1024
    assert 0 < t.core_stack_reserve_bytes < t.core_l1_bytes
    assert (t.core_locks, t.mem_tile_locks) == (16, 64)
    assert t.locks("core") == t.core_locks and t.locks("memtile") == t.mem_tile_locks
    for kind, (s2mm, mm2s, bds) in {"core": (2, 2, 16), "memtile": (6, 6, 48), "shim": (2, 2, 16)}.items():
        assert t.channels(kind, "s2mm") == s2mm
        assert t.channels(kind, "mm2s") == mm2s
        assert t.buffer_descriptors(kind) == bds
    shim = t.dma_limits("shim")
    assert (shim.max_dims, shim.max_size, shim.max_outer_size, shim.max_stride_words, shim.unit_bytes) == (
        4,
        1023,
        64,
        1 << 20,
        4,
    )
    assert t.dma_limits("memtile").max_object_fifo_dims == 4
    assert t.dma_limits("core").max_object_fifo_dims == 3
    assert t.shim_task_queue_depth == 4
    assert t.mem_tile_link_fan_out_max == 6
    assert t.row_reduce_cycles == 16
    assert t.dram_bytes_per_second > 0 and t.clock_hz > 0 and t.dispatch_overhead_seconds > 0
    # Every matmul-capable dtype has an intrinsic whose product is the MAC rate.
    for kind in t.elements:
        macs = t.macs_per_cycle(kind)
        m, k, n = t.intrinsic(kind)
        if macs:
            # one intrinsic per cycle; f16/f32 run on the bf16 one in `passes` passes
            passes = t.elements[kind].matmul_passes
            assert m * k * n == pytest.approx(macs * passes)
            assert (m, k, n) == t.intrinsic("bf16") or passes == 1
            assert 0 < t.kernel_efficiency(kind) <= 1
        else:
            assert (m, k, n) == (0, 0, 0)
    assert t.tile_kind(0, 0) == "shim"
    assert t.tile_kind(t.num_columns - 1, 1) == "memtile"
    assert t.tile_kind(0, 5) == "core"


def test_family_facts() -> None:
    npu1, npu2 = target.get("npu1"), target.get("npu2")
    assert (npu1.arch, npu2.arch) == ("AIE2", "AIE2P")
    assert npu1.macs_per_cycle("bf16") == 128 and npu1.intrinsic("bf16") == (4, 8, 4)
    assert npu1.macs_per_cycle("i8") == 256 and npu2.macs_per_cycle("i8") == 512
    assert npu2.intrinsic("i8") == (8, 8, 8)
    assert (npu1.vector_lanes("bf16"), npu2.vector_lanes("bf16")) == (16, 32)
    assert npu1.clock_hz == 1.024e9 and npu2.clock_hz == 1.76e9
    assert (npu1.stream_bytes_per_cycle, npu2.stream_bytes_per_cycle) == (4, 8)
    # npu1's DRAM rate and exp cost are our assumptions; npu2's full-array DRAM rate was measured.
    assert npu1.dram_bandwidth_is_assumption and npu1.exp_cost_is_assumption
    assert not npu2.dram_bandwidth_is_assumption and not npu2.exp_cost_is_assumption
    assert target.get("npu2_4col").dram_bandwidth_is_assumption
    assert npu1.exp_cycles_per_element > npu2.exp_cycles_per_element
    # npu1's assumed DRAM rate is half the 2 MM2S x 4 B/cycle x 4 columns ceiling.
    assert npu1.dram_bytes_per_second == pytest.approx(0.5 * 2 * 4 * 4 * 1.024e9)


def test_targets_are_frozen() -> None:
    t = target.get("npu2")
    with pytest.raises(AttributeError):
        t.num_columns = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        t.tile("core").dma.max_size = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        t.tiles["core"] = t.tiles["shim"]  # type: ignore[index]


def test_targets_are_the_bound_table_entries() -> None:
    # attn.target re-exports the nanobind classes of the C++ structs: no copy.
    from attn._mlir_libs import _attn

    t = target.get("npu2")
    assert type(t) is _attn.NPUTarget is target.NPUTarget
    assert isinstance(t.tile("memtile"), target.TileInfo) and isinstance(t.bf16_via_bfp16, target.ElementInfo)
    assert t == target.get("npu2") and t != target.get("npu1") and len({t, target.get("npu2")}) == 1
    assert t.tiles["memtile"].s2mm_channels == t.channels("memtile", "s2mm")


def test_unknown_target_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"unknown NPU target 'npu3'; valid targets: npu1, npu1_1col"):
        target.get("npu3")
    with pytest.raises(ValueError, match="must be a string"):
        target.get(2)  # type: ignore[arg-type]


def test_bad_kinds_are_rejected() -> None:
    t = target.get("npu1")
    with pytest.raises(ValueError, match="unknown tile kind 'dram'"):
        t.channels("dram", "s2mm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown DMA direction 'in'"):
        t.channels("core", "in")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown element kind 'f64'"):
        t.macs_per_cycle("f64")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"tile \(4, 0\) is outside the 4x6 array of npu1"):
        t.tile_kind(4, 0)


def _struct_fields(header: Path, struct: str) -> list[str]:
    """The data members of `struct` in a C++ header, in snake_case."""
    body = re.search(r"struct " + struct + r" \{(.*?)\n\};", header.read_text(), re.S)
    assert body, f"struct {struct} not found in {header}"
    names: list[str] = []
    for line in body.group(1).splitlines():
        code = line.split("//")[0].strip()
        if not code.endswith(";") or "(" in code or code.startswith(("using", "static", "enum")):
            continue
        declarators = re.sub(r"^(const\s+)?[\w:]+(<[^>]*>)?\s+", "", code.rstrip(";"))
        for declarator in declarators.split(","):
            name = declarator.split("=")[0].strip()
            names.append(re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower())
    return names


@pytest.mark.parametrize(
    "struct, instance",
    [
        ("NPUTarget", lambda t: t),
        ("TileKindInfo", lambda t: t.tile("core")),
        ("DmaLimits", lambda t: t.dma_limits("shim")),
        ("ElementKindInfo", lambda t: t.element("bf16")),
    ],
)
def test_every_table_field_is_bound(struct: str, instance) -> None:
    # One set of target fields: a field added to NPUTarget.h must be bound (not copied) to show here.
    header = Path(__file__).resolve().parents[2] / "include" / "attn" / "Target" / "NPUTarget.h"
    obj = instance(target.get("npu2"))
    fields = _struct_fields(header, struct)
    assert len(fields) >= 4
    missing = [name for name in fields if not hasattr(obj, name)]
    assert not missing, f"{struct} fields not bound in python/AttnModelBindings.cpp: {missing}"
