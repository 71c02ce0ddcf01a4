"""Output sizes checked against window positions counted one by one, and against PyTorch."""

from __future__ import annotations

import pytest

from grader.solvers import conv_output_size, conv_transpose_output_size, layers_to_size, output_steps, pool_output_size

CASES = 3000


def count_conv_windows(n: int, k: int, s: int, p: int, d: int) -> int:
    """Slide the dilated window over the padded input and count the places it fits."""
    padded, extent, count, start = n + 2 * p, d * (k - 1) + 1, 0, 0
    while start + extent <= padded:
        count, start = count + 1, start + s
    return count


def scatter_footprint(n: int, k: int, s: int, p: int, d: int, op: int) -> int:
    """Stamp a copy of the dilated kernel for every input position, then crop p per side and add op."""
    touched = {i * s + j * d for i in range(n) for j in range(k)}
    return max(touched) + 1 + op - 2 * p


def count_pool_windows(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling: with ceil_mode, windows continue until one reaches past the end of the padded
    input, but a window that would start in the right padding is dropped."""
    padded, extent, count, start = n + 2 * p, d * (k - 1) + 1, 0, 0
    while True:
        if ceil_mode and count and start >= n + p:
            return count
        if not ceil_mode and start + extent > padded:
            return count
        count += 1
        if ceil_mode and start + extent >= padded:
            return count
        start += s


def simulate_layers(n: int, target: int, k: int, s: int, p: int, d: int, max_layers: int) -> int | None:
    """Apply the layer again and again; the first time the size equals the target is the answer."""
    for layers in range(1, max_layers + 1):
        nxt = count_conv_windows(n, k, s, p, d)
        if nxt < 1 or nxt == n:
            return None
        if nxt == target:
            return layers
        n = nxt
    return None


def _draw(rng, size_max=40):
    return (int(rng.integers(1, size_max)), int(rng.integers(1, 8)), int(rng.integers(1, 5)),
            int(rng.integers(0, 4)), int(rng.integers(1, 4)))


def test_conv_output_size_counts_the_window_positions(rng):
    for _ in range(CASES):
        n, k, s, p, d = _draw(rng)
        assert max(conv_output_size(n, k, s, p, d), 0) == count_conv_windows(n, k, s, p, d), (n, k, s, p, d)


def test_the_steps_a_worked_solution_shows_lead_to_the_same_size(rng):
    for _ in range(CASES):
        n, k, s, p, d = _draw(rng)
        steps = output_steps(n, k, s, p, d)
        assert steps.out == conv_output_size(n, k, s, p, d) and steps.span == n + 2 * p - d * (k - 1) - 1
        assert not steps.dropped and steps.windows == steps.span // s + 1


def test_conv_transpose_output_size_is_the_scatter_footprint(rng):
    for _ in range(CASES):
        n, k, s, p, d = _draw(rng, 20)
        op = int(rng.integers(0, max(s, d)))
        assert conv_transpose_output_size(n, k, s, p, d, op) == scatter_footprint(n, k, s, p, d, op), (n, k, s, p, d, op)


def test_conv_transpose_undoes_the_size_change_of_conv(rng):
    for _ in range(CASES):
        n, k, s, p, d = _draw(rng, 20)
        for op in range(s):  # each output_padding < stride picks one of the sizes conv maps back to n
            out = conv_transpose_output_size(n, k, s, p, d, op)
            if out >= 1 and d * (k - 1) + 1 <= out + 2 * p:
                assert conv_output_size(out, k, s, p, d) == n, (n, k, s, p, d, op)


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_counts_the_windows(rng, ceil_mode):
    for _ in range(CASES):
        n, k, s, _, d = _draw(rng)
        p = int(rng.integers(0, k // 2 + 1))  # PyTorch pads a pool by at most half its window
        if d * (k - 1) + 1 > n + 2 * p:
            continue
        got = pool_output_size(n, k, s, p, d, ceil_mode)
        assert got == count_pool_windows(n, k, s, p, d, ceil_mode), (n, k, s, p, d, ceil_mode)


def test_layers_to_size_matches_a_layer_by_layer_simulation(rng):
    reached = 0
    for _ in range(CASES):
        n, k, s, p, d = _draw(rng, 120)
        if d * (k - 1) + 1 > n + 2 * p:
            continue
        sizes = [n]
        while len(sizes) < 60 and 1 <= (nxt := count_conv_windows(sizes[-1], k, s, p, d)) != sizes[-1]:
            sizes.append(nxt)
        # aim at sizes the stack passes through and at their neighbours, which it may step over
        target = int(rng.choice(sizes[1:])) + int(rng.integers(-1, 2)) if len(sizes) > 1 else n + 1
        if target < 1 or target == n:
            continue
        expected = simulate_layers(n, target, k, s, p, d, 200)
        assert layers_to_size(n, target, k, s, p, d, 200) == expected, (n, target, k, s, p, d)
        reached += expected is not None
    assert reached > CASES // 4


def test_layers_to_size_seed_cases_and_limits():
    assert layers_to_size(224, 8, 7) == 36  # 224 - 6L = 8
    assert layers_to_size(224, 16, 3) == 104
    assert layers_to_size(224, 15, 3) is None  # odd target, even steps
    assert layers_to_size(224, 7, 3, stride=2, padding=1) == 5  # 112, 56, 28, 14, 7
    assert layers_to_size(224, 8, 7, max_layers=35) is None
    assert layers_to_size(10, 10, 3, padding=1) == 0
    assert layers_to_size(10, 4, 3, padding=1) is None  # "same" padding never shrinks


@pytest.mark.oracle
def test_sizes_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    with torch.no_grad():
        for _ in range(400):
            n, k, s, p, d = _draw(rng, 30)
            x = torch.zeros(1, 1, n)
            if d * (k - 1) + 1 <= n + 2 * p:
                assert nn.Conv1d(1, 1, k, s, p, d)(x).shape[-1] == conv_output_size(n, k, s, p, d)
            op = int(rng.integers(0, max(s, d)))
            if conv_transpose_output_size(n, k, s, p, d, op) >= 1:
                y = nn.ConvTranspose1d(1, 1, k, s, p, op, dilation=d)(x)
                assert y.shape[-1] == conv_transpose_output_size(n, k, s, p, d, op), (n, k, s, p, d, op)
            p = min(p, k // 2)
            if d * (k - 1) + 1 <= n + 2 * p:
                for ceil_mode in (False, True):
                    y = nn.MaxPool1d(k, s, p, d, ceil_mode=ceil_mode)(x)
                    assert y.shape[-1] == pool_output_size(n, k, s, p, d, ceil_mode), (n, k, s, p, d, ceil_mode)
