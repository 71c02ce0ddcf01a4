"""How a feedback page shows a value: as JSON (a string answer in quotes), never a huge one whole."""

from __future__ import annotations

from grader.report.feedback import MAX_SHOWN, _shown


def test_a_string_answer_is_shown_as_a_string_beside_a_number():
    assert _shown("128") == '"128"' and _shown(128) == "128"
    assert _shown({"out_channels": "96", "out_size": [55, 55]}) == '{"out_channels": "96", "out_size": [55, 55]}'


def test_a_huge_answer_is_cut_with_a_note_and_never_fails():
    deep: list = [1]
    for _ in range(5000):
        deep = [deep]
    for value in ([0.5] * 100_000, "x" * 100_000, 10**5000, deep):
        text = _shown(value)
        assert len(text) <= MAX_SHOWN + 60
    assert _shown([0.5] * 100_000).endswith("(cut: too long to show whole)")
    assert "digits" in _shown(10**5000)
