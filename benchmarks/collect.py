"""Collecting a class's Canvas download: N students' notebooks of cnn-fundamentals in one zip.

    .venv/bin/python benchmarks/collect.py [--students 300]

Builds a copy of the demo course with N students (each with a canvas_id), their released notebooks
named as Canvas names a "Download Submissions" zip, then times ``collect`` three ways on that zip:
a dry run, the real collection, and the same archive again (every file already there).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cnn-fundamentals"


def build(folder: Path, students: int) -> tuple[object, Path, int]:
    """The course and its Canvas zip; returns (course, zip path, bytes of notebooks)."""
    from grader.assignment import load_assignment
    from grader.config import load_course
    from grader.generate import notebook_for
    from grader.notebook.build import notebook_bytes

    shutil.copy(ROOT / "autograde.toml", folder / "autograde.toml")
    shutil.copytree(ROOT / "assignments", folder / "assignments")
    (folder / "roster.csv").write_text("student_id,name,canvas_id\n" + "".join(
        f"s{i:04d},Student {i},{70000 + i}\n" for i in range(students)))
    course = load_course(folder)
    assignment = load_assignment(course, ASSIGNMENT)
    buffer, total = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for student in course.roster():
            data = notebook_bytes(notebook_for(course, assignment, student, b"benchmark-secret"))
            late = "_LATE" if int(student.student_id[1:]) % 7 == 0 else ""
            zf.writestr(f"student{student.student_id[1:]}{late}_{student.canvas_id}_{900000 + total % 997}_{ASSIGNMENT}.ipynb", data)
            total += len(data)
    archive = folder / "submissions.zip"
    archive.write_bytes(buffer.getvalue())
    return course, archive, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    os.environ["AUTOGRADE_SECRET"] = "benchmark-secret"
    from grader.collect import Outcome, collect

    with tempfile.TemporaryDirectory() as tmp:
        course, archive, total = build(Path(tmp), args.students)
        print(f"{args.students} notebooks, {total / 1e6:.1f} MB unpacked, zip {archive.stat().st_size / 1e6:.1f} MB; "
              f"load average {os.getloadavg()[0]:.1f}")
        for label, kwargs, expect in (("dry run", {"dry_run": True}, Outcome.IMPORTED),
                                      ("collect", {}, Outcome.IMPORTED),
                                      ("again (all already there)", {}, Outcome.ALREADY_THERE)):
            start = time.perf_counter()
            result = collect(course, ASSIGNMENT, archive, **kwargs)
            seconds = time.perf_counter() - start
            assert result.count(expect) == args.students, result.summary()
            print(f"{label:28s} {seconds:6.2f} s  {1000 * seconds / args.students:6.1f} ms a file  ({result.summary()})")


if __name__ == "__main__":
    main()
