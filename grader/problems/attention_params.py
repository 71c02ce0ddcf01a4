"""Multi-head attention and transformer encoder layers: parameters, tensor shapes, FLOPs and attention memory."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from grader.answers import Integer
from grader.problems._sizes import Sizes
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Bounds, Draw, FamilySpace
from grader.solvers.attention import attention_flops, encoder_layer_params, mha_params
from grader.solvers.cost import BYTES

_SIZE: Bounds = {"ge": 1, "le": 1_000_000}
_MHA_ONLY = {"add_bias_kv": False, "add_zero_attn": False, "kdim": None, "vdim": None, "source_len": None,
             "average_attn_weights": True}

SIZES = Sizes()


class Params(FamilyParams):
    module: Literal["multihead_attention", "transformer_encoder_layer"] = Field(
        description="nn.MultiheadAttention, or nn.TransformerEncoderLayer (self-attention and a feed-forward block).")
    embed_dim: int = Field(description="E (d_model): features of each token.", **_SIZE)
    num_heads: int = Field(description="h, attention heads; must divide E.", **_SIZE)
    bias: bool = Field(True, description="Biases in the projections (and the layer norms of an encoder layer).")
    dim_feedforward: int = Field(2048, description="F, the feed-forward block's hidden size (encoder layer).", **_SIZE)
    add_bias_kv: bool = Field(False, description="nn.MultiheadAttention: a learned extra key and value.")
    add_zero_attn: bool = Field(False, description="nn.MultiheadAttention: an extra all-zero key and value.")
    kdim: int | None = Field(None, description="nn.MultiheadAttention: features of the keys (null: E).", **_SIZE)
    vdim: int | None = Field(None, description="nn.MultiheadAttention: features of the values (null: E).", **_SIZE)
    batch_first: bool = Field(False, description="Tensors are [N, L, E] instead of [L, N, E].")
    seq_len: int = Field(description="L, the tokens of the query sequence.", **_SIZE)
    source_len: int | None = Field(None, description="nn.MultiheadAttention: S, the tokens of the keys and values (null: S = L).", **_SIZE)
    batch: int | None = Field(description="N, sequences in the batch; null for one unbatched sequence.", **_SIZE)
    average_attn_weights: bool = Field(True, description="nn.MultiheadAttention: average the returned weights over the heads.")
    dtype: Literal["float32", "float16", "bfloat16", "float64"] = Field("float32", description="The type of the attention weights.")

    @model_validator(mode="after")
    def _consistent(self):
        if self.embed_dim % self.num_heads:
            raise ValueError(f"num_heads: {self.num_heads} does not divide embed_dim ({self.embed_dim})")
        if self.encoder:
            for name, default in _MHA_ONLY.items():
                if getattr(self, name) != default:
                    raise ValueError(f"{name}: only nn.MultiheadAttention takes it, not an encoder layer")
        elif self.dim_feedforward != 2048:
            raise ValueError("dim_feedforward: only nn.TransformerEncoderLayer has a feed-forward block")
        return self

    @property
    def encoder(self) -> bool:
        return self.module == "transformer_encoder_layer"

    @property
    def keys(self) -> int:
        """S, the keys each query attends to before add_bias_kv / add_zero_attn add theirs."""
        return self.source_len or self.seq_len

    @property
    def attended(self) -> int:
        return self.keys + self.add_bias_kv + self.add_zero_attn

    @property
    def n(self) -> int:
        return self.batch or 1

    def text(self) -> str:
        if self.encoder:
            args = [f"d_model={self.embed_dim}", f"nhead={self.num_heads}", f"dim_feedforward={self.dim_feedforward}"]
        else:
            args = [f"embed_dim={self.embed_dim}", f"num_heads={self.num_heads}"]
        args += [f"{k}={getattr(self, k)}" for k, d in (("bias", True), ("add_bias_kv", False), ("add_zero_attn", False),
                                                        ("kdim", None), ("vdim", None), ("batch_first", False)) if getattr(self, k) != d]
        return f"nn.{'TransformerEncoderLayer' if self.encoder else 'MultiheadAttention'}({', '.join(args)})"

    def shape(self, length: int, features: int) -> list[int]:
        if self.batch is None:
            return [length, features]
        return [self.batch, length, features] if self.batch_first else [length, self.batch, features]


class Space(FamilySpace):
    module: Draw = ["multihead_attention", "transformer_encoder_layer"]
    gpt2: Draw = [False, False, False, True]  # a GPT-2 small block: E = 768, 12 heads, F = 3072
    embed_dim: Draw = [64, 128, 256, 512]
    num_heads: Draw = [1, 2, 4, 8]
    ffn_ratio: Draw = [2, 4, 4]
    bias: Draw = [True, True, True, False]
    cross: Draw = [False, False, True]  # attention over another sequence, sometimes of other widths
    other_width: Draw = [None, None, 32, 100]
    batch_first: Draw = [False, True]
    seq_len: Draw = [10, 16, 32, 50, 128, 512, 1024]
    source_len: Draw = [20, 49, 64, 196]
    batch: Draw = [1, 8, 16, 32, None]
    average_attn_weights: Draw = [True, True, False]
    dtype: Draw = ["float32", "float32", "float16"]


def generate(rng, space: Space) -> Params:
    v = {name: space.draw(rng, name) for name in Space.model_fields}
    fields = {k: v[k] for k in ("module", "embed_dim", "num_heads", "bias", "batch_first", "seq_len", "batch", "dtype")}
    if v["gpt2"]:
        fields |= {"module": "transformer_encoder_layer", "embed_dim": 768, "num_heads": 12, "seq_len": int(rng.choice([512, 1024]))}
    if fields["module"] == "transformer_encoder_layer":
        return Params(**fields, dim_feedforward=v["ffn_ratio"] * fields["embed_dim"])
    extra = {"average_attn_weights": v["average_attn_weights"]}
    if v["cross"]:
        extra |= {"source_len": v["source_len"], "kdim": v["other_width"], "vdim": v["other_width"]}
    return Params(**fields, **extra)


ANSWER = "object"


def _params(p: Params, bias=None, kdim=None, vdim=None) -> int:
    bias = p.bias if bias is None else bias
    if p.encoder:
        return encoder_layer_params(p.embed_dim, p.dim_feedforward, bias)
    return mha_params(p.embed_dim, bias, p.add_bias_kv, kdim or p.kdim, vdim or p.vdim)


def _flops(p: Params, scores: int = 1, feed_forward: bool = True) -> int:
    """FLOPs, with the two attention products counted ``scores`` times (0: left out; h: once per head)."""
    base = attention_flops(p.n, p.seq_len, p.keys, p.embed_dim, p.kdim, p.vdim, p.attended - p.keys,
                           p.dim_feedforward if p.encoder and feed_forward else 0)
    products = 2 * 2 * p.n * p.seq_len * p.attended * p.embed_dim
    return base + (scores - 1) * products


def _answer(p: Params) -> dict:
    out = {"param_count": _params(p), "output_shape": p.shape(p.seq_len, p.embed_dim)}
    if not p.encoder:
        lead = [] if p.batch is None else [p.batch]
        heads = [] if p.average_attn_weights else [p.num_heads]
        out["weights_shape"] = [*lead, *heads, p.seq_len, p.attended]
    entries = p.n * p.num_heads * p.seq_len * p.attended
    return out | {"flops": _flops(p), "attention_bytes": entries * BYTES[p.dtype]}


def solve(p: Params) -> dict[str, Part]:
    truth = _answer(p)
    parts = {"param_count": Part(truth["param_count"], Integer())}
    for name in ("output_shape", "weights_shape"):
        if name in truth:
            parts[name] = Part(truth[name], SIZES)
    return parts | {"flops": Part(truth["flops"], Integer()), "attention_bytes": Part(truth["attention_bytes"], Integer())}


def mistakes(p: Params):
    truth, e = _answer(p), p.embed_dim
    if p.bias:
        yield Mistake("forgot_biases", "The projections have biases (in_proj_bias, 3E, and the output projection's E)"
                      + (", and so do the feed-forward layers and the layer norms" if p.encoder else "") + ": count them.",
                      truth | {"param_count": _params(p, bias=False)})
    if p.num_heads > 1:
        yield Mistake("projections_per_head", f"The heads split E: the query, key, value and output projections are E x E "
                      f"in total, each head using E / h = {e // p.num_heads} of the features; their count does not grow with h.",
                      truth | {"param_count": truth["param_count"] + (p.num_heads - 1) * 4 * e * e})
    yield Mistake("forgot_out_proj", "After the heads are joined, the output projection (E x E, and its bias) mixes them.",
                  truth | {"param_count": truth["param_count"] - e * e - e * p.bias})
    if p.encoder:
        yield Mistake("forgot_layer_norms", "An encoder layer has two LayerNorm(E), each with a weight"
                      + (" and a bias" if p.bias else "") + ".", truth | {"param_count": truth["param_count"] - 2 * (e + e * p.bias)})
        yield Mistake("forgot_feed_forward_flops", "The feed-forward block costs 2 x 2·N·L·E·F FLOPs too.",
                      truth | {"flops": _flops(p, feed_forward=False)})
    if (p.kdim or e) != e or (p.vdim or e) != e:
        yield Mistake("kdim_as_embed_dim", f"The key and value projections read kdim = {p.kdim or e} and vdim = {p.vdim or e} "
                      "features: they are E x kdim and E x vdim.", truth | {"param_count": _params(p, kdim=e, vdim=e)})
    if "weights_shape" in truth and p.num_heads > 1:
        heads = truth["weights_shape"]
        if p.average_attn_weights:
            yield Mistake("weights_per_head", "average_attn_weights=True averages the weights over the heads: one [L, S] "
                          "matrix per sequence.", truth | {"weights_shape": [*heads[:-2], p.num_heads, *heads[-2:]]})
        else:
            yield Mistake("weights_averaged", "With average_attn_weights=False each head's weights are returned: [h, L, S] "
                          "per sequence.", truth | {"weights_shape": [*heads[:-3], *heads[-2:]]})
    if p.batch is not None and p.batch != p.seq_len:
        swapped = truth["output_shape"][:]
        swapped[0], swapped[1] = swapped[1], swapped[0]
        yield Mistake("batch_axis", "With batch_first=False the sequence axis comes first, [L, N, E]; with batch_first=True "
                      "the batch does, [N, L, E].", truth | {"output_shape": swapped})
    yield Mistake("macs_as_flops", "A multiply-add is two FLOPs.", truth | {"flops": truth["flops"] // 2})
    yield Mistake("forgot_attention_products", "Q Kᵀ and the weights times V are matrix products too, "
                  "2·N·L·S·E FLOPs each: they grow with the square of the sequence length.", truth | {"flops": _flops(p, scores=0)})
    if p.num_heads > 1:
        yield Mistake("attention_products_per_head", "Each head's Q Kᵀ uses its E / h features: over the h heads the products "
                      "cost 2·N·L·S·E each, not h times that.", truth | {"flops": _flops(p, scores=p.num_heads)})
        yield Mistake("attention_bytes_one_head", "Every head has its own L x S attention matrix: multiply by h.",
                      truth | {"attention_bytes": truth["attention_bytes"] // p.num_heads})
    if p.dtype != "float32":
        yield Mistake("assumed_float32", f"A {p.dtype} value takes {BYTES[p.dtype]} bytes, not the 4 of float32.",
                      truth | {"attention_bytes": truth["attention_bytes"] // BYTES[p.dtype] * 4})


STATEMENT = r"""
The layer `{{ p.text() }}` reads {% if p.batch is none %}one unbatched sequence{% else %}a batch of N = {{ p.batch }} sequences{% endif %} of L = {{ p.seq_len }} tokens
{%- if p.encoder %} (self-attention){% elif p.source_len or p.kdim or p.vdim %} as queries, and attends over {{ p.keys }} key/value tokens{% if p.kdim or p.vdim %} of {{ p.kdim or p.embed_dim }} (keys) and {{ p.vdim or p.embed_dim }} (values) features{% endif %}{% else %} as queries, keys and values (self-attention){% endif %}.
{% if not p.encoder %}It is called as `output, weights = layer(query, key, value{% if not p.average_attn_weights %}, average_attn_weights=False{% endif %})`.{% endif %}

Give `param_count`, its number of learnable parameters; {% if p.encoder %}`output_shape`{% else %}`output_shape` and `weights_shape`{% endif %}, as lists of sizes in PyTorch's order;
`flops`, the floating-point operations of one forward pass, counting 2 per multiply-add of the matrix products only
(the projections, $QK^\top$, the weights times $V${% if p.encoder %}, the feed-forward layers{% endif %}; not softmax, scaling, biases, activations{% if p.encoder %}, layer norms, residuals{% endif %});
and `attention_bytes`, the memory of the attention weights of every head (before any averaging) in {{ p.dtype }}.
"""

SOLUTION = r"""
{% set e, h, n, l, s = p.embed_dim, p.num_heads, p.n, p.seq_len, p.attended %}
**Parameters.** The query, key and value projections are $E \times E$, $E \times {{ p.kdim or e }}$ and $E \times {{ p.vdim or e }}$
in total (the {{ h }} head(s) split their $E = {{ e }}$ features){% if p.bias %} with `in_proj_bias` ($3E$){% endif %}, and the output projection $E \times E${% if p.bias %} + $E${% endif %}{% if p.add_bias_kv %}; add_bias_kv adds `bias_k` and `bias_v` ($2E${% endif %}{% if p.add_bias_kv %}){% endif %}.
{% if p.encoder %}The feed-forward block adds $E \cdot F + F \cdot E${% if p.bias %} $+ F + E${% endif %} with $F = {{ p.dim_feedforward }}$, and the two layer norms {{ '$2 \\cdot 2E$ (weight and bias)' if p.bias else '$2E$ (weights only)' }}.
{% endif %}
In all: $\mathbf{ {{ answer.param_count | num }} }$.

**Shapes.** The output has the query's shape: **{{ answer.output_shape }}**.
{% if not p.encoder %}The weights are {% if p.average_attn_weights %}averaged over the heads{% else %}given per head{% endif %}, over the {{ s }} key(s){% if s != p.keys %} ({{ p.keys }} and the extra key(s) of add_bias_kv / add_zero_attn){% endif %}: **{{ answer.weights_shape }}**.{% endif %}

**FLOPs** ({{ n }} sequence(s), $L = {{ l }}$ queries, $S = {{ s }}$ keys): the projections cost
$2 \cdot (L E^2 + {{ p.keys }} \cdot {{ p.kdim or e }} E + {{ p.keys }} \cdot {{ p.vdim or e }} E + L E^2)$ per sequence, $QK^\top$ and the weights times $V$
$2 \cdot L S E$ each{% if p.encoder %}, the feed-forward block $2 \cdot 2 L E F${% endif %}; times N: $\mathbf{ {{ answer.flops | num }} }$.

**Attention memory.** $N \cdot h \cdot L \cdot S = {{ n }} \cdot {{ h }} \cdot {{ l }} \cdot {{ s }}$ weights of {{ answer.attention_bytes // (n * h * l * s) }} byte(s): $\mathbf{ {{ answer.attention_bytes | num }} }$ bytes.
"""
