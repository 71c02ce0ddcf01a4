"""Sizes of PyTorch's recurrent layers (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``): parameters and tensor shapes.

Per layer and direction PyTorch holds ``weight_ih`` ``[G*H, in]``, ``weight_hh`` ``[G*H, H_out]`` and, with
``bias=True``, two bias vectors ``bias_ih`` and ``bias_hh`` ``[G*H]`` each; G is the number of gates
(1, LSTM 4, GRU 3). An LSTM with ``proj_size`` P > 0 adds ``weight_hr`` ``[P, H]`` and its hidden state
has P entries (H_out = P; the cell state keeps H). Layer l > 0 reads the previous layer's output,
D * H_out features (D = 2 when bidirectional).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GATES", "RecurrentShapes", "recurrent_params", "recurrent_shapes"]

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def recurrent_params(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                     bidirectional: bool = False, proj_size: int = 0) -> int:
    gates, directions = GATES[cell], 2 if bidirectional else 1
    h_out = proj_size or hidden_size
    total = 0
    for layer in range(num_layers):
        reads = input_size if layer == 0 else directions * h_out
        one = gates * hidden_size * (reads + h_out) + 2 * gates * hidden_size * bias + proj_size * hidden_size
        total += directions * one
    return total


@dataclass(frozen=True)
class RecurrentShapes:
    """The shapes of ``output, h_n`` (and ``c_n`` for an LSTM, else None) for one input."""

    output: tuple[int, ...]
    h_n: tuple[int, ...]
    c_n: tuple[int, ...] | None


def recurrent_shapes(cell: str, seq_len: int, batch: int | None, hidden_size: int, num_layers: int = 1,
                     bidirectional: bool = False, batch_first: bool = False, proj_size: int = 0) -> RecurrentShapes:
    """``batch=None`` is an unbatched input ``[L, H_in]``. ``batch_first`` moves the batch axis of the input
    and output only; ``h_n`` and ``c_n`` are ``[D * num_layers, N, ...]`` either way."""
    directions = 2 if bidirectional else 1
    h_out = proj_size or hidden_size
    lead = () if batch is None else (batch,)
    output = (*lead, seq_len, directions * h_out) if batch_first else (seq_len, *lead, directions * h_out)
    state = (directions * num_layers, *lead)
    return RecurrentShapes(output, (*state, h_out), (*state, hidden_size) if cell == "lstm" else None)
