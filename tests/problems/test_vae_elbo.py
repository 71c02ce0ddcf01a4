"""vae_elbo: a hand-worked bound for each likelihood, the named slips, carried errors, and errors naming the field."""

from __future__ import annotations

import math

import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("vae_elbo")
BERNOULLI = {"mu": [0.0, 1.0], "sigma": [1.0, 0.5], "eps": [1.0, -2.0], "likelihood": "bernoulli", "x": [1, 0], "x_hat": [0.5, 0.25]}
# z = [1, 0]; KL = ½(0 + 1 - 1 - 0) + ½(1 + 0.25 - 1 - log 0.25) = 0.125 + log 2; log p = log 0.5 + log 0.75
KL = 0.125 + math.log(2)
RECON = math.log(0.5) + math.log(0.75)
TRUTH = {"z": [1, 0], "kl": KL, "reconstruction": RECON, "elbo": RECON - KL}


def test_a_hand_worked_bernoulli_bound():
    answer = FAMILY.answer(FAMILY.params(BERNOULLI))
    assert answer["z"] == TRUTH["z"] and all(answer[k] == pytest.approx(TRUTH[k]) for k in ("kl", "reconstruction", "elbo"))
    assert check(FAMILY, BERNOULLI, TRUTH).correct


def test_a_gaussian_likelihood_and_log_variances():
    params = {"mu": [0.0], "log_var": [math.log(4)], "eps": [0.5], "likelihood": "gaussian", "x": [1.0, 2.0], "x_hat": [1.0, 0.0],
              "decoder_sigma": 2.0}
    answer = FAMILY.answer(FAMILY.params(params))
    assert answer["z"] == [1] and answer["kl"] == pytest.approx(0.5 * (4 - 1 - math.log(4)))
    assert answer["reconstruction"] == pytest.approx(-math.log(2 * math.pi * 4) - 4 / 8)
    slip = check(FAMILY, params, answer | {"z": [2.0]})  # sigma = exp(log_var) = 4 instead of 2
    assert slip.mistakes == ["log_var_as_log_std"]


@pytest.mark.parametrize(("change", "mistake"), [
    ({"elbo": RECON + KL}, "elbo_plus_kl"),
    ({"kl": -KL, "elbo": RECON + KL}, "kl_sign"),
    ({"kl": KL / 2, "elbo": RECON - KL / 2}, "kl_mean_over_dimensions"),
    ({"z": [1.0, 0.5]}, "z_scaled_by_variance"),  # 1 + 0.25·(-2)
    ({"z": [1.0, -1.0]}, "z_without_sigma"),
    ({"reconstruction": -RECON, "elbo": -RECON - KL}, "reconstruction_sign"),
])
def test_named_slips(change, mistake):
    result = check(FAMILY, BERNOULLI, TRUTH | change)
    assert not result.correct and mistake in result.mistakes, result.feedback


def test_an_elbo_right_from_the_students_own_terms_carries_credit():
    result = check(FAMILY, BERNOULLI, TRUTH | {"kl": 1.0, "elbo": RECON - 1.0})
    assert not result.parts["kl"].correct and result.parts["elbo"].carried


@pytest.mark.parametrize(("change", "message"), [
    ({"log_var": [0.0, 0.0]}, "sigma: give exactly one of sigma and log_var"),
    ({"sigma": [1.0, 0.0]}, "sigma: a standard deviation is positive"),
    ({"eps": [1.0]}, "eps: needs one value for each of the 2 latent dimensions"),
    ({"x_hat": [1.0, 0.25]}, "x_hat: a Bernoulli likelihood needs probabilities strictly between 0 and 1"),
    ({"x": [2, 0]}, r"x: a Bernoulli likelihood needs entries in \[0, 1\]"),
    ({"x_hat": [0.5]}, "x_hat: needs one value for each of the 2 entries of x"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^vae_elbo: {message}"):
        FAMILY.params(BERNOULLI | change)
