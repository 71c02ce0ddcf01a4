"""Build the benchmark's course: a copy of the demo course, N students, and a realistic mix of
submissions of ``cnn-fundamentals`` (six computed questions and two written ones).

Every submission is built from the student's own release notebook, the instructor's solutions
notebook, or a known mistake of the family, so the expected verdict of each is known up front.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.assignment import load_assignment
from grader.config import Course, load_course
from grader.generate import notebook_for
from grader.notebook.build import answer_cell, notebook_bytes
from grader.notebook.slots import slots
from grader.variants import variants

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cnn-fundamentals"
PROBLEMS = ("q1", "q2", "q3", "q4", "q5", "q6")

# kind -> what the student did; the share is of the non-hostile submissions
KINDS: dict[str, tuple[float, str]] = {
    "typed": (0.42, "healthy: typed every number (literal answers, read without running)"),
    "typed-numpy": (0.16, "healthy: typed, tensors wrapped in np.array (read as literals since 2026-12-05; ran before)"),
    "computed": (0.16, "healthy: the instructor's numpy solutions notebook (runs: helper functions, loops)"),
    "wrong-typed": (0.18, "partly wrong: a named mistake in two of six questions (literal)"),
    "wrong-computed": (0.08, "partly wrong: the numpy solutions with the output-size '+1' forgotten (runs)"),
}
BLANK = ("blank", "nothing answered: the release notebook as handed out (literal)")
HOSTILE: dict[str, tuple[str, str]] = {  # kind -> (answer cell it sits in, code put first in that cell)
    "hostile-loop": ("q3", "while True:\n    pass\n"),
    "hostile-sleep": ("q5", "import time\ntime.sleep(3600)\n"),
    "hostile-exit": ("q4", "import os\nos._exit(1)\n"),
}
HOSTILE_NOTES = {
    "hostile-loop": "an infinite loop in q3's cell (interrupted at the cell limit)",
    "hostile-sleep": "time.sleep(3600) in q5's cell (interrupted at the cell limit)",
    "hostile-exit": "os._exit(1) in q4's cell (the process dies; q4-q6 are lost)",
}
FULL_MARKS = {"typed", "typed-numpy", "computed"}


@dataclass
class Submission:
    student_id: str
    kind: str
    notebook: nbformat.NotebookNode
    params: dict[str, dict] = field(default_factory=dict)      # problem id -> this student's parameters
    expected: dict[str, Any] = field(default_factory=dict)     # answer variable -> the right value

    @property
    def hostile(self) -> bool:
        return self.kind.startswith("hostile")


def plan_kinds(n: int) -> list[str]:
    """The kind of each of ``n`` submissions: three hostile ones, one blank, the rest by share,
    shuffled with a fixed seed so hostile notebooks do not all sit at one end of the batch."""
    hostile = list(HOSTILE) if n >= 8 else []
    blank = [BLANK[0]] if n >= 8 else []
    rest = n - len(hostile) - len(blank)
    exact = {k: share * rest for k, (share, _) in KINDS.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: rest - sum(counts.values())]:
        counts[k] += 1  # largest remainders
    kinds = [k for k, c in counts.items() for _ in range(c)] + blank + hostile
    random.Random(2026).shuffle(kinds)
    return kinds


def describe_mix(kinds: list[str]) -> list[str]:
    notes = {**{k: note for k, (_, note) in KINDS.items()}, BLANK[0]: BLANK[1], **HOSTILE_NOTES}
    return [f"{kinds.count(k):5d}  {k:<15} {notes[k]}" for k in notes if kinds.count(k)]


def make_course(root: Path, n: int, cell_seconds: float, notebook_seconds: float) -> Course:
    """A copy of the demo course in ``root`` with students b0001.. and its own secret."""
    root.mkdir(parents=True)
    for name in ("assignments", "solutions"):
        shutil.copytree(ROOT / name, root / name)
    config = (ROOT / "autograde.toml").read_text()
    config = re.sub(r"(?m)^cell_seconds = .*$", f"cell_seconds = {cell_seconds:g}", config)
    config = re.sub(r"(?m)^notebook_seconds = .*$", f"notebook_seconds = {notebook_seconds:g}", config)
    (root / "autograde.toml").write_text(config)
    (root / "roster.csv").write_text("student_id,name\n" + "".join(f"b{i:04d},Student {i}\n" for i in range(1, n + 1)))
    (root / ".autograde").mkdir()
    (root / ".autograde" / "secret").write_text("benchmark-secret\n")
    return load_course(root)


def build_submissions(course: Course, kinds: list[str] | None = None) -> list[Submission]:
    """Each student's submission, of the kind ``kinds`` gives it (default: :func:`plan_kinds`, the realistic mix)."""
    assignment = load_assignment(course, ASSIGNMENT)
    secret, _ = course.secret()
    solutions = nbformat.reads((course.root / "solutions" / f"{ASSIGNMENT}.ipynb").read_text(), as_version=4)
    students = course.roster()
    out = []
    for index, (student, kind) in enumerate(zip(students, kinds or plan_kinds(len(students)))):
        vs = variants(secret, course.config.course, assignment, student.student_id)
        sub = Submission(student.student_id, kind, nbformat.NotebookNode())
        answers: dict[str, list] = {}
        for pid, v in vs.items():
            sub.params[pid] = v.params.model_dump(mode="json")
            answers[pid] = _values(v.family, v.params, v.answer())
            for slot, value in zip(slots(pid, v.family, v.params), answers[pid]):
                sub.expected[slot.variable] = value
        if kind in ("computed", "wrong-computed"):
            sub.notebook = _computed(solutions, wrong=kind == "wrong-computed")
        else:
            release = notebook_for(course, assignment, student, secret)
            if kind != "blank":
                wrong = set(PROBLEMS[index % 3::3]) if kind == "wrong-typed" else set()
                for pid, v in vs.items():
                    mistakes = _mistakes(v) if pid in wrong else []
                    if mistakes:
                        answers[pid] = _values(v.family, v.params, mistakes[0].answer)
                    _fill(release, pid, slots(pid, v.family, v.params), answers[pid], numpy=kind == "typed-numpy")
            if kind in HOSTILE:
                cell_id, code = HOSTILE[kind]
                cell = _cell(release, cell_id)
                cell.source = code + cell.source
            sub.notebook = release
        out.append(sub)
    return out


def write_submissions(course: Course, subs: list[Submission], folder: str, keep=lambda s: True) -> Path:
    """Write ``folder/<student>/<assignment>/<timestamp>/<assignment>.ipynb`` under the course."""
    top = course.root / folder
    for sub in subs:
        if keep(sub):
            path = top / sub.student_id / ASSIGNMENT / "2026-12-01T10-00-00Z" / f"{ASSIGNMENT}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_bytes(notebook_bytes(sub.notebook))
    return top


def _values(family, params, answer) -> list:
    """An answer in the family's layout as the values of its answer variables, in slot order."""
    problem_slots = slots("q", family, params)
    if family.layout == "object":
        return [answer[s.part] for s in problem_slots]
    return [answer]


def _mistakes(v) -> list:
    try:
        return v.family.mistakes(v.params)
    except ValueError:  # pool_values' "stride_one" fails for a few parameters (see the benchmark's report)
        return []


def _cell(nb, cell_id: str):
    return next(c for c in nb.cells if c.get("id") == cell_id)


def _fill(nb, pid: str, problem_slots, values: list, numpy: bool) -> None:
    cell = _cell(nb, pid)
    if not numpy:
        cell.source = answer_cell(pid, problem_slots, values)["source"]
        return
    lines = [f"# {pid}: my answer", "import numpy as np"]
    for slot, value in zip(problem_slots, values):
        lines.append(f"{slot.variable} = np.array({value!r})" if isinstance(value, list) and pid in ("q4", "q5")
                     else f"{slot.variable} = {value!r}")
    cell.source = "\n".join(lines)


def _computed(solutions, wrong: bool):
    nb = nbformat.from_dict(solutions)
    if wrong:
        helpers = _cell(nb, "helpers")
        before = helpers.source
        helpers.source = before.replace("- 1) // s + 1", "- 1) // s", 1)
        if helpers.source == before:
            raise RuntimeError("the solutions notebook's conv_out changed: update the benchmark's wrong-computed kind")
    return nb
