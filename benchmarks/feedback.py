"""Feedback pages: time to write them, before the due date and after it (worked solutions inside).

    .venv/bin/python benchmarks/feedback.py [--n 40] [--repeat 3]

Builds a copy of the demo course in a temporary folder with N students of cnn-fundamentals, each
handing in their worked-solution notebook (so every page holds its statements' math, the
student's worked solutions, and after the due date the solutions again in the results), grades
them with ``autograde grade``, then times ``write_feedback`` before and after the due date.
Prints the best of the repetitions per page; a timing is a measurement, never an assertion.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cnn-fundamentals"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="students")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from grader.config import load_course
    from grader.generate import generate
    from grader.report.feedback import write_feedback

    with tempfile.TemporaryDirectory(prefix="autograde-feedback-") as tmp:
        root = Path(tmp) / "course"
        shutil.copytree(ROOT / "assignments", root / "assignments")
        shutil.copy(ROOT / "autograde.toml", root / "autograde.toml")
        (root / "roster.csv").write_text("student_id\n" + "".join(f"b{i:03d}\n" for i in range(args.n)))
        (root / ".autograde").mkdir()
        (root / ".autograde" / "secret").write_text("benchmark-secret\n")
        course = load_course(root)
        generate(course, ASSIGNMENT, solutions=True)
        for student in course.roster():
            folder = root / "submitted" / student.student_id / ASSIGNMENT / "2026-01-01T00-00-00Z"
            folder.mkdir(parents=True)
            shutil.copy(root / "solutions-release" / ASSIGNMENT / student.student_id / f"{ASSIGNMENT}.ipynb", folder)
        subprocess.run([sys.executable, "-m", "grader", "grade", ASSIGNMENT, "--course", str(root)], check=True,
                       capture_output=True)
        for label, now in (("before the due date", dt.datetime(2000, 1, 1, tzinfo=dt.UTC)),
                           ("after it, with worked solutions", dt.datetime(2100, 1, 1, tzinfo=dt.UTC))):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                pages = write_feedback(course, ASSIGNMENT, now=now).pages
                times.append(time.perf_counter() - start)
            best = min(times)
            print(f"{len(pages)} pages {label}: best of {args.repeat} {best:.2f} s, "
                  f"{1000 * best / len(pages):.0f} ms a page (all: {', '.join(f'{t:.2f}' for t in times)} s)")


if __name__ == "__main__":
    main()
