"""Parameter counts checked against the weight and bias tensors each layer really holds, and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from grader.solvers import layer_params

CASES = 3000
WEIGHTED = ["linear", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "depthwise_separable2d",
            "locally_connected2d", "batchnorm1d", "batchnorm2d"]
EMPTY = ["maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d", "relu", "flatten"]


def _spatial(value, dims):
    return [value] * dims if isinstance(value, int) else list(value)


def tensor_shapes(layer: dict) -> list[tuple[int, ...]]:
    """The learnable tensors of one layer, shaped as the framework that defines the layer stores them."""
    kind, bias = layer["type"], layer.get("bias", True)
    if kind == "linear":
        shapes = [(layer["out_features"], layer["in_features"])]
        return shapes + [(layer["out_features"],)] * bias
    if kind.startswith("conv"):
        g = layer.get("groups", 1)
        c_in, c_out, kernel = layer["in_channels"], layer["out_channels"], _spatial(layer["kernel_size"], int(kind[-2]))
        weight = (c_in, c_out // g, *kernel) if "transpose" in kind else (c_out, c_in // g, *kernel)
        return [weight] + [(c_out,)] * bias
    if kind == "depthwise_separable2d":  # a grouped conv with groups = in_channels, then a 1x1 conv
        mid = layer["in_channels"] * layer.get("depth_multiplier", 1)
        depthwise = [(mid, 1, *_spatial(layer["kernel_size"], 2))] + [(mid,)] * bias
        return depthwise + [(layer["out_channels"], mid, 1, 1)] + [(layer["out_channels"],)] * bias
    if kind == "locally_connected2d":  # Keras: kernel (positions, k*k*in, out), bias (rows, cols, out)
        rows, cols = _spatial(layer["output_size"], 2)
        kh, kw = _spatial(layer["kernel_size"], 2)
        kernel = (rows * cols, kh * kw * layer["in_channels"], layer["out_channels"])
        return [kernel] + [(rows, cols, layer["out_channels"])] * bias
    if kind.startswith("batchnorm"):  # gamma and beta; running mean and variance are buffers
        return [(layer["num_features"],)] * 2 * layer.get("affine", True)
    return []


def count(layer: dict) -> int:
    return sum(np.broadcast_to(np.float32(0), shape).size for shape in tensor_shapes(layer))


def random_layer(rng, kind: str) -> dict:
    def pick(*values):
        return values[int(rng.integers(len(values)))]

    g = pick(1, 1, 2, 4)
    c_in, c_out = g * int(rng.integers(1, 17)), g * int(rng.integers(1, 17))
    kernel = pick(int(rng.integers(1, 8)), [int(rng.integers(1, 8)), int(rng.integers(1, 8))])
    layer = {"type": kind, "bias": bool(rng.integers(2))}
    if kind == "linear":
        layer |= {"in_features": int(rng.integers(1, 5000)), "out_features": int(rng.integers(1, 500))}
    elif kind.startswith("conv"):
        dims = int(kind[-2])
        layer |= {"in_channels": c_in, "out_channels": c_out, "groups": g,
                  "kernel_size": kernel if dims == 2 or isinstance(kernel, int) else kernel[:1]}
    elif kind == "depthwise_separable2d":
        layer |= {"in_channels": c_in, "out_channels": c_out, "kernel_size": kernel, "depth_multiplier": pick(1, 2, 3)}
    elif kind == "locally_connected2d":
        layer |= {"in_channels": c_in, "out_channels": c_out, "kernel_size": kernel,
                  "output_size": pick(int(rng.integers(1, 30)), [int(rng.integers(1, 30)), int(rng.integers(1, 30))])}
    elif kind.startswith("batchnorm"):
        layer = {"type": kind, "num_features": int(rng.integers(1, 1000)), "affine": bool(rng.integers(2))}
    else:
        layer = {"type": kind, "kernel_size": kernel}
    return layer


def test_layer_params_counts_every_weight_and_bias(rng):
    kinds = WEIGHTED + EMPTY
    for _ in range(CASES):
        layer = random_layer(rng, kinds[int(rng.integers(len(kinds)))])
        assert layer_params(layer) == count(layer), layer


@pytest.mark.parametrize("layer, expected", [
    ({"type": "linear", "in_features": 3 * 224 * 224, "out_features": 75_264}, 11_329_414_656),  # seed 002, Q2a
    ({"type": "linear", "in_features": 75_264, "out_features": 100}, 7_526_500),
    ({"type": "conv2d", "in_channels": 3, "out_channels": 3, "kernel_size": 7}, 444),  # seed 002, Q2bi
    ({"type": "conv2d", "in_channels": 256, "out_channels": 256, "kernel_size": 3}, 590_080),
    ({"type": "conv2d", "in_channels": 3, "out_channels": 96, "kernel_size": 11}, 34_944),  # AlexNet conv1 (seed 004)
    ({"type": "conv2d", "in_channels": 128, "out_channels": 256, "kernel_size": 3, "bias": False}, 294_912),
    ({"type": "depthwise_separable2d", "in_channels": 128, "out_channels": 256, "kernel_size": 3, "bias": False}, 33_920),
    ({"type": "batchnorm2d", "num_features": 64}, 128),
    ({"type": "locally_connected2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3, "output_size": 4}, 16 * 10),
])
def test_textbook_counts(layer, expected):
    assert layer_params(layer) == expected


def test_an_unknown_layer_type_is_an_error():
    with pytest.raises(ValueError, match="conv3d"):
        layer_params({"type": "conv3d"})


def torch_module(torch, layer: dict):
    nn, kind, bias = torch.nn, layer["type"], layer.get("bias", True)
    if kind == "linear":
        return nn.Linear(layer["in_features"], layer["out_features"], bias=bias)
    if kind.startswith("conv"):
        cls = {"conv1d": nn.Conv1d, "conv2d": nn.Conv2d, "conv_transpose1d": nn.ConvTranspose1d,
               "conv_transpose2d": nn.ConvTranspose2d}[kind]
        return cls(layer["in_channels"], layer["out_channels"], layer["kernel_size"], groups=layer["groups"], bias=bias)
    if kind == "depthwise_separable2d":
        mid = layer["in_channels"] * layer["depth_multiplier"]
        return nn.Sequential(nn.Conv2d(layer["in_channels"], mid, layer["kernel_size"], groups=layer["in_channels"], bias=bias),
                             nn.Conv2d(mid, layer["out_channels"], 1, bias=bias))
    if kind.startswith("batchnorm"):
        return (nn.BatchNorm1d if kind == "batchnorm1d" else nn.BatchNorm2d)(layer["num_features"], affine=layer["affine"])
    return {"maxpool1d": nn.MaxPool1d, "maxpool2d": nn.MaxPool2d, "avgpool1d": nn.AvgPool1d,
            "avgpool2d": nn.AvgPool2d}[kind](layer["kernel_size"])


@pytest.mark.oracle
def test_layer_params_match_pytorch_modules(rng):
    torch = pytest.importorskip("torch")
    kinds = [k for k in WEIGHTED + EMPTY if k not in ("locally_connected2d", "relu", "flatten")]  # no torch module
    for _ in range(300):
        layer = random_layer(rng, kinds[int(rng.integers(len(kinds)))])
        module = torch_module(torch, layer)
        assert layer_params(layer) == sum(p.numel() for p in module.parameters()), layer
    assert layer_params({"type": "relu"}) == sum(p.numel() for p in torch.nn.ReLU().parameters()) == 0
    assert layer_params({"type": "flatten"}) == sum(p.numel() for p in torch.nn.Flatten().parameters()) == 0

