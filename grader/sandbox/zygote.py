"""A clean, warm process that only ever forks: the fast executor's children come from it.

A child forked from a process inherits its whole memory. The pool's worker has handled other
students' submissions, whose bytes may linger in freed memory, so children are never forked
from it: the zygote is forked once, right after the warm imports and before any job, and from
then on only forks. Job data goes from the worker straight to the child over a socket the worker
passes along with the request (``SCM_RIGHTS``); the zygote never reads it.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
from collections.abc import Callable

__all__ = ["Zygote"]


class Zygote:
    """``spawn()`` returns a new child's pid and the worker's end of its socket."""

    def __init__(self, child_main: Callable[[socket.socket], None]):
        ours, theirs = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            ours.close()
            _serve(theirs, child_main)
        theirs.close()
        self.control = ours

    def spawn(self) -> tuple[int, socket.socket]:
        worker_end, child_end = socket.socketpair()
        try:
            socket.send_fds(self.control, [b"f"], [child_end.fileno()])
            reply = self.control.recv(8)
        finally:
            child_end.close()
        if len(reply) != 8:
            worker_end.close()
            raise RuntimeError("the fork zygote has gone away")
        return struct.unpack(">q", reply)[0], worker_end

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False


def _serve(control: socket.socket, child_main: Callable[[socket.socket], None]) -> None:  # never returns
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel, not by us
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
        except OSError:
            os._exit(0)
        if not message or not fds:
            os._exit(0)  # the worker has gone: so do we
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            child_main(socket.socket(fileno=fds[0]))
            os._exit(0)
        os.close(fds[0])
        control.sendall(struct.pack(">q", pid))
