"""Output sizes along one axis: convolution, transposed convolution, pooling, and repeated layers.

All follow PyTorch's conventions (``torch.nn.Conv*d``, ``ConvTranspose*d``, ``MaxPool*d``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SizeSteps", "conv_output_size", "conv_transpose_output_size", "layers_to_size", "output_steps",
           "pool_output_size"]


@dataclass(frozen=True)
class SizeSteps:
    """How a convolution's or pooling's output size along one axis comes about, step by step: the
    numbers a worked solution shows are these, so none can disagree with the answer."""

    n: int
    padding: int
    stride: int
    span: int          # n + 2p - d(k - 1) - 1: where the last window may start, in the padded input
    ceil_mode: bool
    windows: int       # span / stride, rounded down (up with ceil_mode), plus 1
    dropped: bool      # ceil_mode: the last window would start in the right padding, and PyTorch drops it

    @property
    def last_start(self) -> int:
        """Where the last of ``windows`` starts, counted in the padded input."""
        return (self.windows - 1) * self.stride

    @property
    def out(self) -> int:
        return self.windows - self.dropped


def output_steps(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1,
                 ceil_mode: bool = False) -> SizeSteps:
    """The steps of :func:`conv_output_size` and :func:`pool_output_size` (ceil_mode is pooling's)."""
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    windows = (-(-span // stride) if ceil_mode else span // stride) + 1
    # a last window may run past the input, but it must start inside the input or its left padding
    dropped = ceil_mode and (windows - 1) * stride >= n + padding
    return SizeSteps(n, padding, stride, span, ceil_mode, windows, dropped)


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """``floor((n + 2p - d(k - 1) - 1) / s) + 1``; may be < 1 when the kernel does not fit.

    The formula written out, not ``output_steps(...).out``: generating a stack of layers calls this
    tens of thousands of times (a test checks that the two agree).
    """
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(
    n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, output_padding: int = 0
) -> int:
    """``(n - 1)s - 2p + d(k - 1) + output_padding + 1``."""
    return (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def pool_output_size(
    n: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Pooling output size; with ``ceil_mode`` the last window must start inside the input or left padding."""
    return output_steps(n, kernel, stride, padding, dilation, ceil_mode).out


def layers_to_size(
    n: int, target: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, max_layers: int = 10_000
) -> int | None:
    """How many identical conv layers take size ``n`` exactly to ``target``; ``None`` if none do."""
    layers = 0
    while n != target:
        nxt = conv_output_size(n, kernel, stride, padding, dilation)
        if nxt < 1 or nxt == n or layers >= max_layers or (nxt > n) != (target > n):
            return None
        if (target < n and nxt < target) or (target > n and nxt > target):
            return None
        n, layers = nxt, layers + 1
    return layers
