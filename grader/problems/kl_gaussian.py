"""The KL divergence KL(q‖p) between two univariate Gaussians given by mean and standard deviation, in nats."""

from __future__ import annotations

import math

from pydantic import Field

from grader.answers import Real
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import kl_gaussian
from grader.solvers.gaussian import kl_gaussian_terms


class Params(FamilyParams):
    mu_q: float = Field(ge=-100, le=100, description="Mean of q.")
    sigma_q: float = Field(ge=0.01, le=100, description="Standard deviation of q (not its variance).")
    mu_p: float = Field(0.0, ge=-100, le=100, description="Mean of p.")
    sigma_p: float = Field(1.0, ge=0.01, le=100, description="Standard deviation of p (not its variance).")

    def terms(self) -> tuple[float, float]:
        """The solver's two terms, the log and the spread (what the worked solution shows)."""
        log_term, spread = kl_gaussian_terms(self.mu_q, self.sigma_q, self.mu_p, self.sigma_p)
        return float(log_term), float(spread)


class Space(FamilySpace):
    mu_q: Draw = Range(min=-3, max=3, step=0.5)
    sigma_q: Draw = Range(min=0.5, max=3, step=0.5)
    mu_p: Draw = Range(min=-2, max=2, step=0.5)
    sigma_p: Draw = Range(min=0.5, max=3, step=0.5)


def generate(rng, space: Space) -> Params:
    return Params(**{name: space.draw(rng, name) for name in Space.model_fields})


ANSWER = "value"


def solve(p: Params) -> dict[str, Part]:
    return {"kl": Part(kl_gaussian(p.mu_q, p.sigma_q, p.mu_p, p.sigma_p), Real())}


def _kl(mu_q, var_q, mu_p, var_p, *, log_sign=1.0, half=0.5, denominator=None):
    """KL written with variances, with the knobs the mistakes turn."""
    denominator = 2 * var_p if denominator is None else denominator
    return log_sign * 0.5 * math.log(var_p / var_q) + (var_q + (mu_q - mu_p) ** 2) / denominator - half


def mistakes(p: Params):
    vq, vp = p.sigma_q**2, p.sigma_p**2
    truth = solve(p)["kl"].expected
    yield Mistake("std_as_variance", "The formula needs variances: square the standard deviations (σ² = "
                  "σ·σ) before using them where σ² appears.", _kl(p.mu_q, p.sigma_q, p.mu_p, p.sigma_p))
    yield Mistake("swapped_q_p", "KL is not symmetric: KL(q‖p) takes the expectation under q, so q's "
                  "variance goes over p's.", kl_gaussian(p.mu_p, p.sigma_p, p.mu_q, p.sigma_q))
    yield Mistake("log_base_2", "Nats use the natural logarithm; a base-2 logarithm gives bits.", truth / math.log(2))
    yield Mistake("forgot_minus_half", "The term E_q[(z-μ_q)²]/(2σ_q²) contributes -1/2; it is missing.",
                  _kl(p.mu_q, vq, p.mu_p, vp, half=0.0))
    yield Mistake("log_sign", "The log term is log(σ_p/σ_q), not log(σ_q/σ_p): the normalising constants give "
                  "log(1/σ_q) - log(1/σ_p).", _kl(p.mu_q, vq, p.mu_p, vp, log_sign=-1.0))
    yield Mistake("forgot_denominator", "E_q[(z-μ_p)²] = σ_q² + (μ_q-μ_p)² is divided by 2σ_p².",
                  _kl(p.mu_q, vq, p.mu_p, vp, denominator=1.0))
    yield Mistake("dropped_mean_term", "The means differ: (μ_q-μ_p)² belongs next to σ_q² in the numerator.",
                  _kl(p.mu_q, vq, p.mu_q, vp))


def degenerate(p: Params) -> str | None:
    return "q = p, so KL(q‖p) is 0" if (p.mu_q, p.sigma_q) == (p.mu_p, p.sigma_p) else None


STATEMENT = r"""
Let $q = \mathcal{N}(\mu_q, \sigma_q^2)$ with $\mu_q = {{ p.mu_q | num }}$, $\sigma_q = {{ p.sigma_q | num }}$ and
$p = \mathcal{N}(\mu_p, \sigma_p^2)$ with $\mu_p = {{ p.mu_p | num }}$, $\sigma_p = {{ p.sigma_p | num }}$
($\sigma$ is the standard deviation, not the variance).
Compute $\mathrm{KL}(q \,\|\, p)$ in nats (natural logarithm). Give a number; {{ enough }}.
"""

SOLUTION = r"""
For two univariate Gaussians
$\mathrm{KL}(q\,\|\,p) = \log\frac{\sigma_p}{\sigma_q} + \frac{\sigma_q^2 + (\mu_q - \mu_p)^2}{2\sigma_p^2} - \frac{1}{2}$.
{% set log_term, spread = p.terms() %}
The log term is $\log({{ p.sigma_p | num }} / {{ p.sigma_q | num }}) = {{ log_term | num }}$, and
$\frac{ {{ p.sigma_q | num }}^2 + ({{ p.mu_q | num }} - ({{ p.mu_p | num }}))^2}{2 \cdot {{ p.sigma_p | num }}^2} = {{ spread | num }}$, so

$$\mathrm{KL} = {{ log_term | num }} + {{ spread | num }} - 0.5 = \mathbf{ {{ answer | num }} }\ \text{nats}.$$
"""
