"""The proof runs, once per session and executor: 40 honest submissions graded alone, and the
same 40 graded in one batch with the whole hostile corpus, with what the environment looked like
before and after (the canary, the listeners, leftover processes)."""

from __future__ import annotations

import os
import re
import secrets
import socket
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile import corpus_files, corpus_reach, corpus_run
from tests.hostile.cases import REPORT, Case, Context
from tests.hostile.course import HONEST, SECRET, BatchRun, Students, honest, make_course, run_batch, run_uid_processes

CORPUS: list[Case] = corpus_run.CASES + corpus_reach.CASES + corpus_files.CASES
WORKERS = 4
EXECUTORS = ["fork", pytest.param("kernel", marks=pytest.mark.slow)]


@dataclass
class ProofRun:
    """A graded batch of honest and hostile submissions, and what it left behind."""

    run: BatchRun
    ctx: Context
    before: dict[str, bytes]          # files outside every sandbox, as they were before the batch
    after: dict[str, bytes | None]    # the same files afterwards (None: gone)
    created: list[str]                # files a case tried to create outside its sandbox, that exist
    connections: dict[str, bool]      # listener -> whether anything connected to it
    leftovers: dict[int, tuple[int, str]]  # processes a case left on purpose, still alive
    integrity: str                    # the gradebook's own integrity check
    shared_memory: list[str]          # System V segments of run uids still in the machine's memory


def _write_honest(students: Students) -> None:
    for sid in HONEST:
        students.write(sid, honest(students, sid))


def _listeners(token: str) -> tuple[socket.socket, socket.socket]:
    tcp = socket.create_server(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX)
    unix.bind("\0autograde-hostile-" + token)
    unix.listen()
    return tcp, unix


def _connected(listener: socket.socket) -> bool:
    listener.setblocking(False)
    try:
        listener.accept()[0].close()
        return True
    except BlockingIOError:
        return False
    finally:
        listener.close()


def _reported_uids(run: BatchRun) -> set[int]:
    uids = set()
    for _, rows in run.rows.values():
        given = str(rows.get(REPORT, {}).get("given") or "")
        uids |= {int(u) for u in re.findall(r"\buid=(\d+)", given)}
    return uids


def _run_uid_segments() -> list[str]:
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return [line for line in lines if int(line.split()[7]) >= 100_000]


def _leftovers(token: str, uids: set[int]) -> dict[int, tuple[int, str]]:
    time.sleep(0.5)  # a process killed a moment ago may not be gone from /proc yet
    return {pid: (uid, cmd) for pid, (uid, cmd) in run_uid_processes().items() if token in cmd or uid in uids}


class Batches:
    """Each proof run once per session, on demand (the slow kernel ones only when asked for)."""

    def __init__(self, factory: pytest.TempPathFactory):
        self.factory = factory
        self.cache: dict[tuple[str, str], object] = {}

    def honest(self, executor: str) -> BatchRun:
        key = ("honest", executor)
        if key not in self.cache:
            course = make_course(self.factory.mktemp(f"honest-{executor}") / "course", list(HONEST))
            _write_honest(Students(course))
            self.cache[key] = run_batch(course, executor, WORKERS)
        return self.cache[key]

    def corpus(self, executor: str) -> ProofRun:
        key = ("corpus", executor)
        if key not in self.cache:
            self.cache[key] = self._corpus(executor)
        return self.cache[key]

    def _corpus(self, executor: str) -> ProofRun:
        root = self.factory.mktemp(f"corpus-{executor}") / "course"
        course = make_course(root, list(HONEST) + [case.student for case in CORPUS])
        students = Students(course)
        _write_honest(students)
        token = secrets.token_hex(8)
        tcp, unix = _listeners(token)
        ctx = Context(students=students, grader_pid=os.getpid(), token=token, tcp_port=tcp.getsockname()[1],
                      unix_name="autograde-hostile-" + token, honest_path=students.folder("s01") / "a1.ipynb",
                      scratch_probe=Path(tempfile.gettempdir()) / f"autograde-hostile-{token}")
        (root / "CANARY.txt").write_text(secrets.token_hex(32))
        watched = [root / "CANARY.txt", root / "roster.csv", root / "autograde.toml", root / ".autograde" / "secret",
                   ctx.honest_path]
        for case in CORPUS:
            case.build(ctx, case.student)
        before = {str(p): p.read_bytes() for p in watched}
        for stale in (Path("/tmp/from-the-shell"), Path("/var/tmp/evil"), Path("/dev/shm/evil")):
            stale.unlink(missing_ok=True)  # left by an earlier run of a sandbox that did not hold
        os.environ["AUTOGRADE_SECRET"] = SECRET  # what the grader reads first, and must not pass on
        try:
            run = run_batch(course, executor, WORKERS)
        finally:
            os.environ.pop("AUTOGRADE_SECRET", None)
        after = {str(p): p.read_bytes() if p.exists() else None for p in watched}
        created = [str(p) for p in (root / "EVIL.txt", ctx.scratch_probe, Path("/tmp/from-the-shell"),
                                     Path("/var/tmp/evil"), Path("/dev/shm/evil")) if p.exists()]
        with sqlite3.connect(root / "gradebook.db") as db:
            integrity = db.execute("pragma integrity_check").fetchone()[0]
        return ProofRun(run=run, ctx=ctx, before=before, after=after, created=created,
                        connections={"tcp": _connected(tcp), "unix": _connected(unix)},
                        leftovers=_leftovers(token, _reported_uids(run)), integrity=integrity,
                        shared_memory=_run_uid_segments())


@pytest.fixture(scope="session")
def batches(tmp_path_factory) -> Batches:
    return Batches(tmp_path_factory)


@pytest.fixture(scope="module", params=EXECUTORS)
def executor(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def proof(batches, executor) -> ProofRun:
    return batches.corpus(executor)


@pytest.fixture(scope="module")
def alone(batches, executor) -> BatchRun:
    return batches.honest(executor)
