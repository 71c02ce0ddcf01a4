"""RNN / LSTM / GRU sizes against the tensors PyTorch's documentation lists, a layer-by-layer walk, and PyTorch."""

from __future__ import annotations

import math

import pytest

from grader.solvers.recurrent import recurrent_params, recurrent_shapes

CASES = 2000


def _case(rng, small: bool = False) -> dict:
    cell = str(rng.choice(["rnn", "lstm", "gru"]))
    hidden = int(rng.integers(2, 9 if small else 300))
    return dict(cell=cell, input_size=int(rng.integers(1, 9 if small else 500)), hidden_size=hidden,
                num_layers=int(rng.integers(1, 4)), bias=bool(rng.integers(2)), bidirectional=bool(rng.integers(2)),
                proj_size=int(rng.integers(1, hidden)) if cell == "lstm" and rng.random() < 0.3 else 0)


def documented_tensors(cell, input_size, hidden_size, num_layers, bias, bidirectional, proj_size) -> dict[str, tuple]:
    """The parameters as torch.nn.LSTM's documentation names and shapes them (RNN: 1 gate, GRU: 3)."""
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    h_out = proj_size or hidden_size
    tensors = {}
    for layer in range(num_layers):
        for suffix in ["", "_reverse"][: 2 if bidirectional else 1]:
            reads = input_size if layer == 0 else (2 if bidirectional else 1) * h_out
            tensors[f"weight_ih_l{layer}{suffix}"] = (gates * hidden_size, reads)
            tensors[f"weight_hh_l{layer}{suffix}"] = (gates * hidden_size, h_out)
            if bias:
                tensors[f"bias_ih_l{layer}{suffix}"] = (gates * hidden_size,)
                tensors[f"bias_hh_l{layer}{suffix}"] = (gates * hidden_size,)
            if proj_size:
                tensors[f"weight_hr_l{layer}{suffix}"] = (proj_size, hidden_size)
    return tensors


def _walk_shapes(cell, seq_len, batch, hidden_size, num_layers, bidirectional, batch_first, proj_size):
    """Run the stack's bookkeeping step by step: each layer and direction emits one state per time step."""
    h_out = proj_size or hidden_size
    finals_h, finals_c, below = [], [], None
    for _layer in range(num_layers):
        per_direction = []
        for _direction in range(2 if bidirectional else 1):
            steps = [h_out for _ in range(seq_len)]  # one hidden state per time step
            per_direction.append(steps)
            finals_h.append(h_out)
            finals_c.append(hidden_size)
        below = [sum(d[t] for d in per_direction) for t in range(seq_len)]  # the directions joined per step
    lead = [] if batch is None else [batch]
    output = (lead + [len(below), below[0]]) if batch_first else ([len(below)] + lead + [below[0]])
    return output, [len(finals_h), *lead, finals_h[0]], [len(finals_c), *lead, finals_c[0]] if cell == "lstm" else None


def test_counts_match_the_documented_tensors(rng):
    for case in range(CASES):
        args = _case(rng)
        expected = sum(math.prod(shape) for shape in documented_tensors(**args).values())
        assert recurrent_params(**args) == expected, (case, args)


def test_shapes_match_a_walk_through_the_layers(rng):
    for case in range(CASES):
        args = _case(rng)
        shapes = dict(cell=args["cell"], seq_len=int(rng.integers(1, 20)), batch=[None, int(rng.integers(1, 9))][int(rng.integers(2))],
                      hidden_size=args["hidden_size"], num_layers=args["num_layers"], bidirectional=args["bidirectional"],
                      batch_first=bool(rng.integers(2)), proj_size=args["proj_size"])
        got = recurrent_shapes(**shapes)
        output, h_n, c_n = _walk_shapes(**shapes)
        assert (list(got.output), list(got.h_n), got.c_n and list(got.c_n)) == (output, h_n, c_n), (case, shapes)


def test_a_textbook_lstm():
    # one layer, 10 inputs, 20 hidden: 4 * 20 * (10 + 20) weights + 2 * 4 * 20 biases
    assert recurrent_params("lstm", 10, 20) == 2400 + 160
    shapes = recurrent_shapes("lstm", seq_len=5, batch=3, hidden_size=20)
    assert (shapes.output, shapes.h_n, shapes.c_n) == ((5, 3, 20), (1, 3, 20), (1, 3, 20))


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN:UserWarning")
def test_matches_pytorch_modules(rng, torch):
    modules = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    for case in range(CASES):
        args = _case(rng, small=case % 2 == 0)
        batch_first = bool(rng.integers(2))
        extra = {"proj_size": args["proj_size"]} if args["cell"] == "lstm" else {}
        run = args["hidden_size"] <= 8  # running the large ones adds nothing to the shapes but time
        module = modules[args["cell"]](args["input_size"], args["hidden_size"], args["num_layers"], bias=args["bias"],
                                       batch_first=batch_first, bidirectional=args["bidirectional"],
                                       device=None if run else "meta", **extra)
        assert recurrent_params(**args) == sum(p.numel() for p in module.parameters()), (case, args)
        if not run:
            continue
        seq_len, batch = int(rng.integers(1, 6)), [None, int(rng.integers(1, 4))][int(rng.integers(2))]
        lead = [] if batch is None else [batch]
        x = torch.zeros(*(lead + [seq_len] if batch_first else [seq_len] + lead), args["input_size"])
        with torch.no_grad():
            output, state = module(x)
        h_n, c_n = state if args["cell"] == "lstm" else (state, None)
        shapes = recurrent_shapes(args["cell"], seq_len, batch, args["hidden_size"], args["num_layers"], args["bidirectional"],
                                  batch_first, args["proj_size"])
        assert shapes.output == tuple(output.shape) and shapes.h_n == tuple(h_n.shape), (case, args)
        assert shapes.c_n == (None if c_n is None else tuple(c_n.shape)), (case, args)
