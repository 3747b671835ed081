"""A hand-written one-core flash-attention program (upstream mlir-aie syntax).

One core computes attention for ``heads`` heads of length ``seq_len`` and head
dim ``head_dim`` (bf16 in, bf16 out, f32 state), one query tile of ``tq`` rows
at a time, streaming K/V in blocks of ``tk`` keys with the online-softmax
kernels of docs/kernels.md:

    per query tile: attn_online_init
      per K/V block: attn_qk_bf16 -> attn_mask_positions -> attn_online_update_bf16
    attn_finalize_bf16

Data movement: Q, K and V come from the shim through memtile (0,1); the
memtile joins each K block and V block into one object (the core has only two
S2MM channels, one for Q, one for K|V); O goes core -> memtile -> shim. K and
V of a head are re-sent once per query tile with the shim DMA's repeat
dimension. Runtime parameters ``valid_len`` and ``causal`` are written into an
``aie.buffer`` with ``aiex.npu.rtp_write`` (the kernel masks keys at or
beyond ``valid_len`` and, when causal, keys after the query: top_left).

Runtime sequence arguments: Q, K, V, O, each ``memref<heads*seq_len*head_dim x bf16>``.
"""

from __future__ import annotations


def flash_attention_program(
    heads: int,
    seq_len: int,
    head_dim: int,
    tq: int = 32,
    tk: int = 32,
    valid_len: int | None = None,
    causal: bool = False,
    device: str = "npu2",
    kv_as_bytes: bool = False,
) -> str:
    """The program text. ``kv_as_bytes``: K and V blocks travel as i8 objects (the memtile
    joins raw bytes) and the core reinterprets them with ``memref.view``, as
    convert-attn-to-aie emits them."""
    if seq_len % tq or seq_len % tk:
        raise ValueError(f"seq_len {seq_len} must be a multiple of tq {tq} and tk {tk}")
    d = head_dim
    n = heads * seq_len * d
    q_tiles, kv_blocks = seq_len // tq, seq_len // tk
    valid = seq_len if valid_len is None else valid_len
    scale = 1.0 / d**0.5
    qt, kt = f"memref<{tq}x{d}xbf16>", f"memref<{tk}x{d}xbf16>"
    kv_bytes = tk * d * 2
    if kv_as_bytes:
        kt, kvt = f"memref<{kv_bytes}xi8>", f"memref<{2 * kv_bytes}xi8>"
        kt_view = vt_view = f"memref<{tk}x{d}xbf16>"
        join_offsets = f"[0, {kv_bytes}]"
        kv_views = f"""%kb = memref.view %kv[%c0][] : {kvt} to {kt_view}
            %kv_shift = arith.constant {kv_bytes} : index
            %vb = memref.view %kv[%kv_shift][] : {kvt} to {vt_view}"""
    else:
        kvt = f"memref<2x{tk}x{d}xbf16>"
        kt_view = f"memref<{tk}x{d}xbf16, strided<[{d}, 1]>>"
        vt_view = f"memref<{tk}x{d}xbf16, strided<[{d}, 1], offset: {tk * d}>>"
        join_offsets = f"[0, {tk * d}]"
        kv_views = f"""%kb = memref.subview %kv[0, 0, 0] [1, {tk}, {d}] [1, 1, 1] : {kvt} to {kt_view}
            %vb = memref.subview %kv[1, 0, 0] [1, {tk}, {d}] [1, 1, 1] : {kvt} to {vt_view}"""
    st, acct, vec = f"memref<{tq}x{tk}xf32>", f"memref<{tq}x{d}xf32>", f"memref<{tq}xf32>"
    seq = []
    seq.append(f"      %rtp0 = arith.constant {valid} : i32")
    seq.append(f"      %rtp1 = arith.constant {int(causal)} : i32")
    seq.append("      aiex.npu.rtp_write(@rtp, 0, %rtp0) : i32")
    seq.append("      aiex.npu.rtp_write(@rtp, 1, %rtp1) : i32")
    arg = f"memref<{n}xbf16>"
    for h in range(heads):
        off = h * seq_len * d
        seq += [
            f"      aiex.npu.dma_memcpy_nd(%Q[0, 0, 0, {off}][1, 1, {seq_len}, {d}][0, 0, {d}, 1]) "
            f"{{id = 0 : i64, metadata = @q}} : {arg}",
            f"      aiex.npu.dma_memcpy_nd(%K[0, 0, 0, {off}][{q_tiles}, 1, {seq_len}, {d}][0, 0, {d}, 1]) "
            f"{{id = 1 : i64, metadata = @k}} : {arg}",
            f"      aiex.npu.dma_memcpy_nd(%V[0, 0, 0, {off}][{q_tiles}, 1, {seq_len}, {d}][0, 0, {d}, 1]) "
            f"{{id = 2 : i64, metadata = @v}} : {arg}",
            f"      aiex.npu.dma_memcpy_nd(%O[0, 0, 0, {off}][1, 1, {seq_len}, {d}][0, 0, {d}, 1]) "
            f"{{id = 3 : i64, issue_token = true, metadata = @o}} : {arg}",
            "      aiex.npu.dma_wait {symbol = @o}",
        ]
    sequence = "\n".join(seq)
    return f"""// One-core flash attention: {heads} head(s), L = {seq_len}, D = {d}, tiles {tq}x{tk}.
module {{
  aie.device({device}) {{
    func.func private @attn_online_init({vec}, {vec}, {acct}, i32, i32)
        attributes {{link_with = "attn_kernels.o"}}
    func.func private @attn_qk_bf16({qt}, {kt_view}, i32, {st}, i32, i32, i32, i32, i32, f32)
        attributes {{link_with = "attn_kernels.o"}}
    func.func private @attn_mask_positions({st}, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32)
        attributes {{link_with = "attn_kernels.o"}}
    func.func private @attn_online_update_bf16({st}, i32, i32, {vt_view}, i32, {vec}, {vec}, {acct}, i32, i32, i32)
        attributes {{link_with = "attn_kernels.o"}}
    func.func private @attn_finalize_bf16({acct}, {vec}, {qt}, i32, i32)
        attributes {{link_with = "attn_kernels.o"}}
    %shim = aie.tile(0, 0)
    %shim1 = aie.tile(1, 0)
    %mem = aie.tile(0, 1)
    %core = aie.tile(0, 2)
    %s = aie.buffer(%core) {{sym_name = "scores"}} : {st}
    %m = aie.buffer(%core) {{sym_name = "row_max"}} : {vec}
    %l = aie.buffer(%core) {{sym_name = "row_sum"}} : {vec}
    %acc = aie.buffer(%core) {{sym_name = "acc"}} : {acct}
    %rtp = aie.buffer(%core) {{sym_name = "rtp"}} : memref<2xi32>
    aie.objectfifo @q(%shim, {{%mem}}, 2 : i32) : !aie.objectfifo<{qt}>
    aie.objectfifo @q_l1(%mem, {{%core}}, 2 : i32) : !aie.objectfifo<{qt}>
    aie.objectfifo.link [@q] -> [@q_l1] ([] [])
    aie.objectfifo @k(%shim, {{%mem}}, 2 : i32) : !aie.objectfifo<{kt}>
    aie.objectfifo @v(%shim1, {{%mem}}, 2 : i32) : !aie.objectfifo<{kt}>
    aie.objectfifo @kv_l1(%mem, {{%core}}, 2 : i32) : !aie.objectfifo<{kvt}>
    aie.objectfifo.link [@k, @v] -> [@kv_l1] ({join_offsets} [])
    aie.objectfifo @o_l1(%core, {{%mem}}, 2 : i32) : !aie.objectfifo<{qt}>
    aie.objectfifo @o(%mem, {{%shim}}, 2 : i32) : !aie.objectfifo<{qt}>
    aie.objectfifo.link [@o_l1] -> [@o] ([] [])
    %c_core = aie.core(%core) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %heads = arith.constant {heads} : index
      %q_tiles = arith.constant {q_tiles} : index
      %kv_blocks = arith.constant {kv_blocks} : index
      %tq_idx = arith.constant {tq} : index
      %tk_idx = arith.constant {tk} : index
      %tq = arith.constant {tq} : i32
      %tk = arith.constant {tk} : i32
      %d = arith.constant {d} : i32
      %zero = arith.constant 0 : i32
      %all_rows = arith.constant 2147483647 : i32
      %scale = arith.constant {scale!r} : f32
      scf.for %h = %c0 to %heads step %c1 {{
        scf.for %qi = %c0 to %q_tiles step %c1 {{
          %sq = aie.objectfifo.acquire @q_l1(Consume, 1)
              : !aie.objectfifosubview<{qt}>
          %q = aie.objectfifo.subview.access %sq[0] : !aie.objectfifosubview<{qt}> -> {qt}
          func.call @attn_online_init(%m, %l, %acc, %tq, %d) : ({vec}, {vec}, {acct}, i32, i32) -> ()
          %q0_idx = arith.muli %qi, %tq_idx : index
          %q0 = arith.index_cast %q0_idx : index to i32
          scf.for %kj = %c0 to %kv_blocks step %c1 {{
            %skv = aie.objectfifo.acquire @kv_l1(Consume, 1)
                : !aie.objectfifosubview<{kvt}>
            %kv = aie.objectfifo.subview.access %skv[0] : !aie.objectfifosubview<{kvt}> -> {kvt}
            {kv_views}
            func.call @attn_qk_bf16(%q, %kb, %zero, %s, %tk, %zero, %tq, %tk, %d, %scale)
                : ({qt}, {kt_view}, i32, {st}, i32, i32, i32, i32, i32, f32) -> ()
            %k0_idx = arith.muli %kj, %tk_idx : index
            %k0 = arith.index_cast %k0_idx : index to i32
            %valid = memref.load %rtp[%c0] : memref<2xi32>
            %causal = memref.load %rtp[%c1] : memref<2xi32>
            func.call @attn_mask_positions(%s, %tk, %zero, %tq, %tk, %q0, %k0, %valid, %all_rows, %causal, %zero)
                : ({st}, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) -> ()
            func.call @attn_online_update_bf16(%s, %tk, %zero, %vb, %zero, %m, %l, %acc, %tq, %tk, %d)
                : ({st}, i32, i32, {vt_view}, i32, {vec}, {vec}, {acct}, i32, i32, i32) -> ()
            aie.objectfifo.release @kv_l1(Consume, 1)
          }}
          %so = aie.objectfifo.acquire @o_l1(Produce, 1) : !aie.objectfifosubview<{qt}>
          %o = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<{qt}> -> {qt}
          func.call @attn_finalize_bf16(%acc, %l, %o, %tq, %d) : ({acct}, {vec}, {qt}, i32, i32) -> ()
          aie.objectfifo.release @o_l1(Produce, 1)
          aie.objectfifo.release @q_l1(Consume, 1)
        }}
      }}
      aie.end
    }}
    aie.runtime_sequence @attention(%Q: {arg}, %K: {arg}, %V: {arg}, %O: {arg}) {{
{sequence}
    }}
  }}
}}
"""
