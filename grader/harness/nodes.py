"""Collected nodes: a submission is a node, each graded part of it an item (never a cell)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.assignment import QuestionConfig
from grader.checking import CheckResult, PartResult
from grader.grading.batch import Planned
from grader.grading.execute import ExecutionOutcome
from grader.grading.score import PartRow, ScoringPolicy, manual_part, score_problem

__all__ = ["PartFailure", "PartItem", "SubmissionNode"]


class PartFailure(Exception):
    """Raised by an item whose part is not fully right; its text is the student's feedback."""

    def __init__(self, result: PartResult):
        super().__init__(result.feedback)
        self.result = result


class SubmissionNode(pytest.File):
    """One student's submission. Run once (by the harness's loop); its items read the outcome."""

    planned: Planned
    policy: ScoringPolicy

    def setup_planned(self, planned: Planned, policy: ScoringPolicy) -> None:
        self.planned, self.policy = planned, policy
        self.outcome: ExecutionOutcome | None = None
        self._checks: dict[str, CheckResult] = {}

    def collect(self):
        for item in self.planned_assignment().problems:
            if isinstance(item, QuestionConfig):
                yield PartItem.from_parent(self, name=f"{item.id}::answer", problem_id=item.id, part="answer")
                continue
            variant = self.planned.variants[item.id]
            for part in variant.family.parts(variant.params):
                yield PartItem.from_parent(self, name=f"{item.id}::{part}", problem_id=item.id, part=part)

    def planned_assignment(self):
        return self.config.stash[ASSIGNMENT_KEY]

    def part_result(self, problem_id: str, part: str) -> PartRow:
        assert self.outcome is not None, "the harness runs a submission before its items"
        problem = self.planned_assignment().problem(problem_id)
        if isinstance(problem, QuestionConfig):
            return PartRow(problem_id, part, manual_part(problem, self.outcome.free_text.get(problem_id)), manual=True)
        if problem_id not in self._checks:
            variant = self.planned.variants[problem_id]  # of a pool: the alternative this student got
            self._checks[problem_id] = score_problem(variant.problem, variant,
                                                     self.planned.slots[problem_id], self.outcome, self.policy)
        return PartRow(problem_id, part, self._checks[problem_id].parts[part])


class PartItem(pytest.Item):
    """One graded part. Passes when fully right; otherwise fails with the student's feedback."""

    def __init__(self, *, problem_id: str, part: str, **kw: Any):
        super().__init__(**kw)
        self.problem_id, self.part = problem_id, part
        self.row: PartRow | None = None

    def runtest(self) -> None:
        node: SubmissionNode = self.parent
        self.row = node.part_result(self.problem_id, self.part)
        result = self.row.result
        self.user_properties += [("score", round(result.score, 6)), ("max_score", round(result.max_score, 6))]
        if result.mistake:
            self.user_properties.append(("mistake", result.mistake))
        if self.row.manual and result.pending:
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


ASSIGNMENT_KEY = pytest.StashKey()
