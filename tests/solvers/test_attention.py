"""Attention sizes and FLOPs against a numpy forward pass that counts its own products, and against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.solvers.attention import attention_flops, encoder_layer_params, mha_params

CASES = 2000


class Counted:
    """Matrix products that add up their own FLOPs: 2 per multiply-add."""

    def __init__(self):
        self.flops = 0

    def mm(self, a, b):
        self.flops += 2 * a.shape[-2] * a.shape[-1] * b.shape[-1] * math.prod(a.shape[:-2])
        return a @ b


def _numpy_attention(rng, n, l, s, e, h, kdim, vdim, bias_kv, zero_attn, ff):  # noqa: E741 (PyTorch names the target length L)
    """One forward pass of multi-head attention (and a feed-forward block when ff), written out step by step."""
    count, d = Counted(), e // h
    q = count.mm(rng.normal(size=(n, l, e)), rng.normal(size=(e, e)))
    k = count.mm(rng.normal(size=(n, s, kdim)), rng.normal(size=(kdim, e)))
    v = count.mm(rng.normal(size=(n, s, vdim)), rng.normal(size=(vdim, e)))
    extra = bias_kv + zero_attn  # the learned bias_k / bias_v and the zero key join after the projections
    k = np.concatenate([k, np.zeros((n, extra, e))], axis=1)
    v = np.concatenate([v, np.zeros((n, extra, e))], axis=1)
    heads = lambda t: t.reshape(n, -1, h, d).transpose(0, 2, 1, 3)  # noqa: E731
    scores = count.mm(heads(q), heads(k).transpose(0, 1, 3, 2)) / math.sqrt(d)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    joined = count.mm(weights, heads(v)).transpose(0, 2, 1, 3).reshape(n, l, e)
    out = count.mm(joined, rng.normal(size=(e, e)))
    if ff:
        out = count.mm(np.maximum(count.mm(out, rng.normal(size=(e, ff))), 0), rng.normal(size=(ff, e)))
    return out.shape, weights.shape, count.flops


def _case(rng) -> dict:
    h = int(rng.integers(1, 5))
    e = h * int(rng.integers(1, 5))
    cross = rng.random() < 0.5
    return dict(n=int(rng.integers(1, 4)), l=int(rng.integers(1, 7)), s=int(rng.integers(1, 7)) if cross else None, e=e, h=h,
                kdim=int(rng.integers(1, 9)) if cross and rng.random() < 0.5 else None,
                vdim=int(rng.integers(1, 9)) if cross and rng.random() < 0.5 else None,
                bias_kv=bool(rng.random() < 0.3), zero_attn=bool(rng.random() < 0.3), bias=bool(rng.random() < 0.8))


def test_flops_match_a_forward_pass_that_counts_its_products(rng):
    for case in range(CASES // 2):
        c = _case(rng)
        s = c["s"] or c["l"]
        ff = int(rng.integers(1, 9)) if rng.random() < 0.5 else 0
        out, weights, flops = _numpy_attention(rng, c["n"], c["l"], s, c["e"], c["h"], c["kdim"] or c["e"], c["vdim"] or c["e"],
                                               c["bias_kv"], c["zero_attn"], ff)
        assert out == (c["n"], c["l"], c["e"]) and weights == (c["n"], c["h"], c["l"], s + c["bias_kv"] + c["zero_attn"])
        assert attention_flops(c["n"], c["l"], s, c["e"], c["kdim"], c["vdim"], c["bias_kv"] + c["zero_attn"], ff) == flops, case


def test_counts_match_the_tensors_pytorch_documents(rng):
    for case in range(CASES):
        c = _case(rng)
        e, kdim, vdim = c["e"], c["kdim"] or c["e"], c["vdim"] or c["e"]
        tensors = [(e, e), (e, kdim), (e, vdim)] + [(3 * e,)] * c["bias"] + [(e, e)] + [(e,)] * c["bias"] + [(1, 1, e)] * 2 * c["bias_kv"]
        assert mha_params(e, c["bias"], c["bias_kv"], c["kdim"], c["vdim"]) == sum(math.prod(t) for t in tensors), case
        f = int(rng.integers(1, 100))
        layer = [(3 * e, e)] + [(3 * e,)] * c["bias"] + [(e, e)] + [(e,)] * c["bias"]  # self_attn
        layer += [(f, e)] + [(f,)] * c["bias"] + [(e, f)] + [(e,)] * c["bias"]  # linear1, linear2
        layer += [(e,), (e,)] + [(e,), (e,)] * c["bias"]  # norm1, norm2: weights, and biases with bias=True
        assert encoder_layer_params(e, f, c["bias"]) == sum(math.prod(t) for t in layer), case


def test_gpt2_small_block():
    # d_model 768, 12 heads, F 3072: 4·768² + 4·768 attention, 2·768·3072 + 3072 + 768 feed-forward, 4·768 norms
    assert encoder_layer_params(768, 3072) == 7_087_872
    # at 1024 tokens: 2·(4·1024·768² + 2·1024²·768 + 2·1024·768·3072) FLOPs
    assert attention_flops(1, 1024, 1024, 768, dim_feedforward=3072) == 2 * (4 * 1024 * 768**2 + 2 * 1024**2 * 768 + 2 * 1024 * 768 * 3072)


@pytest.mark.oracle
def test_matches_pytorch_modules_and_flop_counter(rng, torch):
    """Counts and shapes on every case; FLOPs on every other one (the counter costs milliseconds per call)."""
    from contextlib import nullcontext

    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    counted = 0
    for case in range(CASES):
        c = _case(rng)
        s = c["s"] or c["l"]
        counter = FlopCounterMode(display=False) if case % 4 < 2 else None
        with sdpa_kernel(SDPBackend.MATH), counter or nullcontext():  # the math path's products are counted
            if case % 2:
                f = int(rng.integers(1, 20))
                module = torch.nn.TransformerEncoderLayer(c["e"], c["h"], f, dropout=0.0, bias=c["bias"], device="meta")
                out = module(torch.zeros(c["l"], c["n"], c["e"], device="meta"))  # shapes and counts need no values
                expected = (encoder_layer_params(c["e"], f, c["bias"]), attention_flops(c["n"], c["l"], c["l"], c["e"], dim_feedforward=f))
            else:
                module = torch.nn.MultiheadAttention(c["e"], c["h"], bias=c["bias"], add_bias_kv=c["bias_kv"],
                                                     add_zero_attn=c["zero_attn"], kdim=c["kdim"], vdim=c["vdim"], device="meta")
                q = torch.zeros(c["l"], c["n"], c["e"], device="meta")
                k = torch.zeros(s, c["n"], c["kdim"] or c["e"], device="meta")
                v = torch.zeros(s, c["n"], c["vdim"] or c["e"], device="meta")
                out, weights = module(q, k, v, average_attn_weights=False)
                extra = c["bias_kv"] + c["zero_attn"]
                assert tuple(weights.shape) == (c["n"], c["h"], c["l"], s + extra), case
                expected = (mha_params(c["e"], c["bias"], c["bias_kv"], c["kdim"], c["vdim"]),
                            attention_flops(c["n"], c["l"], s, c["e"], c["kdim"], c["vdim"], extra))
        assert tuple(out.shape) == (c["l"], c["n"], c["e"]), case
        assert expected[0] == sum(p.numel() for p in module.parameters()), case
        if counter is not None:
            assert expected[1] == counter.get_total_flops(), case
            counted += 1
    assert counted == CASES // 2
