"""The fork executor's wire format: frames split anywhere are read whole; too much or garbage stops the reading."""

from __future__ import annotations

import os
import struct
import time

from grader.sandbox import wire


def test_messages_split_at_every_byte_are_read_whole():
    data = wire.frame({"collected": "x" * 100}) + wire.frame({"done": True, "truncated": False})
    reader, got = wire.Reader(), []
    for i in range(len(data)):
        got += reader.feed(data[i:i + 1])
    assert got == [{"collected": "x" * 100}, {"done": True, "truncated": False}] and not reader.error


def test_a_frame_past_the_cap_or_in_sum_is_a_flood():
    reader = wire.Reader()
    assert reader.feed(struct.pack(">I", wire.MAX_MESSAGE_BYTES + 1)) == [] and reader.error == "flood"
    many = wire.Reader()
    chunk = wire.frame("y" * 1_000_000)
    for _ in range(wire.MAX_TOTAL_BYTES // len(chunk) + 1):
        many.feed(chunk)
    assert many.error == "flood"
    assert wire.oversized(wire.frame("z" * wire.MAX_MESSAGE_BYTES)) and not wire.oversized(wire.frame("z"))


def test_garbage_stops_the_reading_and_numbers_are_bounded():
    reader = wire.Reader()
    assert reader.feed(struct.pack(">I", 3) + b"{x}") == [] and reader.error == "garbled"
    huge = "9" * 5000
    assert wire.Reader().feed(struct.pack(">I", len(huge)) + huge.encode()) == ["<a number too large to compare>"]


def test_read_messages_ends_at_done_at_close_or_at_the_deadline():
    ours, theirs = os.pipe()
    os.write(theirs, wire.frame({"sandbox": {"uid": "on"}}) + wire.frame({"done": True}) + wire.frame({"late": 1}))
    assert wire.read_messages(ours, time.monotonic() + 5) == ([{"sandbox": {"uid": "on"}}, {"done": True}], "done")
    started = time.monotonic()
    assert wire.read_messages(ours, time.monotonic() + 0.2) == ([], "deadline")  # the frame after done is ignored
    assert time.monotonic() - started < 5
    os.close(theirs)
    assert wire.read_messages(ours, time.monotonic() + 5) == ([], "closed")
    os.close(ours)


def test_receive_reads_what_send_wrote():
    ours, theirs = os.pipe()
    wire.send(theirs, {"cells": [], "limits": {"cell_seconds": 1}})
    assert wire.receive(ours) == {"cells": [], "limits": {"cell_seconds": 1}}
    os.close(ours)
    os.close(theirs)
