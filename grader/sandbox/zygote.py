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
import select
import signal
import socket
import struct
import subprocess
import sys
import threading

from grader.sandbox import ONE_THREAD

__all__ = ["Zygote"]

_ENV_KEEP = ("PATH", "LANG", "LC_ALL")


class Zygote:
    """``spawn()`` returns a new child's pid and the worker's end of its socket.

    ``Zygote()`` starts one; ``Zygote.through(door, pid)`` uses one another process started
    (a batch starts one zygote for all its workers, before the workers themselves). A zygote is
    reached through its *door*, a datagram socket (a message through it is never mixed with
    another's): each user sends it one end of a socket of its own, over which it asks for children
    one at a time. The door has no name, so nothing can reach it but the processes it was handed to
    (no student run: their children close every descriptor). The zygote leaves once the door and
    every user's socket are closed.
    """

    def __init__(self, door: socket.socket | None = None, pid: int | None = None) -> None:
        self.process: subprocess.Popen | None = None
        if door is None:
            door, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ} | ONE_THREAD
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.sandbox.zygote", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, cwd="/",
            )
            theirs.close()
            pid = self.process.pid
        assert pid is not None
        self.door, self.pid = door, pid
        ours, theirs = socket.socketpair()
        try:
            socket.send_fds(door, [b"c"], [theirs.fileno()])
        except OSError:  # it has gone (its door's other end is closed)
            ours.close()
            door.close()
            raise
        finally:
            theirs.close()
        self.control = ours
        self.lock = threading.Lock()
        atexit.register(self.stop)  # a process that started one leaves none behind

    @classmethod
    def through(cls, door: socket.socket, pid: int) -> Zygote:
        """A user of the zygote ``pid`` that another process started, reached through ``door`` (a copy
        of it is kept: the caller's stays open for another user)."""
        return cls(door.dup(), pid)

    def stop(self) -> None:
        """Close this user's sockets: the zygote leaves when no one holds one (its starter waits for that)."""
        atexit.unregister(self.stop)
        self.control.close()
        self.door.close()
        if self.process is None:
            return
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
        except OSError:
            reply = b""
        finally:
            child_end.close()
        if len(reply) != 8:
            worker_end.close()
            raise RuntimeError("the fork zygote has gone away")
        return struct.unpack(">q", reply)[0], worker_end

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True


def _serve(door: socket.socket | None) -> None:  # never returns
    from grader.sandbox.child import child_main, prepare_shell  # here: a zygote's starter needs none of it

    os.nice(5)  # its children, the runs, yield to the grader's processes (a batch's planning, a server's requests)

    shell = prepare_shell()  # the warm part: numpy, IPython and a shell, imported before any fork
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel, not by us
    users: list[socket.socket] = []
    while door is not None or users:
        ready, _, _ = select.select([s for s in (door, *users) if s is not None], [], [])
        for sock in ready:
            try:
                message, fds, _, _ = socket.recv_fds(sock, 16, 1)
            except OSError:
                message, fds = b"", []
            if sock is door:
                if message == b"c" and fds:
                    users.append(socket.socket(fileno=fds[0]))
                elif not message:  # every holder of the door closed it: no new users
                    door.close()
                    door = None
                continue
            if not message or not fds:  # that user has gone
                users.remove(sock)
                sock.close()
                continue
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                child_main(socket.socket(fileno=fds[0]), shell)  # closes every other descriptor first
                os._exit(0)
            os.close(fds[0])
            sock.sendall(struct.pack(">q", pid))
    os._exit(0)


if __name__ == "__main__":
    _serve(socket.socket(fileno=int(sys.argv[1])))
