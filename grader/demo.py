"""The built-in demo (``make demo``): the whole story on the demo course, in a scratch copy.

The repo root is the demo course; the demo copies it to ``demo-run/`` (gitignored, rebuilt each
time) so that nothing of a real course is ever touched, then: checks the seed documents'
answers, generates every student's notebook, makes submissions (right, computed with numpy,
partly wrong, broken, not a notebook, blank), grades them in the sandbox, and writes feedback
pages, the gradebook CSV and the instructor report.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import nbformat
from rich.console import Console
from rich.table import Table

from grader.assignment import load_assignment
from grader.checking import check
from grader.cli.common import score_text
from grader.config import load_course
from grader.generate import generate, release_path
from grader.gradebook import Gradebook
from grader.grading.runner import grade
from grader.notebook.slots import slot_values, slots, stub_line
from grader.outcomes import ValidationStatus, Verdict
from grader.private import make_private, private_folder, write_private
from grader.problems import families, get_family
from grader.report.export import export
from grader.report.feedback import write_feedback
from grader.report.report import write_report
from grader.sandbox.executors import ExecutorName
from grader.submit import submit
from grader.variants import variants

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cnn-fundamentals"
console = Console()


def show_families() -> None:
    table = Table(title="Problem families", title_justify="left")
    table.add_column("family", style="bold")
    table.add_column("what the student computes")
    for name, family in families().items():
        table.add_row(name, family.summary)
    console.print(table)


def grade_seed_answers(path: Path = ROOT / "examples" / "seeds.jsonl") -> int:
    """Check every computational answer from the seed documents; return how many verdicts disagree."""
    table = Table(title="Answers from the seed documents, checked", title_justify="left")
    for column in ("case", "family", "student's answer", "verdict", "why"):
        table.add_column(column, overflow="fold")
    disagree = 0
    for line in path.read_text().splitlines():
        case = json.loads(line)
        result = check(get_family(case["family"]), case["params"], case["answer"])
        disagree += result.correct != case["correct"]
        verdict = "[green]right[/]" if result.correct else "[red]wrong[/]"
        why = case["note"] if result.correct else "; ".join(result.feedback)
        table.add_row(case["id"], case["family"], json.dumps(case["answer"])[:40], verdict, why[:150])
    console.print(table)
    return disagree


def scratch_course(folder: Path = ROOT / "demo-run"):
    """A fresh copy of the demo course, with its own secret."""
    shutil.rmtree(folder, ignore_errors=True)
    private_folder(folder)  # the course's state is its owner's only (grader/private.py), copies included
    for name in ("autograde.toml", "roster.csv", "assignments", "solutions"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, folder / name)
    make_private(folder)
    config = folder / "autograde.toml"  # a shorter cell limit, so the demo's infinite loop ends soon
    config.write_text(config.read_text().replace("cell_seconds = 20", "cell_seconds = 5"))
    write_private(private_folder(folder / ".autograde") / "secret", b"demo-secret\n")
    return load_course(folder)


def make_submissions(course) -> dict[str, str]:
    """One of each kind of submission; returns what each student did."""
    secret, _ = course.secret()
    done: dict[str, str] = {}

    def place(student: str, data: bytes) -> None:
        folder = private_folder(course.folder("submitted") / student / ASSIGNMENT / "2026-12-07T20-00-00Z")
        write_private(folder / f"{ASSIGNMENT}.ipynb", data)

    worked = release_path(course, ASSIGNMENT, "s001", worked=True)
    # validated, then filed with a timestamp: a fixed one, before the due date, so the demo never turns late
    result = submit(course, ASSIGNMENT, worked, "s001", now=dt.datetime(2026, 12, 7, 19, 0, tzinfo=dt.UTC))
    missing = [p.problem_id for p in result.report.problems if p.status == ValidationStatus.MISSING]
    done["s001"] = "right answers, typed in" + (f"; validate noted {', '.join(missing)} unanswered" if missing else "")
    place("s002", (course.root / "solutions" / f"{ASSIGNMENT}.ipynb").read_bytes())
    done["s002"] = "the instructor's numpy code, computing from the parameters cell"

    nb = nbformat.read(release_path(course, ASSIGNMENT, "s003", worked=True), as_version=4)
    vs = variants(secret, course.config.course, load_assignment(course, ASSIGNMENT), "s003")
    for cell in nb.cells:  # two classic mistakes, the rest right
        for pid, mistake in (("q1", "forgot_plus_one"), ("q2", "no_bias")):
            if cell.get("id") == pid:
                cell.source = _answer_source(vs[pid], mistake)
    place("s003", nbformat.writes(nb).encode())
    done["s003"] = "partly wrong: forgot the +1 in q1, left the biases out in q2"

    nb = nbformat.read(release_path(course, ASSIGNMENT, "s004", worked=True), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("while True:\n    pass  # never ends"))
    nb.cells.insert(3, nbformat.v4.new_code_cell("1 / 0"))
    place("s004", nbformat.writes(nb).encode())
    done["s004"] = "broken: a division by zero and an infinite loop before the answers"
    place("s005", b'{"cells": [ this is not json')
    done["s005"] = "not a notebook (truncated JSON)"
    place("s006", release_path(course, ASSIGNMENT, "s006").read_bytes())
    done["s006"] = "blank: submitted the notebook as released"
    return done


def _answer_source(variant, mistake: str) -> str:
    """An answer cell holding the answer a named mistake gives."""
    family, params = variant.family, variant.params
    wrong = next(m.answer for m in family.mistakes(params) if m.name == mistake)
    problem_slots = slots(variant.problem_id, family, params)
    return "\n".join(stub_line(s, value, filled=True) for s, value in zip(problem_slots, slot_values(problem_slots, family.layout, wrong)))


def show_results(course, done: dict[str, str]) -> None:
    book = Gradebook(course.config.gradebook, course.root)
    table = Table(title=f"{ASSIGNMENT}: graded", title_justify="left")
    for column in ("student", "what they did", "status", "score", "by hand", "named mistakes"):
        table.add_column(column, overflow="fold")
    try:
        for sub in book.submissions(ASSIGNMENT):
            rows = book.part_rows(sub.id)
            mistakes = sorted({r.mistake for r in rows if r.mistake})
            score = f"{score_text(sub.score)} / {score_text(sub.max_score)}" if sub.score is not None and sub.max_score else "-"
            waiting: dict[str, float] = {}  # points of free-text parts not graded yet, by why
            for r in rows:
                if r.manual and r.verdict in (Verdict.PENDING, Verdict.UNANSWERED):
                    waiting[r.verdict] = waiting.get(r.verdict, 0.0) + r.max_score
            by_hand = ", ".join(f"{score_text(points)} {why}" for why, points in sorted(waiting.items()))
            table.add_row(sub.student_id, done.get(sub.student_id, ""), sub.status, score, by_hand, ", ".join(mistakes))
    finally:
        book.close()
    console.print(table)
    console.print("Scores count the points given so far; free-text answers wait for a hand grade "
                  "(autograde manual export / import).")


def main(folder: Path = ROOT / "demo-run") -> None:
    show_families()
    disagree = grade_seed_answers()
    console.print(f"{disagree} seed verdict(s) differ from the instructor's.\n" if disagree else
                  "Every seed verdict matches a careful instructor's.\n")
    course = scratch_course(folder)
    os.chdir(course.root)
    result = generate(course, ASSIGNMENT, solutions=True)
    console.print(f"Generated {len(result.notebooks)} notebooks (release + worked solutions) for "
                  f"{result.students} students in {result.seconds:.2f} s.")
    done = make_submissions(course)
    console.print(f"Made {len(done)} submissions; grading them in the sandbox ...")
    grade(course, ASSIGNMENT, executor=ExecutorName.FORK)
    show_results(course, done)
    after_due = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    pages = write_feedback(course, ASSIGNMENT, now=after_due).pages
    csv_path = export(course, ASSIGNMENT, "csv").path
    report = write_report(course, ASSIGNMENT).path
    where = folder.resolve().parent
    rel = lambda p: Path(p).resolve().relative_to(where)  # noqa: E731
    console.print(f"\nFeedback pages: {rel(pages[0].parent)}/ ({len(pages)} pages)\n"
                  f"Gradebook CSV:  {rel(csv_path)}\nReport:         {rel(report)}\n"
                  f"Try: .venv/bin/autograde --help, or open {rel(report)} in a browser.")


if __name__ == "__main__":
    main()
