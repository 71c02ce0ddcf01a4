"""A VAE's ELBO for one data point: a reparameterised sample, the KL to N(0, I), the log-likelihood, the bound."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grader.answers import Array, Real
from grader.problems._tensors import Tensor, check_axes, plain
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.problems.text import num
from grader.solvers.elbo import bernoulli_log_likelihood, gaussian_log_likelihood, kl_to_standard_normal, reparameterise

HAND_DIMENSIONS = 8


class Params(FamilyParams):
    mu: Tensor = Field(description="The encoder's mean μ of q(z|x), one per latent dimension.")
    sigma: Tensor | None = Field(None, description="The encoder's standard deviations σ (not variances); or give log_var.")
    log_var: Tensor | None = Field(None, description="The encoder's log-variances log σ², instead of sigma.")
    eps: Tensor = Field(description="The standard normal noise ε of the one sample.")
    likelihood: Literal["bernoulli", "gaussian"] = Field(description="p(x|z): Bernoulli with the decoder's probabilities, or Gaussian around its means.")
    x: Tensor = Field(description="The data point (entries in [0, 1] for a Bernoulli likelihood).")
    x_hat: Tensor = Field(description="The decoder's output at z: probabilities in (0, 1) (Bernoulli) or means (Gaussian).")
    decoder_sigma: float = Field(1.0, gt=0, le=1000, description="The Gaussian likelihood's standard deviation.")

    @model_validator(mode="after")
    def _consistent(self):
        (d,) = check_axes("mu", self.mu, 1, "[d]")
        if (self.sigma is None) == (self.log_var is None):
            raise ValueError("sigma: give exactly one of sigma and log_var")
        for name in ("sigma", "log_var", "eps"):
            value = getattr(self, name)
            if value is not None and np.shape(value) != (d,):
                raise ValueError(f"{name}: needs one value for each of the {d} latent dimensions, got shape {list(np.shape(value))}")
        if self.sigma is not None and min(self.sigma) <= 0:
            raise ValueError("sigma: a standard deviation is positive")
        if self.log_var is not None and max(np.abs(self.log_var)) > 700:
            raise ValueError("log_var: at most 700 in size (exp(log_var) must stay a float)")
        (size,) = check_axes("x", self.x, 1, "[D]")
        if np.shape(self.x_hat) != (size,):
            raise ValueError(f"x_hat: needs one value for each of the {size} entries of x, got shape {list(np.shape(self.x_hat))}")
        if self.likelihood == "bernoulli":
            if not all(0 <= v <= 1 for v in self.x):
                raise ValueError("x: a Bernoulli likelihood needs entries in [0, 1]")
            if not all(0 < v < 1 for v in self.x_hat):
                raise ValueError("x_hat: a Bernoulli likelihood needs probabilities strictly between 0 and 1")
        return self

    def std(self) -> np.ndarray:
        return np.asarray(self.sigma, dtype=float) if self.sigma is not None else np.exp(0.5 * np.asarray(self.log_var, dtype=float))

    def terms(self) -> tuple[str, str]:
        """The KL of each latent dimension and the log-likelihood of each data entry as sums, for the worked solution."""
        mu, sd = np.asarray(self.mu, dtype=float), self.std()
        kl = 0.5 * (mu**2 + sd**2 - 1 - np.log(sd**2))
        return _sum(kl.tolist()), _sum([_log_likelihood(self, [x], [m]) for x, m in zip(self.x, self.x_hat)])


def _sum(terms: list[float]) -> str:
    text = num(terms[0])
    return text + "".join(f" - {num(-t)}" if t < 0 else f" + {num(t)}" for t in terms[1:])


def _log_likelihood(p: Params, x, x_hat) -> float:
    if p.likelihood == "bernoulli":
        return bernoulli_log_likelihood(x, x_hat)
    return gaussian_log_likelihood(x, x_hat, p.decoder_sigma)


class Space(FamilySpace):
    latent: Draw = [2, 2, 3]
    data: Draw = [3, 4]
    likelihood: Draw = ["bernoulli", "gaussian"]
    encoder: Draw = ["sigma", "sigma", "log_var"]
    mu: Draw = Range(min=-1.5, max=1.5, step=0.5)
    sigma: Draw = [0.5, 1.0, 1.5, 2.0]
    log_var: Draw = [-1.0, 0.0, 0.5, 1.0]
    eps: Draw = Range(min=-1.5, max=1.5, step=0.5)
    probability: Draw = Range(min=0.1, max=0.9, step=0.1)
    value: Draw = Range(min=-1, max=1, step=0.5)
    decoder_sigma: Draw = [1.0, 1.0, 0.5]


def generate(rng, space: Space) -> Params:
    d, size, likelihood, encoder = (space.draw(rng, f) for f in ("latent", "data", "likelihood", "encoder"))
    scale = {encoder: [space.draw(rng, encoder) for _ in range(d)]}
    if likelihood == "bernoulli":
        data = {"x": [int(v) for v in rng.integers(2, size=size)], "x_hat": [space.draw(rng, "probability") for _ in range(size)]}
    else:
        data = {"x": [space.draw(rng, "value") for _ in range(size)], "x_hat": [space.draw(rng, "value") for _ in range(size)],
                "decoder_sigma": space.draw(rng, "decoder_sigma")}
    return Params.model_validate({"mu": [space.draw(rng, "mu") for _ in range(d)], "eps": [space.draw(rng, "eps") for _ in range(d)],
                                  "likelihood": likelihood, **scale, **data})


ANSWER = "object"


def _answer(p: Params, *, std=None, z_scale=None, kl_scale=1.0, kl_sign=1.0, log_likelihood=None, elbo_sign=-1.0) -> dict:
    """Every part, with one step done another way (a mistake's)."""
    sd = p.std() if std is None else std
    z = reparameterise(p.mu, sd if z_scale is None else z_scale, p.eps)
    kl = kl_sign * kl_scale * kl_to_standard_normal(p.mu, sd)
    recon = _log_likelihood(p, p.x, p.x_hat) if log_likelihood is None else log_likelihood
    return {"z": plain(z), "kl": kl, "reconstruction": recon, "elbo": recon + elbo_sign * kl}


def _own_elbo(given) -> float | None:
    recon, kl = given.get("reconstruction"), given.get("kl")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (recon, kl))
    return recon - kl if numbers else None


def solve(p: Params) -> dict[str, Part]:
    truth = _answer(p)
    return {"z": Part(truth["z"], Array(axes=("dimension",))), "kl": Part(truth["kl"], Real()),
            "reconstruction": Part(truth["reconstruction"], Real()),
            "elbo": Part(truth["elbo"], Real(), carry=_own_elbo)}


def mistakes(p: Params):
    sd, d = p.std(), len(p.mu)
    x, m = np.asarray(p.x, dtype=float), np.asarray(p.x_hat, dtype=float)
    yield Mistake("elbo_plus_kl", "The ELBO subtracts the KL: log p(x|z) - KL(q(z|x) || p(z)).", _answer(p, elbo_sign=1.0))
    yield Mistake("kl_sign", "KL(q || p) is never negative: ½ Σ (μ² + σ² - 1 - log σ²).", _answer(p, kl_sign=-1.0))
    if p.sigma is not None:
        yield Mistake("sigma_as_variance", "sigma is the standard deviation: z = μ + σ·ε, and σ² is its square.",
                      _answer(p, std=np.sqrt(sd)))
        yield Mistake("z_scaled_by_variance", "The reparameterised sample scales ε by the standard deviation: z = μ + σ·ε, not μ + σ²·ε.",
                      _answer(p, z_scale=sd**2))
    else:
        yield Mistake("log_var_as_log_std", "log_var is log σ²: σ = exp(log_var / 2), not exp(log_var).",
                      _answer(p, std=np.exp(np.asarray(p.log_var, dtype=float))))
    yield Mistake("z_without_sigma", "The sample is z = μ + σ·ε: ε is scaled by the standard deviation.", _answer(p, z_scale=np.ones(d)))
    if d > 1:
        yield Mistake("kl_mean_over_dimensions", "The KL of a diagonal Gaussian is the sum over the latent dimensions, not their mean.",
                      _answer(p, kl_scale=1.0 / d))
    if p.likelihood == "bernoulli":
        yield Mistake("reconstruction_sign", "log p(x|z) is minus the binary cross-entropy: Σ x log x̂ + (1 - x) log(1 - x̂), a negative number.",
                      _answer(p, log_likelihood=-_log_likelihood(p, p.x, p.x_hat)))
        yield Mistake("log_base_10", "Nats use the natural logarithm.", _answer(p, log_likelihood=_log_likelihood(p, p.x, p.x_hat) / math.log(10)))
    else:
        sq = float(np.sum((x - m) ** 2))
        yield Mistake("dropped_gaussian_constant", "log N(x; x̂, σ²) includes -½ log(2πσ²) for every entry of x.",
                      _answer(p, log_likelihood=-sq / (2 * p.decoder_sigma**2)))
        yield Mistake("squared_error_as_log_likelihood", "log N(x; x̂, σ²) = -½ log(2πσ²) - (x - x̂)²/(2σ²) per entry: "
                      "the squared error alone drops the ½, the σ² and the constant.", _answer(p, log_likelihood=-sq))


def too_big_by_hand(p: Params) -> str | None:
    if len(p.mu) + len(p.x) > HAND_DIMENSIONS:
        return f"{len(p.mu)} latent dimensions and {len(p.x)} data entries (more than {HAND_DIMENSIONS} terms to add by hand)"
    return None


STATEMENT = r"""
A VAE's encoder maps a data point $x = {{ p.x | bmatrix }}$ to $q(z \mid x) = \mathcal{N}(\mu, \operatorname{diag}(\sigma^2))$ with
$\mu = {{ p.mu | bmatrix }}$ and {% if p.sigma is not none %}$\sigma = {{ p.sigma | bmatrix }}$ (standard deviations){% else %}$\log \sigma^2 = {{ p.log_var | bmatrix }}$ (the encoder outputs log-variances){% endif %};
the prior is $p(z) = \mathcal{N}(0, I)$. One sample is drawn with the noise $\varepsilon = {{ p.eps | bmatrix }}$, and the decoder's output at that sample is
$\hat{x} = {{ p.x_hat | bmatrix }}$, {% if p.likelihood == 'bernoulli' %}the probabilities of a Bernoulli likelihood $p(x \mid z) = \prod_i \hat{x}_i^{x_i} (1 - \hat{x}_i)^{1 - x_i}${% else %}the means of a Gaussian likelihood $p(x \mid z) = \mathcal{N}(x; \hat{x}, {{ p.decoder_sigma | num }}^2 I)${% endif %}.

Give `z`, the reparameterised sample; `kl`, $\mathrm{KL}(q(z \mid x) \,\|\, p(z))$ in closed form; `reconstruction`, $\log p(x \mid z)$ at that sample;
and `elbo`, the one-sample estimate of the evidence lower bound. Natural logarithms (nats); {{ enough }}.
"""

SOLUTION = r"""
{% set kl_terms, ll_terms = p.terms() %}
{% if p.log_var is not none %}First $\sigma = e^{\log\sigma^2 / 2} = {{ p.std() | bmatrix }}$. {% endif %}The sample is $z = \mu + \sigma \odot \varepsilon = \mathbf{ {{ answer.z | bmatrix }} }$.

For a diagonal Gaussian against $\mathcal{N}(0, I)$, $\mathrm{KL} = \tfrac{1}{2} \sum_j (\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2)$, summed over the
{{ p.mu | length }} dimensions: ${{ kl_terms }} = \mathbf{ {{ answer.kl | num }} }$.

{% if p.likelihood == 'bernoulli' %}$\log p(x \mid z) = \sum_i x_i \log \hat{x}_i + (1 - x_i) \log(1 - \hat{x}_i)$ (minus the binary cross-entropy){% else %}$\log p(x \mid z) = \sum_i -\tfrac{1}{2}\log(2\pi \cdot {{ p.decoder_sigma | num }}^2) - \frac{(x_i - \hat{x}_i)^2}{2 \cdot {{ p.decoder_sigma | num }}^2}${% endif %}:
${{ ll_terms }} = \mathbf{ {{ answer.reconstruction | num }} }$.

$\text{ELBO} = \log p(x \mid z) - \mathrm{KL} = {{ answer.reconstruction | num }} - {{ answer.kl | num }} = \mathbf{ {{ answer.elbo | num }} }$ nats.
"""
