"""Grading on a Dask cluster against the local pool, on one machine, through ``autograde grade``.

    .venv/bin/python benchmarks/cluster.py [--n 40] [--repeat 3] [--healthy-only] [--keep]

Builds the same course and submissions as benchmarks/grading.py (a copy of the demo course with
N students of cnn-fundamentals, hostile notebooks included unless --healthy-only) in a temporary
folder, starts two Dask LocalClusters on this machine (1 and 2 worker processes, one thread
each), and grades the batch with ``autograde grade --regrade --executor fork`` three ways: the
local pool (--workers 2), the 1-worker cluster and the 2-worker cluster (--cluster ADDRESS).
Each batch is a fresh ``autograde`` process, timed from start to exit; the clusters are started
once, before any timing, as a course would start its workers ahead of a batch (so the first run
on a cluster also starts each worker's warm process; later runs find it running). The modes take
turns within each repetition, so other load on the machine falls on all of them alike.

Prints one table (median wall time over the repetitions, notebooks per second, ratio to the local
pool) and checks that every run gave identical gradebook rows (status, and per part: points,
verdict, mistake). A timing is a measurement, never an assertion: only that check sets the exit code.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._course import ASSIGNMENT, build_submissions, describe_mix, make_course, write_submissions  # noqa: E402
from benchmarks._measure import busy, loadavg  # noqa: E402
from benchmarks.grading import results_of  # noqa: E402

AUTOGRADE = Path(sys.executable).with_name("autograde")
LOCAL = "local pool, 2 workers"


def start_clusters(work: Path) -> dict:
    """Mode -> a running LocalCluster (1 and 2 worker processes, one thread each)."""
    from distributed import LocalCluster

    clusters = {}
    for n in (1, 2):
        clusters[f"dask, {n} worker{'s' * (n > 1)}"] = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
            worker_dashboard_address=":0", local_directory=str(work / f"dask-{n}"))
    return clusters


def grade_once(course_root: Path, mode: str, address: str | None, workers: int, log: Path) -> float:
    """One batch, as an instructor runs it: a fresh ``autograde grade`` process; its wall time."""
    cmd = [str(AUTOGRADE), "grade", ASSIGNMENT, "--course", str(course_root), "--executor", "fork", "--regrade"]
    cmd += ["--cluster", address] if address else ["--workers", str(workers)]
    started = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - started
    if code not in (0, 1):  # 1: some parts wrong, as the corpus intends
        tail = "".join(log.read_text().splitlines(True)[-20:])
        raise SystemExit(f"{tail}\n{mode}: autograde grade exited {code} (log above)")
    return wall


def keep_gradebook(course_root: Path, target: Path) -> Path:
    """Move the batch's gradebook aside, so each run is compared on its own rows."""
    for suffix in ("", "-wal", "-shm"):
        source = course_root / f"gradebook.db{suffix}"
        if source.exists():
            os.replace(source, target.with_name(target.name + suffix))
    return target


def compare(books: dict[str, list[Path]], kinds: dict[str, str]) -> list[str]:
    """Every run of every mode against the local pool's first run: identical status and rows."""
    reference = results_of(books[LOCAL][0])
    problems = []
    for mode, paths in books.items():
        for run, path in enumerate(paths, 1):
            rows = results_of(path)
            for sid in sorted(set(reference) | set(rows)):
                if rows.get(sid) != reference.get(sid):
                    problems.append(f"{mode}, run {run}: {sid} ({kinds.get(sid)}): {rows.get(sid)} != {reference.get(sid)}")
    return problems


def table(walls: dict[str, list[float]], n: int) -> str:
    local = statistics.median(walls[LOCAL])
    head = f"{'mode':<24}{'wall s (median)':>16}{'runs (s)':>26}{'notebooks/s':>13}{'vs local pool':>15}"
    lines = [head, "-" * len(head)]
    for mode, ws in walls.items():
        median = statistics.median(ws)
        runs = ", ".join(f"{w:.1f}" for w in ws)
        lines.append(f"{mode:<24}{median:>16.1f}{runs:>26}{n / median:>13.2f}{local / median:>14.2f}x")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="students (default 40)")
    parser.add_argument("--repeat", type=int, default=3, help="batches per mode, taking turns (default 3)")
    parser.add_argument("--healthy-only", action="store_true", help="leave out the three hostile notebooks")
    parser.add_argument("--cell-seconds", type=float, default=5, help="time limit per cell (as grading.py)")
    parser.add_argument("--notebook-seconds", type=float, default=15, help="time limit per notebook (as grading.py)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    try:
        import distributed
    except ImportError:
        print("this benchmark needs Dask: .venv/bin/pip install -e '.[cluster]'", file=sys.stderr)
        return 2

    os.environ.pop("AUTOGRADE_SECRET", None)
    busy_before = busy()
    print(f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, Dask {distributed.__version__}; load average before: {loadavg()}")
    work = Path(tempfile.mkdtemp(prefix="autograde-cluster-bench-"))
    if args.keep:
        print(f"working folder (kept): {work}")
    clusters: dict = {}
    try:
        course = make_course(work / "course", args.n, args.cell_seconds, args.notebook_seconds)
        subs = build_submissions(course)
        kept = [s for s in subs if not (args.healthy_only and s.hostile)]
        kinds = {s.student_id: s.kind for s in kept}
        write_submissions(course, kept, "submitted")
        print(f"\n{len(kept)} submissions of {ASSIGNMENT}:")
        print("\n".join(describe_mix(list(kinds.values()))))
        print(f"limits: cell {args.cell_seconds:g} s, notebook {args.notebook_seconds:g} s; executor: fork (the fast path)\n")

        started = time.perf_counter()
        clusters = start_clusters(work)
        print(f"started both LocalClusters in {time.perf_counter() - started:.1f} s (not timed below)")
        modes = {LOCAL: None, **{mode: c.scheduler_address for mode, c in clusters.items()}}
        walls: dict[str, list[float]] = {mode: [] for mode in modes}
        books: dict[str, list[Path]] = {mode: [] for mode in modes}
        for rep in range(1, args.repeat + 1):
            for mode, address in modes.items():
                slug = mode.replace(", ", "-").replace(" ", "")
                wall = grade_once(course.root, mode, address, 2, work / f"{slug}-{rep}.log")
                walls[mode].append(wall)
                books[mode].append(keep_gradebook(course.root, work / f"{slug}-{rep}.db"))
                print(f"run {rep}: {mode:<22} {wall:6.1f} s   load average {loadavg()}")

        print(f"\n{len(kept)} notebooks per batch, {args.repeat} batch(es) per mode, modes taking turns\n")
        print(table(walls, len(kept)))
        print("\nwall: a fresh `autograde grade` process, start to exit (imports, planning, grading, recording); "
              "the clusters were already running.")
        failures = compare(books, kinds)
        runs = sum(len(p) for p in books.values())
        print(f"same results: {runs - len({f.split(':')[0] for f in failures})}/{runs} runs gave rows identical to the "
              f"local pool's first run (status; per part: points, verdict, mistake), {len(kinds)} submissions each")
        shared = busy_before or busy()
        print(f"load average after: {loadavg()}" + ("  (above 0.5 before or after: the machine was shared with other work)"
                                                   if shared else ""))
        for failure in failures:
            print("MISMATCH:", failure)
        return 1 if failures else 0
    finally:
        for cluster in reversed(clusters.values()):  # last first: each puts back the log level it found
            cluster.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
