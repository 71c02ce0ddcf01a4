"""``autograde serve`` under a deadline rush: N students upload within a window to a server on this machine.

A copy of the demo course with N students (their release notebooks generated), and each student's
submission of ``cnn-fundamentals`` from the grading benchmark's realistic mix, hostile ones left out
(see benchmarks/_course.py) and those computed by the instructor's notebook (not a student's own). The server runs as ``autograde serve`` in its own process on 127.0.0.1;
a bounded load generator (``--concurrency`` threads, uploads spread evenly over ``--seconds``) posts
each notebook to the API with the student's bearer token and polls its status until it is graded.
Prints p50/p95 from upload to accepted (validated and filed: the 202) and from upload to graded,
p95 of a student's page while the queue drains, and checks that every upload was accepted and
graded exactly once (one gradebook row per student).

    .venv/bin/python benchmarks/serve.py [--students 40] [--seconds 20] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._course import ASSIGNMENT, build_submissions, make_course  # noqa: E402
from benchmarks._measure import loadavg  # noqa: E402
from grader.generate import generate  # noqa: E402
from grader.gradebook import Gradebook  # noqa: E402
from grader.notebook.build import notebook_bytes  # noqa: E402
from grader.service_tables import PrincipalKind  # noqa: E402
from grader.web.auth import Signer  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20.0, help="Window the uploads are spread over.")
    parser.add_argument("--concurrency", type=int, default=8, help="Uploads in flight at once, at most.")
    args = parser.parse_args()
    print(f"# {platform.node()} {platform.machine()}, {len_cpus()} cores, load {loadavg()} "
          "(a shared machine: figures are noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp) / "course", args.students, cell_seconds=10, notebook_seconds=40)
        generate(course, ASSIGNMENT)
        # each student's own notebook, typed in (right, wrong or blank): the instructor's solutions notebook
        # of the "computed" kinds carries no student's release record, which the service refuses (415)
        subs = [s for s in build_submissions(course) if not s.hostile and "computed" not in s.kind]
        book = Gradebook(course.config.gradebook, course.root)
        signer = Signer(course, book.engine)
        tokens = {s.student_id: signer.link_token(PrincipalKind.STUDENT, s.student_id) for s in subs}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "serve.log", "w")
        server = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--port", str(port), "--course", str(course.root)],
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_up(base)
            run(args, subs, tokens, base, book)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


def len_cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def wait_up(base: str) -> None:
    for _ in range(300):
        try:
            httpx.get(f"{base}/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def run(args, subs, tokens, base: str, book: Gradebook) -> None:
    accepted: dict[str, float] = {}
    graded: dict[str, float] = {}
    ids: dict[str, int] = {}
    refused: list[str] = []
    page_times: list[float] = []
    draining = threading.Event()
    start = time.perf_counter()
    gap = args.seconds / max(1, len(subs))

    began: dict[str, float] = {}

    def one(index: int, sub) -> None:
        time.sleep(max(0.0, start + index * gap - time.perf_counter()))
        headers = {"authorization": f"Bearer {tokens[sub.student_id]}"}
        began[sub.student_id] = time.perf_counter()
        with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
            response = client.post(f"/api/assignments/{ASSIGNMENT}/submissions",
                                   files={"notebook": (f"{ASSIGNMENT}.ipynb", notebook_bytes(sub.notebook))})
        if response.status_code != 202:
            refused.append(f"{sub.student_id}: {response.status_code} {response.text[:100]}")
            return
        accepted[sub.student_id] = time.perf_counter() - began[sub.student_id]
        ids[sub.student_id] = response.json()["id"]

    def poll() -> None:
        """One poller for every accepted upload, so that waiting for grades holds no upload back."""
        by_student = {s.student_id: tokens[s.student_id] for s in subs}
        with httpx.Client(base_url=base, timeout=60) as client:
            while not (uploads_done.is_set() and set(graded) >= set(ids)):
                for student, sid in list(ids.items()):
                    if student in graded:
                        continue
                    status = client.get(f"/api/submissions/{sid}",
                                        headers={"authorization": f"Bearer {by_student[student]}"}).json()["status"]
                    if status not in ("queued", "running"):
                        graded[student] = time.perf_counter() - began[student]
                time.sleep(0.2)

    def pages() -> None:
        token = tokens[subs[0].student_id]
        with httpx.Client(base_url=base, headers={"authorization": f"Bearer {token}"}, timeout=60) as client:
            while not draining.is_set():
                began = time.perf_counter()
                client.get("/api/assignments")
                page_times.append(time.perf_counter() - began)
                time.sleep(0.25)

    uploads_done = threading.Event()
    watcher, poller = threading.Thread(target=pages), threading.Thread(target=poll)
    watcher.start()
    poller.start()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(lambda pair: one(*pair), enumerate(subs)))
    uploads_done.set()
    poller.join()
    draining.set()
    watcher.join()
    total = time.perf_counter() - start
    rows = book.submissions(ASSIGNMENT, latest_only=False)
    per_student = {s.student_id: sum(1 for r in rows if r.student_id == s.student_id) for s in subs}
    print(f"{len(subs)} uploads over {args.seconds:g} s, at most {args.concurrency} in flight; all done in {total:.1f} s")
    print(f"accepted {len(accepted)}, refused {len(refused)}, graded {len(graded)}; gradebook rows per student: "
          f"{sorted(set(per_student.values()))} (1 = graded once)")
    for line in refused[:5]:
        print(f"  refused: {line}")
    for label, values in (("upload -> accepted (202)", list(accepted.values())),
                          ("upload -> graded", list(graded.values())),
                          ("GET /api/assignments while draining", page_times)):
        if values:
            print(f"{label:<38} p50 {statistics.median(values):6.2f} s   p95 {percentile(values, 95):6.2f} s   n={len(values)}")


if __name__ == "__main__":
    main()
