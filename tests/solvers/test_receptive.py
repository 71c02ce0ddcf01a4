"""Receptive fields checked by tracing which input pixels reach one unit, and against PyTorch gradients."""

from __future__ import annotations

import pytest

from grader.solvers import receptive_fields

CASES = 2000


def traced_span(layers: list[tuple[int, int, int]]) -> int:
    """Walk back from one unit of the last layer: every tap of every layer names the units that feed it.

    The input is taken as unbounded (padding only shifts indices), so the span is the receptive field.
    """
    reach = {0}
    for k, s, d in reversed(layers):
        reach = {i * s + j * d for i in reach for j in range(k)}
    return max(reach) - min(reach) + 1


def _stack(rng, depth_max=5):
    return [(int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(1, 5)))
            for _ in range(int(rng.integers(1, depth_max + 1)))]


def test_receptive_fields_match_the_traced_input_pixels(rng):
    for _ in range(CASES):
        layers = _stack(rng)
        assert receptive_fields(layers) == [traced_span(layers[: i + 1]) for i in range(len(layers))], layers


def test_seed_cases():
    assert receptive_fields([(5, 2, 1), (3, 1, 1), (5, 1, 2)]) == [5, 9, 25]
    assert receptive_fields([(3, 1, 1), (5, 2, 1), (3, 1, 2)]) == [3, 7, 15]


def test_a_stride_after_the_last_layer_does_not_count():
    assert receptive_fields([(3, 2, 1)]) == receptive_fields([(3, 1, 1)]) == [3]


@pytest.mark.oracle
def test_receptive_fields_match_pytorch_gradients(rng):
    torch = pytest.importorskip("torch")
    for _ in range(80):
        layers = _stack(rng, 4)
        field = receptive_fields(layers)[-1]
        stack = torch.nn.Sequential(*(torch.nn.Conv1d(1, 1, k, s, dilation=d, bias=False) for k, s, d in layers))
        for conv in stack:
            torch.nn.init.ones_(conv.weight)  # positive weights: no influence cancels out
        x = torch.zeros(1, 1, 2 * field + 20, requires_grad=True)
        out = stack(x)
        out[0, 0, out.shape[-1] // 2].backward()
        touched = torch.nonzero(x.grad[0, 0]).flatten()
        assert int(touched.max() - touched.min()) + 1 == field, layers
