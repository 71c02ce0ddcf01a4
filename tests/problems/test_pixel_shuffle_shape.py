"""pixel_shuffle_shape, the shipped course's own family: an explicit rearrangement and PyTorch agree with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.checking import check
from grader.config import load_course
from grader.course_families import find_family
from grader.errors import ParamsError

FAMILY = find_family(load_course(Path(__file__).resolve().parents[2]), "pixel_shuffle_shape")


def _shuffle_by_hand(x: np.ndarray, r: int) -> np.ndarray:
    """PixelShuffle as its documentation defines it: out[c, h*r + i, w*r + j] = x[c*r*r + i*r + j, h, w]."""
    channels, height, width = x.shape
    out = np.zeros((channels // (r * r), height * r, width * r))
    for c in range(channels // (r * r)):
        for i in range(r):
            for j in range(r):
                out[c, i::r, j::r] = x[c * r * r + i * r + j]
    return out


def test_answers_match_an_explicit_rearrangement():
    rng = np.random.default_rng(0)
    for seed in range(200):
        p = FAMILY.sample(np.random.default_rng(seed))
        x = rng.normal(size=(p.in_channels, p.height, p.width))
        out = _shuffle_by_hand(x, p.upscale_factor)
        assert FAMILY.answer(p) == {"out_channels": out.shape[0], "out_size": list(out.shape[1:])}, p
        assert sorted(out.ravel()) == sorted(x.ravel())  # every value moved, none made up


@pytest.mark.oracle
def test_answers_match_pytorch():
    torch = pytest.importorskip("torch")
    for seed in range(200):
        p = FAMILY.sample(np.random.default_rng(seed))
        x = torch.arange(p.in_channels * p.height * p.width, dtype=torch.float64).reshape(1, p.in_channels, p.height, p.width)
        out = torch.nn.PixelShuffle(p.upscale_factor)(x)
        assert FAMILY.answer(p) == {"out_channels": out.shape[1], "out_size": list(out.shape[2:])}, p
        assert torch.equal(out[0], torch.from_numpy(_shuffle_by_hand(x[0].numpy(), p.upscale_factor)))


def test_channels_that_do_not_fill_a_block_are_refused():
    with pytest.raises(ParamsError, match=r"in_channels: 12 is not a multiple of upscale_factor² = 9"):
        FAMILY.params({"in_channels": 12, "height": 4, "width": 4, "upscale_factor": 3})


@pytest.mark.parametrize(("answer", "mistake"), [
    ({"out_channels": 16, "out_size": [20, 24]}, "channels_over_r"),
    ({"out_channels": 8, "out_size": [40, 48]}, "size_times_r_squared"),
    ({"out_channels": 32, "out_size": [20, 24]}, "channels_kept"),
    ({"out_channels": 128, "out_size": [5, 6]}, "unshuffle"),
])
def test_mistakes_are_named(answer, mistake):
    result = check(FAMILY, {"in_channels": 32, "height": 10, "width": 12, "upscale_factor": 2}, answer)
    assert not result.correct and result.mistakes == [mistake]


def test_a_whole_shape_reads_right_either_way_round():
    params = {"in_channels": 32, "height": 10, "width": 12, "upscale_factor": 2}
    assert check(FAMILY, params, [8, 20, 24]).correct and check(FAMILY, params, "20x24x8").correct
