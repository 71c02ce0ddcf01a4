"""Batch normalisation by hand: training-mode outputs, the running statistics after the step, eval-mode outputs."""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, model_validator

from grader.answers import Array
from grader.problems._tensors import Tensor, check_axes, draw_tensor, plain, too_many_entries
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers.batchnorm import batch_norm_eval, batch_norm_train, channel_stats

HAND_ENTRIES = 24
_LAYOUT = {2: "[N, C]", 3: "[N, C, L]", 4: "[N, C, H, W]"}


class Params(FamilyParams):
    input: Tensor = Field(description="The batch x: nested lists [N][C] or [N][C][L] (BatchNorm1d), or [N][C][H][W] (BatchNorm2d).")
    weight: Tensor | None = Field(None, description="γ, one per channel; null with bias null: affine=False.")
    bias: Tensor | None = Field(None, description="β, one per channel.")
    running_mean: Tensor | None = Field(None, description="The running mean before the step; null: zeros, as a new layer has.")
    running_var: Tensor | None = Field(None, description="The running variance before the step; null: ones, as a new layer has.")
    momentum: float | None = Field(0.1, ge=0, le=1, description="PyTorch's momentum: running = (1 - m)·running + m·batch; null: a cumulative average.")
    eps: float = Field(1e-5, ge=0, le=1, description="Added to the variance under the square root.")
    num_batches_tracked: int = Field(0, ge=0, le=10**9, description="Batches seen before this one (used when momentum is null).")

    @model_validator(mode="after")
    def _consistent(self):
        shape = np.shape(self.input)
        if len(shape) not in _LAYOUT:
            raise ValueError(f"input: needs 2 to 4 axes ([N, C], [N, C, L] or [N, C, H, W]), got {len(shape)}")
        check_axes("input", self.input, len(shape), _LAYOUT[len(shape)])
        channels = shape[1]
        for name in ("weight", "bias", "running_mean", "running_var"):
            value = getattr(self, name)
            if value is not None and np.shape(value) != (channels,):
                raise ValueError(f"{name}: needs one value for each of the {channels} channels, got shape {list(np.shape(value))}")
        if (self.weight is None) != (self.bias is None):
            raise ValueError("bias: give both weight and bias (affine=True) or neither (affine=False)")
        if math.prod(shape) // channels < 2:
            raise ValueError("input: training mode needs more than 1 value per channel (PyTorch refuses one)")
        if self.running_var is not None and min(self.running_var) < 0:
            raise ValueError("running_var: a variance is not negative")
        if self.eps == 0 and (np.min(channel_stats(self.input)[1]) == 0 or 0 in (self.running_var or [1])):
            raise ValueError("eps: 0 with a variance of 0 divides by 0")
        return self

    def stats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The batch's mean, biased and unbiased variance per channel, for the worked solution."""
        mean, var = channel_stats(self.input)
        return mean, var, channel_stats(self.input, unbiased=True)[1]

    def before(self) -> tuple[np.ndarray, np.ndarray]:
        channels = np.shape(self.input)[1]
        return (np.zeros(channels) if self.running_mean is None else np.asarray(self.running_mean, dtype=float),
                np.ones(channels) if self.running_var is None else np.asarray(self.running_var, dtype=float))

    def factor(self) -> float:
        return 1.0 / (self.num_batches_tracked + 1) if self.momentum is None else self.momentum

    def positions(self) -> list[int]:
        return list(np.shape(self.input)[2:])

    def module(self) -> str:
        return "BatchNorm2d" if len(self.positions()) == 2 else "BatchNorm1d"

    def per_channel(self) -> int:
        return math.prod(np.shape(self.input)) // np.shape(self.input)[1]


class Space(FamilySpace):
    batch: Draw = [2, 3, 4]
    channels: Draw = [1, 2, 2]
    positions: Draw = [[], [], [2], [2, 2]]  # [N, C], [N, C, L] or [N, C, H, W]
    values: Draw = Range(min=-3, max=3)
    affine: Draw = [True, True, False]
    scale: Draw = [0.5, 1, 2]
    shift: Draw = [-1, 0, 1]
    fresh: Draw = [True, False]
    momentum: Draw = [0.1, 0.1, 0.5, None]
    num_batches_tracked: Draw = [0, 1, 3]


def generate(rng, space: Space) -> Params:
    channels, positions = space.draw(rng, "channels"), space.draw(rng, "positions")
    batch = space.draw(rng, "batch") if positions else max(3, space.draw(rng, "batch"))
    affine, fresh = space.draw(rng, "affine"), space.draw(rng, "fresh")
    momentum = space.draw(rng, "momentum")
    return Params(
        input=draw_tensor(rng, space, [batch, channels, *positions]),
        weight=[space.draw(rng, "scale") for _ in range(channels)] if affine else None,
        bias=[space.draw(rng, "shift") for _ in range(channels)] if affine else None,
        running_mean=None if fresh else [space.draw(rng, "shift") for _ in range(channels)],
        running_var=None if fresh else [space.draw(rng, "scale") for _ in range(channels)],
        momentum=momentum, num_batches_tracked=space.draw(rng, "num_batches_tracked") if momentum is None else 0)


ANSWER = "object"
_OUT = Array(axes=("example", "channel", "position"))
_STAT = Array(axes=("channel",))


def _truth(p: Params) -> dict:
    mean0, var0 = p.before()
    step = batch_norm_train(p.input, mean0, var0, p.weight, p.bias, p.momentum, p.eps, p.num_batches_tracked)
    evaluated = batch_norm_eval(p.input, step.running_mean, step.running_var, p.weight, p.bias, p.eps)
    return {"output": plain(step.output), "running_mean": plain(step.running_mean),
            "running_var": plain(step.running_var), "eval_output": plain(evaluated)}


def _slip(p: Params, *, axes=None, ddof=0, sqrt=True, affine=True, running_ddof=1, factor=None, eval_with="updated") -> dict:
    """Every part computed with one step done another way: statistics over other axes, the unbiased variance
    to normalise, no square root, no affine, the biased variance for the running estimate, another momentum
    factor, or eval mode with the running statistics from before the step or the batch's own."""
    x, (mean0, var0) = np.asarray(p.input, dtype=float), p.before()
    weight, bias = (p.weight, p.bias) if affine else (None, None)
    axes = axes or (0, *range(2, x.ndim))
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, ddof=ddof, keepdims=True)
    spread = np.sqrt(var + p.eps) if sqrt else var + p.eps
    ones = np.ones(x.shape[1])
    out = batch_norm_eval((x - mean) / spread, 0 * ones, ones, weight, bias, eps=0.0)  # then γ and β
    m = p.factor() if factor is None else factor
    new_mean = (1 - m) * mean0 + m * channel_stats(x)[0]
    new_var = (1 - m) * var0 + m * channel_stats(x, unbiased=running_ddof == 1)[1]
    stats = {"updated": (new_mean, new_var), "before": (mean0, var0)}
    evaluated = out if eval_with == "batch" else batch_norm_eval(x, *stats[eval_with], weight, bias, p.eps)
    return {"output": plain(out), "running_mean": plain(new_mean), "running_var": plain(new_var), "eval_output": plain(evaluated)}


def _eval_from(p: Params, given):
    """The eval-mode output from the student's own running statistics (error carried forward), or None."""
    channels = np.shape(p.input)[1]
    mean, var = np.asarray(given["running_mean"], dtype=float), np.asarray(given["running_var"], dtype=float)
    if mean.shape != (channels,) or var.shape != (channels,) or np.any(var + p.eps <= 0):
        return None
    return plain(batch_norm_eval(p.input, mean, var, p.weight, p.bias, p.eps))


def solve(p: Params) -> dict[str, Part]:
    truth = _truth(p)
    return {
        "output": Part(truth["output"], _OUT),
        "running_mean": Part(truth["running_mean"], _STAT),
        "running_var": Part(truth["running_var"], _STAT),
        "eval_output": Part(truth["eval_output"], _OUT, carry=lambda given: _eval_from(p, given)),
    }


def mistakes(p: Params):
    x = np.asarray(p.input)
    yield Mistake("biased_running_var", "The running variance moves towards the batch's unbiased variance (divided by n - 1, "
                  "n the values per channel); only the normalisation uses the biased one.", _slip(p, running_ddof=0))
    yield Mistake("unbiased_normalisation", "In training mode each value is normalised with the batch's biased variance "
                  "(divided by n); the unbiased one (n - 1) only updates the running estimate.", _slip(p, ddof=1))
    yield Mistake("variance_not_sqrt", "Normalise by the standard deviation, sqrt(var + eps), not by the variance.", _slip(p, sqrt=False))
    if p.momentum is not None:
        yield Mistake("momentum_reversed", "PyTorch's momentum weighs the new batch: running = (1 - momentum)·running + "
                      "momentum·batch (Keras's momentum is the other way round).", _slip(p, factor=1 - p.momentum))
    else:
        seen = p.num_batches_tracked + 1
        yield Mistake("momentum_none_as_default", f"momentum=None is not the default 0.1: the running statistics average all "
                      f"{seen} batches seen, with the factor 1 / {seen}.", _slip(p, factor=0.1))
        if p.num_batches_tracked:
            yield Mistake("cumulative_count", f"The cumulative average counts this batch too: the factor is 1 / {seen}, "
                          f"not 1 / {p.num_batches_tracked}.", _slip(p, factor=1 / p.num_batches_tracked))
    if x.shape[1] > 1:
        yield Mistake("stats_per_example", "Batch norm takes each channel's mean and variance over the batch (and positions), "
                      "not each example's over its channels: that is layer norm.", _slip(p, axes=tuple(range(1, x.ndim))))
    if x.ndim > 2:
        yield Mistake("stats_per_position", "Each channel's statistics are over the batch and every position, "
                      "not over the batch at each position separately.", _slip(p, axes=(0,)))
    if p.weight is not None:
        yield Mistake("forgot_affine", "After normalising, each channel is scaled by its γ (weight) and shifted by its β (bias).",
                      _slip(p, affine=False))
    yield Mistake("eval_uses_batch_stats", "In eval mode batch norm normalises with the running statistics, not the batch's own.",
                  _slip(p, eval_with="batch"))
    yield Mistake("eval_uses_old_running", "The training step updated the running statistics; eval mode after it uses the "
                  "updated ones.", _slip(p, eval_with="before"))


def too_big_by_hand(p: Params) -> str | None:
    return too_many_entries(p.input, HAND_ENTRIES, "the batch has")


_BATCH = r"""
{% macro show(name, batch) %}
{% if p.positions() | length == 0 %}
$$ {{ name }} = {{ batch | bmatrix }} $$
{% elif p.positions() | length == 1 %}
{% for example in batch %}
$$ {{ name }}^{({{ loop.index0 }})} = {{ example | bmatrix }} $$
{% endfor %}
{% else %}
{% for example in batch %}
{{ example | tensor(name ~ '^{(' ~ loop.index0 ~ ')}') }}
{% endfor %}
{% endif %}
{% endmacro %}
"""

STATEMENT = _BATCH + r"""
{% set x = p.input %}
A batch of {{ x | length }} examples with {{ x[0] | length }} channel(s){% if p.positions() %} of {{ p.positions() | join(' × ') }} positions{% endif %} goes through
`nn.{{ p.module() }}({{ x[0] | length }}{% if p.momentum != 0.1 %}, momentum={{ p.momentum }}{% endif %}{% if p.eps != 1e-5 %}, eps={{ p.eps }}{% endif %}{% if p.weight is none %}, affine=False{% endif %})`
in training mode (`model.train()`), then, right after, in eval mode (`model.eval()`) on the same batch
({% if p.positions() | length == 0 %}one row per example, one column per channel{% elif p.positions() | length == 1 %}example $n$ is $x^{(n)}$: one row per channel{% else %}example $n$, channel $c$ is $x^{(n)}_c${% endif %}):
{{ show('x', x) }}
{% if p.weight is not none %}The weight is $\gamma = {{ p.weight | bmatrix }}$ and the bias $\beta = {{ p.bias | bmatrix }}$ (one per channel). {% endif %}
Before the step the running mean is ${{ p.before()[0] | bmatrix }}$ and the running variance ${{ p.before()[1] | bmatrix }}${% if p.momentum is none %}, and the layer has seen {{ p.num_batches_tracked }} batch(es) (`num_batches_tracked`){% endif %}.

Give the training-mode `output` (same shape as the batch), the `running_mean` and `running_var` after the step,
and the eval-mode `eval_output`. {{ enough | capitalize }}.
"""

SOLUTION = _BATCH + r"""
{% set mean, var, unbiased = p.stats() %}
{% set m = p.factor() | num %}
Each channel's statistics run over the batch{% if p.positions() %} and every position{% endif %}: $n = {{ p.per_channel() }}$ values per channel.
The batch mean is $\mu = {{ mean | bmatrix }}$ and the biased variance (divided by $n$) $\sigma^2 = {{ var | bmatrix }}$.

Training mode normalises with these, $y = \gamma \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$ per channel{% if p.weight is none %} ($\gamma = 1$, $\beta = 0$ without affine){% endif %}:
{{ show('y', answer.output) }}

The running statistics move by the factor {{ m }}{% if p.momentum is none %} ($1 / {{ p.num_batches_tracked + 1 }}$: momentum=None averages all the batches seen){% endif %} towards the batch mean and the *unbiased* variance (divided by $n - 1$), ${{ unbiased | bmatrix }}$:

- running_mean $= (1 - {{ m }}) \cdot {{ p.before()[0] | bmatrix }} + {{ m }} \cdot {{ mean | bmatrix }} = \mathbf{ {{ answer.running_mean | bmatrix }} }$
- running_var $= (1 - {{ m }}) \cdot {{ p.before()[1] | bmatrix }} + {{ m }} \cdot {{ unbiased | bmatrix }} = \mathbf{ {{ answer.running_var | bmatrix }} }$

Eval mode normalises with the running statistics instead of the batch's:
{{ show('e', answer.eval_output) }}
"""
