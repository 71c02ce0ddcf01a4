"""The reader of worked solutions' arithmetic (tests/problems/latex_math.py) catches a step that
does not hold, so that the generic test over every family's solutions can fail."""

from __future__ import annotations

import pytest

from tests.problems.latex_math import steps


@pytest.mark.parametrize(("text", "holds"), [
    (r"$\left\lfloor \frac{ 7 + 2 \cdot 1 - 1 }{ 2 } \right\rfloor + 1 = 5$", True),
    (r"$\left\lfloor \frac{ 7 + 2 \cdot 1 - 1 }{ 2 } \right\rfloor + 1 = 4$", False),
    (r"$-\log 0.4519 = 0.7944$", True),  # a log of a number, without brackets, as softmax's solution writes it
    (r"$-\log 0.4519 = 0.8944$", False),
    (r"$(1 - 0.25) \cdot \begin{bmatrix} 1 & 1 \end{bmatrix} + 0.25 \cdot \begin{bmatrix} 9.333 & 4.333 \end{bmatrix}"
     r" = \mathbf{ \begin{bmatrix} 3.083 & 1.833 \end{bmatrix} }$", True),
    (r"$(1 - 0.25) \cdot \begin{bmatrix} 1 & 1 \end{bmatrix} + 0.25 \cdot \begin{bmatrix} 9.333 & 4.333 \end{bmatrix}"
     r" = \mathbf{ \begin{bmatrix} 3.083 & 2.833 \end{bmatrix} }$", False),  # one entry off
    (r"$\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} = \begin{bmatrix} 1 & 2 \end{bmatrix}$", False),  # shapes differ
])
def test_a_step_that_does_not_hold_is_caught(text, holds):
    found = steps(text)
    assert len(found) == 1 and found[0].holds() is holds, found


def test_a_side_with_a_symbol_or_a_transpose_is_left_out():
    assert steps(r"$\sigma^2 = \begin{bmatrix} 6.222 & 2.889 \end{bmatrix}$") == []
    assert steps(r"$z_1 = \begin{bmatrix} 6 & 0 \end{bmatrix}^\top = 7$") == []
