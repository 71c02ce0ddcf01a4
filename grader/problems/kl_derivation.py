"""Derive KL(N(μ, σ²) ‖ N(m, s²)) symbolically: its three expectation terms, the closed form, one value."""

from __future__ import annotations

import math

from pydantic import Field

from grader.answers import Expression, Real
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import kl_gaussian

TERM = Expression(symbols=("mu", "sigma"), positive=("sigma",))


class Params(FamilyParams):
    prior_mean: float = Field(0.0, ge=-10, le=10, description="Mean m of the prior p(z) = N(m, s²).")
    prior_std: float = Field(1.0, ge=0.1, le=10, description="Standard deviation s of the prior (not its variance).")
    mu: float = Field(ge=-10, le=10, description="The μ at which the closed form is evaluated (part kl_value).")
    sigma: float = Field(ge=0.1, le=10, description="The σ at which the closed form is evaluated (part kl_value).")


class Space(FamilySpace):
    prior_mean: Draw = 0.0
    prior_std: Draw = 1.0
    mu: Draw = Range(min=-2, max=2, step=0.5)
    sigma: Draw = Range(min=0.5, max=3, step=0.5)


def generate(rng, space: Space) -> Params:
    return Params(**{name: space.draw(rng, name) for name in Space.model_fields})


ANSWER = "object"


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _terms(p: Params) -> tuple[str, str, str, str]:
    """``log_term``, ``p_term``, then their pieces ``μ - m`` and ``/(2 s²)``, written with the prior's numbers."""
    m, s = p.prior_mean, p.prior_std
    shift = "mu" if m == 0 else f"(mu - {_n(m)})" if m > 0 else f"(mu + {_n(-m)})"
    over = "/2" if s == 1 else f"/(2*{_n(s)}**2)"
    log_term = "-log(sigma)" if s == 1 else f"log({_n(s)}) - log(sigma)"
    return log_term, f"(sigma**2 + {shift}**2){over}", shift, over


def _value(p: Params, kl: object) -> float | None:
    from grader import symbolic  # imported here so that discovering the families does not load sympy

    value = symbolic.value_at(kl, {"mu": p.mu, "sigma": p.sigma})
    return value if math.isfinite(value) else None


def _answer(p: Params, log_term: str, p_term: str, kl: str) -> dict[str, object]:
    return {"log_term": log_term, "q_term": "-1/2", "p_term": p_term, "kl": kl, "kl_value": _value(p, kl)}


def solve(p: Params) -> dict[str, Part]:
    log_term, p_term, _, _ = _terms(p)
    standard = p.prior_mean == 0 and p.prior_std == 1
    kl = "(mu**2 + sigma**2 - 1 - log(sigma**2))/2" if standard else f"{log_term} + {p_term} - 1/2"
    return {
        "log_term": Part(log_term, TERM),
        "q_term": Part("-1/2", TERM),
        "p_term": Part(p_term, TERM),
        "kl": Part(kl, TERM, weight=2.0),
        # a wrong closed form evaluated correctly still shows the student can use it
        "kl_value": Part(kl_gaussian(p.mu, p.sigma, p.prior_mean, p.prior_std), Real(),
                         carry=lambda given: _value(p, given["kl"])),
    }


def mistakes(p: Params):
    log_term, p_term, shift, over = _terms(p)
    flipped = "log(sigma)" if p.prior_std == 1 else f"log(sigma) - log({_n(p.prior_std)})"
    yield Mistake("log_sign", "log(1/(σ√2π)) - log(1/(s√2π)) = log(s/σ): log σ enters with a minus sign.",
                  _answer(p, flipped, p_term, f"{flipped} + {p_term} - 1/2"))
    yield Mistake("forgot_minus_half", "E_q[-(z-μ)²/(2σ²)] = -σ²/(2σ²) = -1/2 belongs in the closed form.",
                  _answer(p, log_term, p_term, f"{log_term} + {p_term}"))
    linear = f"(sigma + {shift}**2){over}"
    yield Mistake("sigma_for_variance", "σ is the standard deviation, so the variance is σ²: "
                  "E_q[(z-m)²] = σ² + (μ-m)², and log σ² = 2 log σ.",
                  _answer(p, log_term, linear, f"{log_term} + log(sigma)/2 + {linear} - 1/2"))
    mean_only = f"{shift}**2{over}"
    yield Mistake("second_moment_without_variance", "E_q[(z-m)²] = σ² + (μ-m)², so E_q[z²] = σ² + μ², "
                  "not μ²: the variance adds to the squared mean.",
                  _answer(p, log_term, mean_only, f"{log_term} + {mean_only} - 1/2"))
    yield Mistake("log_sigma_not_squared", "Inside ½(...) the log term is log σ² = 2 log σ, not log σ.",
                  _answer(p, log_term, p_term, f"{log_term} + log(sigma)/2 + {p_term} - 1/2"))
    yield Mistake("forgot_overall_half", "Every term is halved: for N(0, 1), KL = ½(μ² + σ² - 1 - log σ²).",
                  _answer(p, log_term, p_term, f"2*({log_term} + {p_term} - 1/2)"))


def degenerate(p: Params) -> str | None:
    if (p.mu, p.sigma) == (p.prior_mean, p.prior_std):
        return "μ and σ are the prior's, so q = p and kl_value is 0"
    return None


_PRIOR = r"""
{% set s = p.prior_std | num %}
{% macro sd() %}{% if p.prior_std != 1 %}{{ s }}{% endif %}{% endmacro %}
{% macro sq(v) %}{% if p.prior_mean == 0 %}{{ v }}^2{% else %}({{ v }} {{ '-' if p.prior_mean > 0 else '+' }} {{ p.prior_mean | abs | num }})^2{% endif %}{% endmacro %}
{% macro two_s2() %}2{% if p.prior_std != 1 %}\cdot {{ s }}^2{% endif %}{% endmacro %}
"""

STATEMENT = _PRIOR + r"""
In a VAE the encoder gives $q(z \mid x) = \mathcal{N}(\mu, \sigma^2)$ and the prior is
$p(z) = \mathcal{N}({{ p.prior_mean | num }}, {{ s }}^2)$ (both given by standard deviations). Writing
$\mathrm{KL}(q\,\|\,p) = \mathbb{E}_q[\log q(z) - \log p(z)]$ as a sum of three expectations,

$$\mathrm{KL} = \underbrace{\mathbb{E}_q\left[\log\tfrac{1}{\sigma\sqrt{2\pi}} - \log\tfrac{1}{ {{ sd() }}\sqrt{2\pi}}\right]}_{\texttt{log\_term}}
+ \underbrace{\mathbb{E}_q\left[-\tfrac{(z-\mu)^2}{2\sigma^2}\right]}_{\texttt{q\_term}}
+ \underbrace{\mathbb{E}_q\left[\tfrac{ {{ sq('z') }} }{ {{ two_s2() }} }\right]}_{\texttt{p\_term}},$$

give each term (`log_term`, `q_term`, `p_term`) and the closed form `kl` as expressions in `mu` and `sigma`
(text such as `"-log(sigma)"`; use `**` or `^` for powers and `log` for the natural log), then
`kl_value`: the number your closed form gives at $\mu = {{ p.mu | num }}$, $\sigma = {{ p.sigma | num }}$.
"""

SOLUTION = _PRIOR + r"""
With $q(z) = \frac{1}{\sigma\sqrt{2\pi}} e^{-(z-\mu)^2/(2\sigma^2)}$ and
$p(z) = \frac{1}{ {{ sd() }}\sqrt{2\pi}} e^{- {{ sq('z') }}/({{ two_s2() }})}$:

1. `log_term`: nothing inside depends on $z$, so the expectation drops:
   $\log\frac{1}{\sigma\sqrt{2\pi}} - \log\frac{1}{ {{ sd() }}\sqrt{2\pi}} = \log\frac{ {{ s }} }{\sigma}$, i.e. `{{ answer.log_term }}`.
2. `q_term`: $\mathbb{E}_q[(z-\mu)^2] = \sigma^2$ is the variance of $q$, so the term is
   $-\frac{\sigma^2}{2\sigma^2} = -\frac{1}{2}$, i.e. `{{ answer.q_term }}`.
3. `p_term`: $\mathbb{E}_q[{{ sq('z') }}] = \mathrm{Var}_q(z) + {{ sq('\\mathbb{E}_q[z]') }} = \sigma^2 + {{ sq('\\mu') }}$,
   so the term is $\frac{\sigma^2 + {{ sq('\\mu') }} }{ {{ two_s2() }} }$, i.e. `{{ answer.p_term }}`.

Adding the three: `kl` = `{{ answer.kl }}`.
At $\mu = {{ p.mu | num }}$, $\sigma = {{ p.sigma | num }}$ it is $\mathbf{ {{ answer.kl_value | num }} }$ nats.
"""
