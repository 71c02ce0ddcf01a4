"""The fork executor's wire format: JSON messages, each behind a 4-byte big-endian length.

One module for both ends. The worker sends the child its job (:func:`send`); the child reads it
(:func:`receive`, from the worker: trusted) and answers with messages the worker reads through
:class:`Reader` (from student code: untrusted, so capped per message and in total, and parsed with
bounded numbers by :func:`grader.sandbox.channel.loads`).
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

from grader.sandbox import channel

__all__ = ["MAX_MESSAGE_BYTES", "MAX_TOTAL_BYTES", "Reader", "frame", "oversized", "read_messages", "receive", "send", "write_all"]

MAX_MESSAGE_BYTES = 8_000_000
MAX_TOTAL_BYTES = 32_000_000
_HEADER = struct.Struct(">I")
# bound at import, before any student code runs in the child: a student's ``json.dumps = ...`` or
# ``struct.pack = ...`` must not reach the channel
_ENCODE = json.JSONEncoder().encode
_PACK, _UNPACK = _HEADER.pack, _HEADER.unpack


def frame(message: Any) -> bytes:
    """``message`` as JSON behind its length."""
    data = _ENCODE(message).encode()
    return _PACK(len(data)) + data


def oversized(framed: bytes) -> bool:
    """Whether a framed message is past what the reading end accepts."""
    return len(framed) - _HEADER.size > MAX_MESSAGE_BYTES


def send(fd: int, message: Any) -> None:
    write_all(fd, frame(message))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def receive(fd: int) -> Any:
    """One message, waiting for all of it (the child reading its job from the worker)."""
    size = _UNPACK(_exactly(fd, _HEADER.size))[0]
    return json.loads(_exactly(fd, size))


def _exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class Reader:
    """Splits what arrives into messages; ``error`` says why it stopped reading (flood, garbled)."""

    def __init__(self) -> None:
        self.buffer, self.total, self.error = b"", 0, ""

    def feed(self, chunk: bytes) -> list[Any]:
        """The messages ``chunk`` completes; none once the sender has sent too much or garbage."""
        messages: list[Any] = []
        self.total += len(chunk)
        if self.total > MAX_TOTAL_BYTES:
            self.error = "flood"
        self.buffer += chunk
        while not self.error and len(self.buffer) >= _HEADER.size:
            size = _UNPACK(self.buffer[:_HEADER.size])[0]
            if size > MAX_MESSAGE_BYTES:
                self.error = "flood"
            elif len(self.buffer) < _HEADER.size + size:
                break
            else:
                try:
                    messages.append(channel.loads(self.buffer[_HEADER.size:_HEADER.size + size]))
                except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth
                    self.error = "garbled"
                self.buffer = self.buffer[_HEADER.size + size:]
        return messages


def read_messages(fd: int, deadline: float) -> tuple[list[dict], str]:
    """Dict messages from ``fd`` until one says ``done``, the sender closes, the deadline passes,
    or it sends too much; returns them and which of ``done | closed | deadline | flood | garbled``."""
    messages: list[dict] = []
    reader = Reader()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return messages, "deadline"
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return messages, "deadline"
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return messages, "closed"
        for message in reader.feed(chunk):
            if isinstance(message, dict):
                messages.append(message)
                if message.get("done") is True:  # a process the child left behind may hold the socket open
                    return messages, "done"
        if reader.error:
            return messages, reader.error
