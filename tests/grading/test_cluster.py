"""Grading on a real Dask LocalCluster (2 worker processes): the same results as locally, and a
worker killed mid-batch neither loses nor duplicates a result; nor does a scheduler killed
mid-batch, once the batch is run again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from grader.errors import AutogradeError
from grader.gradebook import Gradebook
from grader.grading.runner import grade
from tests.grading.conftest import insert_after, rows_by_student
from tests.grading.test_bad_input import write_cases

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


def _rows(course) -> dict[str, tuple]:
    out = {}
    for sid, (sub, rows) in rows_by_student(course).items():
        out[sid] = (sub.status, sorted((k, r.score, r.verdict, r.mistake) for k, r in rows.items()))
    return out


def test_the_cluster_gives_the_same_results_as_the_local_pool(subs, cluster):
    write_cases(subs)
    grade(subs.course, "a1", workers=2, executor="fork")
    local = _rows(subs.course)
    (subs.course.root / "gradebook.db").unlink()
    for extra in ("-wal", "-shm"):
        (subs.course.root / f"gradebook.db{extra}").unlink(missing_ok=True)
    grade(subs.course, "a1", executor="fork", cluster=cluster.scheduler_address)
    assert _rows(subs.course) == local


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(subs, cluster):
    students = [f"s{i:02d}" for i in range(1, 11)]
    for sid in students:
        subs.edited(sid, lambda nb: insert_after(nb, "q1", "import time\ntime.sleep(1.5)"))
    client = distributed.Client(cluster.scheduler_address, set_as_default=False)
    victim = next(iter(client.run(os.getpid).values()))
    client.close()
    killer = threading.Timer(3.0, lambda: os.kill(victim, signal.SIGKILL))  # while submissions are running
    killer.start()
    started = time.monotonic()
    grade(subs.course, "a1", executor="fork", cluster=cluster.scheduler_address)
    assert time.monotonic() - started > 3.5  # the worker died while the batch was running
    killer.join()
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    rows = book.submissions("a1", latest_only=False)
    book.close()
    assert sorted(r.student_id for r in rows) == students  # one row each: nothing lost, nothing twice
    assert all(r.status == "graded" and r.score == 4 for r in rows), [(r.student_id, r.status, r.reason) for r in rows]


def test_an_unreachable_scheduler_is_a_clear_error(subs):

    subs.edited("s01", lambda nb: None)
    started = time.monotonic()
    with pytest.raises(AutogradeError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        grade(subs.course, "a1", executor="fork", cluster="tcp://127.0.0.1:9")
    assert time.monotonic() - started < 60
    shutil.rmtree(subs.course.folder("submitted"))


@pytest.mark.parametrize("address, setting, message", [
    ("nonsense", None, "not a Dask scheduler address: 'nonsense'"),
    ("http://127.0.0.1:8786", None, "not a Dask scheduler address"),
    ("tls://127.0.0.1:9", None, "tls:// needs Dask's TLS settings"),
    ("tcp://127.0.0.1:9", "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION", "your Dask settings require encryption"),
])
def test_a_malformed_address_is_a_clear_error_at_once(address, setting, message):
    # Client() used to raise a traceback for these, then hold the process 40 s at exit
    code = ("import sys\nfrom grader.errors import AutogradeError\nfrom grader.grading.cluster import connect\n"
            "try:\n    connect(sys.argv[1])\nexcept AutogradeError as exc:\n    print(exc)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")} | ({setting: "True"} if setting else {})
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code, address], capture_output=True, text=True, timeout=60, env=env)
    assert message in proc.stdout, proc.stderr[-2000:]
    assert time.monotonic() - started < 20


def test_a_result_lost_in_transit_is_an_interruption_not_a_failed_submission(subs, cluster, monkeypatch):
    # The race CI hit once: the scheduler died while a finished task's result was being fetched, and
    # that submission was recorded "failed" (so a rerun skipped it). Made deterministic here.
    from distributed.comm.core import CommClosedError

    students = [f"s{i:02d}" for i in range(1, 5)]
    for sid in students:
        subs.edited(sid, lambda nb: None)
    real, calls = distributed.Future.result, []

    def flaky(self, *args, **kwargs):
        calls.append(self.key)
        if len(calls) == 2:
            raise CommClosedError("in <TCP (closed) ConnectionPool.gather>: Connection reset by peer")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(distributed.Future, "result", flaky)
    with pytest.raises(AutogradeError, match="lost the Dask scheduler"):
        grade(subs.course, "a1", executor="fork", cluster=cluster.scheduler_address)
    monkeypatch.undo()
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    first = book.submissions("a1", latest_only=False)
    book.close()
    assert len(first) == 1 and first[0].status == "graded", [(r.student_id, r.status, r.reason) for r in first]

    grade(subs.course, "a1", executor="fork", cluster=cluster.scheduler_address)
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    rows = book.submissions("a1", latest_only=False)
    book.close()
    assert sorted(r.student_id for r in rows) == students
    assert all(r.status == "graded" and r.score == 4 for r in rows)


def test_a_scheduler_killed_mid_batch_records_nothing_false_and_a_rerun_grades_the_rest(subs, cluster, tmp_path):
    students = [f"s{i:02d}" for i in range(1, 11)]
    for sid in students:
        subs.edited(sid, lambda nb: insert_after(nb, "q1", "import time\ntime.sleep(1.5)"))
    info = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    scheduler = subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
                                  "--scheduler-file", str(info)], stderr=subprocess.DEVNULL)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        worker = subprocess.Popen([*dask, "worker", "--scheduler-file", str(info), "--nthreads", "2", "--no-dashboard"],
                                  stderr=subprocess.DEVNULL)
        with distributed.Client(scheduler_file=str(info), set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
            address = client.scheduler.address
        killer = threading.Timer(3.0, scheduler.kill)  # while submissions are running
        killer.start()
        with pytest.raises(AutogradeError, match="lost the Dask scheduler"):
            grade(subs.course, "a1", executor="fork", cluster=address)
        killer.join()
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.kill()
                process.wait()
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    first = book.submissions("a1", latest_only=False)
    book.close()
    assert len(first) < len(students)
    assert all(r.status == "graded" for r in first), [(r.student_id, r.status, r.reason) for r in first]  # none "failed"

    grade(subs.course, "a1", executor="fork", cluster=cluster.scheduler_address)
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    rows = book.submissions("a1", latest_only=False)
    book.close()
    assert sorted(r.student_id for r in rows) == students  # one row each: the rest graded, nothing twice
    assert all(r.status == "graded" and r.score == 4 for r in rows)
