"""A deadline rush on ``autograde serve``: N students upload within a window to a real server on this machine.

A copy of the demo course with N students (their release notebooks generated), every student
uploading their own notebook of ``cnn-fundamentals``, of a kind from the grading benchmark's mix
(benchmarks/_course.py): by default typed kinds only (typed right, typed with two named mistakes,
one handed in blank: literal answers, graded without running; the mix's kinds that run become
typed ones), or ``--mix all``, where the healthy kinds that run stay (numpy-wrapped answers, run in
the sandbox) and the instructor-notebook and hostile kinds become typed ones. The server runs as ``autograde serve`` (uvicorn) in its own process on 127.0.0.1, and
grades in its warm worker process. A bounded load generator (httpx, asyncio, at most
``--concurrency`` uploads in flight, starts spread evenly over ``--seconds``) posts each notebook to
the API with the student's bearer token, and one poller follows every accepted upload's status.

Prints: that every upload was accepted and graded once (one gradebook row per student, every queue
item graded, claimed once); p50/p95 from upload to accepted (validated and filed: the 202) and from
upload to graded; p95 of a student's page (``GET /me/<assignment>``) and of ``GET /api/assignments``
while the queue drains; and, after the rush, the warm figure: one typed notebook uploaded at a
time, p50/p95 from its dequeue (the worker's claim) to its stored result (the queue item finished,
after the gradebook's commit), read from the queue table's own timestamps.

    .venv/bin/python benchmarks/deadline.py [--students 200] [--seconds 60] [--concurrency 16] [--warm 30] [--mix typed|all]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._course import ASSIGNMENT, build_submissions, make_course, plan_kinds  # noqa: E402
from benchmarks._measure import loadavg  # noqa: E402
from grader.generate import generate  # noqa: E402
from grader.gradebook import Gradebook  # noqa: E402
from grader.notebook.build import notebook_bytes  # noqa: E402
from grader.service_tables import PrincipalKind, queue  # noqa: E402
from grader.web.auth import Signer  # noqa: E402


def typed_kind(kind: str, mix: str) -> str:
    """The kind a student of the realistic mix hands in here: the "computed" kinds are the instructor's notebook,
    released to nobody (the service refuses it: 403), and a hostile one would only time the cell limit."""
    if kind in ("typed", "wrong-typed", "blank") or (mix == "all" and kind == "typed-numpy"):
        return kind
    return "wrong-typed" if kind == "wrong-computed" else "typed"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def figure(label: str, values: list[float], unit: str = "s") -> str:
    if not values:
        return f"{label:<44} (none)"
    scale = 1000 if unit == "ms" else 1
    return (f"{label:<44} p50 {statistics.median(values) * scale:7.3f} {unit}   p95 {percentile(values, 95) * scale:7.3f} {unit}"
            f"   max {max(values) * scale:7.3f} {unit}   n={len(values)}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Rush:
    began: dict[str, float] = field(default_factory=dict)
    accepted: dict[str, float] = field(default_factory=dict)
    graded: dict[str, float] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    pages: dict[str, list[float]] = field(default_factory=lambda: {"page": [], "api": []})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="Window the uploads start in.")
    parser.add_argument("--concurrency", type=int, default=16, help="Uploads in flight at once, at most.")
    parser.add_argument("--warm", type=int, default=30, help="Single uploads for the warm figure, after the rush.")
    parser.add_argument("--mix", choices=("typed", "all"), default="typed")
    args = parser.parse_args()
    print(f"# {platform.node()} {platform.machine()}, {len(os.sched_getaffinity(0))} cores, load {loadavg()} before "
          "(a shared machine: figures are noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp) / "course", args.students, cell_seconds=10, notebook_seconds=40)
        generate(course, ASSIGNMENT)
        subs = build_submissions(course, [typed_kind(k, args.mix) for k in plan_kinds(args.students)])
        book = Gradebook(course.config.gradebook, course.root)
        signer = Signer(course, book.engine)
        tokens = {s.student_id: signer.link_token(PrincipalKind.STUDENT, s.student_id) for s in subs}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(Path(tmp) / "serve.log", "w") as log:
            server = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--port", str(port), "--course", str(course.root)],
                                      stdout=log, stderr=subprocess.STDOUT)
            try:
                asyncio.run(wait_up(base))
                rush = asyncio.run(deadline(args, subs, tokens, base))
                report_rush(args, subs, rush, book)
                print(f"# load {loadavg()} after the rush")
                warm = asyncio.run(one_at_a_time(args.warm, [s for s in subs if s.kind == "typed"], tokens, base))
                report_warm(book, warm)
            finally:
                server.terminate()
                server.wait(timeout=90)
                book.close()
        print(f"# load {loadavg()} at the end")


async def wait_up(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=1) as client:
        for _ in range(600):
            try:
                await client.get("/")
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def deadline(args, subs, tokens, base: str) -> Rush:
    rush = Rush()
    gate = asyncio.Semaphore(args.concurrency)
    gap = args.seconds / max(1, len(subs))
    start = time.perf_counter()
    limits = httpx.Limits(max_connections=args.concurrency + 4)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:

        async def upload(index: int, sub) -> None:
            await asyncio.sleep(max(0.0, start + index * gap - time.perf_counter()))
            async with gate:
                rush.began[sub.student_id] = time.perf_counter()
                response = await client.post(f"/api/assignments/{ASSIGNMENT}/submissions",
                                             headers={"authorization": f"Bearer {tokens[sub.student_id]}"},
                                             files={"notebook": (f"{ASSIGNMENT}.ipynb", notebook_bytes(sub.notebook))})
            if response.status_code != 202:
                rush.refused.append(f"{sub.student_id}: {response.status_code} {response.text[:100]}")
                return
            rush.accepted[sub.student_id] = time.perf_counter() - rush.began[sub.student_id]
            rush.ids[sub.student_id] = response.json()["id"]

        async def follow(done: asyncio.Event) -> None:
            """One poller for every accepted upload (4 a second each at most), as the students' pages would."""
            while not (done.is_set() and set(rush.graded) >= set(rush.ids)):
                for student, sid in list(rush.ids.items()):
                    if student not in rush.graded:
                        shown = (await client.get(f"/api/submissions/{sid}",
                                                  headers={"authorization": f"Bearer {tokens[student]}"})).json()
                        if shown["status"] not in ("queued", "running"):
                            rush.graded[student] = time.perf_counter() - rush.began[student]
                await asyncio.sleep(0.25)

        async def browse(done: asyncio.Event) -> None:
            headers = {"authorization": f"Bearer {tokens[subs[0].student_id]}"}
            while not (done.is_set() and set(rush.graded) >= set(rush.ids)):
                for kind, path in (("page", f"/me/{ASSIGNMENT}"), ("api", "/api/assignments")):
                    began = time.perf_counter()
                    response = await client.get(path, headers=headers)
                    response.raise_for_status()
                    rush.pages[kind].append(time.perf_counter() - began)
                await asyncio.sleep(0.25)

        done = asyncio.Event()
        watchers = [asyncio.create_task(follow(done)), asyncio.create_task(browse(done))]
        await asyncio.gather(*(upload(i, s) for i, s in enumerate(subs)))
        rush.pages["uploads over"] = [time.perf_counter() - start]
        done.set()
        await asyncio.gather(*watchers)
    rush.pages["all graded"] = [time.perf_counter() - start]
    return rush


def report_rush(args, subs, rush: Rush, book: Gradebook) -> None:
    rows = book.submissions(ASSIGNMENT, latest_only=False)
    per_student = [sum(1 for r in rows if r.student_id == s.student_id) for s in subs]
    with book.engine.connect() as conn:
        items = conn.execute(sa.select(queue.c.status, queue.c.attempts)).all()
    kinds = sorted({s.kind for s in subs})
    print(f"{len(subs)} uploads ({', '.join(kinds)}) starting within {args.seconds:g} s, at most {args.concurrency} in flight; "
          f"uploads over at {rush.pages['uploads over'][0]:.1f} s, all graded at {rush.pages['all graded'][0]:.1f} s")
    print(f"accepted {len(rush.accepted)}, refused {len(rush.refused)}, graded {len(rush.graded)}; "
          f"gradebook rows per student {sorted(set(per_student))} (1: graded once, none lost); queue items "
          f"{sorted({s for s, _ in items})}, claims per item {sorted({a for _, a in items})}")
    for line in rush.refused[:5]:
        print(f"  refused: {line}")
    print(figure("upload -> accepted (202, validated, filed)", list(rush.accepted.values())))
    print(figure("upload -> graded (seen by the poller)", list(rush.graded.values())))
    print(figure(f"GET /me/{ASSIGNMENT} while the queue drains", rush.pages["page"]))
    print(figure("GET /api/assignments while the queue drains", rush.pages["api"]))


async def one_at_a_time(count: int, typed, tokens, base: str) -> list[int]:
    """Uploads of typed notebooks, each once the last is graded: the worker is warm and idle for each."""
    ids = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for n in range(count):
            sub = typed[n % len(typed)]
            headers = {"authorization": f"Bearer {tokens[sub.student_id]}"}
            response = await client.post(f"/api/assignments/{ASSIGNMENT}/submissions", headers=headers,
                                         files={"notebook": (f"{ASSIGNMENT}.ipynb", notebook_bytes(sub.notebook))})
            response.raise_for_status()
            sid = response.json()["id"]
            while (await client.get(f"/api/submissions/{sid}", headers=headers)).json()["status"] in ("queued", "running"):
                await asyncio.sleep(0.02)
            ids.append(sid)
    return ids


def report_warm(book: Gradebook, ids: list[int]) -> None:
    with book.engine.connect() as conn:
        rows = conn.execute(sa.select(queue.c.submitted_at, queue.c.claimed_at, queue.c.finished_at, queue.c.status)
                            .where(queue.c.id.in_(ids))).all()
    statuses = sorted({r.status for r in rows})
    print(f"warm worker, {len(ids)} typed notebooks one at a time (each a later upload of a student's, graded anew): {statuses}")
    print(figure("dequeue (claim) -> stored result", [(r.finished_at - r.claimed_at).total_seconds() for r in rows], "ms"))
    print(figure("upload filed -> stored result", [(r.finished_at - r.submitted_at).total_seconds() for r in rows], "ms"))


if __name__ == "__main__":
    main()
