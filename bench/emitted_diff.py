#!/usr/bin/env python3
"""Byte-for-byte comparison of the programs two ``attn-opt`` binaries emit.

A refactoring of the compiler that must not change its output (e.g. building
runtime-sequence access patterns another way) is checked by compiling the same
inputs with the binary before (``--old``) and after (``--new``) the change and
comparing the emitted text (or, for rejected inputs, the diagnostics):

* the benchmark layers (bench/run.py ``LAYERS``) on both targets, with the
  cost model's fold and the unfolded one;
* ``--random N`` seeded random layers (batch, GQA, odd lengths, causal both
  alignments, valid_len, BLHD, key-only and full masks and biases, every fold,
  and some pinned plan options: kv_split, stream mapping, l2_q_block);
* every test/Conversion/AttnToAIE input through ``--attn-schedule-dma
  --convert-attn-to-aie`` (split input files).

It also prints both binaries' CPU times (measured on this machine). Exit
status 1 when any output differs.

    PYTHONPATH=build/dev/python_packages python bench/emitted_diff.py --old OLD --new NEW [--random 30] [--seed 5]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compile_time  # noqa: E402  (bench/compile_time.py: the layer text)
import run as suite  # noqa: E402  (bench/run.py: the layer list)

ROOT = Path(__file__).resolve().parents[1]


def random_layer(rng: random.Random) -> tuple[str, str]:
    """One random attention function and its attn-to-aie options."""
    hkv, g = rng.randint(1, 3), rng.choice([1, 2, 4])
    d = rng.choice([32, 48, 64, 96, 128])
    b, lq, lk = rng.randint(1, 2), rng.randint(1, 700), rng.randint(1, 700)
    if rng.random() < 0.15:  # a few long ones (many rounds and steps)
        lq, lk = rng.choice([1024, 2048, 3000]), rng.choice([1024, 2048, 4096])
    causal = rng.choice(["none", "top_left", "bottom_right"])
    blhd = rng.random() < 0.2
    vl = rng.random() < 0.3

    def sh(h: int, length: int, dd: int) -> str:
        dims = (b, length, h, dd) if blhd else (b, h, length, dd)
        return "tensor<" + "x".join(map(str, dims)) + "xbf16>"

    q, k, v, o = sh(hkv * g, lq, d), sh(hkv, lk, d), sh(hkv, lk, d), sh(hkv * g, lq, d)
    args = [f"%q: {q}", f"%k: {k}", f"%v: {v}"]
    extra = ""
    if not blhd and rng.random() < 0.3:
        # Explicit mask/bias: key-only rows, per-head key rows, or full tiles.
        mshape = rng.choice([(b, 1, 1, lk), (1, 1, lq, lk), (b, hkv * g, 1, lk)])
        mt = "tensor<" + "x".join(map(str, mshape)) + "xi1>"
        args.append(f"%m: {mt}")
        extra += f" mask(%m : {mt})"
        if rng.random() < 0.5:
            bshape = rng.choice([(1, 1, 1, lk), (b, hkv * g, lq, lk)])
            bt = "tensor<" + "x".join(map(str, bshape)) + "xbf16>"
            args.append(f"%bb: {bt}")
            extra += f" bias(%bb : {bt})"
    if vl:
        args.append(f"%n: tensor<{b}xi32>")
        extra += f" valid_len(%n : tensor<{b}xi32>)"
    if causal != "none":
        extra += f" causal {causal}"
    if blhd:
        extra += " layout blhd"
    text = (
        f"func.func @attention({', '.join(args)}) -> {o} {{\n"
        f"  %o = attn.attention %q, %k, %v{extra} : {q}, {k}, {v} -> {o}\n  return %o : {o}\n}}\n"
    )
    tgt = rng.choice(["npu1", "npu2"])
    fold = rng.choice(["auto", "unfolded", "partial", "full", "online"])
    opts = f"target={tgt} fold={fold}"
    r = rng.random()
    if fold in ("auto", "online") and r < 0.2:
        opts += f" kv-split={rng.choice([2, 4])}"
    elif fold in ("auto", "online") and r < 0.35:
        opts += " mapping=stream"
    elif fold in ("online", "full") and r < 0.5:
        opts += f" l2-q-block={rng.choice([128, 256])}"
    return text, f"--attn-to-aie={opts}"


def run(opt: Path, src: Path, args: list[str]) -> tuple[int, str, float]:
    """(exit code, stdout or stderr, child CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([str(opt), str(src), *args], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.returncode, p.stdout if p.returncode == 0 else p.stderr, cpu


def cases(n_random: int, seed: int, work: Path, quick: bool) -> list[tuple[str, Path, list[str]]]:
    out: list[tuple[str, Path, list[str]]] = []
    for layer in suite.LAYERS:
        if quick and layer.length > 2048:
            continue
        src = work / f"{layer.name}.mlir"
        src.write_text(compile_time.layer_text(layer))
        for tgt in suite.TARGETS:
            for fold in ("auto", "unfolded"):
                out.append((f"{layer.name}/{tgt}/{fold}", src, [f"--attn-to-aie=target={tgt} fold={fold}"]))
    rng = random.Random(seed)
    for i in range(n_random):
        text, opt = random_layer(rng)
        src = work / f"random{i}.mlir"
        src.write_text(text)
        out.append((f"random{i} {opt}", src, [opt]))
    for lit in sorted((ROOT / "test" / "Conversion" / "AttnToAIE").glob("*.mlir")):
        # One case per split of the file (an expected error in one split
        # must not hide the others' programs).
        for j, chunk in enumerate(lit.read_text().split("\n// -----\n")):
            src = work / f"{lit.stem}.{j}.mlir"
            src.write_text(chunk)
            out.append((f"lit/{lit.name}#{j}", src, ["--attn-schedule-dma", "--convert-attn-to-aie"]))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, required=True, help="attn-opt before the change")
    ap.add_argument("--new", type=Path, required=True, help="attn-opt after the change")
    ap.add_argument("--random", type=int, default=30, help="seeded random layers")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="skip the bench layers longer than 2048")
    ap.add_argument(
        "--ignore",
        action="append",
        default=[],
        help="regex whose matches are blanked in both outputs before comparing (a field a change alters on purpose)",
    )
    args = ap.parse_args(argv)
    ignored = [re.compile(p) for p in args.ignore]

    def normal(text: str) -> str:
        for p in ignored:
            text = p.sub("<ignored>", text)
        return text

    differ = 0
    cpu_old = cpu_new = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, src, opts in cases(args.random, args.seed, Path(tmp), args.quick):
            rc_o, out_o, t_o = run(args.old, src, opts)
            rc_n, out_n, t_n = run(args.new, src, opts)
            cpu_old, cpu_new = cpu_old + t_o, cpu_new + t_n
            same = rc_o == rc_n and normal(out_o) == normal(out_n)
            differ += not same
            status = "same" if same else "DIFFERENT"
            kind = "emitted" if rc_o == 0 else "rejected"
            print(f"{status:9s} {kind:8s} {t_o:7.3f} s -> {t_n:7.3f} s  {len(out_o):9d} B  {name}", flush=True)
            if not same:
                (Path(os.environ.get("TMPDIR", "/tmp")) / "emitted_diff.old").write_text(out_o)
                (Path(os.environ.get("TMPDIR", "/tmp")) / "emitted_diff.new").write_text(out_n)
    print(f"{differ} differing outputs; CPU (measured, this machine) old {cpu_old:.2f} s, new {cpu_new:.2f} s")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
