"""conv_transpose_output_shape: seed cases, PyTorch's output_padding rule, whole-shape answers, PyTorch shapes."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("conv_transpose_output_shape")
UPSAMPLE = {"input_size": 4, "in_channels": 8, "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1,
            "output_padding": 1}


@pytest.mark.parametrize(("params", "size"), [
    ({"input_size": 2, "kernel_size": 3}, [4, 4]),  # seed 000, Q2iv: "the output should be a 4x4 matrix"
    ({"input_size": 4, "kernel_size": 3}, [6, 6]),  # seed 002, Q3b
    (UPSAMPLE, [8, 8]),  # the usual "double the size" layer
    ({"dims": 1, "input_size": 5, "kernel_size": 3, "dilation": 2, "output_padding": 1}, [10]),
    ({"input_size": [3, 5], "kernel_size": [2, 4], "stride": [3, 1], "padding": [0, 2]}, [8, 4]),
])
def test_output_sizes_by_hand(params, size):
    assert FAMILY.answer(FAMILY.params(params))["out_size"] == size


@pytest.mark.parametrize(("answer", "mistake"), [
    ({"out_channels": 3, "out_size": [2, 2]}, "used_conv_formula"),
    ({"out_channels": 3, "out_size": [10, 10]}, "n_times_stride"),
    ({"out_channels": 3, "out_size": [7, 7]}, "forgot_output_padding"),
    ({"out_channels": 3, "out_size": [12, 12]}, "padding_added"),
    ({"out_channels": 8, "out_size": [8, 8]}, "in_channels_kept"),
])
def test_mistakes_are_named(answer, mistake):
    result = check(FAMILY, UPSAMPLE, answer)
    assert not result.correct and result.mistakes == [mistake]


@pytest.mark.parametrize("whole", [[3, 8, 8], "8x8x3", "3 x 8 x 8"])
def test_a_whole_shape_reads_right_channels_first_or_last(whole):
    assert check(FAMILY, UPSAMPLE, whole).correct


def test_a_wrong_whole_shape_is_graded_part_by_part():
    result = check(FAMILY, UPSAMPLE, [3, 7, 7])
    assert result.parts["out_channels"].correct and result.mistakes == ["forgot_output_padding"]


@pytest.mark.parametrize(("change", "message"), [
    ({"output_padding": 2}, "output_padding: 2 must be smaller than the stride (2) or the dilation (1)"),
    ({"stride": 1, "output_padding": 1}, "output_padding: 1 must be smaller"),
    ({"input_size": 1, "kernel_size": 1, "padding": 1, "output_padding": 0}, "padding: it crops the output to -1"),
    ({"groups": 2, "out_channels": 3}, "out_channels: 3 is not divisible by groups=2"),
    ({"kernel_size": [3, 3, 3]}, "kernel_size: has 3 values but dims is 2"),
    ({"output_pading": 1}, "output_pading: unknown key"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match="conv_transpose_output_shape: " + message.replace("(", r"\(").replace(")", r"\)")):
        FAMILY.params(UPSAMPLE | change)


def test_output_padding_below_the_dilation_is_allowed_at_stride_one():
    params = FAMILY.params({"input_size": 4, "kernel_size": 3, "dilation": 3, "output_padding": 2})
    assert FAMILY.answer(params)["out_size"] == [12, 12]


@pytest.mark.oracle
def test_answers_match_pytorch_output_shapes():
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        for seed in range(300):
            p = FAMILY.sample(np.random.default_rng(seed))
            # one channel each way is enough for the sizes, and keeps the forward pass cheap
            cls = torch.nn.ConvTranspose1d if p.dims == 1 else torch.nn.ConvTranspose2d
            layer = cls(1, 1, p.kernel_size, p.stride, p.padding, p.output_padding, dilation=p.dilation)
            out = layer(torch.zeros(1, 1, *p.axes("input_size")))
            assert list(out.shape[2:]) == FAMILY.answer(p)["out_size"], (seed, p)
