"""Forward and backward through a small MLP with given weights: output, loss, named gradient entries, one SGD step."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.answers import Array, Real
from grader.problems._tensors import Finite, Tensor, check_axes, draw_tensor, plain
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers.mlp import Forward, Gradients, activate, activation_slope, loss_and_slope, mlp_backward, mlp_forward

HAND_WEIGHTS = 24
MAX_LAYERS = 100
_TORCH = {"relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "identity": ""}


class Dense(BaseModel):
    """One ``nn.Linear`` layer and the activation after it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    weight: Tensor = Field(description="W, nested lists [out][in] (PyTorch's layout).")
    bias: Tensor | None = Field(None, description="b, one value per output, or null for no bias.")
    activation: Literal["relu", "sigmoid", "tanh", "identity"] = Field("identity", description="Applied after W h + b.")

    def module(self) -> str:
        return _TORCH[self.activation]


class Entry(BaseModel):
    """One gradient entry the student gives: ∂L/∂W_l[i][j] or ∂L/∂b_l[i]."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tensor: Literal["weight", "bias"] = Field(description="weight or bias.")
    layer: int = Field(ge=1, le=MAX_LAYERS, description="The layer, counted from 1.")
    index: list[int] = Field(min_length=1, max_length=2, description="[i, j] of a weight, [i] of a bias.")

    @property
    def name(self) -> str:
        return f"d{'W' if self.tensor == 'weight' else 'b'}{self.layer}_{'_'.join(map(str, self.index))}"


class Params(FamilyParams):
    x: Tensor = Field(description="The input vector.")
    layers: list[Dense] = Field(min_length=1, max_length=MAX_LAYERS, description="The layers in order.")
    loss: Literal["mse", "cross_entropy"] = Field(description="nn.MSELoss() on the output, or nn.CrossEntropyLoss() with the output as logits.")
    target: int | list[Finite] = Field(description="The target vector (mse) or the true class, from 0 (cross_entropy).")
    lr: float = Field(gt=0, le=1000, description="The learning rate of the SGD step.")
    asked: list[Entry] = Field(default=[], max_length=50, description="The gradient entries to give.")
    update_layer: int | None = Field(1, ge=1, le=MAX_LAYERS, description="The layer whose weight is given after the step; null for none.")

    @model_validator(mode="after")
    def _consistent(self):
        (width,) = check_axes("x", self.x, 1, "[in]")
        for i, layer in enumerate(self.layers):
            out, reads = check_axes(f"layers.{i}.weight", layer.weight, 2, "[out, in]")
            if reads != width:
                raise ValueError(f"layers.{i}.weight: reads {reads} inputs, but what reaches it has {width}")
            if layer.bias is not None and np.shape(layer.bias) != (out,):
                raise ValueError(f"layers.{i}.bias: needs one value for each of the {out} outputs, got shape {list(np.shape(layer.bias))}")
            width = out
        if self.loss == "mse" and (isinstance(self.target, int) or len(self.target) != width):
            raise ValueError(f"target: mse needs a target vector of the {width} outputs")
        if self.loss == "cross_entropy" and not (isinstance(self.target, int) and 0 <= self.target < width):
            raise ValueError(f"target: cross_entropy needs the true class, an integer from 0 to {width - 1}")
        for k, entry in enumerate(self.asked):
            if entry.layer > len(self.layers):
                raise ValueError(f"asked.{k}.layer: there are {len(self.layers)} layers")
            shape = np.shape(self.layers[entry.layer - 1].weight)
            shape = shape if entry.tensor == "weight" else shape[:1]
            if len(entry.index) != len(shape) or not all(0 <= i < n for i, n in zip(entry.index, shape)):
                raise ValueError(f"asked.{k}.index: {entry.index} is not an entry of a {entry.tensor} of shape {list(shape)}")
            if entry.tensor == "bias" and self.layers[entry.layer - 1].bias is None:
                raise ValueError(f"asked.{k}: layer {entry.layer} has no bias")
        if len({e.name for e in self.asked}) < len(self.asked):
            raise ValueError("asked: an entry is asked twice")
        if self.update_layer is not None and self.update_layer > len(self.layers):
            raise ValueError(f"update_layer: there are {len(self.layers)} layers")
        return self

    def network(self) -> list:
        return [(np.asarray(layer.weight, dtype=float), layer.bias, layer.activation) for layer in self.layers]

    def trace(self) -> tuple[Forward, Gradients]:
        """The forward pass and the true gradients, for the worked solution."""
        forward = mlp_forward(self.x, self.network())
        return forward, mlp_backward(self.network(), forward, loss_and_slope(self.loss, forward.output, self.target)[1])


class Space(FamilySpace):
    inputs: Draw = [2, 2, 3]
    hidden: Draw = [2, 2, 3]
    loss: Draw = ["mse", "mse", "cross_entropy"]
    activation: Draw = ["relu", "sigmoid", "tanh"]
    values: Draw = Range(min=-2, max=2)
    bias: Draw = [True, True, False]
    lr: Draw = [0.1, 0.5, 1.0]


def generate(rng, space: Space) -> Params:
    for _ in range(50):  # a loss near 0, or a step too small to show in 3 figures, teaches nothing: draw again
        params = _draw(rng, space)
        forward, grads = params.trace()
        if _value(params) > 0.01 and params.lr * np.abs(grads.weight[0]).max() > 0.01:
            break
    # ask for a gradient entry of each layer, among those that are not 0, and a bias of the first layer
    asked = []
    for layer, grad in enumerate(grads.weight, start=1):
        nonzero = np.argwhere(grad != 0)
        if len(nonzero):
            asked.append({"tensor": "weight", "layer": layer, "index": nonzero[int(rng.integers(len(nonzero)))].tolist()})
    if params.layers[0].bias is not None and np.any(grads.bias[0]):
        entries = np.flatnonzero(grads.bias[0])
        asked.append({"tensor": "bias", "layer": 1, "index": [int(entries[int(rng.integers(len(entries)))])]})
    return Params.model_validate({**params.model_dump(exclude={"asked"}), "asked": asked})


def _draw(rng, space: Space) -> Params:
    d_in, hidden, loss = space.draw(rng, "inputs"), space.draw(rng, "hidden"), space.draw(rng, "loss")
    d_out = int(rng.integers(2, 4)) if loss == "cross_entropy" else int(rng.integers(1, 3))
    layers = []
    for reads, out, act in ((d_in, hidden, space.draw(rng, "activation")), (hidden, d_out, "identity")):
        bias = draw_tensor(rng, space, [out]) if space.draw(rng, "bias") else None
        layers.append({"weight": draw_tensor(rng, space, [out, reads]), "bias": bias, "activation": act})
    target = int(rng.integers(d_out)) if loss == "cross_entropy" else draw_tensor(rng, space, [d_out])
    return Params.model_validate({"x": draw_tensor(rng, space, [d_in]), "layers": layers, "loss": loss, "target": target,
                                  "lr": space.draw(rng, "lr")})


def _value(p: Params) -> float:
    return loss_and_slope(p.loss, mlp_forward(p.x, p.network()).output, p.target)[0]


ANSWER = "object"


def _answer(p: Params, *, slope=activation_slope, layer_input=None, loss=None, step=-1.0) -> dict:
    """Every part, with one piece of the computation swapped (a mistake's)."""
    net = p.network()
    forward = mlp_forward(p.x, net)
    value, d_out = (loss or loss_and_slope)(p.loss, forward.output, p.target)
    grads = mlp_backward(net, forward, d_out, slope=slope, layer_input=layer_input)
    out = {"output": plain(forward.output), "loss": value}
    for e in p.asked:
        out[e.name] = float((grads.weight if e.tensor == "weight" else grads.bias)[e.layer - 1][tuple(e.index)]) + 0.0
    if p.update_layer is not None:
        k = p.update_layer - 1
        out[f"W{p.update_layer}_updated"] = plain(net[k][0] + step * p.lr * grads.weight[k])
    return out


def _loss_of(p: Params, given) -> float | None:
    output = np.asarray(given["output"], dtype=float)
    if output.shape != np.shape(_answer(p)["output"]):
        return None
    return loss_and_slope(p.loss, output, p.target)[0]


def solve(p: Params) -> dict[str, Part]:
    truth = _answer(p)
    parts = {"output": Part(truth["output"], Array(axes=("output",))),
             "loss": Part(truth["loss"], Real(), carry=lambda given: _loss_of(p, given))}
    parts |= {e.name: Part(truth[e.name], Real()) for e in p.asked}
    if p.update_layer is not None:
        parts[f"W{p.update_layer}_updated"] = Part(truth[f"W{p.update_layer}_updated"], Array(axes=("row", "column")))
    return parts


def _at_activation(name, z):  # the derivative's formula applied to h = act(z) instead of z
    return activation_slope(name, activate(name, z))


def mistakes(p: Params):
    yield Mistake("forgot_activation_derivative", "Back-propagating through an activation multiplies by its derivative at the "
                  "pre-activation: δ = ∂L/∂h ⊙ act'(z).", _answer(p, slope=lambda name, z: np.ones_like(z)))
    if any(layer.activation in ("sigmoid", "tanh") for layer in p.layers):
        yield Mistake("derivative_at_output", "σ'(z) = h(1 - h) and tanh'(z) = 1 - h² are written with h = act(z): "
                      "evaluating σ' or tanh' at h applies the activation twice.", _answer(p, slope=_at_activation))
    if len(p.layers) > 1:
        yield Mistake("pre_activation_as_input", "A weight's gradient multiplies δ by what the layer read: the previous "
                      "layer's activation h, not its pre-activation z.",
                      _answer(p, layer_input=lambda f, i: f.pre[i - 1] if i else f.inputs[0]))
    if p.update_layer is not None:
        yield Mistake("sgd_ascent", "Gradient descent steps against the gradient: W - lr·∂L/∂W.", _answer(p, step=1.0))
    if p.loss == "mse":
        def half_sum(kind, y, t):
            return float(0.5 * np.sum((y - np.asarray(t)) ** 2)), y - np.asarray(t, dtype=float)

        yield Mistake("half_sum_of_squares", "nn.MSELoss is the mean of the squared errors, without a ½: "
                      "L = mean((y - t)²), so ∂L/∂y = 2(y - t)/D.", _answer(p, loss=half_sum))
    else:
        def reversed_ce(kind, y, t):
            value, slope = loss_and_slope(kind, y, t)
            return value, -slope

        yield Mistake("one_hot_minus_softmax", "The gradient of the cross-entropy with respect to the logits is "
                      "softmax minus one-hot, p - y: the sign is reversed.", _answer(p, loss=reversed_ce))


def too_big_by_hand(p: Params) -> str | None:
    weights = sum(np.size(layer.weight) for layer in p.layers)
    if weights > HAND_WEIGHTS:
        return f"the network has {weights} weights (more than {HAND_WEIGHTS} to back-propagate by hand)"
    return None


STATEMENT = r"""
A network `nn.Sequential` of {{ p.layers | length }} layer(s) reads $x = {{ p.x | bmatrix }}^\top$:
{% for layer in p.layers %}
{{ loop.index }}. `nn.Linear({{ layer.weight[0] | length }}, {{ layer.weight | length }}{% if layer.bias is none %}, bias=False{% endif %})`
   with $W_{{ loop.index }} = {{ layer.weight | bmatrix }}${% if layer.bias is not none %}, $b_{{ loop.index }} = {{ layer.bias | bmatrix }}^\top${% endif %}{% if layer.activation != 'identity' %}, then `{{ layer.module() }}`{% endif %}

{% endfor %}

The loss is {% if p.loss == 'mse' %}`nn.MSELoss()` against the target $t = {{ p.target | bmatrix }}^\top$ (the mean of the squared errors){% else %}`nn.CrossEntropyLoss()` of the output (as logits) for the true class {{ p.target }} (counting from 0){% endif %}.
ReLU's derivative at 0 is taken as 0, as in PyTorch.

Give the network's `output`, the `loss`{% for e in p.asked %}, `{{ e.name }}` $= \partial L / \partial {{ 'W' if e.tensor == 'weight' else 'b' }}_{{ e.layer }}[{{ e.index | join('][') }}]${% endfor %}{% if p.update_layer is not none %},
and `W{{ p.update_layer }}_updated`, the whole of $W_{{ p.update_layer }}$ after one step of `torch.optim.SGD(lr={{ p.lr }})`{% endif %}. {{ enough | capitalize }}.
"""

SOLUTION = r"""
{% set f, g = p.trace() %}
Forward, layer by layer ($z = W h + b$, then the activation):
{% for z, h in zip(f.pre, f.post) %}
- $z_{{ loop.index }} = {{ z | bmatrix }}^\top$, $h_{{ loop.index }} = {{ h | bmatrix }}^\top$
{% endfor %}


The output is $\mathbf{ {{ answer.output | bmatrix }}^\top }$ and the loss $\mathbf{ {{ answer.loss | num }} }$.
{% if p.loss == 'mse' %}Its gradient with respect to the output is $\frac{2}{D}(y - t)$ for $D = {{ answer.output | length }}$ outputs.{% else %}Its gradient with respect to the output (the logits) is softmax minus one-hot.{% endif %}

Backward (computed from the last layer back): $\delta_l = \frac{\partial L}{\partial h_l} \odot \text{act}'(z_l)$, then
$\frac{\partial L}{\partial W_l} = \delta_l\, h_{l-1}^\top$, $\frac{\partial L}{\partial b_l} = \delta_l$ and $\frac{\partial L}{\partial h_{l-1}} = W_l^\top \delta_l$:
{% for delta, dw in zip(g.delta, g.weight) %}
- $\delta_{{ loop.index }} = {{ delta | bmatrix }}^\top$, $\frac{\partial L}{\partial W_{{ loop.index }}} = {{ dw | bmatrix }}$
{% endfor %}


{% for e in p.asked %}`{{ e.name }}` $= \mathbf{ {{ answer[e.name] | num }} }${% if not loop.last %}, {% endif %}{% endfor %}.
{% if p.update_layer is not none %}

One SGD step: $W_{{ p.update_layer }} - {{ p.lr }} \cdot \frac{\partial L}{\partial W_{{ p.update_layer }}} = {{ answer['W' ~ p.update_layer ~ '_updated'] | bmatrix }}$.
{% endif %}
"""
