"""Where a grading batch's time goes: the fixed cost before the first result, and the fork route's
stages for one notebook, every sandbox layer on.

    .venv/bin/python benchmarks/breakdown.py [--n 40] [--runs 3]

Builds the benchmark course (benchmarks/_course.py, healthy submissions only), then:

1. The fixed cost: ``python -X importtime`` of what ``autograde grade`` imports, beside what every
   command together imports (the console script imported them all before), and ``autograde grade`` itself, timed from the command's start to its first
   progress line (planning done) and to its first result line, and to its exit.
2. The fork route, one notebook at a time in this process (as a pool worker runs it): each stage
   of every notebook that runs code (read and prepare, the run folder, the uid and control group,
   the zygote's fork, each isolation layer, limits and shell reset, the cells, the collector,
   reporting, teardown, parsing), then scoring and the gradebook write in the grader's process.

Each part runs ``--runs`` times; the tables show medians over runs and notebooks. The machine's load
average is printed before and after: on a shared machine every figure here is noisy. A timing is a
measurement, never an assertion: the exit code is 1 only when a sandbox layer was off (run as root).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._course import ASSIGNMENT, build_submissions, make_course, write_submissions  # noqa: E402
from benchmarks._measure import loadavg  # noqa: E402

AUTOGRADE = Path(sys.executable).with_name("autograde")
PACKAGES = ("sqlalchemy", "numpy", "pydantic", "nbformat", "typer", "rich", "IPython", "sympy", "jinja2")
AHEAD = ("rundir", "slot", "fork", "job", "cgroup", "network", "filesystem", "user", "warm")
ON_PATH = ("read+prepare", "wait", "start", "cells", "collect", "report", "spare", "clear", "teardown", "parse")
NOTES = {
    "read+prepare": "read the notebook, rebuild the instructor's, merge (worker)",
    "rundir": "make the run's folder (worker)",
    "slot": "take a uid (reads /proc), make its control group (worker)",
    "fork": "ask the zygote to fork, until the child runs",
    "job": "send the child its sandbox, the child reads it",
    "cgroup": "child joins the run's control group (waits for RCU grace periods)",
    "network": "new network and IPC namespaces",
    "filesystem": "new mount namespace: tmpfs over hidden folders, binds, read-only root",
    "user": "chown the home, drop to the run's uid",
    "warm": "a warm-up cell: the fork's first writes to the shell's pages (copy on write); forget the grader's modules",
    "wait": "until a child is ready for the cells (the spare: ~0; else all of the above)",
    "start": "send the code cells (id, source); rlimits, reset the shell",
    "cells": "the student's cells (IPython; a plain cell skips its token pass)",
    "collect": "the collector cells (their shared definitions compiled once a run)",
    "report": "messages back to the worker",
    "spare": "fork and send the next run's child its sandbox (while this one runs)",
    "clear": "the last run's teardown: remove its group, what is left in it killed (by uid if none), and folder (while this one runs)",
    "teardown": "kill the child and what is in its group, read the group's usage (the rest: the next run's clear)",
    "parse": "parse the collected answers (worker)",
}


def median_ms(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):8.1f}" if values else "       -"


# what `autograde grade` imports: its own command module, then what the command itself needs
GRADE_IMPORTS = "import grader.cli.grading, grader.gradebook, grader.grading.runner, grader.grading.junit, grader.grading.lock"
EVERY_COMMAND = "import grader.cli; grader.cli.app"  # what the console script imported before issue 19


def import_times(code: str, runs: int) -> dict[str, list[float]]:
    """Cumulative import time (s) of each of PACKAGES and the total, from ``-X importtime``: a
    package first imported inside another counts there too, so the rows overlap."""
    found: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                             capture_output=True, text=True, check=True).stderr
        seen: dict[str, float] = {}
        total = 0.0
        for line in err.splitlines():
            m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
            if m and not m.group(2).strip(" ") and len(m.group(2)) == 1:
                total += int(m.group(1)) / 1e6  # a top-level import
            if m and m.group(3) in PACKAGES and m.group(3) not in seen:
                seen[m.group(3)] = int(m.group(1)) / 1e6
        found["total"].append(total)
        for name in PACKAGES:
            found[name].append(seen.get(name, 0.0))
    return found


def command_times(course: Path, runs: int) -> dict[str, list[float]]:
    """``autograde grade`` from its start: to the planning line, the first result line, the exit."""
    found: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for suffix in ("", "-wal", "-shm"):
            (course / f"gradebook.db{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        proc = subprocess.Popen([str(AUTOGRADE), "grade", ASSIGNMENT, "--submissions", str(course / "healthy"),
                                 "--course", str(course)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        for line in proc.stderr:  # not a terminal: "grading N submission(s)", then one line per result
            now = time.perf_counter() - start
            if line.startswith("grading "):
                found["planned"].append(now)
            elif line.startswith("[1/"):
                found["first result"].append(now)
            elif "warning: sandbox layer" in line:
                found.setdefault("layer warnings", []).append(1.0)
                print("  " + line.rstrip())
        proc.wait()
        found["exit"].append(time.perf_counter() - start)
    return found


def fork_stages(course_root: Path, runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]], set[str]]:
    """Stages (s) of every fork-route notebook, and the grader's side (plan, score, record); weak layers."""
    from grader.config import load_course
    from grader.gradebook import Gradebook
    from grader.grading.batch import Batch
    from grader.grading.execute import execute_submission
    from grader.grading.score import part_rows
    from grader.sandbox.executors import ExecutorName

    stages: dict[str, list[float]] = defaultdict(list)
    grader_side: dict[str, list[float]] = defaultdict(list)
    weak: set[str] = set()
    course = load_course(course_root)
    for _ in range(runs):
        book = Gradebook(course.config.gradebook, course.root)
        start = time.perf_counter()
        batch = Batch(course, Batch.open(course, ASSIGNMENT).assignment, executor=ExecutorName.FORK, regrade=True,
                      gradebook=book, submitted=course_root / "healthy")
        batch.plan()
        grader_side["plan (whole batch)"].append(time.perf_counter() - start)
        batch.record_plan()
        for p in batch.planned:
            outcome = execute_submission(p.job)
            began = time.perf_counter()
            rows = part_rows(batch.assignment, p.variants, p.slots, outcome, batch.policy)
            scored = time.perf_counter()
            batch.record(p, outcome, rows)
            recorded = time.perf_counter()
            weak |= {f"{layer}: {state}" for layer, state in outcome.sandbox.items() if state != "on"}
            route = outcome.executor
            grader_side[f"{route}: whole notebook in the worker"].append(outcome.seconds)
            grader_side[f"{route}: score"].append(scored - began)
            grader_side[f"{route}: record"].append(recorded - scored)
            if route == "fork":
                for stage, seconds in outcome.stages.items():
                    stages[stage].append(seconds)
        book.close()
    return stages, grader_side, weak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="students (default 40)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each part (default 3)")
    args = parser.parse_args()
    os.environ.pop("AUTOGRADE_SECRET", None)
    print(f"load average before: {loadavg()}; euid {os.geteuid()} (0: every sandbox layer can be on)")
    work = Path(tempfile.mkdtemp(prefix="autograde-breakdown-"))
    try:
        course = make_course(work / "course", args.n, 5, 15)
        write_submissions(course, build_submissions(course), "healthy", keep=lambda s: not s.hostile)

        print(f"\nFixed cost: imports (cumulative ms, median of {args.runs}, `python -X importtime`, which adds to them; "
              "a package imported inside another counts in both)")
        grade, every = import_times(GRADE_IMPORTS, args.runs), import_times(EVERY_COMMAND, args.runs)
        print(f"  {'':<12}{'grade':>8}{'every command':>15}")
        for name in ("total", *PACKAGES):
            print(f"  {name:<12}{median_ms(grade[name])}{median_ms(every[name]):>15}")
        print(f"\n`autograde grade` on {args.n} students' healthy submissions, from the command's start "
              f"(median of {args.runs}):")
        times = command_times(course.root, args.runs)
        for label in ("planned", "first result", "exit"):
            print(f"  {label:<14}{median_ms(times[label])} ms   (runs: "
                  + ", ".join(f"{1000 * t:.0f}" for t in times[label]) + ")")

        stages, grader_side, weak = fork_stages(course.root, args.runs)
        count = len(stages.get("cells", []))
        print(f"\nFork route, one notebook at a time in this process ({count} runs of notebooks that run code; "
              "median ms per notebook):")
        for title, names in (("set up one run ahead (while the run before goes)", AHEAD), ("each run's own path", ON_PATH)):
            print(f"  {title}:")
            for stage in names:
                print(f"    {stage:<14}{median_ms(stages.get(stage, []))}   {NOTES[stage]}")
        print("\nGrader's side (median ms):")
        for label, values in sorted(grader_side.items()):
            print(f"  {label:<40}{median_ms(values)}   ({len(values)} values)")
        print(f"\nload average after: {loadavg()}")
        if weak or "layer warnings" in times:
            print("SANDBOX LAYERS OFF: " + "; ".join(sorted(weak)) + " (run as root for the real figures)")
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
