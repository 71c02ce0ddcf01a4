"""The learnable parameters of each layer of a small network, and of the whole network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.answers import FormError, Integer, IntegerList, Reading, read_integer, show
from grader.problems.base import FamilyParams, Mistake, Part, Spatial, SpatialOrZero, axes
from grader.problems.space import Draw, FamilySpace
from grader.problems.text import num, vec
from grader.solvers import layer_params

_Count = Annotated[int, Field(ge=1, le=10_000_000)]
MAX_LAYERS = 1000  # keeps a variant a bounded JSON object; a network of them is no hand exercise anyway
HAND_LAYERS = 20
_TORCH = {"linear": "Linear", "conv1d": "Conv1d", "conv2d": "Conv2d", "conv_transpose1d": "ConvTranspose1d",
          "conv_transpose2d": "ConvTranspose2d", "batchnorm1d": "BatchNorm1d", "batchnorm2d": "BatchNorm2d", "relu": "ReLU",
          "maxpool1d": "MaxPool1d", "maxpool2d": "MaxPool2d", "avgpool1d": "AvgPool1d", "avgpool2d": "AvgPool2d", "flatten": "Flatten"}


class _Layer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    repeat: int = Field(1, ge=1, le=10_000, description="Identical copies stacked one after another.")
    if TYPE_CHECKING:  # each kind declares its own, a Literal: the tag of the Layer union
        type: str

    def problem(self) -> str | None:
        """``"key: why"`` when the fields do not fit together."""
        for key in ("kernel_size", "output_size", "stride", "padding"):
            value = getattr(self, key, None)
            if self.type.endswith(("1d", "2d")) and isinstance(value, list) and len(value) != int(self.type[-2]):
                return f"{key}: has {len(value)} values but {self.type} has {self.type[-2]} axes"
        return None

    def text(self) -> str:
        args = [f"{k}={v}" for k, v in self.model_dump(exclude={"type", "repeat"}, exclude_defaults=True).items()]
        return f"`nn.{_TORCH[self.type]}({', '.join(args)})`"

    def tensors(self) -> list[tuple[int, ...]]:
        """The shapes of one copy's learnable tensors, for the worked solution."""
        return []

    def formula(self) -> str:
        return " + ".join(r" \cdot ".join(num(n) for n in shape) for shape in self.tensors()) or "0"


class Linear(_Layer):
    type: Literal["linear"]
    in_features: _Count = Field(description="Inputs (a flattened image counts every pixel of every channel).")
    out_features: _Count = Field(description="Outputs.")
    bias: bool = Field(True, description="One bias per output.")

    def tensors(self):
        return [(self.out_features, self.in_features)] + [(self.out_features,)] * self.bias


class Conv(_Layer):
    type: Literal["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]
    in_channels: _Count = Field(description="Input channels.")
    out_channels: _Count = Field(description="Output channels.")
    kernel_size: Spatial = Field(description="Kernel size, an int or one per axis.")
    groups: _Count = Field(1, description="Channel groups; must divide both channel counts.")
    bias: bool = Field(True, description="One bias per output channel.")

    def problem(self) -> str | None:
        for key in ("in_channels", "out_channels"):
            if getattr(self, key) % self.groups:
                return f"{key}: {getattr(self, key)} is not divisible by groups={self.groups}"
        return super().problem()

    def tensors(self):
        c_in, c_out, kernel = self.in_channels, self.out_channels, axes(self.kernel_size, int(self.type[-2]))
        weight = (c_in, c_out // self.groups) if "transpose" in self.type else (c_out, c_in // self.groups)  # PyTorch's layouts
        return [(*weight, *kernel)] + [(c_out,)] * self.bias


class DepthwiseSeparable(_Layer):
    type: Literal["depthwise_separable2d"]
    in_channels: _Count = Field(description="Input channels.")
    out_channels: _Count = Field(description="Output channels of the 1x1 pointwise convolution.")
    kernel_size: Spatial = Field(description="Kernel size of the depthwise convolution.")
    depth_multiplier: _Count = Field(1, description="Depthwise filters per input channel.")
    bias: bool = Field(True, description="Both convolutions have a bias per output channel.")

    def text(self) -> str:
        times = f" with depth multiplier {self.depth_multiplier}" if self.depth_multiplier > 1 else ""
        return (f"depthwise-separable convolution, {self.in_channels} → {self.out_channels} channels: a "
                f"${vec(axes(self.kernel_size, 2))}$ depthwise convolution{times}, then a $1 \\times 1$ pointwise one"
                + ("" if self.bias else ", neither with bias"))

    def tensors(self):
        mid, c_out = self.in_channels * self.depth_multiplier, self.out_channels
        return [(mid, 1, *axes(self.kernel_size, 2))] + [(mid,)] * self.bias + [(c_out, mid, 1, 1)] + [(c_out,)] * self.bias


class LocallyConnected(_Layer):
    type: Literal["locally_connected2d"]
    in_channels: _Count = Field(description="Input channels.")
    out_channels: _Count = Field(description="Output channels.")
    kernel_size: Spatial = Field(description="Kernel size, an int or [h, w].")
    output_size: Spatial = Field(description="Output positions, an int or [h, w]; each has its own filters.")
    bias: bool = Field(True, description="One bias per output position and channel (as in Keras).")

    def text(self) -> str:
        return (f"locally-connected (unshared) convolution, {self.in_channels} → {self.out_channels} channels, "
                f"${vec(axes(self.kernel_size, 2))}$ kernel, ${vec(axes(self.output_size, 2))}$ output, "
                + ("one bias per output position and channel" if self.bias else "no bias"))

    def tensors(self):
        where = (*axes(self.output_size, 2), self.out_channels)
        return [(*where, self.in_channels, *axes(self.kernel_size, 2))] + [where] * self.bias


class BatchNorm(_Layer):
    type: Literal["batchnorm1d", "batchnorm2d"]
    num_features: _Count = Field(description="Channels normalised.")
    affine: bool = Field(True, description="A learnable scale and shift per channel.")

    def tensors(self):
        return [(self.num_features,)] * (2 * self.affine)


class Parameterless(_Layer):
    type: Literal["maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d", "relu", "flatten"]
    kernel_size: Spatial | None = Field(None, description="Window size (pools only; not needed for the count).")
    stride: Spatial | None = Field(None, description="Stride (pools only; not needed for the count).")
    padding: SpatialOrZero | None = Field(None, description="Padding (pools only; not needed for the count).")


Layer = Annotated[Linear | Conv | DepthwiseSeparable | LocallyConnected | BatchNorm | Parameterless, Field(discriminator="type")]
_KINDS: tuple[type[_Layer], ...] = get_args(get_args(Layer)[0])
TYPES = tuple(t for kind in _KINDS for t in get_args(kind.model_fields["type"].annotation))


class Params(FamilyParams):
    layers: list[Layer] = Field(min_length=1, max_length=MAX_LAYERS, description="The layers in order, each a table with a type.")

    @model_validator(mode="before")
    @classmethod
    def _known_types(cls, data):  # said plainly here, before pydantic's words about discriminator tags
        layers = data.get("layers") if isinstance(data, dict) else None
        for i, layer in enumerate(layers if isinstance(layers, list) else []):
            if isinstance(layer, dict) and layer.get("type") not in TYPES:
                what = f"{layer['type']!r} is not a layer type" if "type" in layer else "required but missing"
                raise ValueError(f"layers.{i}.type: {what}; the types are {', '.join(TYPES)}")
        return data

    @model_validator(mode="after")
    def _consistent(self):
        for i, layer in enumerate(self.layers):
            if why := layer.problem():
                raise ValueError(f"layers.{i}.{why}")
        return self


class Space(FamilySpace):
    scenario: Draw = ["fc_explosion", "conv_stack", "separable", "bottleneck", "unshared", "decoder", "sequence"]
    image_size: Draw = [8, 16, 28, 32, 64, 224]
    in_channels: Draw = [1, 3]
    width: Draw = [8, 16, 32, 64]
    kernel_size: Draw = [3, 3, 5, 7]
    groups: Draw = [1, 1, 2, 4]
    depth_multiplier: Draw = [1, 1, 1, 2]
    repeat: Draw = [1, 1, 2, 4, 99]
    bias: Draw = [True, True, True, False]
    batchnorm: Draw = [True, False]
    classes: Draw = [10, 100, 1000]


def generate(rng, space: Space) -> Params:
    v = {name: space.draw(rng, name) for name in Space.model_fields}
    c0, c, k, g, r, bias, n = (v[x] for x in ("in_channels", "width", "kernel_size", "groups", "repeat", "bias", "image_size"))

    def conv(cin=c, cout=c, kind="conv2d", **extra):
        return {"type": kind, "in_channels": cin, "out_channels": cout, "kernel_size": k, "bias": bias, **extra}

    def bn(channels, dims=2):
        return [{"type": f"batchnorm{dims}d", "num_features": channels}] if v["batchnorm"] else []

    def repeated(layer):  # a repeated block keeps its shape, so it only fits where in == out
        return [{**layer, "repeat": r}] if r > 1 else []

    hidden, small = c0 * n * n // 2, min(n, 32)
    separable = {"type": "depthwise_separable2d", "in_channels": c, "out_channels": 2 * c, "kernel_size": k,
                 "depth_multiplier": v["depth_multiplier"], "bias": bias}
    stacks = {
        "fc_explosion": [{"type": "flatten"}, {"type": "linear", "in_features": 2 * hidden, "out_features": hidden, "bias": bias},
                         *repeated({"type": "linear", "in_features": hidden, "out_features": hidden, "bias": bias}),
                         {"type": "relu"}, {"type": "linear", "in_features": hidden, "out_features": v["classes"], "bias": bias}],
        "conv_stack": [conv(c0), *bn(c), {"type": "maxpool2d", "kernel_size": 2}, conv(cout=2 * c, groups=g),
                       *repeated(conv(2 * c, 2 * c))],
        "separable": [conv(c0), *bn(c), separable, *repeated({**separable, "in_channels": 2 * c, "depth_multiplier": 1}),
                      {"type": "avgpool2d", "kernel_size": 2}],
        "bottleneck": [conv(4 * c, kernel_size=1), *bn(c), conv(groups=g), *bn(c), {"type": "relu"}, conv(cout=4 * c, kernel_size=1)],
        "unshared": [conv(c0), {"type": "locally_connected2d", "in_channels": c, "out_channels": c, "kernel_size": k,
                                "output_size": small - 2 * (k - 1), "bias": bias},
                     {"type": "flatten"}, {"type": "linear", "in_features": c * (small - 2 * (k - 1)) ** 2, "out_features": v["classes"], "bias": bias}],
        "decoder": [conv(4 * c, 2 * c, "conv_transpose2d", groups=g), *bn(2 * c), {"type": "relu"},
                    conv(2 * c, c, "conv_transpose2d"), conv(c, v["classes"], kernel_size=1)],
        "sequence": [conv(c0, kind="conv1d"), *bn(c, 1), {"type": "maxpool1d", "kernel_size": 2},
                     conv(cout=2 * c, kind="conv1d", groups=g), *repeated(conv(2 * c, 2 * c, "conv1d")),
                     conv(2 * c, c, "conv_transpose1d")],
    }
    return Params(layers=stacks[v["scenario"]])


ANSWER = "object"


def _counts(p: Params, rule=None, repeat: bool = True) -> list[int]:
    """Each layer's count (all its copies), with ``rule(layer) -> count or None`` standing in for the truth."""
    out = []
    for layer in p.layers:
        data = layer.model_dump()
        one = rule(data) if rule else None
        out.append((layer_params(data) if one is None else one) * (layer.repeat if repeat else 1))
    return out


def solve(p: Params) -> dict[str, Part]:
    per_layer = _counts(p)

    def own_total(given):  # a total that adds up the student's own per-layer counts carries their credit
        entries = given.get("per_layer")
        if isinstance(entries, list) and len(entries) == len(per_layer) and all(type(e) is int for e in entries):
            return sum(entries)
        return None

    return {
        "total": Part(sum(per_layer), Integer(), carry=own_total),
        "per_layer": Part(per_layer, IntegerList(len(per_layer), "parameter counts, one per numbered layer")),
    }


_CONV = ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d")
_WEIGHTED_2D = ("conv2d", "conv_transpose2d", "depthwise_separable2d", "locally_connected2d")
_BIAS_VECTORS = {"linear": 1, **dict.fromkeys(_CONV, 1), "depthwise_separable2d": 2, "locally_connected2d": 1}


def _no_bias(d):
    return layer_params({**d, "bias": False})


_WRONG = [
    ("no_bias", "Each output channel (or output feature) has its own bias unless bias=False: count it.", _no_bias),
    ("bias_once_per_layer", "The bias is a vector with one entry per output channel or feature, not one number per layer.",
     lambda d: _no_bias(d) + _BIAS_VECTORS.get(d["type"], 0) if d.get("bias") else None),
    ("filter_ignores_in_channels", "A filter spans every input channel of its group: (in_channels / groups) * k * k weights per filter, not k * k.",
     lambda d: layer_params({**d, "in_channels": d["groups"]}) if d["type"] in _CONV else None),
    ("kernel_not_squared", "A k x k kernel has k * k weights per channel, not k.",
     lambda d: layer_params({**d, "kernel_size": [d["kernel_size"], 1]}) if d["type"] in _WEIGHTED_2D and isinstance(d["kernel_size"], int) else None),
    ("forgot_groups", "With groups=g each filter sees only in_channels / g channels: the weights are divided by g.",
     lambda d: layer_params({**d, "groups": 1}) if d.get("groups", 1) > 1 else None),
    ("depthwise_as_full_conv", "A depthwise-separable convolution is a k x k depthwise convolution (one filter per input channel) plus a 1 x 1 pointwise one, not a full k x k convolution.",
     lambda d: layer_params({**d, "type": "conv2d", "groups": 1}) if d["type"] == "depthwise_separable2d" else None),
    ("locally_connected_as_shared", "A locally-connected layer shares nothing: every output position has its own filters and biases, so multiply by the number of positions.",
     lambda d: layer_params({**d, "type": "conv2d", "groups": 1}) if d["type"] == "locally_connected2d" else None),
    ("batchnorm_running_stats", "Batch norm learns a scale and a shift per channel (2C); the running mean and variance are buffers, not parameters.",
     lambda d: 2 * d["num_features"] * (2 if d["affine"] else 1) if d["type"].startswith("batchnorm") else None),
    ("transpose_bias_per_input_channel", "A transposed convolution has one bias per output channel too (its weight is stored [in, out/groups, k...], but the bias follows out_channels).",
     lambda d: _no_bias(d) + d["in_channels"] if d["type"].startswith("conv_transpose") and d["bias"] else None),
]


def mistakes(p: Params):
    def wrong(per_layer):
        return {"total": sum(per_layer), "per_layer": per_layer}

    for name, message, rule in _WRONG:
        yield Mistake(name, message, wrong(_counts(p, rule)))
    yield Mistake("forgot_repeat", "A layer repeated r times has r separate copies of its parameters: multiply by r.", wrong(_counts(p, repeat=False)))


def read_answer(raw, p: Params):
    """Also accept the total alone (a number) and the per-layer counts alone (a list of one per layer)."""
    if isinstance(raw, (int, float, str)) and not isinstance(raw, bool) and not isinstance(read_integer(raw), FormError):
        return Reading({"total": raw}, (f"read {show(raw)} as the total",))
    if isinstance(raw, list) and len(raw) == len(p.layers) and len(raw) > 1:
        return Reading({"per_layer": raw}, (f"read the list {show(raw)} as per_layer, one count per layer",))
    return raw


def too_big_by_hand(p: Params) -> str | None:
    if len(p.layers) > HAND_LAYERS:
        return f"the network lists {len(p.layers)} layers (more than {HAND_LAYERS} to count by hand)"
    return None


STATEMENT = r"""
A network is made of these layers, in order:

{% for layer in p.layers %}
{{ loop.index }}. {{ layer.text() }}{% if layer.repeat > 1 %}, repeated **{{ layer.repeat }} times** (identical layers one after another){% endif %}

{% endfor %}

How many learnable parameters (weights and biases) does each numbered layer have, and how many does the whole network
have? Give `per_layer`, one entry per numbered line (a repeated line counts all its copies together), and `total`.
Batch-norm running means and variances are buffers, not parameters.
"""

SOLUTION = r"""
Each term is one learnable tensor as PyTorch stores it (the weight, then the bias; batch norm's scale and shift):

{% for layer, n in zip(p.layers, answer.per_layer) %}
{{ loop.index }}. ${{ layer.formula() }} = {{ (n // layer.repeat) | num }}${% if layer.repeat > 1 %}, and {{ layer.repeat }} copies: ${{ layer.repeat }} \cdot {{ (n // layer.repeat) | num }} = {{ n | num }}${% endif %}

{% endfor %}

Total: ${{ answer.per_layer | map('num') | join(' + ') }} = \mathbf{ {{ answer.total | num }} }$.
"""
