"""Build-and-run package of a compiled attention layer (``attn-compile --package DIR``).

:func:`write_package` lays out, for one compiled layer::

    DIR/manifest.json          layer facts, target, and per stage: device, runtime-sequence
                               arguments (host buffers and runtime scalars), padding, output
    DIR/stages/<device>.mlir   the stage's AIE module (upstream mlir-aie syntax, pinned commit)
    DIR/kernels/               the AIE-API kernel sources (aie2 or aie2p), FLAGS (Peano compile
                               line) and <device>.DEFINES (the stage's -D tile sizes)
    DIR/host/<device>_txn.cpp  a C ABI around the instruction builder aie-translate generates
    DIR/host/<layer>.mlir      the layer's host program as IR: an aie.device whose runtime
                               sequence dispatches the stage devices in order (upstream's
                               aiex.configure / aiex.run); the manifest's stage order and each
                               stage's ``host_arguments`` (indices into the host program's
                               ``arguments`` roles) are read from it
    DIR/build.sh               Peano kernel objects, aiecc xclbin, aie-translate + C++ builder
    DIR/run.py                 the host program: XRT on a Ryzen AI NPU, or attn.sim (--backend sim)

Runtime lengths: a stage's ``valid_len`` is one ``i32`` argument per batch of its
``aie.runtime_sequence``, written to the cores with ``aiex.npu.rtp_write``. On an NPU the
instruction words are produced at dispatch by upstream's generated builder
(``aie-translate --aie-npu-to-cpp``, a function of the scalar arguments), so one xclbin serves
every length up to the bucket and no instruction word is patched on the host.

Nothing here has been run on NPU hardware or with upstream's toolchain by this project: there
is no NPU, Peano or mlir-aie install where it is developed. ``run.py --backend sim`` runs the
same host sequence on the simulator and is tested.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from . import ir

__all__ = ["PINNED_MLIR_AIE", "PackageError", "write_package"]

#: The upstream mlir-aie commit whose syntax the emitted programs follow and whose tools
#: (aiecc, aie-translate) the build script calls.
PINNED_MLIR_AIE = "3ca0193cea9e2c39ec670a65f93e1dd43c969f22"

# AIE-API kernel sources per device family (kernels/aie2, kernels/aie2p, the shared header).
_KERNEL_ARCH = {"npu1": "aie2", "npu2": "aie2p"}
_KERNEL_SOURCES = ("aie2/attn_kernels.cc", "aie2p/attn_kernels.cc", "aie_common/attn_aie.hpp")
# Peano target triple per device family (mlir-aie's programming_examples/makefile-common).
_PEANO_TRIPLE = {"npu1": "aie2-none-unknown-elf", "npu2": "aie2p-none-unknown-elf"}


class PackageError(ValueError):
    """A compiled program that cannot be packaged (the message names the reason)."""


def _kernel_dir() -> Path:
    """The kernels/ sources: in the source tree, or installed next to the package."""
    env = os.environ.get("ATTN_KERNELS_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    # Installed next to the package (attn/kernels/, see python/CMakeLists.txt), else the source tree.
    candidates += [Path(__file__).parent / "kernels", *(p / "kernels" for p in here.parents)]
    for c in candidates:
        if all((c / f).is_file() for f in _KERNEL_SOURCES):
            return c
    raise PackageError(
        "cannot find the kernel sources (kernels/aie2, kernels/aie2p); set ATTN_KERNELS_DIR to the "
        "repository's kernels/ directory"
    )


def _kernel_defines(program: Any, device: str) -> dict[str, int]:
    """The device's ``attn.kernel_defines`` (-D values its kernel object is built with)."""
    defines: dict[str, int] = {}
    for op in program.aie.body.operations:
        if op.operation.name != "aie.device" or ir.StringAttr(op.attributes["sym_name"]).value != device:
            continue
        for inner in op.regions[0].blocks[0].operations:
            if inner.operation.name == "func.func" and "attn.kernel_defines" in inner.attributes:
                for named in ir.DictAttr(inner.attributes["attn.kernel_defines"]):
                    value = int(ir.IntegerAttr(named.attr).value)
                    if defines.setdefault(named.name, value) != value:
                        raise PackageError(
                            f"@{device}: kernels declare {named.name} = {defines[named.name]} and {value}"
                        )
    return defines


def _device_op(program: Any, device: str) -> Any:
    for op in program.aie.body.operations:
        if op.operation.name == "aie.device" and ir.StringAttr(op.attributes["sym_name"]).value == device:
            return op
    raise PackageError(f"the compiled program has no aie.device @{device}")


def _device_text(program: Any, device: str) -> str:
    return "module {\n" + str(_device_op(program, device)) + "\n}\n"


def _stage_entry(program: Any, stage: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The manifest entry of one stage (what its runtime sequence takes) and its module text."""
    from .sim.frontend import load
    from .sim.host import host_padding
    from .sim.program import ScalarType

    device = stage["device"]
    schedule = program.report["schedules"][device]
    text = _device_text(program, device)
    prog = load(text)
    # The typed host padding of the device's attn.host record (tensor types
    # read through the bindings).
    operand_pads, result_pad = host_padding(_device_op(program, device))
    pads = {i: list(shape) for i, shape in operand_pads.items()}
    result_shapes = (list(result_pad[0]), list(result_pad[1])) if result_pad else None
    roles = list(schedule["arguments"])
    arguments: list[dict[str, Any]] = []
    types = prog.seq_args
    pos = 0
    buffer_index = 0
    for operand, role in enumerate(roles):
        if role == "valid_len":
            # One i32 runtime scalar per batch, supplied at dispatch.
            batch = 0
            while pos < len(types) and isinstance(types[pos], ScalarType):
                arguments.append({"kind": "scalar", "role": "valid_len", "batch": batch, "type": str(types[pos])})
                pos += 1
                batch += 1
            if batch == 0:
                raise PackageError(f"@{device}: the runtime sequence has no valid_len scalar at argument {pos}")
            continue
        if pos >= len(types) or isinstance(types[pos], ScalarType):
            raise PackageError(f"@{device}: runtime-sequence argument {pos} is not the buffer of '{role}'")
        t = types[pos]
        pos += 1
        arguments.append(
            {
                "kind": "buffer",
                "role": role,
                "element": t.elem,
                "elements": t.numel,
                "bytes": t.nbytes,
                "xrt_group_id": 3 + buffer_index,  # after the opcode, instruction BO and its size
                "pad_to": pads.get(operand),
                "output": operand == len(roles) - 1,
            }
        )
        buffer_index += 1
    if pos != len(types):
        raise PackageError(f"@{device}: the runtime sequence takes {len(types)} arguments, the schedule names {pos}")
    entry = {
        "device": device,
        "module": f"stages/{device}.mlir",
        "sequence": prog.seq_name,
        "txn_function": f"generate_txn_{device}_{prog.seq_name}",
        "arguments": arguments,
        "output": roles[-1],
        "result_padded": result_shapes[0] if result_shapes else None,
        "result_logical": result_shapes[1] if result_shapes else None,
        "modeled_seconds": schedule.get("modeled_seconds"),
        "kernel_defines": _kernel_defines(program, device),
    }
    return entry, text


def _layer_facts(source: str) -> dict[str, Any]:
    from . import dse

    with ir.Context():
        module = ir.Module.parse(source)
        shape = dse.shape_of(module)
        facts = shape.to_json()
        scale = None
        for op in _walk(module.operation):
            if op.name == "attn.attention" and "scale" in op.attributes:
                scale = float(ir.FloatAttr(op.attributes["scale"]).value)
        facts["scale"] = scale
    return facts


def _walk(op: Any):
    yield op
    for region in op.regions:
        for block in region.blocks:
            for inner in block.operations:
                yield from _walk(inner.operation)


def _txn_shim(entry: dict[str, Any]) -> str:
    scalars = [a for a in entry["arguments"] if a["kind"] == "scalar"]
    call_args = ", ".join(f"static_cast<int32_t>(args[{i}])" for i in range(len(scalars)))
    from .package_files import TXN_SHIM as template

    return (
        template.replace("@DEVICE@", entry["device"])
        .replace("@FUNCTION@", entry["txn_function"])
        .replace("@NARGS@", str(len(scalars)))
        .replace("@CALL_ARGS@", call_args)
    )


def write_package(program: Any, directory: str | Path, *, source: str) -> dict[str, Any]:
    """Write the build-and-run package of `program` (what ``attn.aie_compile.compile``
    returned for the MLIR text `source`, one attention layer) into `directory`.

    Returns the manifest. Raises :class:`PackageError` for programs holding several layers and
    when the kernel sources cannot be found.
    """
    report = program.report
    stages = report["stages"]
    if not stages:
        raise PackageError("the compiled program has no stages")
    if len({s["function"] for s in stages}) != 1:
        raise PackageError("the compiled module holds several layers; package one function at a time")
    target = report["target"]
    family = "npu2" if target.startswith("npu2") else "npu1"
    out = Path(directory)
    for sub in ("stages", "kernels", "host"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    # The dispatch order and buffers come from the layer's host program (an
    # aie.device whose runtime sequence runs the stage devices with
    # aiex.configure / aiex.run); its text goes into the package beside the
    # stage modules, and the manifest's stage list follows it.
    from .sim.host import host_program

    roles, dispatches, _ = host_program(program)
    by_device = {s["device"]: s for s in stages}
    host_device = next(
        ir.StringAttr(op.attributes["sym_name"]).value
        for op in program.aie.body.operations
        if op.operation.name == "aie.device" and "attn.host_program" in op.attributes
    )
    (out / "host" / f"{host_device}.mlir").write_text(_device_text(program, host_device))
    entries = []
    for device, operands in dispatches:
        if device not in by_device:
            raise PackageError(f"the host program dispatches @{device}, which is not a stage device")
        entry, text = _stage_entry(program, by_device[device])
        run_roles = [roles[i] for i in operands]
        collapsed = [r for k, r in enumerate(run_roles) if r != "valid_len" or k == 0 or run_roles[k - 1] != r]
        if collapsed != [a["role"] for a in entry["arguments"] if a["kind"] == "buffer" or a["batch"] == 0]:
            raise PackageError(f"@{device}: the host program passes {collapsed}, the device's record names others")
        entry["host_arguments"] = operands
        (out / entry["module"]).write_text(text)
        (out / "host" / f"{entry['device']}_txn.cpp").write_text(_txn_shim(entry))
        entries.append(entry)

    kernel_dir = _kernel_dir()
    arch = _KERNEL_ARCH[family]
    for name in (f"{arch}/attn_kernels.cc", "aie_common/attn_aie.hpp"):
        (out / "kernels" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kernel_dir / name, out / "kernels" / name)
    for entry in entries:
        defines = " ".join(f"-D{k}={v}" for k, v in sorted(entry["kernel_defines"].items()))
        (out / "kernels" / f"{entry['device']}.DEFINES").write_text(defines + "\n")
    flags = [
        "-O2",
        "-std=c++20",
        f"--target={_PEANO_TRIPLE[family]}",
        "-Wno-parentheses",
        "-Wno-attributes",
        "-Wno-macro-redefined",
        "-Wno-empty-body",
        "-DNDEBUG",
        "-D__AIE_API_AIE_ADF_HPP__",
    ]
    (out / "kernels" / "FLAGS").write_text(" ".join(flags) + "\n")

    manifest = {
        "format": 1,
        "mlir_aie_commit": PINNED_MLIR_AIE,
        "target": target,
        "device_family": family,
        "function": stages[0]["function"],
        "layer": _layer_facts(source),
        "kernel_object": "attn_kernels.o",
        "kernel_source": f"kernels/{arch}/attn_kernels.cc",
        "kernel_flags": flags,
        "kernel_note": (
            f"kernels/{arch}/attn_kernels.cc is the AIE-API kernel library for {arch}, built once per "
            "stage with that stage's -D tile sizes (kernels/<device>.DEFINES, from attn.kernel_defines); "
            "it has been compiled only on the host against a model of the AIE API, never for an NPU, "
            "by this project."
        ),
        "xrt_kernel_name": "MLIR_AIE",
        "stages": entries,
        "host_program": {
            "module": f"host/{host_device}.mlir",
            "arguments": roles,
        },
        "modeled_latency_seconds": report.get("modeled_latency_seconds"),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (out / "layer.mlir").write_text(source)
    from . import package_run
    from .package_files import BUILD_SH

    build = (
        BUILD_SH.replace("@COMMIT@", PINNED_MLIR_AIE)
        .replace("@DEVICES@", " ".join(e["device"] for e in entries))
        .replace("@KERNEL_SOURCE@", f"kernels/{arch}/attn_kernels.cc")
    )
    (out / "build.sh").write_text(build)
    (out / "run.py").write_text(Path(package_run.__file__).read_text())
    for name in ("build.sh", "run.py"):
        (out / name).chmod(0o755)
    return manifest
