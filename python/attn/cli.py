"""``attn-compile``: compile attention layers in an MLIR file to AIE programs.

    attn-compile layer.mlir --target npu2 -o layer.aie.mlir --report r.json [--explain]
    attn-compile layer.mlir --target npu2 --package DIR     # build-and-run package (attn.package)
    attn-compile model.onnx --target npu2 [--report r.json] [--explain] [--dim name=value]

An ``.onnx`` input goes through ``attn.frontends.onnx``: every attention layer
found is compiled on its own and a per-layer table is printed (see
``attn.frontends.cli``).

Options mirror ``attn.compiler.compile`` (the ``attn-to-aie`` pipeline).
Errors (unreadable input, bad options, layers no legal program exists for)
go to stderr with exit status 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from .aie_compile import AIEPipelineOptions, compile

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="attn-compile",
        description="Compile the attention layers of an MLIR file to AIE devices (attn-to-aie pipeline).",
    )
    p.add_argument(
        "input", help="MLIR file with functions holding attn.attention ops ('-' for stdin), or an ONNX model (.onnx)"
    )
    p.add_argument("-o", "--output", help="write the AIE module here (default: stdout)")
    p.add_argument("--report", help="write the compile report (JSON) here")
    p.add_argument(
        "--explain",
        action="store_true",
        help="print the chosen plan, the cost model's view of it, the best plan of every fold, the top "
        "alternatives and why they lost, and the roofline bound (to stdout with -o, else to stderr)",
    )
    p.add_argument(
        "--package",
        metavar="DIR",
        help="write a build-and-run package here: per stage the AIE module, kernel sources and flags, "
        "build.sh (upstream aiecc + Peano) and run.py (XRT host program; --backend sim runs attn.sim)",
    )
    p.add_argument(
        "--dim",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="ONNX input: fix a symbolic input dimension (repeatable)",
    )
    p.add_argument(
        "--key-padding",
        choices=("mask", "valid_len"),
        default="mask",
        help="ONNX input: an attention-mask input becomes a key mask (default) or valid_len (right padding)",
    )
    for f in dataclasses.fields(AIEPipelineOptions):
        flag = "--" + f.name.replace("_", "-")
        if isinstance(f.default, bool):
            p.add_argument(flag, action="store_true", help="pipeline option (default off)")
        elif isinstance(f.default, int):
            p.add_argument(flag, type=int, default=f.default, help=f"pipeline option (default {f.default})")
        else:
            p.add_argument(flag, default=f.default, help=f"pipeline option (default {f.default})")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.input.endswith(".onnx"):
        from .frontends.cli import compile_onnx

        if args.package:
            print(
                "attn-compile: --package takes one attention layer in MLIR; import the ONNX model "
                "first (attn.frontends.onnx) and package a layer",
                file=sys.stderr,
            )
            return 1

        return compile_onnx(args)
    try:
        text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text()
    except OSError as exc:
        print(f"attn-compile: cannot read {args.input}: {exc.strerror}", file=sys.stderr)
        return 1
    options = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(AIEPipelineOptions)
        if f.name not in ("target", "fold")
    }
    try:
        program = compile(text, target=args.target, fold=args.fold, **options)
    except ValueError as exc:
        print(f"attn-compile: {exc}", file=sys.stderr)
        return 1
    if program.report.get("precision_loss"):
        lossy = sorted({s["device"] for s in program.report["stages"] if s["matmul"] == "bf16_rounded"})
        print(
            "attn-compile: --allow-precision-loss: the matmuls of "
            + ", ".join(lossy)
            + " round their f16/f32 operands to bf16 (one bf16 pass instead of the emulated f16/f32 product)",
            file=sys.stderr,
        )
    try:
        if args.output:
            Path(args.output).write_text(program.text)
        elif not args.package:  # the package holds the modules
            sys.stdout.write(program.text)
        if args.report:
            Path(args.report).write_text(json.dumps(program.report, indent=2, sort_keys=True) + "\n")
    except OSError as exc:
        print(f"attn-compile: cannot write output: {exc.strerror}", file=sys.stderr)
        return 1
    if args.package:
        from .package import PackageError, write_package

        try:
            write_package(program, args.package, source=text)
        except PackageError as exc:
            print(f"attn-compile: --package: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"attn-compile: --package: cannot write {args.package}: {exc.strerror}", file=sys.stderr)
            return 1
    if args.explain:
        from . import ir
        from .explain import explain

        try:
            with ir.Context():
                module = ir.Module.parse(text)
                out = explain(module, program)
        except ValueError as exc:
            print(f"attn-compile: --explain: {exc}", file=sys.stderr)
            return 1
        (sys.stdout if args.output else sys.stderr).write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
