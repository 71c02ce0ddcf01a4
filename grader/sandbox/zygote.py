"""A clean, warm process that only ever forks: the fast executor's children come from it.

A child forked from a process inherits its whole memory, so children are never forked from a
process that has held submissions: the zygote is a fresh interpreter (started with a minimal
environment, so not even the environment it shows in ``/proc`` holds anything of the grader's),
imports numpy and IPython once, and from then on only forks. Job data goes from the worker
straight to the child over a socket the worker passes along with the request (``SCM_RIGHTS``);
the zygote never reads it. Being a separate program, it can be started from any process — a
pool worker or a threaded Dask worker alike.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

from grader.sandbox.child import child_main, prepare_shell

__all__ = ["Zygote"]

_ENV_KEEP = ("PATH", "LANG", "LC_ALL")


class Zygote:
    """``spawn()`` returns a new child's pid and the worker's end of its socket."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd="/",
        )
        theirs.close()
        self.control = ours
        self.lock = threading.Lock()
        atexit.register(self.stop)  # a process that started one leaves none behind

    def stop(self) -> None:
        """Close the control socket: the zygote leaves when it reads the end of it."""
        atexit.unregister(self.stop)
        self.control.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def spawn(self) -> tuple[int, socket.socket]:
        worker_end, child_end = socket.socketpair()
        try:
            with self.lock:  # a Dask worker may run several submissions at once
                socket.send_fds(self.control, [b"f"], [child_end.fileno()])
                reply = self.control.recv(8)
        finally:
            child_end.close()
        if len(reply) != 8:
            worker_end.close()
            raise RuntimeError("the fork zygote has gone away")
        return struct.unpack(">q", reply)[0], worker_end

    def alive(self) -> bool:
        return self.process.poll() is None


def _serve(control: socket.socket) -> None:  # never returns
    shell = prepare_shell()  # the warm part: numpy, IPython and a shell, imported before any fork
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
            child_main(socket.socket(fileno=fds[0]), shell)
            os._exit(0)
        os.close(fds[0])
        control.sendall(struct.pack(">q", pid))


if __name__ == "__main__":
    _serve(socket.socket(fileno=int(sys.argv[1])))
