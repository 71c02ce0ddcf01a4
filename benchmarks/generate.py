"""Generation speed: every student's notebook of every assignment of the demo course (four of them).

    .venv/bin/python benchmarks/generate.py [--students 1000] [--repeat 3]

Each mode (one process; the default workers) runs in a fresh interpreter on a fresh copy of the
demo course, so no run inherits another's warm caches; the best of ``--repeat`` runs is
reported, with the others. The target (issue 6) is 1,000 students x 3 assignments in under 5 s; the
course has had a fourth since (issue 18), which the figures include.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0


def _one_run(course_dir: str, workers: str) -> None:
    """In a fresh process: generate every assignment, print seconds as JSON."""
    from grader.config import load_course
    from grader.generate import generate

    imported = time.perf_counter() - STARTED
    course = load_course(Path(course_dir))
    names = sorted(p.parent.name for p in (course.root / "assignments").glob("*/assignment.toml"))
    start, cpu, per, notebooks = time.perf_counter(), _cpu_seconds(), {}, 0
    for name in names:
        result = generate(course, name, workers=int(workers) or None)
        per[name], notebooks = result.seconds, notebooks + len(result.notebooks)
    print(json.dumps({"imported": imported, "generate": time.perf_counter() - start, "per_assignment": per,
                      "notebooks": notebooks, "cpu": _cpu_seconds() - cpu}))


def _cpu_seconds() -> float:
    """CPU time of this process and of the workers it waited for: on a shared machine, the figure
    that compares two versions of the code (wall time counts the other work too)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _course(folder: Path, students: int) -> Path:
    folder.mkdir(parents=True)
    for name in ("assignments", "autograde.toml"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copyfile)(ROOT / name, folder / name)
    (folder / "roster.csv").write_text("student_id,name\n" + "".join(f"g{i:05d},Student {i}\n" for i in range(students)))
    (folder / ".autograde").mkdir()
    (folder / ".autograde" / "secret").write_text("benchmark-secret\n")
    return folder


def _stolen(before: list[int]) -> float:
    """The share of CPU time the hypervisor gave to other machines since ``before`` (/proc/stat's steal)."""
    now = _cpu_times()
    spent = [b - a for a, b in zip(before, now)]
    return spent[7] / max(1, sum(spent))


def _cpu_times() -> list[int]:
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from grader.grading.pool import default_workers

    load_before = float(Path("/proc/loadavg").read_text().split()[0])
    print(f"machine: {len(os.sched_getaffinity(0))} usable cores; load average before: "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADE_SECRET"}
    modes = {"single process": 1, f"default workers ({default_workers()})": 0}
    rows = []
    with tempfile.TemporaryDirectory(prefix="autograde-genbench-") as tmp:
        for label, workers in modes.items():
            runs, cpu_before = [], _cpu_times()
            for i in range(args.repeat):
                course = _course(Path(tmp) / f"{workers}-{i}", args.students)
                start = time.perf_counter()
                out = subprocess.run([sys.executable, __file__, "--one-run", str(course), str(workers)], env=env,
                                     capture_output=True, text=True, check=True)
                report = json.loads(out.stdout)
                report["wall"] = time.perf_counter() - start
                runs.append(report)
                # every course is deleted at the end, not here: ext4 steps over recently deleted
                # inodes when it allocates new ones, and deleting one run's 6,000 files and folders
                # made the next run's folder and file creation up to three times slower
            best = min(runs, key=lambda r: r["generate"])
            rows.append((label, best, runs, _stolen(cpu_before)))
    count = len(list((ROOT / "assignments").glob("*/assignment.toml")))
    print(f"\n{args.students} students x {count} assignments (best of {args.repeat}; generate() time, imports excluded):")
    head = (f"{'mode':<24}{'notebooks':>10}{'seconds':>9}{'nb/s':>9}{'vs 5 s target':>15}{'process wall':>14}"
            f"{'CPU s':>8}   all runs")
    print(head + "\n" + "-" * len(head))
    for label, best, runs, stolen in rows:
        ratio = best["generate"] / TARGET_SECONDS
        print(f"{label:<24}{best['notebooks']:>10}{best['generate']:>9.2f}{best['notebooks'] / best['generate']:>9.0f}"
              f"{f'{ratio:.2f}x ' + ('met' if ratio < 1 else 'missed'):>15}{best['wall']:>13.2f}s{best['cpu']:>8.2f}   "
              + ", ".join(f"{r['generate']:.2f}" for r in runs))
        print("    per assignment: " + ", ".join(f"{k} {v:.2f} s" for k, v in best["per_assignment"].items())
              + f"; CPU time taken by the host (steal): {stolen:.0%}")
    load = max(load_before, float(Path("/proc/loadavg").read_text().split()[0]))
    print(f"\nload average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
          + ("  (above 0.5 before or after: the machine was shared with other work)" if load > 0.5 else ""))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one-run":
        _one_run(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
