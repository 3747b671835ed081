"""attn-aie demo: load the bundled attention layers and check them end to end.

Run after `pip install .`:  python examples/demo.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from attn import reference
from attn._tools import tool_path
from attn.ir import Context, Module

HERE = Path(__file__).resolve().parent
EXAMPLES = ["bert_base_layer.mlir", "llama32_1b_prefill.mlir"]


def describe(path: Path) -> dict:
    """Parse and verify a layer with the Python bindings; return its shape facts."""
    with Context():
        module = Module.parse(path.read_text())
        module.operation.verify()
        (op,) = [o for o in module.body.operations[0].regions[0].blocks[0].operations if o.name == "attn.attention"]
        q, k, v = (list(x.type.shape) for x in op.operands[:3])
        causal = "causal" in str(op) and str(op).split("causal ")[1].split()[0] or "none"
    b, h, lq, d = q
    hkv, lk, dv = k[1], k[2], v[3]
    flops = 2 * b * h * lq * lk * (d + dv) // (2 if causal != "none" else 1)
    return dict(B=b, H=h, Hkv=hkv, Lq=lq, Lk=lk, D=d, Dv=dv, causal=causal, gflop=flops / 1e9)


def main() -> int:
    attn_opt = tool_path("attn-opt")
    for name in EXAMPLES:
        path = HERE / name
        facts = describe(path)
        # attn-opt round trip: what it prints must parse again to the same text.
        once = subprocess.run([attn_opt, path], capture_output=True, text=True, check=True).stdout
        twice = subprocess.run([attn_opt, "-"], input=once, capture_output=True, text=True, check=True).stdout
        assert once == twice, "attn-opt round trip changed the IR"
        print(f"{name}: {facts}  (attn-opt round trip ok)")

        # Numerics on a slice of the layer (2 heads, 128 tokens): the float64
        # reference against a float32 computation of the same semantics.
        rng = np.random.default_rng(0)
        g = facts["H"] // facts["Hkv"]
        q = reference.round_to_dtype(rng.standard_normal((1, 2 * g, 128, facts["D"])), "bf16")
        k = reference.round_to_dtype(rng.standard_normal((1, 2, 128, facts["D"])), "bf16")
        v = reference.round_to_dtype(rng.standard_normal((1, 2, 128, facts["Dv"])), "bf16")
        ref = reference.attention(q, k, v, causal=facts["causal"])
        kk, vv = np.repeat(k, g, axis=1), np.repeat(v, g, axis=1)
        s = (q @ kk.swapaxes(-1, -2)) / np.sqrt(facts["D"])
        if facts["causal"] != "none":
            s = np.where(np.tril(np.ones((128, 128), bool)), s, -np.inf)
        p = np.exp(s - s.max(-1, keepdims=True))
        o32 = (p / p.sum(-1, keepdims=True)) @ vv
        print(f"  reference vs float32 on a 2-kv-head slice: max |diff| = {np.abs(ref - o32).max():.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
