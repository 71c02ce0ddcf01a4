"""Sizes and cost of PyTorch's ``nn.MultiheadAttention`` and ``nn.TransformerEncoderLayer``.

``nn.MultiheadAttention(E, h, bias, add_bias_kv, add_zero_attn, kdim, vdim)`` holds the query, key and value
projections (``[E, E]``, ``[E, kdim]``, ``[E, vdim]``; one ``in_proj_weight [3E, E]`` when kdim = vdim = E),
``in_proj_bias [3E]``, the output projection ``[E, E]`` with its bias ``[E]``, and with ``add_bias_kv``
``bias_k`` and ``bias_v`` ``[1, 1, E]``. The heads split E: their number does not change the count.
``nn.TransformerEncoderLayer(E, h, F, bias)`` adds the feed-forward block ``E -> F -> E`` and two
``LayerNorm(E)`` (a weight, and a bias when ``bias=True``).

FLOPs count 2 per multiply-add of the matrix products only (projections, Q K^T, the weights times V, the
feed-forward layers); softmax, scaling, layer norms, activations, bias adds and residuals are left out.
"""

from __future__ import annotations

__all__ = ["attention_flops", "encoder_layer_params", "mha_params"]


def mha_params(embed_dim: int, bias: bool = True, add_bias_kv: bool = False, kdim: int | None = None,
               vdim: int | None = None) -> int:
    e, kdim, vdim = embed_dim, kdim or embed_dim, vdim or embed_dim
    projections = e * e + e * kdim + e * vdim
    return projections + 3 * e * bias + e * e + e * bias + 2 * e * add_bias_kv


def encoder_layer_params(d_model: int, dim_feedforward: int, bias: bool = True) -> int:
    e, f = d_model, dim_feedforward
    feed_forward = e * f + f * bias + f * e + e * bias
    return mha_params(e, bias) + feed_forward + 2 * (e + e * bias)


def attention_flops(batch: int, queries: int, keys: int, embed_dim: int, kdim: int | None = None,
                    vdim: int | None = None, extra_keys: int = 0, dim_feedforward: int = 0) -> int:
    """FLOPs of one forward pass: attention of ``queries`` over ``keys`` (``extra_keys`` from add_bias_kv or
    add_zero_attn join the keys after the projections), plus a feed-forward block when ``dim_feedforward``."""
    e, kdim, vdim = embed_dim, kdim or embed_dim, vdim or embed_dim
    attended = keys + extra_keys
    macs = batch * (queries * e * e + keys * kdim * e + keys * vdim * e  # the q, k, v projections
                    + 2 * queries * attended * e  # Q K^T and weights @ V, over every head's E / h columns
                    + queries * e * e  # the output projection
                    + 2 * queries * e * dim_feedforward)
    return 2 * macs
