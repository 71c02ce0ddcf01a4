"""The vocabulary of the hostile corpus: a case (a notebook builder and the outcome it must get),
the edits builders are made of, and the report channel probes use.

A probe learns what the sandbox let it see by trying things and writing what happened into the
string answer ``q2_log_term`` (``label=ok:<what it got>`` or ``label=<exception name>``): that is
what a student would do to exfiltrate, and it lands in the gradebook, where the test reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tests.hostile.course import Students, cell_index, code_cell

Q1 = frozenset({("q1", "out_channels"), ("q1", "out_size")})
Q2 = frozenset({("q2", p) for p in ("log_term", "q_term", "p_term", "kl", "kl_value")})
ALL = Q1 | Q2
NONE: frozenset = frozenset()
REPORT = ("q2", "log_term")
KERNEL_DIED = "kernel died"
PAST_NOTEBOOK = "ran past 20 s"


@dataclass
class Context:
    """What builders may bake into a notebook: paths and pids a student could guess or find."""

    students: Students
    grader_pid: int
    token: str              # in the command line of every process a case leaves behind on purpose
    tcp_port: int           # a port the test listens on, on the grader's loopback
    unix_name: str          # an abstract UNIX socket the test listens on
    honest_path: Path       # another student's submission
    scratch_probe: Path     # a file a case tries to create in the grader's /tmp
    venv: Path              # the grader's environment (bound back into every run)
    neighbour: Path         # a course kept beside it, made world-readable (as older versions left one)
    private_course: Path    # another course on the machine, in a world-readable folder, made by autograde

    @property
    def checkout(self) -> Path:
        return self.venv.parent

    @property
    def root(self) -> Path:
        return self.students.course.root


@dataclass(frozen=True)
class Report:
    """What a probe's report must show: labels that were refused, text it must (not) hold."""

    refused: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()

    def problems(self, given: str) -> list[str]:
        found = dict(item.split("=", 1) for item in given.split("; ") if "=" in item)
        out = [f"{label} was not tried" for label in self.refused if label not in found]
        out += [f"{label} got through: {found[label]}" for label in self.refused if found.get(label, "").startswith("ok")]
        out += [f"{text!r} missing" for text in self.contains if text not in given]
        out += [f"{text!r} leaked" for text in self.lacks if text in given]
        return out


Correct = frozenset | Callable[[Context, str], frozenset]


@dataclass(frozen=True)
class Expect:
    """The outcome a case must get.

    ``correct``: the auto-graded parts that must be fully right, every other one must not be
    (a set, or a function of the context and the student for answers copied from elsewhere);
    ``status``: the gradebook's; ``run``: the run's own (ok, timeout, died, or a tuple of those
    where the executors legitimately differ; None when nothing ran); ``reason``: text the recorded
    reason must hold; ``feedback``: text a part's feedback must hold.
    """

    correct: Correct = ALL
    status: str = "graded"
    run: str | tuple[str, ...] | None = "ok"
    reason: str = ""
    report: Report | None = None
    feedback: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    name: str
    attack: str                               # one line: what it tries
    build: Callable[[Context, str], None]     # writes the student's submission
    expect: Expect
    stopped_by: str                           # the layer or mechanism that stops it (docs/security.md)

    @property
    def student(self) -> str:
        return "h-" + self.name.replace("_", "-")


Edit = Callable[[Context, str, nbformat.NotebookNode], None]


def edited(*edits: Edit, worked: bool = True) -> Callable[[Context, str], None]:
    """A builder: the student's notebook (fully answered unless ``worked=False``), then the edits."""
    def build(ctx: Context, sid: str) -> None:
        nb = ctx.students.notebook(sid, worked=worked)
        for edit in edits:
            edit(ctx, sid, nb)
        ctx.students.write(sid, nb)
    return build


Text = str | Callable[[Context, str], str]  # a cell's source, or a function of the context and the student


def source(text: Text) -> Callable[[Context, str], str]:
    return text if callable(text) else (lambda ctx, sid: text)


def after(cell_id: str, text: Text) -> Edit:
    """A code cell inserted after the cell ``cell_id`` (``"start"``: before every cell; ``"end"``: last)."""
    make = source(text)

    def edit(ctx: Context, sid: str, nb: nbformat.NotebookNode) -> None:
        index = {"start": 0, "end": len(nb.cells)}.get(cell_id)
        nb.cells.insert(cell_index(nb, cell_id) + 1 if index is None else index, code_cell(make(ctx, sid)))
    return edit


def answer(pid: str, values: Callable[[Context, str], dict]) -> Edit:
    """Problem ``pid``'s answer cell rewritten to give ``values(ctx, sid)``."""
    def edit(ctx: Context, sid: str, nb: nbformat.NotebookNode) -> None:
        nb.cells[cell_index(nb, pid)].source = ctx.students.answer_source(sid, pid, values(ctx, sid))
    return edit


PRELUDE = '''
def _try(label, fn):
    try:
        return f"{label}=ok:{str(fn())[:60]}"
    except BaseException as exc:
        return f"{label}={type(exc).__name__}"

'''


def reporting(probe: Text) -> Edit:
    """The probe runs at the end of q2's answer cell and reports through ``q2_log_term``:
    ``_report`` is the list of ``_try(...)`` results it builds."""
    make = source(probe)

    def edit(ctx: Context, sid: str, nb: nbformat.NotebookNode) -> None:
        cell = nb.cells[cell_index(nb, "q2")]
        cell.source += "\n" + PRELUDE + make(ctx, sid) + '\nq2_log_term = "; ".join(_report)[:3000]\n'
    return edit


def reports(*, refused: tuple[str, ...] = (), contains: tuple[str, ...] = (), lacks: tuple[str, ...] = (),
            **kw) -> Expect:
    """A reporting case's outcome: every answer right but the report, which must read as given."""
    return Expect(correct=kw.pop("correct", ALL - {REPORT}), report=Report(refused, contains, lacks), **kw)
