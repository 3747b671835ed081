#!/usr/bin/env python3
"""Host program of an attn-aie build-and-run package (written as run.py by ``attn-compile --package``).

    python run.py                      # on a Ryzen AI NPU through XRT (after ./build.sh)
    python run.py --backend sim        # the same host sequence on attn.sim (no NPU needed)
    python run.py --valid-len 300      # serve a shorter length with the same compiled program

Following mlir-aie/IRON's host conventions (XRT Python, ``pyxrt``): one device; per stage an
xclbin registered in a hardware context, kernel ``MLIR_AIE``, an instruction buffer object
(group id 1) and one buffer object per host buffer of the runtime sequence (group ids 3, 4,
...), called as ``kernel(3, bo_instr, instr_size, *bos)``. The instruction words of a stage are
built at dispatch by upstream's generated builder (``build/<device>/libtxn.so``, from
``aie-translate --aie-npu-to-cpp``) from the runtime scalars (``valid_len``): no instruction
word is patched here.

The sequence per layer: random inputs (bf16-rounded) in the layer's logical shapes; per stage
zero-pad the inputs to the device buffers, dispatch with the runtime lengths, pass S/P on to
the next stage as device buffers; slice the output; compare with ``attn.reference`` (float64);
print the latency (measured with XRT: wall time around each dispatch; with ``--backend sim``:
the simulator's modeled array time). Exit status 0 when the error is within tolerance.

This project has not run the XRT path on hardware (no NPU where it was developed).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np

HERE = Path(__file__).resolve().parent
TOLERANCE = 5e-2  # bf16 output: a rounding of values of magnitude ~max|V|


def _zero_pad(a: np.ndarray, shape: Optional[list[int]]) -> np.ndarray:
    if shape is None or list(a.shape) == list(shape):
        return a
    if a.ndim != len(shape) or any(n > m for n, m in zip(a.shape, shape, strict=True)):
        raise SystemExit(f"run.py: array of shape {a.shape} does not fit the device buffer {shape}")
    out = np.zeros(shape, a.dtype)
    out[tuple(slice(0, n) for n in a.shape)] = a
    return out


def _storage(a: np.ndarray, element: str) -> np.ndarray:
    from attn.compiler import to_storage

    return to_storage(np.asarray(a, np.float32), element)


def _values(raw: np.ndarray, element: str) -> np.ndarray:
    from attn.compiler import from_storage

    return np.asarray(from_storage(raw, element), np.float32)


class SimBackend:
    """Dispatches on attn.sim: the stage module is loaded and run with the same arguments."""

    name = "sim (modeled array time)"

    def __init__(self, manifest: dict[str, Any]) -> None:
        from attn.sim.frontend import load

        self.programs = {s["device"]: load((HERE / s["module"]).read_text()) for s in manifest["stages"]}

    def dispatch(self, stage: dict[str, Any], args: list[Any]) -> tuple[np.ndarray, float]:
        from attn.sim import run_program

        specs = stage["arguments"]
        values = [
            a if a is None or isinstance(a, int) else _values(a, spec["element"])
            for a, spec in zip(args, specs, strict=True)
        ]
        r = run_program(self.programs[stage["device"]], *values, timing=True)
        out = next(a for a, spec in zip(r.args, specs, strict=True) if spec["kind"] == "buffer" and spec["output"])
        return np.asarray(out, np.float32).reshape(-1), r.seconds


class XrtBackend:
    """Dispatches on a Ryzen AI NPU through XRT's Python bindings (pyxrt)."""

    name = "xrt (measured wall time per dispatch)"

    def __init__(self, manifest: dict[str, Any], device_index: int) -> None:
        try:
            import pyxrt
        except ImportError:
            raise SystemExit(
                "run.py: the XRT Python bindings (pyxrt) are not importable; source XRT's setup.sh "
                "(e.g. /opt/xilinx/xrt/setup.sh) or run with --backend sim"
            ) from None
        self.xrt = pyxrt
        self.device = pyxrt.device(device_index)
        self.kernels: dict[str, Any] = {}
        self.builders: dict[str, Any] = {}
        self._keep: list[Any] = []
        for s in manifest["stages"]:
            build = HERE / "build" / s["device"]
            xclbin_path = build / f"{s['device']}.xclbin"
            lib_path = build / "libtxn.so"
            for p in (xclbin_path, lib_path):
                if not p.is_file():
                    raise SystemExit(f"run.py: {p} is missing; run ./build.sh first")
            xclbin = pyxrt.xclbin(str(xclbin_path))
            self.device.register_xclbin(xclbin)
            context = pyxrt.hw_context(self.device, xclbin.get_uuid())
            self.kernels[s["device"]] = pyxrt.kernel(context, manifest["xrt_kernel_name"])
            self._keep += [xclbin, context]
            lib = ctypes.CDLL(str(lib_path))
            fn = lib.attn_txn
            fn.argtypes = [
                ctypes.POINTER(ctypes.c_int64),
                ctypes.c_int64,
                ctypes.POINTER(ctypes.c_uint32),
                ctypes.c_int64,
            ]
            fn.restype = ctypes.c_int64
            self.builders[s["device"]] = (lib, fn)

    def instructions(self, stage: dict[str, Any], scalars: list[int]) -> np.ndarray:
        """The stage's instruction words for these runtime scalars (upstream's generated builder)."""
        _, fn = self.builders[stage["device"]]
        args = (ctypes.c_int64 * max(1, len(scalars)))(*scalars)
        n = fn(args, len(scalars), None, 0)
        if n < 0:
            raise SystemExit(f"run.py: @{stage['device']}: the instruction builder rejected {scalars} (code {n})")
        words = np.zeros(n, np.uint32)
        got = fn(args, len(scalars), words.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32)), n)
        if got != n:
            raise SystemExit(f"run.py: @{stage['device']}: the instruction builder returned {got} words, expected {n}")
        return words

    def dispatch(self, stage: dict[str, Any], args: list[Any]) -> tuple[np.ndarray, float]:
        xrt = self.xrt
        kernel = self.kernels[stage["device"]]
        scalars = [a for a in args if isinstance(a, int)]
        insts = self.instructions(stage, scalars)
        bo_instr = xrt.bo(self.device, insts.nbytes, xrt.bo.cacheable, kernel.group_id(1))
        bo_instr.write(insts.view(np.uint8), 0)
        bo_instr.sync(xrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE)
        bos, out_bo, out_spec = [], None, None
        for a, spec in zip(args, stage["arguments"], strict=True):
            if spec["kind"] != "buffer":
                continue
            bo = xrt.bo(self.device, spec["bytes"], xrt.bo.host_only, kernel.group_id(spec["xrt_group_id"]))
            data = np.zeros(spec["bytes"], np.uint8) if a is None else np.ascontiguousarray(a).view(np.uint8)
            bo.write(data, 0)
            bo.sync(xrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE)
            bos.append(bo)
            if spec["output"]:
                out_bo, out_spec = bo, spec
        start = time.perf_counter()
        run = kernel(3, bo_instr, insts.nbytes, *bos)
        state = run.wait()
        seconds = time.perf_counter() - start
        if state != xrt.ert_cmd_state.ERT_CMD_STATE_COMPLETED:
            raise SystemExit(f"run.py: @{stage['device']}: the kernel ended in state {state}")
        out_bo.sync(xrt.xclBOSyncDirection.XCL_BO_SYNC_BO_FROM_DEVICE)
        raw = np.frombuffer(bytes(out_bo.read(out_spec["bytes"], 0)), np.uint8)
        from attn.compiler import _STORAGE

        return _values(raw.view(_STORAGE[out_spec["element"]]), out_spec["element"]), seconds


def run_layer(manifest: dict[str, Any], backend: Any, valid_len: Optional[np.ndarray], seed: int) -> dict[str, Any]:
    """The host sequence: inputs, every dispatch in order, slicing, reference check."""
    from attn import reference

    layer = manifest["layer"]
    if layer.get("mask", "none") != "none" or layer.get("bias"):
        raise SystemExit("run.py: this layer takes an explicit mask or bias; run.py generates only q, k, v, valid_len")
    b, h, hkv, lq, lk, d, dv = (
        layer[k] for k in ("batch", "heads", "kv_heads", "query_len", "key_len", "head_dim", "value_dim")
    )
    blhd = layer.get("layout") == "blhd"
    shape = (lambda bb, hh, ll, dd: (bb, ll, hh, dd)) if blhd else (lambda bb, hh, ll, dd: (bb, hh, ll, dd))
    rng = np.random.default_rng(seed)
    tensors = {
        "q": reference.round_to_dtype(rng.standard_normal(shape(b, h, lq, d)), "bf16").astype(np.float32),
        "k": reference.round_to_dtype(rng.standard_normal(shape(b, hkv, lk, d)), "bf16").astype(np.float32),
        "v": reference.round_to_dtype(rng.standard_normal(shape(b, hkv, lk, dv)), "bf16").astype(np.float32),
    }
    if layer.get("valid_len") and valid_len is None:
        valid_len = np.full(b, lk, np.int64)
    seconds = 0.0
    last: Optional[dict[str, Any]] = None
    for stage in manifest["stages"]:
        args: list[Any] = []
        for spec in stage["arguments"]:
            if spec["kind"] == "scalar":
                if valid_len is None:
                    raise SystemExit(f"run.py: @{stage['device']} takes valid_len but the layer has none")
                args.append(int(valid_len[spec["batch"]]))
            elif spec["output"]:
                args.append(None)  # written by the device
            else:
                a = tensors.get(spec["role"])
                if a is None:
                    raise SystemExit(f"run.py: @{stage['device']} reads '{spec['role']}', which no earlier stage wrote")
                a = _zero_pad(a, spec["pad_to"]).reshape(-1)
                if a.size != spec["elements"]:
                    raise SystemExit(
                        f"run.py: '{spec['role']}' has {a.size} elements, the device buffer {spec['elements']}"
                    )
                args.append(_storage(a, spec["element"]))
        out, s = backend.dispatch(stage, args)
        seconds += s
        tensors[stage["output"]] = out
        last = stage
    o = tensors["o"]
    if last is not None and last["result_padded"] is not None:
        o = o.reshape(last["result_padded"])[tuple(slice(0, n) for n in last["result_logical"])]
    else:
        o = o.reshape(shape(b, h, lq, dv))
    ref = reference.attention(
        tensors["q"],
        tensors["k"],
        tensors["v"],
        causal=layer.get("causal", "none"),
        layout=layer.get("layout", "bhld"),
        scale=layer.get("scale"),
        valid_len=None if valid_len is None else np.asarray(valid_len, np.int64),
    )
    err = float(np.abs(o.astype(np.float64) - ref).max())
    return {"max_abs_error": err, "seconds": seconds, "stages": len(manifest["stages"])}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description="Run the packaged attention layer and check it against attn.reference.")
    p.add_argument("--backend", choices=("xrt", "sim"), default="xrt", help="xrt: a Ryzen AI NPU; sim: attn.sim")
    p.add_argument("--device", type=int, default=0, help="XRT device index")
    p.add_argument("--valid-len", default=None, help="runtime length(s), one per batch or one for all (comma list)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    manifest = json.loads((HERE / "manifest.json").read_text())
    layer = manifest["layer"]
    valid_len = None
    if args.valid_len is not None:
        if not layer.get("valid_len"):
            raise SystemExit("run.py: --valid-len given but the layer has no valid_len argument")
        vals = [int(x) for x in args.valid_len.split(",")]
        if len(vals) == 1:
            vals = vals * layer["batch"]
        if len(vals) != layer["batch"] or any(not 0 <= x <= layer["key_len"] for x in vals):
            raise SystemExit(
                f"run.py: --valid-len needs {layer['batch']} values in [0, {layer['key_len']}], got {vals}"
            )
        valid_len = np.array(vals, np.int64)
    backend = SimBackend(manifest) if args.backend == "sim" else XrtBackend(manifest, args.device)
    result = run_layer(manifest, backend, valid_len, args.seed)
    ok = result["max_abs_error"] <= TOLERANCE
    print(
        f"{manifest['function']} on {manifest['target']} ({backend.name}): {result['stages']} stage(s), "
        f"latency {result['seconds'] * 1e6:.1f} us, max |error| vs attn.reference {result['max_abs_error']:.3e} "
        f"-> {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
