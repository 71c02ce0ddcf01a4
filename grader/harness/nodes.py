"""Collected nodes: a submission is a node, each graded part of it an item (never a cell)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grader.assignment import QuestionConfig
from grader.checking import PartResult
from grader.errors import AutogradeError
from grader.grading.batch import Batch, Planned
from grader.grading.runner import SubmissionResult

__all__ = ["PartFailure", "PartItem", "Results", "SubmissionNode"]

ASSIGNMENT_KEY = pytest.StashKey()


class Results:
    """The batch's results as they finish, handed to items in whatever order pytest runs them."""

    def __init__(self, stream: Iterator[SubmissionResult], session: pytest.Session, batch: Batch, total: int):
        self.stream, self.session, self.batch, self.total = stream, session, batch, total
        self.ready: dict[int, SubmissionResult] = {}  # by id of the Planned
        self.done = 0

    def of(self, planned: Planned) -> SubmissionResult:
        """``planned``'s result, waiting for it (and keeping the others that finish first)."""
        try:
            while id(planned) not in self.ready:
                self._arrived(next(self.stream))  # every planned submission comes back once
        except AutogradeError as exc:  # a lost cluster: what was recorded stays, a rerun grades the rest
            raise self.session.Interrupted(str(exc)) from None
        return self.ready[id(planned)]

    def _arrived(self, result: SubmissionResult) -> None:
        self.ready[id(result.planned)] = result
        self.done += 1
        self.session.config.hook.pytest_grader_submission_done(
            batch=self.batch, planned=result.planned, outcome=result.outcome, rows=result.rows, done=self.done,
            total=self.total)

    def close(self) -> None:
        """Let a batch whose results all arrived end as usual; stop one that was cut short (``-x``)."""
        if self.done == self.total:
            for result in self.stream:  # none is left: this lets the workers stop in the usual way
                self._arrived(result)
        else:
            close = getattr(self.stream, "close", None)
            if close is not None:
                close()


RESULTS_KEY = pytest.StashKey[Results]()


class PartFailure(Exception):
    """Raised by an item whose part is not fully right; its text is the student's feedback."""

    def __init__(self, result: PartResult):
        super().__init__(result.feedback)
        self.result = result


class SubmissionNode(pytest.File):
    """One student's submission: its items read the one result of its one run."""

    planned: Planned

    def setup_planned(self, planned: Planned) -> None:
        self.planned = planned

    def collect(self):
        for item in self.config.stash[ASSIGNMENT_KEY].problems:
            if isinstance(item, QuestionConfig):
                yield PartItem.from_parent(self, name=f"{item.id}::answer", problem_id=item.id, part="answer")
                continue
            variant = self.planned.variants[item.id]
            for part in variant.family.parts(variant.params):
                yield PartItem.from_parent(self, name=f"{item.id}::{part}", problem_id=item.id, part=part)

    def result(self) -> SubmissionResult:
        return self.config.stash[RESULTS_KEY].of(self.planned)


class PartItem(pytest.Item):
    """One graded part. Passes when fully right; otherwise fails with the student's feedback."""

    def __init__(self, *, problem_id: str, part: str, **kw: Any):
        super().__init__(**kw)
        self.problem_id, self.part = problem_id, part

    def runtest(self) -> None:
        node: SubmissionNode = self.parent
        row = node.result().row(self.problem_id, self.part)
        result = row.result
        self.user_properties += [("score", round(result.score, 6)), ("max_score", round(result.max_score, 6))]
        if result.mistake:
            self.user_properties.append(("mistake", result.mistake))
        if row.manual and result.pending:
            pytest.skip("pending: graded by hand")
        if not result.correct:
            raise PartFailure(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PartFailure):
            r = excinfo.value.result
            return f"{self.problem_id}/{self.part}: {r.score:g} of {r.max_score:g} points. {r.feedback}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.planned.student.student_id}::{self.problem_id}::{self.part}"
