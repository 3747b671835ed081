"""``attn-compile model.onnx``: compile every attention layer of an ONNX model.

Each layer found by :func:`attn.frontends.onnx.find_attention` is compiled on
its own (``attn.compiler.compile``; identical layers once) and a table is
printed, one row per layer: shape, fold and plan, the emitted program's DRAM
bytes against the compulsory bytes, and the cost model's latency (modeled, not
measured: there is no NPU here). ``--report`` writes the same as JSON with each
layer's full compile report and the softmaxes not matched; ``-o`` writes every
layer's ``aie.device`` ops into one module; ``--explain`` prints the
explanation of every layer. Exit status 1 when a layer cannot be compiled.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from ..errors import AttnError
from . import _common

__all__ = ["compile_onnx"]


def _dims(items: list[str]) -> dict[str, int]:
    dims = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value.strip().isdigit() or int(value) <= 0:
            raise AttnError(f"--dim expects NAME=POSITIVE_INT, got {item!r}")
        dims[name] = int(value)
    return dims


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _mask_text(layer: _common.AttentionLayer) -> str:
    parts = [f"causal {layer.causal}"] if layer.causal != "none" else []
    parts += [o.role for o in layer.operands[3:]]
    return ", ".join(parts) or "-"


def compile_onnx(args: argparse.Namespace) -> int:
    from .. import dse, ir
    from ..aie_compile import AIEPipelineOptions, compile
    from . import onnx as fe

    out = sys.stdout if args.output else sys.stderr if args.explain else sys.stdout
    try:
        found = fe.find_attention(args.input, dims=_dims(args.dim), key_padding=args.key_padding)
    except (ValueError, ImportError) as exc:
        print(f"attn-compile: {exc}", file=sys.stderr)
        return 1
    options = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(AIEPipelineOptions)
        if f.name not in ("target", "fold")
    }
    rows: list[dict[str, Any]] = []
    devices: list[str] = []
    explanations: list[str] = []
    cache: dict[str, Any] = {}
    failed = 0
    for layer in found.layers:
        text = "module {\n" + _common.layer_text(layer, found.dtype, "onnx") + "}\n"
        # Layers of the same shape, masks and options compile to the same program: compile it once.
        key = _common.layer_text(dataclasses.replace(layer, nodes=(), output=""), found.dtype, "onnx", name="a")
        row: dict[str, Any] = {
            "layer": layer.name,
            "nodes": list(layer.nodes),
            "shape": layer.shape,
            "masks": _mask_text(layer),
            "scale": layer.scale,
            "notes": layer.notes,
        }
        if key in cache:
            program, first = cache[key]
            row["same_program_as"] = first
        else:
            try:
                program = compile(text, target=args.target, fold=args.fold, **options)
            except ValueError as exc:
                failed += 1
                row["error"] = str(exc)
                rows.append(row)
                continue
            cache[key] = (program, layer.name)
            devices += [str(op) for op in program.aie.body.operations if op.operation.name == "aie.device"]
        report = program.report
        plan = next(iter(report["plans"].values()))
        folds = sorted({s["fold"] for s in report["stages"]})
        traffic = report["dram_read_bytes"] + report["dram_write_bytes"]
        with ir.Context():
            module = ir.Module.parse(text)
            try:
                est = dse.estimate(
                    module, target=args.target, fold=folds[0], q_tile=plan["q_tile"], kv_tile=plan["kv_tile"]
                )
                latency = est.latency_s
            except ValueError as exc:
                latency = None
                row["latency_error"] = str(exc)
            if args.explain:
                from ..explain import explain

                explanations.append(f"== {layer.name} ({', '.join(layer.nodes[:3])}, ...)\n" + explain(module, program))
        row.update(
            fold="/".join(folds),
            plan=plan,
            dram_bytes=traffic,
            compulsory_bytes=report["compulsory_bytes"],
            modeled_latency_s=latency,
            report=report,
        )
        rows.append(row)
    header = ["layer", "first node", "shape", "causal/masks", "fold", "plan", "DRAM / compulsory", "latency (modeled)"]
    table = []
    for r in rows:
        first = r["nodes"][0] if r["nodes"] else "-"
        if "error" in r:
            table.append([r["layer"], first, r["shape"], r["masks"], "-", "rejected", "-", "-"])
            continue
        p = r["plan"]
        plan_text = f"q {p['q_tile']} x kv {p['kv_tile']}, {p['columns']} col x {p['cores_per_column']} cores"
        ratio = r["dram_bytes"] / r["compulsory_bytes"] if r["compulsory_bytes"] else float("nan")
        dram = f"{r['dram_bytes']} / {r['compulsory_bytes']} B ({ratio:.2f}x)"
        lat = "-" if r["modeled_latency_s"] is None else f"{r['modeled_latency_s'] * 1e6:.1f} us"
        table.append([r["layer"], first, r["shape"], r["masks"], r["fold"], plan_text, dram, lat])
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(header)]
    lines = [f"attn-compile {args.input}: {len(found.layers)} attention layer(s), target {args.target}"]
    lines.append(_row(header, widths))
    lines += [_row(t, widths) for t in table]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['layer']}: rejected: {r['error']}")
        for note in r["notes"]:
            lines.append(f"{r['layer']}: note: {note}")
    for u in found.unmatched:
        lines.append(f"unmatched Softmax {u.node}: {u.reason}")
    print("\n".join(lines), file=out)
    if explanations:
        print("\n".join(explanations), file=out)
    try:
        if args.report:
            doc = {
                "model": args.input,
                "target": args.target,
                "layers": rows,
                "unmatched": [dataclasses.asdict(u) for u in found.unmatched],
            }
            with open(args.report, "w") as f:
                f.write(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
        if args.output:
            with open(args.output, "w") as f:
                f.write("module {\n" + "\n".join(devices) + "\n}\n")
    except OSError as exc:
        print(f"attn-compile: cannot write output: {exc.strerror}", file=sys.stderr)
        return 1
    return 1 if failed else 0
