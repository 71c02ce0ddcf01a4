"""gan_losses: hand-worked losses, gradients and D*, the named slips, and errors naming the field."""

from __future__ import annotations

import math

import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("gan_losses")
PARAMS = {"d_real": [0.5, 0.8], "d_fake": [0.2, 0.5], "p_data": [1.0, 0.3], "p_g": [1.0, 0.1]}
D_LOSS = -(math.log(0.5) + math.log(0.8)) / 2 - (math.log(0.8) + math.log(0.5)) / 2
TRUTH = {"d_loss": D_LOSS, "g_loss_minimax": (math.log(0.8) + math.log(0.5)) / 2,
         "g_loss_nonsaturating": -(math.log(0.2) + math.log(0.5)) / 2,
         "g_grad_minimax": [-0.1, -0.25], "g_grad_nonsaturating": [-0.4, -0.25], "d_optimal": [0.5, 0.75]}


def test_hand_worked_losses_gradients_and_the_optimal_discriminator():
    answer = FAMILY.answer(FAMILY.params(PARAMS))
    assert set(answer) == set(TRUTH) and all(answer[k] == pytest.approx(v) for k, v in TRUTH.items())
    assert check(FAMILY, PARAMS, TRUTH).correct


@pytest.mark.parametrize(("change", "mistake"), [
    ({"d_loss": -D_LOSS}, "d_loss_sign"),
    ({"d_loss": D_LOSS / 2}, "d_loss_averaged"),
    ({"g_loss_minimax": TRUTH["g_loss_nonsaturating"], "g_loss_nonsaturating": TRUTH["g_loss_minimax"]}, "swapped_generator_losses"),
    ({"g_loss_minimax": -TRUTH["g_loss_minimax"]}, "minimax_sign"),
    ({"g_grad_minimax": [-0.625, -1.0], "g_grad_nonsaturating": [-2.5, -1.0]}, "grad_wrt_probability"),
    ({"d_optimal": [0.5, 0.25]}, "optimal_d_inverted"),
    ({"d_optimal": [1.0, 3.0]}, "optimal_d_ratio"),
])
def test_named_slips(change, mistake):
    result = check(FAMILY, PARAMS, TRUTH | change)
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_the_gradients_can_be_left_out():
    params = FAMILY.params(PARAMS | {"gradients": False})
    assert set(FAMILY.answer(params)) == {"d_loss", "g_loss_minimax", "g_loss_nonsaturating", "d_optimal"}


@pytest.mark.parametrize(("change", "message"), [
    ({"d_real": [0.5, 1.0]}, "d_real: the discriminator's outputs are probabilities strictly between 0 and 1"),
    ({"d_fake": [[0.5]]}, "d_fake: needs 1 axes"),
    ({"p_g": [1.0]}, "p_g: needs one density for each of the 2 points"),
    ({"p_g": [0.0, 0.1], "p_data": [0.0, 0.3]}, r"p_g: densities are not negative and not both 0 \(point 0\)"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^gan_losses: {message}"):
        FAMILY.params(PARAMS | change)
