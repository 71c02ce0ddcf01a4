"""What two submitted notebooks share beyond their answers: the notebook side of ``autograde integrity``.

Three things, each read from the submitted files as plain JSON (nothing in them is run):

- identical cells: a code or markdown cell the student wrote (not one of ours, not an answer stub
  left as released) whose text, trailing spaces and blank lines aside, appears in exactly two
  notebooks of the class;
- identical unusual formatting of an answer cell: the cell with every number replaced by ``0``
  (so different variants' numbers compare equal), when it differs from how the notebook was
  released and exactly two notebooks have it;
- a notebook released to another student: its parameters cells are the ones generated for someone
  else (or the release stamp recorded at grading says so).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment
from grader.errors import AutogradeError
from grader.gradebook import SubmissionRecord
from grader.notebook.build import FREE_TEXT_STUB, answer_cell, params_cell
from grader.notebook.nbgrader import grade_id
from grader.notebook.read import read_notebook, read_submission_bytes
from grader.notebook.slots import slot_values, slots
from grader.variants import Variant

__all__ = ["ClassNotebooks", "SharedContent", "read_class_notebooks"]

MIN_CHARS = 20
"""A cell shorter than this (spaces aside) is too common a thing to write to say anything."""
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _text(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.splitlines() if line.strip())


def _shape(source: str) -> str:
    """An answer cell's formatting: its text with every number written as 0."""
    return _NUMBER.sub("0", _text(source))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SharedContent:
    """What one pair's notebooks share that no other notebook of the class has."""

    identical_cells: tuple[str, ...] = ()          # the first line of each identical cell
    identical_formatting: tuple[str, ...] = ()     # problem ids whose answer cells are formatted alike

    @property
    def count(self) -> int:
        return len(self.identical_cells) + len(self.identical_formatting)


@dataclass
class ClassNotebooks:
    """The notebook facts of a class, indexed for pairs."""

    cells: dict[str, set[str]] = field(default_factory=dict)                # student -> digests of unusual cells
    first_lines: dict[str, str] = field(default_factory=dict)               # digest -> the cell's first line
    formatting: dict[str, dict[str, str]] = field(default_factory=dict)     # student -> problem -> digest of its shape
    released_to: dict[str, tuple[str, str]] = field(default_factory=dict)   # submitter -> (recipient, how it shows)
    unreadable: dict[str, str] = field(default_factory=dict)                # student -> why their file was not read
    _cell_count: Counter = field(default_factory=Counter)
    _shape_count: Counter = field(default_factory=Counter)

    def shared(self, a: str, b: str) -> SharedContent:
        cells = sorted(self.first_lines[d] for d in self.cells.get(a, set()) & self.cells.get(b, set())
                       if self._cell_count[d] == 2)
        fa, fb = self.formatting.get(a, {}), self.formatting.get(b, {})
        shapes = sorted(pid for pid in fa if fb.get(pid) == fa[pid] and self._shape_count[(pid, fa[pid])] == 2)
        return SharedContent(tuple(cells), tuple(shapes))

    def pairs(self) -> Iterable[tuple[str, str]]:
        """Every pair that shares at least one unusual cell or formatting."""
        holders: dict[object, list[str]] = defaultdict(list)
        for sid, digests in self.cells.items():
            for d in digests:
                if self._cell_count[d] == 2:
                    holders[d].append(sid)
        for sid, shapes in self.formatting.items():
            for pid, d in shapes.items():
                if self._shape_count[(pid, d)] == 2:
                    holders[(pid, d)].append(sid)
        return sorted({tuple(sorted(group)) for group in holders.values() if len(group) == 2})


def read_class_notebooks(root: Path, assignment: Assignment, submissions: Mapping[str, SubmissionRecord],
                         variants: Mapping[str, Mapping[str, Variant]], max_bytes: int) -> ClassNotebooks:
    """Read every graded submission's notebook (``variants``: every roster student's, to recognise
    what was released to whom and the answer cells as released)."""
    out = ClassNotebooks()
    ours = {"header", "footer"} | {f"{p.id}-{suffix}" for p in assignment.problems for suffix in ("statement", "params", "tests")}
    released: dict[str, set[str]] = defaultdict(set)  # a parameters cell as generated -> for whom
    for sid, vs in variants.items():
        for pid, v in vs.items():
            released[_text(params_cell(pid, v.params.model_dump(mode="json"), v.alternative)["source"])].add(sid)
    for sid, sub in sorted(submissions.items()):
        path = Path(sub.path) if Path(sub.path).is_absolute() else root / sub.path
        try:
            nb = read_notebook(read_submission_bytes(path, max_bytes), path.name)
        except AutogradeError as exc:
            out.unreadable[sid] = str(exc)
            continue
        standard = _standard_shapes(variants.get(sid, {}))
        cells, shapes = set(), {}
        owners: list[set[str]] = []
        for cell in nb.cells:
            gid = grade_id(cell)
            if gid and gid.endswith("-params") and cell.cell_type == "code" and _text(cell.source) in released:
                owners.append(released[_text(cell.source)])
            if gid in ours or cell.cell_type not in ("code", "markdown"):
                continue
            text = _text(cell.source)
            if gid in standard and cell.cell_type == "code" and _shape(cell.source) not in standard[gid]:
                shapes[gid] = _digest(_shape(cell.source))
            if len("".join(text.split())) >= MIN_CHARS and text != FREE_TEXT_STUB and \
                    not (gid in standard and _shape(cell.source) in standard[gid]):
                digest = _digest(text)
                cells.add(digest)
                out.first_lines.setdefault(digest, text.splitlines()[0][:80])
        out.cells[sid], out.formatting[sid] = cells, shapes
        out._cell_count.update(cells)
        out._shape_count.update(shapes.items())
        recipient = _recipient(owners, sid)
        stamped = sub.released_to  # the release stamp, where grading recorded one
        if stamped and stamped != sid:
            out.released_to[sid] = (stamped, "its release stamp")
        elif recipient:
            out.released_to[sid] = (recipient, "its parameters cells are the ones generated for them")
    return out


def _standard_shapes(variants: Mapping[str, Variant]) -> dict[str, set[str]]:
    """How each answer cell looks as released: the stub, and filled in the stub's own format."""
    out = {}
    for pid, v in variants.items():
        problem_slots = slots(pid, v.family, v.params)
        answer = v.answer()
        values = slot_values(problem_slots, v.family.layout, answer)
        out[pid] = {_shape(answer_cell(pid, problem_slots)["source"]), _shape(answer_cell(pid, problem_slots, values)["source"])}
    return out


def _recipient(owners: list[set[str]], sid: str) -> str | None:
    """Whose parameters cells these are: the one student every recognised cell was generated for,
    when that is not the submitter (a cell many students share, fixed parameters say, proves nothing)."""
    common = set.intersection(*owners) if owners else set()
    return next(iter(common)) if len(common) == 1 and sid not in common else None
