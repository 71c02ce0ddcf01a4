"""The proof runs, once per session and executor: 40 honest submissions graded alone, and the
same 40 graded in one batch with the whole hostile corpus, with what the environment looked like
before and after (the canary, the listeners, leftover processes)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.generate import generate, release_path
from grader.gradebook import Gradebook
from grader.submit import submit
from tests.hostile import corpus_bounds, corpus_files, corpus_reach, corpus_run
from tests.hostile.cases import REPORT, Case, Context
from tests.hostile.course import HONEST, SECRET, BatchRun, Students, honest, make_course, run_batch, run_uid_processes

CORPUS: list[Case] = corpus_run.CASES + corpus_reach.CASES + corpus_files.CASES + corpus_bounds.CASES
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
    leftovers: dict[int, tuple[int, str]]  # processes a case (or a crashed batch, seeded) left, still alive
    seeded_uid: int | None            # the pool uid a crashed batch held when the corpus ran (root only)
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
        given = str(rows[REPORT].given or "") if REPORT in rows else ""
        uids |= {int(u) for u in re.findall(r"\buid=(\d+)", given)}
    return uids


def _run_uid_segments() -> list[str]:
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return [line for line in lines if int(line.split()[7]) >= 100_000]


CRASHED_BATCH = """
import os, sys
from grader.limits import Limits
from grader.sandbox.uids import acquire
slot = acquire(Limits())
pid = os.fork()
if pid == 0:  # a run's process that outlived its batch: in the run's group, under the run's uid
    for procs in slot.join:
        open(procs, "w").write(str(os.getpid()))
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)  # not the pipe its batch reported on: that one closes when the batch dies
    os.setgid(slot.uid)
    os.setuid(slot.uid)
    os.execv("/bin/sleep", ["sleep", "600"])  # outside a sandbox the run's uid cannot reach the venv
print(slot.uid, flush=True)
os._exit(0)  # the batch crashes: its uid's lock dies with it; the group and the process stay behind
"""


def _crashed_batch() -> int:
    """Leave what a crashed batch leaves: a live process under a pool uid, and its group."""
    done = subprocess.run([sys.executable, "-c", CRASHED_BATCH], capture_output=True, text=True, check=True)
    uid = int(done.stdout.split()[0])
    for _ in range(200):  # it takes the uid a moment after its batch reported it
        if uid in {u for u, _ in run_uid_processes().values()}:
            return uid
        time.sleep(0.01)
    raise RuntimeError(f"the crashed batch's process under uid {uid} did not start")


def _neighbour(root: Path) -> None:
    """A course kept in the checkout, readable by anyone, as an older autograde left one."""
    course = make_course(root, ["s01"])
    folder = course.folder("submitted") / "s01" / "a1"
    folder.mkdir(parents=True)
    (folder / "a1.ipynb").write_text('{"secret": "another course\'s submission"}')


def _private_course(root: Path) -> None:
    """Another course on the machine, its folder world-readable, its state made by autograde."""
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    course = make_course(root, ["s01"])
    shutil.rmtree(root / ".autograde")  # the test helper's secret is not autograde's: let generate make one
    generate(course, "a1")
    submit(course, "a1", release_path(course, "a1", "s01"), "s01", run=False)
    Gradebook(course.config.gradebook, course.root).close()


def _leftovers(token: str, uids: set[int]) -> dict[int, tuple[int, str]]:
    time.sleep(0.5)  # a process killed a moment ago may not be gone from /proc yet
    return {pid: (uid, cmd) for pid, (uid, cmd) in run_uid_processes().items() if token in cmd or uid in uids}


class Batches:
    """Each proof run once per session, on demand (the slow kernel ones only when asked for)."""

    def __init__(self, factory: pytest.TempPathFactory):
        self.factory = factory
        self.cache: dict[tuple[str, str], object] = {}
        self.outside: list[Path] = []  # folders made outside the temporary folder, removed by close()

    def close(self) -> None:
        for folder in self.outside:
            shutil.rmtree(folder, ignore_errors=True)

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
        venv = Path(sys.prefix).resolve()
        ctx = Context(students=students, grader_pid=os.getpid(), token=token, tcp_port=tcp.getsockname()[1],
                      unix_name="autograde-hostile-" + token, honest_path=students.folder("s01") / "a1.ipynb",
                      scratch_probe=Path(tempfile.gettempdir()) / f"autograde-hostile-{token}", venv=venv,
                      neighbour=venv.parent / f"hostile-neighbour-{token}",
                      private_course=Path("/run") / f"autograde-hostile-{token}")
        self.outside += [ctx.neighbour, ctx.private_course]
        _neighbour(ctx.neighbour)
        _private_course(ctx.private_course)
        (root / "CANARY.txt").write_text(secrets.token_hex(32))
        watched = [root / "CANARY.txt", root / "roster.csv", root / "autograde.toml", root / ".autograde" / "secret",
                   ctx.honest_path]
        for case in CORPUS:
            case.build(ctx, case.student)
        before = {str(p): p.read_bytes() for p in watched}
        for stale in (Path("/tmp/from-the-shell"), Path("/var/tmp/evil"), Path("/dev/shm/evil")):
            stale.unlink(missing_ok=True)  # left by an earlier run of a sandbox that did not hold
        seeded = _crashed_batch() if os.geteuid() == 0 else None
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
                        leftovers=_leftovers(token, _reported_uids(run) | ({seeded} if seeded else set())),
                        seeded_uid=seeded, integrity=integrity, shared_memory=_run_uid_segments())


@pytest.fixture(scope="session")
def batches(tmp_path_factory) -> Batches:
    made = Batches(tmp_path_factory)
    yield made
    made.close()


@pytest.fixture(scope="module", params=EXECUTORS)
def executor(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def proof(batches, executor) -> ProofRun:
    return batches.corpus(executor)


@pytest.fixture(scope="module")
def alone(batches, executor) -> BatchRun:
    return batches.honest(executor)
