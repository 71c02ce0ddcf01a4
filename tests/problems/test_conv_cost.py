"""conv_cost: AlexNet's first layer and a stack by hand, the named slips, carried errors, errors naming the field."""

from __future__ import annotations

import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("conv_cost")
ALEXNET = {"in_channels": 3, "input_size": 227, "layers": [{"out_channels": 96, "kernel_size": 11, "stride": 4}]}
# 96 x 55 x 55 outputs = 290,400, each 3·11·11 = 363 MACs; one bias add each; float32
TRUTH = {"macs": 105_415_200, "flops": 2 * 105_415_200 + 290_400, "activation_bytes": 4 * 290_400}


def test_alexnet_conv1():
    assert FAMILY.answer(FAMILY.params(ALEXNET)) == TRUTH
    assert check(FAMILY, ALEXNET, TRUTH).correct


@pytest.mark.parametrize(("change", "mistake"), [
    ({"flops": 105_415_200}, "macs_as_flops"),
    ({"flops": 2 * 105_415_200}, "flops_without_bias"),
    ({"macs": 290_400 * 121}, "forgot_in_channels"),
    ({"macs": 96 * 227 * 227 * 363}, "used_input_size"),
    ({"activation_bytes": 32 * 290_400}, "bits_not_bytes"),
    ({"activation_bytes": 4 * (290_400 + 3 * 227 * 227)}, "counted_the_input"),
])
def test_named_slips(change, mistake):
    result = check(FAMILY, ALEXNET, TRUTH | change)
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_a_stack_with_a_batch_groups_and_half_precision():
    params = {"batch": 2, "in_channels": 4, "input_size": [8, 8], "dtype": "float16",
              "layers": [{"out_channels": 4, "kernel_size": 3, "padding": 1, "groups": 2, "bias": False},
                         {"out_channels": 8, "kernel_size": 1}]}
    # layer 1: 2·4·8·8 = 512 outputs x (4/2)·9 = 18 MACs; layer 2: 2·8·64 = 1024 outputs x 4 MACs, 1024 bias adds
    truth = {"macs": 512 * 18 + 1024 * 4, "flops": 2 * (512 * 18 + 1024 * 4) + 1024, "activation_bytes": 2 * (512 + 1024)}
    assert FAMILY.answer(FAMILY.params(params)) == truth
    names = {m.name for m in FAMILY.mistakes(FAMILY.params(params))}
    assert {"forgot_groups", "forgot_batch", "assumed_float32", "only_the_last_output"} <= names
    assert check(FAMILY, params, truth | {"activation_bytes": 2 * 1024}).mistakes == ["only_the_last_output"]


def test_flops_right_from_the_students_own_macs_carry_credit():
    result = check(FAMILY, ALEXNET, TRUTH | {"macs": 1000, "flops": 2000 + 290_400})
    assert not result.parts["macs"].correct and result.parts["flops"].carried


@pytest.mark.parametrize(("change", "message"), [
    ({"layers": [{"out_channels": 96, "kernel_size": 300}]}, "layers.0.kernel_size: the dilated kernel \\(300\\) is larger"),
    ({"layers": [{"out_channels": 96, "kernel_size": 3, "groups": 2}]}, r"layers.0.groups: 2 does not divide the layer's in_channels \(3\)"),
    ({"input_size": [227, 227, 3]}, "input_size: has 3 values but dims is 2"),
    ({"layers": [{"out_channels": 96, "kernel_size": [3, 3, 3]}]}, "layers.0.kernel_size: has 3 values but dims is 2"),
    ({"dtype": "float8"}, "dtype:"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^conv_cost: {message}"):
        FAMILY.params(ALEXNET | change)
