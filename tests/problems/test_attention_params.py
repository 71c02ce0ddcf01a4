"""attention_params: a GPT-2 block and a cross-attention by hand, the named slips, and errors naming the field."""

from __future__ import annotations

import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("attention_params")
GPT2 = {"module": "transformer_encoder_layer", "embed_dim": 768, "num_heads": 12, "dim_feedforward": 3072, "seq_len": 1024,
        "batch": 1}
GPT2_TRUTH = {"param_count": 7_087_872, "output_shape": [1024, 1, 768],
              "flops": 2 * (4 * 1024 * 768**2 + 2 * 1024**2 * 768 + 2 * 1024 * 768 * 3072), "attention_bytes": 12 * 1024**2 * 4}
CROSS = {"module": "multihead_attention", "embed_dim": 64, "num_heads": 4, "kdim": 32, "vdim": 32, "seq_len": 10,
         "source_len": 49, "batch": 8, "batch_first": True}


def test_a_gpt2_small_block():
    assert FAMILY.answer(FAMILY.params(GPT2)) == GPT2_TRUTH
    assert check(FAMILY, GPT2, GPT2_TRUTH).correct


@pytest.mark.parametrize(("change", "mistake"), [
    ({"param_count": 7_087_872 - 4 * 768 - 3072 - 768 - 2 * 768}, "forgot_biases"),
    ({"param_count": 7_087_872 + 11 * 4 * 768**2}, "projections_per_head"),
    ({"param_count": 7_087_872 - 4 * 768}, "forgot_layer_norms"),
    ({"flops": 2 * (4 * 1024 * 768**2 + 2 * 1024 * 768 * 3072)}, "forgot_attention_products"),
    ({"attention_bytes": 1024**2 * 4}, "attention_bytes_one_head"),
    ({"output_shape": [1, 1024, 768]}, "batch_axis"),
])
def test_named_slips(change, mistake):
    result = check(FAMILY, GPT2, GPT2_TRUTH | change)
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_a_cross_attention_with_other_key_and_value_widths():
    answer = FAMILY.answer(FAMILY.params(CROSS))
    assert answer["param_count"] == 64 * 64 + 2 * 64 * 32 + 3 * 64 + 64 * 64 + 64
    assert answer["output_shape"] == [8, 10, 64] and answer["weights_shape"] == [8, 10, 49]
    assert answer["flops"] == 2 * 8 * (10 * 64 * 64 + 2 * 49 * 32 * 64 + 2 * 10 * 49 * 64 + 10 * 64 * 64)
    per_head = check(FAMILY, CROSS, answer | {"weights_shape": [8, 4, 10, 49]})
    assert per_head.mistakes == ["weights_per_head"]
    assert check(FAMILY, CROSS, answer | {"param_count": 4 * 64 * 64 + 4 * 64}).mistakes == ["kdim_as_embed_dim"]


@pytest.mark.parametrize(("change", "message"), [
    ({"num_heads": 5}, r"num_heads: 5 does not divide embed_dim \(768\)"),
    ({"kdim": 32}, "kdim: only nn.MultiheadAttention takes it"),
    ({"module": "multihead_attention"}, "dim_feedforward: only nn.TransformerEncoderLayer has a feed-forward block"),
    ({"dtype": "int8"}, "dtype:"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^attention_params: {message}"):
        FAMILY.params(GPT2 | change)
