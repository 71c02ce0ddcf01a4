"""param_count: the seed networks, credit carried to a total that adds up, errors naming layer and key."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("param_count")


def conv(c_in, c_out, **extra):
    return {"type": "conv2d", "in_channels": c_in, "out_channels": c_out, "kernel_size": 3, **extra}


# seed 002, Q4: 3 -> 16 -> 32 -> 64 -> 128 -> 256, then 99 identical 256 -> 256 layers
DOWNSAMPLING = {"layers": [conv(3, 16), conv(16, 32), conv(32, 64), conv(64, 128), conv(128, 256), conv(256, 256, repeat=99)]}
PER_LAYER = [448, 4640, 18_496, 73_856, 295_168, 58_417_920]


def test_the_seed_network():
    assert FAMILY.answer(FAMILY.params(DOWNSAMPLING)) == {"total": 58_810_528, "per_layer": PER_LAYER}


def test_the_fully_connected_explosion():
    params = {"layers": [{"type": "flatten"}, {"type": "linear", "in_features": 150_528, "out_features": 75_264},
                         {"type": "relu"}, {"type": "linear", "in_features": 75_264, "out_features": 100}]}
    assert FAMILY.answer(FAMILY.params(params)) == {"total": 11_336_941_156, "per_layer": [0, 11_329_414_656, 0, 7_526_500]}


def test_separable_bottleneck_and_unshared_layers():
    params = {"layers": [
        {"type": "depthwise_separable2d", "in_channels": 128, "out_channels": 256, "kernel_size": 3, "bias": False},
        {"type": "conv2d", "in_channels": 256, "out_channels": 64, "kernel_size": 1, "bias": False},
        {"type": "batchnorm2d", "num_features": 64},
        {"type": "batchnorm1d", "num_features": 64, "affine": False},
        {"type": "locally_connected2d", "in_channels": 2, "out_channels": 4, "kernel_size": [1, 3], "output_size": [5, 6]},
        {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    ]}
    assert FAMILY.answer(FAMILY.params(params))["per_layer"] == [33_920, 16_384, 128, 0, 30 * 4 * (2 * 3 + 1), 0]


def test_a_total_that_adds_up_the_students_own_layers_carries_credit():
    slipped = PER_LAYER[:4] + [295_000, PER_LAYER[5]]
    result = check(FAMILY, DOWNSAMPLING, {"total": sum(slipped), "per_layer": slipped})
    assert result.parts["total"].carried and result.parts["total"].score == 1
    assert result.parts["per_layer"].score == pytest.approx(5 / 6)
    not_adding_up = check(FAMILY, DOWNSAMPLING, {"total": sum(slipped) + 1, "per_layer": slipped})
    assert not not_adding_up.parts["total"].carried and not_adding_up.parts["total"].score == 0
    assert check(FAMILY, DOWNSAMPLING, {"total": sum(slipped)}).parts["total"].score == 0  # nothing to carry from


@pytest.mark.parametrize(("layer", "mistake"), [
    (conv(3, 16, repeat=99), "forgot_repeat"),
    (conv(3, 16), "no_bias"),
    (conv(4, 8, groups=4), "forgot_groups"),
    ({"type": "conv_transpose2d", "in_channels": 4, "out_channels": 8, "kernel_size": 3}, "transpose_bias_per_input_channel"),
    ({"type": "batchnorm2d", "num_features": 64}, "batchnorm_running_stats"),
    ({"type": "depthwise_separable2d", "in_channels": 8, "out_channels": 16, "kernel_size": 3}, "depthwise_as_full_conv"),
    ({"type": "locally_connected2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3, "output_size": 4},
     "locally_connected_as_shared"),
])
def test_each_mistake_is_named(layer, mistake):
    params = FAMILY.params({"layers": [layer]})
    (wrong,) = [m for m in FAMILY.mistakes(params) if m.name == mistake]
    result = check(FAMILY, params, wrong.answer)
    assert mistake in result.mistakes and not result.correct


@pytest.mark.parametrize(("layers", "message"), [
    ([conv(3, 16), conv(16, 32, kernal_size=3)], "layers.1.conv2d.kernal_size: unknown key"),
    ([conv(1, 2), {"type": "conv3d", "in_channels": 1}], "layers.1.type: 'conv3d' is not a layer type; the types are linear, "),
    ([{"in_features": 3, "out_features": 4}], "layers.0.type: required but missing"),
    ([conv(16, 32), conv(6, 32, groups=4)], "layers.1.in_channels: 6 is not divisible by groups=4"),
    ([{"type": "conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": [3, 3]}],
     "layers.0.kernel_size: has 2 values but conv1d has 1 axes"),
    ([{"type": "linear", "in_features": 0, "out_features": 4}], "layers.0.linear.in_features: Input should be greater"),
    ([], "layers: List should have at least 1 item"),
])
def test_bad_layers_name_the_index_and_the_key(layers, message):
    with pytest.raises(ParamsError, match="param_count: " + message.replace("(", r"\(").replace(")", r"\)")):
        FAMILY.params({"layers": layers})


def test_the_worked_solution_tensors_add_up_to_each_count():
    for seed in range(200):
        params = FAMILY.sample(np.random.default_rng(seed))
        for layer, count in zip(params.layers, FAMILY.answer(params)["per_layer"]):
            assert layer.repeat * sum(math.prod(shape) for shape in layer.tensors()) == count, (seed, layer)


def test_the_space_draws_every_kind_of_layer_and_repeats():
    drawn = [FAMILY.sample(np.random.default_rng(seed)) for seed in range(200)]
    kinds = {layer.type for p in drawn for layer in p.layers}
    assert {"linear", "conv2d", "depthwise_separable2d", "locally_connected2d", "batchnorm2d", "conv_transpose2d"} <= kinds
    assert all(2 <= len(p.layers) <= 6 for p in drawn)
    assert any(layer.repeat > 1 for p in drawn for layer in p.layers)
    assert any(getattr(layer, "bias", True) is False for p in drawn for layer in p.layers)


@pytest.mark.oracle
def test_counts_match_pytorch_modules():
    torch = pytest.importorskip("torch")
    from tests.solvers.test_params import torch_module

    for seed in range(100):
        params = FAMILY.sample(np.random.default_rng(seed))
        for layer, count in zip(params.layers, FAMILY.answer(params)["per_layer"]):
            if layer.type in ("locally_connected2d", "relu", "flatten"):  # no PyTorch module with parameters
                continue
            with torch.device("meta"):  # shapes without memory: the explosion layer has 11 billion weights
                module = torch_module(torch, layer.model_dump())
            assert layer.repeat * sum(p.numel() for p in module.parameters()) == count, (seed, layer)


def test_a_network_of_any_depth_is_counted_and_past_20_layers_flagged_only_for_hand_work():
    conv = {"type": "conv2d", "in_channels": 8, "out_channels": 8, "kernel_size": 3}
    deep = FAMILY.params({"layers": [conv] * 21})
    assert FAMILY.answer(deep)["total"] == 21 * (8 * 8 * 9 + 8)
    assert FAMILY.module.too_big_by_hand(deep) == "the network lists 21 layers (more than 20 to count by hand)"
    assert FAMILY.module.too_big_by_hand(FAMILY.params({"layers": [conv] * 20})) is None
    with pytest.raises(ParamsError, match="layers: List should have at most 1000 items"):
        FAMILY.params({"layers": [conv] * 1001})
