#!/usr/bin/env python3
"""Seeded, bounded mutation fuzzer for attn-opt and the Python entry points.

Each run takes one input of the test corpus (every ``.mlir`` under ``test/``
and ``examples/``, split at ``// -----``), mutates it (tensor/memref shapes,
element types, integer and float attributes, keywords) and runs ``attn-opt``
on it with a random pass pipeline and random (sometimes invalid or repeated)
pass options; or it makes one call of a Python entry point
(``attn.compiler.compile``, ``attn.compiler.run_on_cpu``, ``attn.sim.run``,
``attn.reference.attention``) with random shapes, dtypes, options and array
contents. Every run is a subprocess under a time and address-space limit.

Outcomes:

``accepted``    rc 0 (AIE output must still pass ``attn-opt --aie-check-limits``,
                else ``unchecked``); for Python, the call returned.
``diagnostic``  rc 1 with an ``error:`` diagnostic; for Python, ``attn.AttnError``.
``unprefixed``  rc 1 but no ``error:`` line (a rejection users cannot grep).
``pyexception`` a Python exception outside the API's family (``attn.AttnError``).
``unchecked``   an accepted AIE program that ``--aie-check-limits`` rejects.
``crash``       a signal, an abort, an assertion, ``LLVM ERROR``, ``terminate``.
``timeout``     over the time limit.

Crashes are minimized (lines of the input, then options, removed while the
same crash signature remains) and written next to the JSON report::

    python test/fuzz/fuzz_attn_opt.py --runs 20000 --seed 1   # report in build/fuzz/

The CI slice is ``test/python/test_fuzz.py`` (a few hundred seeded runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
BAD_CLASSES = ("crash", "timeout", "unprefixed", "pyexception", "unchecked")

# Sizes a user can write: small, odd, powers of two, the int32/int64 edges.
SIZES = [
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    9,
    12,
    16,
    17,
    31,
    63,
    64,
    65,
    100,
    127,
    128,
    255,
    256,
    511,
    1000,
    4096,
    65536,
    100000,
    2**31 - 1,
    2**31,
    2**32,
    2**40,
    2**62,
    2**63 - 1,
]
FLOATS = [
    "0.0",
    "-1.0",
    "1.0e-30",
    "1.0e+30",
    "1.0e+308",
    "0x7FF8000000000000",
    "0x7FF0000000000000",
    "0xFFF0000000000000",
    "3.0",
]
ELEMENT_TYPES = ["bf16", "f16", "f32", "f64", "i1", "i8", "i32", "index"]
KEYWORDS = [
    ["top_left", "bottom_right", "none"],
    ["bhld", "blhd"],
    ["fused", "stream"],
    ["unfolded", "partial", "full", "online"],
    ["npu1", "npu2"],
]
TARGETS = ["npu1", "npu2", "npu3", ""]

PASS_OPTIONS: dict[str, dict[str, list[Any]]] = {
    "attn-fold": {
        "mode": ["auto", "unfolded", "partial", "full", "online", "bogus", ""],
        "target": TARGETS,
        "intermediate-type": ["f32", "bf16", "f16", "input", "i8"],
        "explain": ["true", "false", "maybe"],
    },
    "attn-tile": {
        "target": TARGETS,
        "q-tile": SIZES + [-1, "x"],
        "kv-tile": SIZES + [-4],
        "l2-q-block": SIZES,
        "l2-kv-block": SIZES,
        "columns": [0, 1, 2, 4, 8, 9, -1],
        "cores-per-column": [0, 1, 2, 3, 4, 5],
        "depth": [0, 1, 2, 3, 2**31],
        "mapping": ["fused", "stream", "other"],
    },
    "attn-pad-and-mask": {},
    "attn-schedule-dma": {"kv-group-columns": [0, 1, 2, 3, 4, -1, 2**40], "query-chunks": [0, 1, 2, 3, 64, -2]},
    "convert-attn-to-aie": {},
    "aie-check-limits": {},
    "aie-count-traffic": {},
    "attn-lower-to-cpu": {},
}
PIPELINE_OPTIONS = {
    "target": TARGETS,
    "fold": ["auto", "online", "full", "partial", "unfolded", "x"],
    "q-tile": SIZES,
    "kv-tile": SIZES,
    "l2-q-block": SIZES,
    "l2-kv-block": SIZES,
    "columns": [0, 1, 4, 9],
    "cores-per-column": [0, 2, 4, 7],
    "depth": [1, 2, 0],
    "mapping": ["fused", "stream"],
    "query-chunks": [0, 2],
    "kv-group-columns": [0, 2],
}
CPU_TAIL = (
    "canonicalize,cse,one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},buffer-deallocation-pipeline,"
    "attn-strided-copy-to-linalg,convert-linalg-to-loops,expand-strided-metadata,lower-affine,"
    "canonicalize,cse,arith-expand{include-bf16=true},convert-scf-to-cf,convert-math-to-llvm,"
    "convert-arith-to-llvm,convert-index-to-llvm,attn-lower-i1-memref-access,finalize-memref-to-llvm,"
    "convert-cf-to-llvm,convert-func-to-llvm,convert-ub-to-llvm,reconcile-unrealized-casts"
)
CRASH_MARKERS = (
    "LLVM ERROR",
    "Assertion",
    "terminate called",
    "Stack dump",
    "UNREACHABLE",
    "Segmentation fault",
    "Aborted",
    "Fatal Python error",
    "core dumped",
)


@dataclass
class Outcome:
    kind: str  # accepted | diagnostic | unprefixed | pyexception | unchecked | crash | timeout
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Case:
    index: int
    tool: str  # attn-opt | python
    source: str = ""
    mutations: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    text: str = ""
    call: Optional[dict] = None


# ---------------------------------------------------------------------------
# Finding the tools and the corpus
# ---------------------------------------------------------------------------


def find_attn_opt() -> str:
    if os.environ.get("ATTN_OPT"):
        return os.environ["ATTN_OPT"]
    if os.environ.get("ATTN_BUILD_DIR"):
        return str(Path(os.environ["ATTN_BUILD_DIR"]) / "bin" / "attn-opt")
    import shutil

    found = shutil.which("attn-opt")
    if found:
        return found
    raise SystemExit("attn-opt not found: set ATTN_BUILD_DIR or install the package")


def load_corpus(root: Path = ROOT) -> list[tuple[str, str]]:
    """(name, text) of every input chunk of the lit tests and examples."""
    files = sorted((root / "test").rglob("*.mlir")) + sorted((root / "examples").glob("*.mlir"))
    out = []
    for path in files:
        if "fuzz" in path.parts:
            continue
        text = path.read_text()
        for i, chunk in enumerate(re.split(r"^// -----\s*$", text, flags=re.M)):
            body = "\n".join(line for line in chunk.splitlines() if not line.lstrip().startswith("// RUN"))
            if body.strip():
                out.append((f"{path.relative_to(root)}#{i}", body))
    return out


# ---------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------

SHAPED = re.compile(r"(tensor|memref)<([^<>]*?)x?(bf16|f16|f32|f64|i1|i8|i16|i32|i64|index)")


def _shaped(kind: str, parts: list[str], element: str) -> str:
    dims = "x".join(p for p in parts if p)
    return f"{kind}<{dims}x{element}" if dims else f"{kind}<{element}"


def _dims(text: str) -> list[str]:
    return sorted({d for m in SHAPED.finditer(text) for d in m.group(2).split("x") if d.isdigit()})


def mutate_shape_consistent(rng: random.Random, text: str) -> tuple[str, str]:
    """Replace one dimension size everywhere it appears in a shaped type."""
    dims = _dims(text)
    if not dims:
        return text, "shape:none"
    old = rng.choice(dims)
    new = str(rng.choice(SIZES + ["?"]))

    def repl(m: re.Match) -> str:
        parts = [new if p == old else p for p in m.group(2).split("x")]
        return _shaped(m.group(1), parts, m.group(3))

    return SHAPED.sub(repl, text), f"shape:{old}->{new}"


def mutate_shape_one(rng: random.Random, text: str) -> tuple[str, str]:
    """Replace one dimension of one shaped type (often a verifier error)."""
    matches = list(SHAPED.finditer(text))
    if not matches:
        return text, "shape1:none"
    m = rng.choice(matches)
    parts = m.group(2).split("x")
    digits = [i for i, p in enumerate(parts) if p.isdigit() or p == "?"]
    if not digits:
        return text, "shape1:none"
    i = rng.choice(digits)
    parts[i] = str(rng.choice(SIZES + ["?"]))
    new = _shaped(m.group(1), parts, m.group(3))
    return text[: m.start()] + new + text[m.end() :], f"shape1:{m.group(0)}->{new}"


def mutate_element(rng: random.Random, text: str) -> tuple[str, str]:
    present = [t for t in ELEMENT_TYPES if re.search(rf"x{t}>", text)]
    if not present:
        return text, "elem:none"
    old, new = rng.choice(present), rng.choice(ELEMENT_TYPES)
    if rng.random() < 0.5:
        return re.sub(rf"x{old}>", f"x{new}>", text), f"elem:{old}->{new}"
    spots = [m.start() for m in re.finditer(rf"x{old}>", text)]
    at = rng.choice(spots)
    return text[:at] + f"x{new}>" + text[at + len(old) + 2 :], f"elem1:{old}->{new}"


def mutate_integer(rng: random.Random, text: str) -> tuple[str, str]:
    """An integer literal outside shaped types (attributes, tile coords, offsets)."""
    spots = [m for m in re.finditer(r"(?<![\w<x.#%@-])(-?\d+)(?![\w.x>])", text)]
    if not spots:
        return text, "int:none"
    m = rng.choice(spots)
    new = str(rng.choice(SIZES + [-1, -(2**31), 2**63 - 1]))
    return text[: m.start()] + new + text[m.end() :], f"int:{m.group(1)}->{new}"


def mutate_float(rng: random.Random, text: str) -> tuple[str, str]:
    spots = list(re.finditer(r"\d+\.\d+(e[+-]?\d+)?", text))
    if not spots:
        return text, "float:none"
    m = rng.choice(spots)
    new = rng.choice(FLOATS)
    return text[: m.start()] + new + text[m.end() :], f"float:{m.group(0)}->{new}"


def mutate_keyword(rng: random.Random, text: str) -> tuple[str, str]:
    groups = [g for g in KEYWORDS if any(re.search(rf"\b{w}\b", text) for w in g)]
    if not groups:
        return text, "kw:none"
    group = rng.choice(groups)
    old = rng.choice([w for w in group if re.search(rf"\b{w}\b", text)])
    new = rng.choice(group)
    return re.sub(rf"\b{old}\b", new, text, count=1), f"kw:{old}->{new}"


def mutate_line(rng: random.Random, text: str) -> tuple[str, str]:
    lines = text.splitlines()
    if len(lines) < 2:
        return text, "line:none"
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        del lines[i]
        return "\n".join(lines), f"line:del{i}"
    j = rng.randrange(len(lines))
    lines.insert(j, lines[i])
    return "\n".join(lines), f"line:dup{i}"


MUTATORS = [
    mutate_shape_consistent,
    mutate_shape_consistent,
    mutate_shape_one,
    mutate_element,
    mutate_integer,
    mutate_integer,
    mutate_float,
    mutate_keyword,
    mutate_line,
]


def random_options(rng: random.Random, text: str) -> list[str]:
    """A pass pipeline suited to the input, with random option values."""
    if "aie.device" in text and rng.random() < 0.8:
        passes = rng.sample(["aie-check-limits", "aie-count-traffic"], k=rng.randint(0, 2))
        return [f"--{p}" for p in passes]
    roll = rng.random()
    if roll < 0.3:
        opts = {k: rng.choice(v) for k, v in PIPELINE_OPTIONS.items() if rng.random() < 0.35}
        body = " ".join(f"{k}={v}" for k, v in opts.items())
        if rng.random() < 0.15 and opts:  # a repeated option
            k = rng.choice(list(opts))
            body += f" {k}={rng.choice(PIPELINE_OPTIONS[k])}"
        return [f"--attn-to-aie={body}"] if body else ["--attn-to-aie"]
    if roll < 0.4:
        return [f"--pass-pipeline=builtin.module(attn-lower-to-cpu,{CPU_TAIL})"]
    chain = [
        "attn-fold",
        "attn-tile",
        "attn-pad-and-mask",
        "attn-schedule-dma",
        "convert-attn-to-aie",
        "aie-check-limits",
    ]
    start = rng.randrange(len(chain))
    end = rng.randrange(start, len(chain)) + 1
    if rng.random() < 0.15:
        chain, start, end = ["attn-fold", "attn-lower-to-cpu"], 0, rng.randint(1, 2)
    rendered = []
    for name in chain[start:end]:
        opts = {k: rng.choice(v) for k, v in PASS_OPTIONS[name].items() if rng.random() < 0.3}
        items = [f"{k}={v}" for k, v in opts.items()]
        if items and rng.random() < 0.1:
            k = rng.choice(list(opts))
            items.append(f"{k}={rng.choice(PASS_OPTIONS[name][k])}")
        rendered.append(name + ("{" + " ".join(items) + "}" if items else ""))
    return ["--pass-pipeline=builtin.module(" + ",".join(rendered) + ")"]


# ---------------------------------------------------------------------------
# Python entry points (run in a worker subprocess)
# ---------------------------------------------------------------------------

ARRAY_KINDS = [
    "f32",
    "f32",
    "f64",
    "f16",
    "nan",
    "inf",
    "ninf",
    "int",
    "bool",
    "complex",
    "str",
    "object",
    "empty",
    "3d",
]


def random_call(rng: random.Random) -> dict:
    shape = {
        "batch": rng.choice([1, 1, 2, 0, -1]),
        "heads": rng.choice([1, 2, 4, 3]),
        "kv_heads": rng.choice([1, 2, 0]),
        "q_len": rng.choice([1, 8, 16, 17, 64, 0]),
        "kv_len": rng.choice([1, 8, 16, 33, 64, 0]),
        "head_dim": rng.choice([1, 4, 8, 12, 16, 64, 100, 0]),
    }
    return {
        "entry": rng.choice(["compile", "run_on_cpu", "sim", "reference", "reference"]),
        "shape": shape,
        "dtype": rng.choice(["bf16", "bf16", "f32", "f16", "f64", "int8"]),
        "causal": rng.choice(["none", "top_left", "bottom_right", "left"]),
        "target": rng.choice(["npu1", "npu2", "npu2", "npu9", None]),
        "fold": rng.choice(["auto", "online", "full", "partial", "unfolded", "bogus"]),
        "tile": rng.choice(
            [
                {},
                {},
                {"q_tile": rng.choice(SIZES)},
                {"kv_tile": rng.choice(SIZES)},
                {"l2_kv_block": rng.choice(SIZES)},
                {"depth": rng.choice([0, 1, 3])},
            ]
        ),
        "array": rng.choice(ARRAY_KINDS),
        "scale": rng.choice([None, None, 0.5, 0.0, -1.0, "nan", "inf", "abc", [1, 2], "1j", True]),
        "seed": rng.randrange(2**31),
    }


WORKER = r"""
import json, sys, traceback
import numpy as np
import attn
from attn import compiler, reference, sim

def arrays(call):
    s = call["shape"]; rng = np.random.default_rng(call["seed"])
    b, h, hk, lq, lk, d = (max(0, s[k]) for k in ("batch", "heads", "kv_heads", "q_len", "kv_len", "head_dim"))
    out = [rng.standard_normal(shape).astype(np.float32) for shape in ((b, h, lq, d), (b, hk, lk, d), (b, hk, lk, d))]
    kind = call["array"]
    q = out[0]
    if kind == "nan" and q.size: q.flat[rng.integers(q.size)] = np.nan
    elif kind == "inf" and q.size: q.flat[rng.integers(q.size)] = np.inf
    elif kind == "ninf" and out[1].size: out[1].flat[rng.integers(out[1].size)] = -np.inf
    elif kind == "f64": out[0] = q.astype(np.float64)
    elif kind == "f16": out[0] = q.astype(np.float16)
    elif kind == "int": out[0] = (q * 4).astype(np.int32)
    elif kind == "bool": out[0] = q > 0
    elif kind == "complex": out[0] = q.astype(np.complex64)
    elif kind == "str": out[0] = q.astype(str)
    elif kind == "object": out[0] = q.astype(object)
    elif kind == "empty": out[0] = np.zeros((0,), np.float32)
    elif kind == "3d": out[0] = q.reshape(q.shape[1:]) if q.ndim == 4 and q.shape[0] == 1 else q[None]
    return out

def one(call):
    s = call["shape"]
    if call["entry"] == "reference":
        q, k, v = arrays(call)
        scale = call["scale"]
        if isinstance(scale, str):
            scale = {"nan": float("nan"), "inf": float("inf"), "1j": 1j}.get(scale, scale)
        reference.attention(q, k, v, causal=call["causal"], scale=scale)
        return
    layer = compiler.attention_layer(s["batch"], s["heads"], s["kv_heads"], s["q_len"], s["kv_len"],
                                     s["head_dim"], dtype=call["dtype"], causal=call["causal"])
    if call["entry"] == "compile":
        compiler.compile(layer, target=call["target"], fold=call["fold"], **call["tile"])
    elif call["entry"] == "run_on_cpu":
        compiler.run_on_cpu(layer, *arrays(call), fold=call["fold"], target=call["target"], **call["tile"])
    else:
        prog = compiler.compile(layer, target=call["target"] or "npu2", fold=call["fold"], **call["tile"])
        sim.run(prog, *arrays(call), timing=False)

for line in sys.stdin:
    call = json.loads(line)
    try:
        one(call)
        res = {"kind": "accepted"}
    except attn.AttnError as e:
        res = {"kind": "diagnostic", "detail": str(e).splitlines()[0][:200]}
    except Exception as e:
        res = {"kind": "pyexception", "detail": type(e).__name__ + ": " + traceback.format_exc()[-600:]}
    print(json.dumps(res), flush=True)
"""


# ---------------------------------------------------------------------------
# Running and classifying
# ---------------------------------------------------------------------------


def _limits(mem_mb: int, cpu_s: Optional[float] = None):
    """Address-space and (if given) CPU-time limits for a child: the time
    bound is CPU seconds, so a loaded machine does not turn slow runs into
    timeouts; a generous wall-clock bound catches blocked processes."""

    def apply() -> None:
        limit = mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cpu_s is not None:
            soft = max(1, int(cpu_s + 0.999))
            resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 2))

    return apply


def _wall(timeout: float) -> float:
    return max(60.0, 10 * timeout)


def _crash_signature(rc: int, stderr: str) -> Optional[str]:
    if rc < 0:
        return f"signal {-rc}: " + _first_marker(stderr)
    for marker in CRASH_MARKERS:
        if marker in stderr:
            return _first_marker(stderr)
    if rc not in (0, 1):
        return f"rc {rc}: " + _first_marker(stderr)
    return None


def _first_marker(stderr: str) -> str:
    for line in stderr.splitlines():
        if any(m in line for m in CRASH_MARKERS) or "error" in line.lower():
            return line.strip()[:200]
    return stderr.strip().splitlines()[0][:200] if stderr.strip() else ""


def run_attn_opt(tool: str, text: str, args: list[str], timeout: float, mem_mb: int) -> tuple[Outcome, str]:
    start = time.monotonic()
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        proc = subprocess.run(
            [tool, path, *args],
            capture_output=True,
            text=True,
            timeout=_wall(timeout),
            preexec_fn=_limits(mem_mb, timeout),
            errors="replace",
        )
    except subprocess.TimeoutExpired:
        return Outcome("timeout", " ".join(args)[:200], time.monotonic() - start), ""
    finally:
        os.unlink(path)
    took = time.monotonic() - start
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # over the CPU-time limit
        return Outcome("timeout", f"over {timeout} s of CPU: " + " ".join(args)[:200], took), ""
    crash = _crash_signature(proc.returncode, proc.stderr)
    if crash:
        return Outcome("crash", crash, took), ""
    if proc.returncode == 0:
        return Outcome("accepted", "", took), proc.stdout
    if "error:" in proc.stderr:
        return Outcome("diagnostic", _first_marker(proc.stderr), took), ""
    return Outcome("unprefixed", proc.stderr.strip()[:200], took), ""


def check_limits(tool: str, output: str, timeout: float, mem_mb: int) -> Optional[Outcome]:
    """An accepted AIE program must pass --aie-check-limits."""
    if "aie.device" not in output:
        return None
    outcome, _ = run_attn_opt(tool, output, ["--aie-check-limits"], timeout, mem_mb)
    if outcome.kind == "accepted":
        return None
    return Outcome("unchecked" if outcome.kind == "diagnostic" else outcome.kind, outcome.detail, outcome.seconds)


def run_python_batch(calls: list[dict], timeout: float, mem_mb: int) -> list[Outcome]:
    """Runs calls in one worker; a call that kills the worker is a crash and
    the rest are retried in a new worker."""
    results: list[Outcome] = []
    pending = list(calls)
    env = dict(os.environ)
    while pending:
        start = time.monotonic()
        lines = "".join(json.dumps(c) + "\n" for c in pending)
        try:
            proc = subprocess.run(
                [sys.executable, "-c", WORKER],
                input=lines,
                capture_output=True,
                text=True,
                timeout=timeout * len(pending) + 30,
                preexec_fn=_limits(mem_mb),
                env=env,
                errors="replace",
            )
            out, rc, stderr = proc.stdout, proc.returncode, proc.stderr
            timed_out = False
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            rc, stderr, timed_out = 0, "", True
        done = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        took = (time.monotonic() - start) / max(1, len(done) + 1)
        results += [Outcome(d["kind"], d.get("detail", ""), took) for d in done]
        pending = pending[len(done) :]
        if not pending:
            break
        if timed_out:
            results.append(Outcome("timeout", json.dumps(pending[0])[:200], timeout))
        else:
            results.append(
                Outcome(
                    "crash", (_crash_signature(rc, stderr) or f"rc {rc}") + " " + json.dumps(pending[0])[:200], took
                )
            )
        pending = pending[1:]
    return results


def minimize(
    tool: str, text: str, args: list[str], signature: str, timeout: float, mem_mb: int, budget: int = 60
) -> tuple[str, list[str]]:
    """Greedy reduction: drop lines, then options, while the crash stays."""

    def same(t: str, a: list[str]) -> bool:
        o, _ = run_attn_opt(tool, t, a, timeout, mem_mb)
        return o.kind in ("crash", "timeout") and o.detail.split(":")[0] == signature.split(":")[0]

    lines = text.splitlines()
    tries = 0
    chunk = max(1, len(lines) // 2)
    while chunk >= 1 and tries < budget:
        i = 0
        while i < len(lines) and tries < budget:
            cand = lines[:i] + lines[i + chunk :]
            tries += 1
            if cand and same("\n".join(cand), args):
                lines = cand
            else:
                i += chunk
        chunk //= 2
    for j in range(len(args) - 1, -1, -1):
        if tries >= budget:
            break
        cand = args[:j] + args[j + 1 :]
        tries += 1
        if same("\n".join(lines), cand):
            args = cand
    return "\n".join(lines) + "\n", args


def make_cases(rng: random.Random, corpus: list[tuple[str, str]], runs: int, python_fraction: float) -> list[Case]:
    cases = []
    valid = [c for c in corpus if "error" not in c[0]]
    for i in range(runs):
        if rng.random() < python_fraction:
            cases.append(Case(i, "python", call=random_call(rng)))
            continue
        # Inputs of the *-errors tests are invalid already: draw them less.
        name, text = rng.choice(valid if valid and rng.random() < 0.75 else corpus)
        muts = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            text, what = rng.choice(MUTATORS)(rng, text)
            muts.append(what)
        cases.append(Case(i, "attn-opt", source=name, mutations=muts, args=random_options(rng, text), text=text))
    return cases


def campaign(
    runs: int,
    seed: int,
    timeout: float = 8.0,
    mem_mb: int = 4096,
    python_fraction: float = 0.05,
    out_dir: Optional[Path] = None,
    minimize_crashes: bool = True,
    progress: bool = False,
) -> dict:
    """Runs the campaign and returns (and writes, if out_dir) the report."""
    tool = find_attn_opt()
    rng = random.Random(seed)
    corpus = load_corpus()
    cases = make_cases(rng, corpus, runs, python_fraction)
    counts: Counter[str] = Counter()
    by_tool: dict[str, Counter[str]] = {"attn-opt": Counter(), "python": Counter()}
    by_mutator: dict[str, Counter[str]] = {}
    findings: list[dict] = []
    started = time.monotonic()

    def report_of(done: int) -> dict:
        return {
            "seed": seed,
            "runs": done,
            "planned_runs": runs,
            "timeout_s": timeout,
            "memory_mb": mem_mb,
            "seconds": round(time.monotonic() - started, 1),
            "corpus_inputs": len(corpus),
            "counts": dict(counts),
            "by_tool": {k: dict(v) for k, v in by_tool.items()},
            "by_mutator": {k: dict(v) for k, v in sorted(by_mutator.items())},
            "bad": sum(counts[k] for k in BAD_CLASSES),
            "findings": list(findings),
        }

    def write(body: dict, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=1))

    py_calls = [c for c in cases if c.tool == "python"]
    py_results: dict[int, Outcome] = {}
    next_py = 0
    for n, case in enumerate(cases):
        if case.tool == "python":
            if case.index not in py_results:  # the next batch of Python calls, in one worker
                batch = py_calls[next_py : next_py + 25]
                next_py += len(batch)
                outcomes = run_python_batch([c.call for c in batch], 60.0, mem_mb)
                for c, o in zip(batch, outcomes, strict=True):
                    py_results[c.index] = o
            outcome = py_results[case.index]
        else:
            outcome, output = run_attn_opt(tool, case.text, case.args, timeout, mem_mb)
            # Only programs the compiler emitted (not hand-written aie inputs
            # passed through) must pass --aie-check-limits.
            compiled = "aie.device" not in case.text and any(
                "attn-to-aie" in a or "convert-attn-to-aie" in a for a in case.args
            )
            if outcome.kind == "accepted" and compiled:
                outcome = check_limits(tool, output, timeout, mem_mb) or outcome
        counts[outcome.kind] += 1
        by_tool[case.tool][outcome.kind] += 1
        for m in case.mutations:
            by_mutator.setdefault(m.split(":")[0], Counter())[outcome.kind] += 1
        if outcome.kind in BAD_CLASSES:
            finding = {
                "index": case.index,
                "class": outcome.kind,
                "detail": outcome.detail,
                "tool": case.tool,
                "source": case.source,
                "mutations": case.mutations,
                "args": case.args,
                "call": case.call,
            }
            if case.tool == "attn-opt" and out_dir is not None:
                text, args = case.text, case.args
                if minimize_crashes and outcome.kind == "crash":
                    text, args = minimize(tool, text, args, outcome.detail, timeout, mem_mb)
                out_dir.mkdir(parents=True, exist_ok=True)
                repro = out_dir / f"seed{seed}_case{case.index}_{outcome.kind}.mlir"
                repro.write_text(f"// attn-opt {repro.name} {' '.join(args)}\n// {outcome.detail}\n{text}")
                finding["reproducer"] = str(repro)
            findings.append(finding)
        if (n + 1) % 500 == 0:
            if out_dir is not None:
                write(report_of(n + 1), out_dir / f"report-seed{seed}-runs{runs}.partial.json")
            if progress:
                print(f"{n + 1}/{runs} runs, {dict(counts)}, {time.monotonic() - started:.0f} s", flush=True)
    report = report_of(runs)
    if out_dir is not None:
        write(report, out_dir / f"report-seed{seed}-runs{runs}.json")
    return report


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=8.0, help="seconds per attn-opt run")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address-space limit per run")
    parser.add_argument("--python-fraction", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz")
    parser.add_argument("--no-minimize", action="store_true")
    args = parser.parse_args(argv)
    report = campaign(
        args.runs,
        args.seed,
        args.timeout,
        args.memory_mb,
        args.python_fraction,
        args.out,
        not args.no_minimize,
        progress=True,
    )
    summary = {k: report[k] for k in ("runs", "seconds", "counts", "by_tool", "bad")}
    print(json.dumps(summary, indent=1))
    print(f"report: {args.out / f'report-seed{args.seed}-runs{args.runs}.json'}")
    return 1 if report["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
