"""Grading speed, side by side: our fast path, our kernel path and nbgrader 0.9.6.

    .venv/bin/python benchmarks/grading.py [--n 40] [--runs 3] [--skip-nbgrader] [--skip-kernel]
                                           [--cache benchmarks/out] [--keep]
    .venv/bin/python benchmarks/grading.py --n 1000 --skip-nbgrader   # the kernel path is skipped above 200

Builds a copy of the demo course with N students in a temporary folder, writes their submissions
of cnn-fundamentals (a realistic mix, printed first), and grades two batches with each system:
the healthy submissions alone, then all of them (hostile ones included). The healthy batch is
graded ``--runs`` times by our fast path and nbgrader in turn (ours, nbgrader, ours, nbgrader, ...),
each nbgrader run from the same fresh gradebook as ours; the ratio that counts is the median of
nbgrader's walls over the median of ours. Everything else runs once. Each batch is one process
tree, timed from start to exit and sampled for memory. nbgrader runs from its own virtual
environment (made once under ``--cache``, about a minute) with the same per-cell time limit. Then it
checks that our fast-path runs agree with each other and with the kernel path row for row, that
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
import time
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
from benchmarks._report import (  # noqa: E402
    FOLDERS,
    BatchRun,
    alternation_lines,
    hung_cost,
    legend,
    median_run,
    memory_lines,
    table,
)

HERE = Path(__file__).resolve().parent


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


def run_ours(course_root: Path, folder: str, executor: str, workers: int, work: Path, run: int | None = None,
             sampled: bool = True) -> BatchRun:
    """One batch of ours; ``sampled``: its memory sampled too (which slows it: the timed runs are not)."""
    name = f"{executor}-{folder}" + (f"-{run}" if run else "")
    out = work / f"{name}.json"
    launched = time.time()  # the child's own clock starts after the interpreter's start-up: add it back
    usage = run_measured([sys.executable, str(HERE / "_ours.py"), str(course_root), str(course_root / folder),
                          executor, str(workers), str(out)], work / f"{name}.log", interval=0.05 if sampled else None)
    if usage.returncode not in (0, 1) or not out.exists():  # 1: some parts were wrong, as expected
        tail = "".join((work / f"{name}.log").read_text().splitlines(True)[-30:])
        raise SystemExit(f"{tail}\nour {executor} batch failed (exit {usage.returncode})")
    report = json.loads(out.read_text())
    report["launch"] = report["started_at"] - launched
    for suffix in ("", "-wal", "-shm"):  # one gradebook per batch
        if (course_root / f"gradebook.db{suffix}").exists():
            os.replace(course_root / f"gradebook.db{suffix}", work / f"{name}.db{suffix}")
    done = sorted(t for _, t, _, _ in report["done"])
    seconds = {sid: s for sid, _, s, _ in report["done"]}
    routes: dict[str, list[float]] = {}
    for _, _, s, route in report["done"]:
        routes.setdefault(route, []).append(s)
    system = "ours fast (fork+literal)" if executor == "fork" else "ours kernel"
    steady = (len(done) - 1) / (done[-1] - done[0]) if len(done) > 1 else None
    extra = {"report": report, "routes": routes, "db": work / f"{name}.db"} | ({"usage": usage} if sampled else {})
    return BatchRun(system, folder, usage.wall, seconds, report["launch"] + done[0], steady,
                    usage.peak_pss_mb if sampled else None, run, extra)


def nbgrader_course(args, subs, course, work: Path):
    """nbgrader's course with both folders written and the assignment generated (set-up, not timed)."""
    from benchmarks._nbgrader import NbgraderCourse, ensure_venv
    from grader.assignment import load_assignment

    bin_dir = ensure_venv(Path(args.cache).resolve())
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
    for folder in FOLDERS:
        nb_course.write(subs, folder, keep=lambda s, folder=folder: folder == "submitted" or not s.hostile)
    shutil.copy(nb_course.root / "gradebook.db", work / "nbgrader-generated.db")  # the state every batch starts from
    return nb_course


def run_nbgrader(nb_course, folder: str, work: Path, run: int | None = None) -> BatchRun:
    shutil.copy(work / "nbgrader-generated.db", nb_course.root / "gradebook.db")  # fresh, as ours: no earlier grades
    result = nb_course.autograde(folder)
    durations = list(result["seconds"].values())  # in the order nbgrader ran them
    steady = (len(durations) - 1) / sum(durations[1:]) if len(durations) > 1 else None
    return BatchRun("nbgrader 0.9.6", folder, result["wall"], result["seconds"], result["first_started"],
                    steady, None, run, result)


def check_equivalence(one: BatchRun, other: BatchRun, kinds: dict[str, str], names=("fast", "kernel")) -> list[str]:
    """Two of our batches (the fast and kernel paths, two fast runs): identical status and rows for every submission."""
    a, b = results_of(one.extra["db"]), results_of(other.extra["db"])
    problems = []
    for sid in sorted(set(a) | set(b)):
        if a.get(sid) != b.get(sid):
            problems.append(f"{sid} ({kinds[sid]}): {names[0]} {a.get(sid)} != {names[1]} {b.get(sid)}")
    print(f"  {one.folder}, {names[0]} vs {names[1]}: {len(a) - len(problems)}/{len(a)} submissions with identical "
          "status and rows (problem, part, score, verdict, mistake)")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="students (default 40)")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of the healthy batch (default 3)")
    parser.add_argument("--workers", type=int, default=0, help="our parallel runs (default: the machine's cores)")
    parser.add_argument("--cell-seconds", type=float, default=5, help="time limit per cell, both systems")
    parser.add_argument("--notebook-seconds", type=float, default=15, help="our time limit per notebook")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--skip-kernel", action="store_true", help="(implied above 200 students)")
    parser.add_argument("--cache", default=str(HERE / "out"), help="where nbgrader's venv is kept (made there if missing)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    from grader.grading.pool import default_workers

    workers = args.workers or default_workers()
    os.environ.pop("AUTOGRADE_SECRET", None)
    busy_before = busy()
    print(f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; load average before: {loadavg()}")
    work = Path(tempfile.mkdtemp(prefix="autograde-bench-"))
    try:
        start = time.perf_counter()
        course = make_course(work / "course", args.n, args.cell_seconds, args.notebook_seconds)
        subs = build_submissions(course)
        built = time.perf_counter() - start
        kinds = {s.student_id: s.kind for s in subs}
        print(f"\n{args.n} submissions of {ASSIGNMENT} (6 computed questions, 2 written):")
        print("\n".join(describe_mix(list(kinds.values()))))
        limits = f"cell limit {args.cell_seconds:g} s on both; ours also {args.notebook_seconds:g} s per notebook"
        print(f"limits: {limits}; our workers: {workers}")
        start = time.perf_counter()
        for folder in FOLDERS:
            write_submissions(course, subs, folder, keep=lambda s, folder=folder: folder == "submitted" or not s.hostile)
        print(f"set-up (not timed below): built the course and {len(subs)} submissions in {built:.1f} s, "
              f"wrote both folders in {time.perf_counter() - start:.1f} s\n")
        nb_course = None if args.skip_nbgrader else nbgrader_course(args, subs, course, work)

        fast_runs: list[BatchRun] = []
        their_runs: list[BatchRun] = []
        for run in range(1, args.runs + 1):  # alternating, so a slow spell of the machine falls on both
            fast_runs.append(run_ours(course.root, "healthy", "fork", workers, work, run, sampled=False))
            print(f"graded: {fast_runs[-1].system:<26} {FOLDERS['healthy']:<34} {fast_runs[-1].wall:6.1f} s  (run {run})")
            if nb_course:
                their_runs.append(run_nbgrader(nb_course, "healthy", work, run))
                print(f"graded: {their_runs[-1].system:<26} {FOLDERS['healthy']:<34} {their_runs[-1].wall:6.1f} s  (run {run})")
        memory = run_ours(course.root, "healthy", "fork", workers, work)  # the timed runs are not sampled
        print(f"graded: {memory.system:<26} {FOLDERS['healthy']:<34} {memory.wall:6.1f} s  (its memory sampled, not timed)")
        executors = ["fork"] + ([] if args.skip_kernel or args.n > 200 else ["kernel"])
        ours = {("fork", "healthy"): median_run(fast_runs)}
        ours[("fork", "healthy")].peak_pss_mb = memory.peak_pss_mb
        for e, f in ((e, f) for e in executors for f in FOLDERS if (e, f) not in ours):
            ours[(e, f)] = run_ours(course.root, f, e, workers, work)
            print(f"graded: {ours[(e, f)].system:<26} {FOLDERS[f]:<34} {ours[(e, f)].wall:6.1f} s")
        theirs = {"healthy": median_run(their_runs)} if their_runs else {}
        if nb_course:
            theirs["submitted"] = run_nbgrader(nb_course, "submitted", work)
            print(f"graded: {theirs['submitted'].system:<26} {FOLDERS['submitted']:<34} {theirs['submitted'].wall:6.1f} s")

        print("\n" + "\n".join(alternation_lines(fast_runs, their_runs)))
        runs = sorted([*ours.values(), *theirs.values()], key=lambda r: (list(FOLDERS).index(r.folder), r.system))
        print("\n" + table(runs, theirs))
        print("\n" + legend(args.runs))
        for r in (*fast_runs, *(x for x in runs if "report" in x.extra and x.run is None)):
            rep = r.extra["report"]
            planning = rep["batch_started"] - rep["imported"]
            print(f"  {r.system}, {r.folder}{f' #{r.run}' if r.run else ''}: interpreter start-up {rep['launch']:.2f} s, "
                  f"imports {rep['imported']:.2f} s, planning and collection {planning:.2f} s (serial, before any run), "
                  f"first result stored at {r.first:.2f} s")
        for route, secs in sorted(ours[("fork", "healthy")].extra["routes"].items()):
            print(f"  fast path, healthy batch (median run), route {route:<8} {len(secs):5d} notebooks, "
                  f"median {statistics.median(secs):.3f} s")

        failures: list[str] = []
        if len(fast_runs) > 1 or "kernel" in executors:
            print("\nAgreement of our batches (identical results expected; hostile ones included: their outcome is set by the limits, not by timing):")
        for later in fast_runs[1:]:
            failures += check_equivalence(fast_runs[0], later, kinds, ("fast #1", f"fast #{later.run}"))
        if "kernel" in executors:
            for f in FOLDERS:
                failures += check_equivalence(ours[("fork", f)], ours[("kernel", f)], kinds)
        if theirs:
            print("\nOurs (fast path) vs nbgrader, all submissions:")
            failures += compare_nbgrader(ours[("fork", "submitted")], theirs["submitted"], kinds)
        hung_cost([r for r in runs if r.folder == "submitted"], kinds, limits)

        print("\n" + "\n".join(memory_lines([memory, *(r for r in runs if r.run is None)])))
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
