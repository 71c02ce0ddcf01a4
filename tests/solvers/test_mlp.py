"""The MLP's forward and backward pass against finite differences of the loss, and against PyTorch's autograd and SGD."""

from __future__ import annotations

import numpy as np
import pytest

from grader.solvers.mlp import ACTIVATIONS, activate, loss_and_slope, mlp_backward, mlp_forward

CASES = 2000


def _network(rng, integer: bool = False):
    widths = [int(w) for w in rng.integers(1, 5, int(rng.integers(2, 5)))]
    draw = (lambda shape: rng.integers(-2, 3, shape).astype(float)) if integer else (lambda shape: rng.normal(size=shape))
    layers = [(draw((out, reads)), draw(out) if rng.random() < 0.7 else None, str(rng.choice(ACTIVATIONS)))
              for reads, out in zip(widths, widths[1:])]
    loss = str(rng.choice(["mse", "cross_entropy"]))
    target = int(rng.integers(widths[-1])) if loss == "cross_entropy" else rng.normal(size=widths[-1])
    return draw(widths[0]), layers, loss, target


def _loss(x, layers, loss, target) -> float:
    return loss_and_slope(loss, mlp_forward(x, layers).output, target)[0]


def test_activations_match_their_definitions():
    z = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(activate("sigmoid", z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(activate("tanh", z), (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), rtol=1e-12)
    np.testing.assert_array_equal(activate("relu", z), np.where(z > 0, z, 0))
    assert activate("sigmoid", np.array([-1000.0]))[0] == 0.0  # no overflow warning on the way


def test_gradients_match_finite_differences_of_the_loss(rng):
    h, checked = 1e-6, 0
    for case in range(CASES):
        x, layers, loss, target = _network(rng)
        forward = mlp_forward(x, layers)
        if any(np.min(np.abs(z)) < 1e-3 for z, (_, _, act) in zip(forward.pre, layers) if act == "relu"):
            continue  # a difference quotient across ReLU's kink measures nothing
        grads = mlp_backward(layers, forward, loss_and_slope(loss, forward.output, target)[1])
        for i, (w, b, act) in enumerate(layers):
            for name, tensor, grad in (("weight", w, grads.weight[i]), ("bias", b, grads.bias[i])):
                if tensor is None:
                    continue
                for idx in np.ndindex(tensor.shape):
                    def shifted(step, tensor=tensor, idx=idx, name=name, i=i):
                        changed = tensor.copy()
                        changed[idx] += step
                        new = (changed, b, act) if name == "weight" else (w, changed, act)
                        return _loss(x, [*layers[:i], new, *layers[i + 1:]], loss, target)
                    numeric = (shifted(h) - shifted(-h)) / (2 * h)
                    assert grad[idx] == pytest.approx(numeric, rel=1e-5, abs=1e-7), (case, i, name, idx)
        checked += 1
    assert checked > CASES // 2


def test_a_hand_worked_two_layer_network():
    # x = [1, 2]; z1 = [[1, -1], [2, 0]] x = [-1, 2]; h1 = relu = [0, 2]; y = [3, 1] h1 + 1 = 3; mse to 1: (3-1)^2 = 4
    layers = [(np.array([[1.0, -1.0], [2.0, 0.0]]), None, "relu"), (np.array([[3.0, 1.0]]), np.array([1.0]), "identity")]
    forward = mlp_forward([1.0, 2.0], layers)
    assert forward.output.tolist() == [3.0]
    loss, slope = loss_and_slope("mse", forward.output, [1.0])
    assert loss == 4.0 and slope.tolist() == [4.0]  # 2 (y - t) / 1
    grads = mlp_backward(layers, forward, slope)
    assert grads.weight[1].tolist() == [[0.0, 8.0]] and grads.bias[1].tolist() == [4.0]
    assert grads.weight[0].tolist() == [[0.0, 0.0], [4.0, 8.0]]  # delta1 = [3, 1] * 4 * relu'([-1, 2]) = [0, 4]


@pytest.mark.oracle
def test_matches_pytorch_autograd_and_one_sgd_step(rng, torch):
    nn = torch.nn
    modules = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}
    for case in range(CASES):
        x, layers, loss, target = _network(rng, integer=case % 2 == 0)  # whole numbers put ReLU right on its kink
        stack = []
        for w, b, act in layers:
            linear = nn.Linear(w.shape[1], w.shape[0], bias=b is not None, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w))
                if b is not None:
                    linear.bias.copy_(torch.from_numpy(b))
            stack += [linear, modules[act]()]
        model = nn.Sequential(*stack)
        out = model(torch.from_numpy(x))
        if loss == "mse":
            value = nn.MSELoss()(out, torch.from_numpy(target))
        else:
            value = nn.CrossEntropyLoss()(out[None], torch.tensor([target]))
        value.backward()
        forward = mlp_forward(x, layers)
        ours, slope = loss_and_slope(loss, forward.output, target)
        grads = mlp_backward(layers, forward, slope)
        assert ours == pytest.approx(value.item(), rel=1e-10, abs=1e-12), case
        linears = [m for m in model if isinstance(m, nn.Linear)]
        for i, linear in enumerate(linears):
            np.testing.assert_allclose(grads.weight[i], linear.weight.grad.numpy(), atol=1e-10, err_msg=f"case {case}")
            if linear.bias is not None:
                np.testing.assert_allclose(grads.bias[i], linear.bias.grad.numpy(), atol=1e-10, err_msg=f"case {case}")
        lr = float(rng.choice([0.01, 0.1, 1.0]))
        torch.optim.SGD(model.parameters(), lr=lr).step()
        np.testing.assert_allclose(layers[0][0] - lr * grads.weight[0], linears[0].weight.detach().numpy(), atol=1e-10)
