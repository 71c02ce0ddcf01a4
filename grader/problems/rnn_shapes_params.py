"""The parameter count of a PyTorch RNN, LSTM or GRU, and the shapes of its output and final states."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from grader.answers import Integer
from grader.problems._sizes import Sizes
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Bounds, Draw, FamilySpace
from grader.solvers.recurrent import GATES, recurrent_params, recurrent_shapes

_SIZE: Bounds = {"ge": 1, "le": 100_000}
_MODULE = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}

SIZES = Sizes()


class Params(FamilyParams):
    cell: Literal["rnn", "lstm", "gru"] = Field(description="nn.RNN, nn.LSTM or nn.GRU.")
    input_size: int = Field(description="Features of each input time step.", **_SIZE)
    hidden_size: int = Field(description="H, features of the hidden state.", **_SIZE)
    num_layers: int = Field(1, ge=1, le=1000, description="Stacked layers.")
    bias: bool = Field(True, description="The two bias vectors b_ih and b_hh of each layer and direction.")
    bidirectional: bool = Field(False, description="A second pass over the sequence backwards (D = 2).")
    batch_first: bool = Field(False, description="Input and output are [N, L, features] instead of [L, N, features].")
    proj_size: int = Field(0, ge=0, le=100_000, description="LSTM only: project the hidden state to this size (0: none).")
    seq_len: int = Field(description="L, the time steps of the input.", **_SIZE)
    batch: int | None = Field(description="N, the sequences in the batch; null for one unbatched sequence [L, features].", **_SIZE)

    @model_validator(mode="after")
    def _consistent(self):
        if self.proj_size and self.cell != "lstm":
            raise ValueError(f"proj_size: only nn.LSTM projects its hidden state, not nn.{_MODULE[self.cell]}")
        if self.proj_size >= self.hidden_size:
            raise ValueError(f"proj_size: {self.proj_size} must be smaller than hidden_size ({self.hidden_size}), as PyTorch requires")
        return self

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def h_out(self) -> int:
        return self.proj_size or self.hidden_size

    def layer_inputs(self) -> list[int]:
        """The features each layer reads: the input, then the layer below's output (D x H_out)."""
        return [self.input_size] + [self.directions * self.h_out] * (self.num_layers - 1)

    def layer_counts(self) -> list[int]:
        return [recurrent_params(self.cell, reads, self.hidden_size, 1, self.bias, self.bidirectional, self.proj_size)
                for reads in self.layer_inputs()]

    def module(self) -> str:
        args = [f"{self.input_size}", f"{self.hidden_size}"]
        args += [f"{k}={v}" for k, v, default in (("num_layers", self.num_layers, 1), ("bias", self.bias, True),
                 ("batch_first", self.batch_first, False), ("bidirectional", self.bidirectional, False),
                 ("proj_size", self.proj_size, 0)) if v != default]
        return f"nn.{_MODULE[self.cell]}({', '.join(args)})"


class Space(FamilySpace):
    cell: Draw = ["rnn", "lstm", "lstm", "gru"]
    input_size: Draw = [8, 16, 28, 32, 50, 64, 100, 128, 300]
    hidden_size: Draw = [16, 20, 32, 64, 100, 128, 256]
    num_layers: Draw = [1, 1, 2, 3]
    bias: Draw = [True, True, True, False]
    bidirectional: Draw = [False, False, True]
    batch_first: Draw = [False, True]
    proj_size: Draw = [0, 0, 0, 8, 10]  # LSTM only, and smaller than hidden_size
    seq_len: Draw = [5, 7, 10, 20, 35, 50]
    batch: Draw = [1, 4, 16, 32, 64, None]


def generate(rng, space: Space) -> Params:
    fields = {name: space.draw(rng, name) for name in Space.model_fields}
    if fields["cell"] != "lstm":
        fields["proj_size"] = 0
    return Params(**fields)


ANSWER = "object"


def _count(p: Params, **changes) -> int:
    args = dict(cell=p.cell, input_size=p.input_size, hidden_size=p.hidden_size, num_layers=p.num_layers, bias=p.bias,
                bidirectional=p.bidirectional, proj_size=p.proj_size) | changes
    return recurrent_params(**args)


def _answer(p: Params, params=None, **changes) -> dict:
    args = dict(cell=p.cell, seq_len=p.seq_len, batch=p.batch, hidden_size=p.hidden_size, num_layers=p.num_layers,
                bidirectional=p.bidirectional, batch_first=p.batch_first, proj_size=p.proj_size) | changes
    shapes = recurrent_shapes(**args)
    out = {"param_count": _count(p) if params is None else params, "output_shape": list(shapes.output), "h_n_shape": list(shapes.h_n)}
    return out | ({"c_n_shape": list(shapes.c_n)} if shapes.c_n is not None else {})  # an LSTM's only


def solve(p: Params) -> dict[str, Part]:
    truth = _answer(p)
    parts = {"param_count": Part(truth["param_count"], Integer())}
    for name in ("output_shape", "h_n_shape", "c_n_shape"):
        if name in truth:
            parts[name] = Part(truth[name], SIZES)
    return parts


def mistakes(p: Params):
    truth, gates, directions = _answer(p), GATES[p.cell], p.directions
    if p.bias:
        one = p.num_layers * directions * gates * p.hidden_size
        yield Mistake("one_bias_vector", "PyTorch keeps two bias vectors per layer and direction, b_ih and b_hh "
                      "(G·H entries each): count both.", truth | {"param_count": truth["param_count"] - one})
    if p.cell != "rnn":
        yield Mistake("forgot_gates", f"An {_MODULE[p.cell]} has {gates} gates, each with its own input and hidden weights "
                      "and biases: multiply by the number of gates.", truth | {"param_count": _count(p, cell="rnn")})
        other = "gru" if p.cell == "lstm" else "lstm"
        yield Mistake("gate_count", "An LSTM has 4 gates (input, forget, cell, output); a GRU has 3 (reset, update, new).",
                      truth | {"param_count": _count(p, cell=other, proj_size=0) if p.proj_size else _count(p, cell=other)})
    if p.bidirectional:
        yield Mistake("forgot_directions", "A bidirectional layer has a second set of weights for the backward pass, "
                      "and its output joins both directions: D = 2.", _answer(p, _count(p, bidirectional=False), bidirectional=False))
    if p.num_layers > 1 and p.input_size != directions * p.h_out:
        yield Mistake("deeper_layers_read_input_size", f"The layers after the first read the layer below's output, "
                      f"{directions} x {p.h_out} features, not input_size.",
                      truth | {"param_count": sum(_count(p, num_layers=1, input_size=p.input_size) for _ in range(p.num_layers))})
    if p.batch_first and p.batch is not None:
        yield Mistake("h_n_batch_first", "batch_first changes the input and output only: h_n (and c_n) stay "
                      "[D·num_layers, N, H_out].",
                      truth | {k: [v[1], v[0], v[2]] for k, v in truth.items() if k in ("h_n_shape", "c_n_shape")})
        yield Mistake("output_ignored_batch_first", "With batch_first=True the output is [N, L, D·H_out].",
                      truth | {"output_shape": _answer(p, batch_first=False)["output_shape"]})
    if p.num_layers > 1:
        yield Mistake("h_n_last_layer_only", "h_n holds the final hidden state of every layer and direction: "
                      "D·num_layers of them, not only the last layer's.", _answer(p, truth["param_count"], num_layers=1))
        yield Mistake("output_of_every_layer", "output holds only the last layer's hidden state at each time step "
                      f"(D·H_out = {directions * p.h_out} features); the lower layers' are not in it.",
                      truth | {"output_shape": truth["output_shape"][:-1] + [truth["output_shape"][-1] * p.num_layers]})
    if p.proj_size:
        yield Mistake("forgot_projection", f"With proj_size={p.proj_size} the hidden state is projected to {p.proj_size} "
                      "features by weight_hr [P, H], so h, the recurrent weights and the output use P.",
                      _answer(p, _count(p, proj_size=0), proj_size=0) | {"c_n_shape": truth["c_n_shape"]})
        yield Mistake("c_n_projected", f"Only the hidden state is projected: the cell state c_n keeps hidden_size = "
                      f"{p.hidden_size} features.", truth | {"c_n_shape": truth["c_n_shape"][:-1] + [p.proj_size]})


STATEMENT = r"""
The layer `{{ p.module() }}` reads {% if p.batch is none %}one unbatched sequence of {{ p.seq_len }} time steps ([L, features]){% else %}a batch of {{ p.batch }} sequences of {{ p.seq_len }} time steps{% endif %}.
Give `param_count`, its number of learnable parameters (weights and biases){% if p.cell == 'lstm' %}, and the shapes of `output, (h_n, c_n) = layer(x)`: `output_shape`, `h_n_shape` and `c_n_shape`{% else %}, and the shapes of `output, h_n = layer(x)`: `output_shape` and `h_n_shape`{% endif %},
each as a list of sizes in PyTorch's order.
"""

SOLUTION = r"""
{% set g = {'rnn': 1, 'lstm': 4, 'gru': 3}[p.cell] %}
Each layer and direction holds `weight_ih` $[{{ g }}H, \text{in}]$, `weight_hh` $[{{ g }}H, H_\text{out}]${% if p.bias %}, and two bias vectors `bias_ih`, `bias_hh` $[{{ g }}H]${% endif %}{% if p.proj_size %}, and `weight_hr` $[P, H]${% endif %},
with {{ g }} gate(s), $H = {{ p.hidden_size }}$ and $H_\text{out} = {{ p.h_out }}${% if p.proj_size %} (the projection){% endif %}.
{% for reads, n in zip(p.layer_inputs(), p.layer_counts()) %}
- layer {{ loop.index }} reads {{ reads }} features: ${{ p.directions }} \cdot ({{ g }} \cdot {{ p.hidden_size }} \cdot ({{ reads }} + {{ p.h_out }}){% if p.bias %} + 2 \cdot {{ g }} \cdot {{ p.hidden_size }}{% endif %}{% if p.proj_size %} + {{ p.proj_size }} \cdot {{ p.hidden_size }}{% endif %}) = {{ n | num }}$
{% endfor %}

In all: $\mathbf{ {{ answer.param_count | num }} }$ parameters.

`output` holds the last layer's hidden state at every time step, $D \cdot H_\text{out} = {{ p.directions * p.h_out }}$ features
{% if p.batch is none %}(unbatched: $[L, D \cdot H_\text{out}]$){% elif p.batch_first %}(batch_first: $[N, L, D \cdot H_\text{out}]$){% else %}($[L, N, D \cdot H_\text{out}]$){% endif %}: **{{ answer.output_shape }}**.
`h_n` holds the final hidden state of each of the $D \cdot \text{num\_layers} = {{ p.directions * p.num_layers }}$ layers and directions{% if p.batch_first %} (batch_first does not move its batch axis){% endif %}: **{{ answer.h_n_shape }}**.
{% if p.cell == 'lstm' %}`c_n`, the final cell states, has $H = {{ p.hidden_size }}$ features{% if p.proj_size %} (the projection applies to h only){% endif %}: **{{ answer.c_n_shape }}**.{% endif %}
"""
