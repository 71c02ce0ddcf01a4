"""Grading speed, side by side in one run: our fast path, our kernel path and nbgrader 0.9.6.

    .venv/bin/python benchmarks/grading.py [--n 40] [--skip-nbgrader] [--skip-kernel] [--keep]

Builds a copy of the demo course with N students in a temporary folder, writes their submissions
of cnn-fundamentals (a realistic mix, printed first), and grades two batches with each system:
the healthy submissions alone, then all of them (hostile ones included). Each batch is one
process tree, timed from start to exit and sampled for memory. nbgrader runs from its own
virtual environment (made once under benchmarks/out/, about a minute) with the same per-cell
time limit. Then it checks that the fast and kernel paths give identical result rows, that
nbgrader gives healthy notebooks the same points, and what a hung notebook costs each system.
A timing is a measurement, never an assertion: only the equivalence checks set the exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._course import (  # noqa: E402
    ASSIGNMENT,
    FULL_MARKS,
    HOSTILE,
    PROBLEMS,
    build_submissions,
    describe_mix,
    make_course,
    write_submissions,
)
from benchmarks._measure import busy, loadavg, run_measured  # noqa: E402

HERE = Path(__file__).resolve().parent
FOLDERS = {"healthy": "healthy submissions only", "submitted": "all submissions, hostile included"}


@dataclass
class BatchRun:
    system: str
    folder: str
    wall: float
    seconds: dict[str, float]                 # student -> seconds of that notebook
    first: float | None = None                # process start -> first notebook done (ours) / started (nbgrader)
    steady: float | None = None               # notebooks/s after the first one
    peak_pss_mb: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.seconds)

    @property
    def rate(self) -> float:
        return self.n / self.wall

    @property
    def median(self) -> float:
        return statistics.median(self.seconds.values())


def results_of(db: Path) -> dict[str, tuple[str, float, list[tuple]]]:
    """Student -> (status, score, sorted rows (problem, part, score, verdict, mistake)) from our gradebook."""
    from grader.gradebook import Gradebook

    book = Gradebook(db.name, db.parent)
    try:
        out = {}
        for sub in book.submissions(ASSIGNMENT):
            rows = sorted((r.problem_id, r.part, r.score, r.verdict, r.mistake) for r in book.part_rows(sub.id))
            out[sub.student_id] = (sub.status, sub.score or 0.0, rows)
        return out
    finally:
        book.close()


def run_ours(course_root: Path, folder: str, executor: str, workers: int, work: Path) -> BatchRun:
    name = f"{executor}-{folder}"
    out = work / f"{name}.json"
    usage = run_measured([sys.executable, str(HERE / "_ours.py"), str(course_root), str(course_root / folder),
                          executor, str(workers), str(out)], work / f"{name}.log")
    if usage.returncode not in (0, 1) or not out.exists():  # 1: some parts were wrong, as expected
        tail = "".join((work / f"{name}.log").read_text().splitlines(True)[-30:])
        raise SystemExit(f"{tail}\nour {executor} batch failed (exit {usage.returncode})")
    report = json.loads(out.read_text())
    for suffix in ("", "-wal", "-shm"):  # one gradebook per batch
        if (course_root / f"gradebook.db{suffix}").exists():
            os.replace(course_root / f"gradebook.db{suffix}", work / f"{name}.db{suffix}")
    done = sorted(t for _, t, _, _ in report["done"])
    seconds = {sid: s for sid, _, s, _ in report["done"]}
    routes = {}
    for _, _, s, route in report["done"]:
        routes.setdefault(route, []).append(s)
    system = "ours fast (fork+literal)" if executor == "fork" else "ours kernel"
    steady = (len(done) - 1) / (done[-1] - done[0]) if len(done) > 1 else None
    return BatchRun(system, folder, usage.wall, seconds, done[0], steady, usage.peak_pss_mb,
                    {"usage": usage, "report": report, "routes": routes, "db": work / f"{name}.db"})


def run_nbgrader(args, subs, course, work: Path) -> dict[str, BatchRun]:
    from benchmarks._nbgrader import NbgraderCourse, ensure_venv
    from grader.assignment import load_assignment

    bin_dir = ensure_venv(Path(args.cache))
    assignment = load_assignment(course, ASSIGNMENT)
    release = next(s.notebook for s in subs if s.kind not in ("computed", "wrong-computed"))
    points = {}  # per problem, from the release notebook's placeholder cells
    for cell in release.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id", "").endswith("-tests"):
            points[meta["grade_id"][:-len("-tests")]] = meta["points"]
    written = {q.id: q.points for q in assignment.questions}
    nb_course = NbgraderCourse(work / "nbgrader", bin_dir, subs, points, args.cell_seconds)
    print(f"nbgrader generate_assignment: {nb_course.generate(subs[0], written):.1f} s (set-up, not timed below)")
    runs = {}
    for folder in FOLDERS:
        nb_course.write(subs, folder, keep=lambda s: folder == "submitted" or not s.hostile)
        result = nb_course.autograde(folder)
        durations = list(result["seconds"].values())  # in the order nbgrader ran them
        steady = (len(durations) - 1) / sum(durations[1:]) if len(durations) > 1 else None
        runs[folder] = BatchRun("nbgrader 0.9.6", folder, result["wall"], result["seconds"], result["first_started"],
                                steady, None, result)
    return runs


def table(runs: list[BatchRun], reference: dict[str, BatchRun]) -> str:
    head = (f"{'batch':<10}{'system':<26}{'notebooks':>9}{'wall s':>9}{'nb/s':>8}{'to 1st s':>10}{'steady nb/s':>13}"
            f"{'median s/nb':>13}{'peak MB':>9}{'x nbgrader':>12}{'steady x':>10}")
    lines = [head, "-" * len(head)]
    for r in runs:
        ref = reference.get(r.folder)
        ratio = f"{r.rate / ref.rate:.1f}x" if ref else "-"
        steady = f"{r.steady / ref.steady:.1f}x" if ref and r.steady and ref.steady else "-"
        lines.append(f"{r.folder:<10}{r.system:<26}{r.n:>9}{r.wall:>9.1f}{r.rate:>8.1f}{r.first or 0:>10.1f}"
                     f"{r.steady or 0:>13.1f}{r.median:>13.3f}{(f'{r.peak_pss_mb:.0f}' if r.peak_pss_mb else '-'):>9}"
                     f"{ratio:>12}{steady:>10}")
    return "\n".join(lines)


def check_equivalence(fast: BatchRun, kernel: BatchRun, kinds: dict[str, str]) -> list[str]:
    """Fast and kernel paths: identical status and rows for every submission."""
    a, b = results_of(fast.extra["db"]), results_of(kernel.extra["db"])
    problems = []
    for sid in sorted(set(a) | set(b)):
        if a.get(sid) != b.get(sid):
            problems.append(f"{sid} ({kinds[sid]}): fast {a.get(sid)} != kernel {b.get(sid)}")
    print(f"  {fast.folder}: {len(a) - len(problems)}/{len(a)} submissions with identical status and rows "
          "(problem, part, score, verdict, mistake)")
    return problems


def compare_nbgrader(ours: BatchRun, theirs: BatchRun, kinds: dict[str, str]) -> list[str]:
    """Healthy notebooks: the same points; partly wrong ones: the same questions at full marks."""
    mine, scores, problems = results_of(ours.extra["db"]), theirs.extra["scores"], []
    agree = total = 0
    for sid, (_, _, rows) in mine.items():
        if kinds[sid] in HOSTILE:
            continue
        per_q = {pid: [0.0, 0.0] for pid in PROBLEMS}
        for problem, _, score, _, _ in rows:
            if problem in per_q:
                per_q[problem][0] += score
        their = scores.get(sid, {})
        for pid in PROBLEMS:
            per_q[pid][1] = their.get(f"{pid}-tests") or 0.0
        full_ours = {pid: all(r[3] == "correct" for r in rows if r[0] == pid) for pid in PROBLEMS}
        full_theirs = {pid: their.get(f"{pid}-tests") is not None and their[f"{pid}-tests"] > 0 for pid in PROBLEMS}
        if kinds[sid] in FULL_MARKS:
            ok = all(full_ours.values()) and all(full_theirs.values()) and \
                 all(abs(o - t) < 1e-9 for o, t in per_q.values())
            if not ok:
                problems.append(f"{sid} ({kinds[sid]}): ours {per_q} nbgrader {their}")
        for pid in PROBLEMS:
            total += 1
            agree += full_ours[pid] == full_theirs[pid]
            if full_ours[pid] != full_theirs[pid] and kinds[sid] not in FULL_MARKS:
                print(f"    {sid} {pid} ({kinds[sid]}): ours {'full' if full_ours[pid] else 'not full'} "
                      f"({per_q[pid][0]:g} pts), nbgrader {'full' if full_theirs[pid] else 'zero'}")
    healthy = sum(kinds[s] in FULL_MARKS for s in mine)
    print(f"  healthy notebooks with the same (full) points in both: {healthy - len(problems)}/{healthy}")
    print(f"  questions at full marks in both or neither (non-hostile, all-or-nothing in nbgrader): {agree}/{total}")
    return problems


def hung_cost(runs: list[BatchRun], kinds: dict[str, str], limits: str) -> None:
    print(f"\nWhat a hostile notebook costs ({limits}):")
    for r in runs:
        for sid, kind in sorted(kinds.items()):
            if kind not in HOSTILE or sid not in r.seconds:
                continue
            line = f"  {r.system:<26}{kind:<15}{r.seconds[sid]:6.1f} s"
            done = r.extra.get("report", {}).get("done")
            if done:  # ours: how many others finished while it ran
                end = next(t for s, t, _, _ in done if s == sid)
                later = [t for s, t, _, _ in done if s != sid and t >= end - r.seconds[sid]]
                others = sum(1 for t in later if t <= end)
                line += (f"   {others} other notebooks finished meanwhile on the other worker(s)"
                         + (" (all that were left)" if others == len(later) else ""))
            else:
                order = list(r.seconds)
                line += f"   serial: the {len(order) - order.index(sid) - 1} notebooks after it waited"
                if sid in r.extra.get("failed", ()):
                    line += "; nbgrader recorded no grades at all (the run failed)"
            print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="students (default 40)")
    parser.add_argument("--workers", type=int, default=0, help="our parallel runs (default: the machine's cores)")
    parser.add_argument("--cell-seconds", type=float, default=5, help="time limit per cell, both systems")
    parser.add_argument("--notebook-seconds", type=float, default=15, help="our time limit per notebook")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--skip-kernel", action="store_true", help="(implied above 200 students)")
    parser.add_argument("--cache", default=str(HERE / "out"), help="where nbgrader's venv is kept")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    from grader.grading.pool import default_workers

    workers = args.workers or default_workers()
    os.environ.pop("AUTOGRADE_SECRET", None)
    busy_before = busy()
    print(f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; load average before: {loadavg()}")
    work = Path(tempfile.mkdtemp(prefix="autograde-bench-"))
    try:
        course = make_course(work / "course", args.n, args.cell_seconds, args.notebook_seconds)
        subs = build_submissions(course)
        kinds = {s.student_id: s.kind for s in subs}
        print(f"\n{args.n} submissions of {ASSIGNMENT} (6 computed questions, 2 written):")
        print("\n".join(describe_mix(list(kinds.values()))))
        limits = f"cell limit {args.cell_seconds:g} s on both; ours also {args.notebook_seconds:g} s per notebook"
        print(f"limits: {limits}; our workers: {workers}\n")
        for folder in FOLDERS:
            write_submissions(course, subs, folder, keep=lambda s: folder == "submitted" or not s.hostile)
        executors = ["fork"] + ([] if args.skip_kernel or args.n > 200 else ["kernel"])
        ours = {(e, f): run_ours(course.root, f, e, workers, work) for e in executors for f in FOLDERS}
        for (_e, f), r in ours.items():
            print(f"graded: {r.system:<26} {FOLDERS[f]:<34} {r.wall:6.1f} s")
        theirs = {} if args.skip_nbgrader else run_nbgrader(args, subs, course, work)
        for f, r in theirs.items():
            print(f"graded: {r.system:<26} {FOLDERS[f]:<34} {r.wall:6.1f} s")

        runs = sorted([*ours.values(), *theirs.values()], key=lambda r: (list(FOLDERS).index(r.folder), r.system))
        print("\n" + table(runs, theirs))
        fast = ours[("fork", "healthy")]
        print("\nnb/s: notebooks / batch wall time (process start to exit, imports and pool start included); "
              "to 1st: until the first notebook was done (ours) or started (nbgrader);\nsteady: after the first; "
              "median s/nb: ours from the gradebook's `seconds` (in the worker: read, run, collect), nbgrader from "
              "its log timestamps (one student's\nstart to the next's: all work); peak MB: PSS of the whole process "
              "tree, sampled every 0.05 s.")
        for r in (x for x in runs if "report" in x.extra):
            rep = r.extra["report"]
            planning = rep["batch_started"] - rep["imported"]
            print(f"  {r.system}, {r.folder}: imports {rep['imported']:.1f} s, planning and collection {planning:.1f} s "
                  f"(serial, before any run), first notebook done at {r.first:.1f} s")
        for route, secs in sorted(fast.extra["routes"].items()):
            print(f"  fast path, healthy batch, route {route:<8} {len(secs):5d} notebooks, median {statistics.median(secs):.3f} s")

        failures: list[str] = []
        if "kernel" in executors:
            print("\nFast path vs kernel path (identical results expected; hostile ones included: their outcome is "
                  "set by the limits, not by timing):")
            for f in FOLDERS:
                failures += check_equivalence(ours[("fork", f)], ours[("kernel", f)], kinds)
        if theirs:
            print("\nOurs (fast path) vs nbgrader, all submissions:")
            failures += compare_nbgrader(ours[("fork", "submitted")], theirs["submitted"], kinds)
        hung_cost([r for r in runs if r.folder == "submitted"], kinds, limits)

        print("\nMemory of each of our batches (process tree: grading process, forkserver, workers, zygotes, runs):")
        for r in (x for x in runs if "usage" in x.extra):
            u = r.extra["usage"]
            print(f"  {r.system:<26}{r.folder:<10}{r.n:5d} notebooks: peak PSS {u.peak_pss_mb:6.0f} MB "
                  f"(RSS summed {u.peak_rss_mb:6.0f} MB) over at most {u.peak_processes} processes; grading process "
                  f"{r.extra['report']['self_peak_mb']:.0f} MB; largest single process {u.max_single_rss_mb:.0f} MB")
        shared = busy_before or busy()
        print(f"\nload average after: {loadavg()}" + ("  (above 0.5 before or after: the machine was shared with other work)" if shared else ""))
        for failure in failures:
            print("MISMATCH:", failure)
        return 1 if failures else 0
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
