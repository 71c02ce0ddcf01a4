"""Numbers that cannot be compared are refused where a run's output is read, with a sentence."""

from __future__ import annotations

import json

import pytest

from grader.notebook.slots import TOO_DEEP, collected_text, parse_collected
from grader.sandbox import channel
from grader.sandbox.channel import HUGE_NUMBER

MARKER = "@@autograde:test@@"


def _frame(payload: str) -> str:
    return f"{MARKER}{payload}{MARKER}\n"


@pytest.mark.parametrize("text", [str(10**400), "9" * 5000, str(-10**30), "1e999", "-1e400", str(10**18)])
def test_a_number_past_what_can_be_compared_reads_as_a_sentence(text):
    found = parse_collected(_frame(f'{{"x": {text}, "y": [1, {text}], "z": 7}}'), MARKER)
    assert found == {"x": HUGE_NUMBER, "y": [1, HUGE_NUMBER], "z": 7}  # the rest of the snapshot stands


def test_numbers_the_collector_passes_read_as_they_are():
    found = parse_collected(_frame(json.dumps({"a": 10**18 - 1, "b": -(10**18 - 1), "c": 1.5e308, "d": -0.0})), MARKER)
    assert found == {"a": 10**18 - 1, "b": -(10**18 - 1), "c": 1.5e308, "d": -0.0}


def test_nesting_past_the_channels_depth_reads_as_a_sentence():
    found = parse_collected(_frame('{"x": ' + "[" * 60 + "]" * 60 + "}"), MARKER)
    flat = found["x"]
    for _ in range(41):
        flat = flat[0]
    assert flat == TOO_DEEP


def test_the_collector_refuses_them_too_on_the_literal_route():
    found = parse_collected(collected_text({"a": 10**400, "b": [3, -10**19], "c": float("inf")}, ["a", "b", "c"], MARKER),
                            MARKER)
    assert found["a"] == HUGE_NUMBER and found["b"] == [3, HUGE_NUMBER] and found["c"] != found["c"]  # inf: nan


def test_frames_of_the_fork_channel_parse_whatever_numbers_they_hold():
    assert channel.loads('{"collected": "x", "n": ' + "1" * 5000 + "}") == {"collected": "x", "n": HUGE_NUMBER}
    assert channel.loads('[NaN, Infinity]') == [None, None]
