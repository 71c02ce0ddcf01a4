"""The proof that the sandbox holds: one batch of 40 honest submissions and the whole hostile
corpus, on the fast executor in the default suite and on real kernels in the slow one.

Every hostile submission gets the outcome its case names; the honest ones score exactly as in a
batch without the corpus; nothing outside the sandbox changes; and both executors agree.
"""

from __future__ import annotations

import os

import pytest

from grader.sandbox.cgroup import PREFIX, Hierarchy, hierarchy
from tests.hostile.cases import ALL, REPORT
from tests.hostile.conftest import CORPUS, _reported_uids, corpus_bounds
from tests.hostile.course import HONEST

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's namespaces and uid switch need root")

LAYERS_ON = {"cgroup": "on", "network": "on", "filesystem": "on", "user": "on"}
MEMORY_MB = 2048  # the course's memory_mb (tests/hostile/course.py)
POINTS = 8.0      # the assignment's: q1 2, q2 5, q3 1


def _auto(rows: dict) -> dict:
    return {key: row for key, row in rows.items() if not row.manual}


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_each_hostile_submission_gets_its_outcome(proof, case):
    expect = case.expect
    submission, rows = proof.run.rows[case.student]
    assert submission.status == expect.status, submission.reason
    assert expect.reason in submission.reason
    outcome = proof.run.outcomes.get(case.student)
    if expect.run is None:
        assert outcome is None or outcome.status == "invalid"
    else:
        assert outcome.status in ((expect.run,) if isinstance(expect.run, str) else expect.run), outcome.reason
        if outcome.executor != "literal":  # read without running: no sandbox needed
            assert outcome.sandbox == LAYERS_ON
    correct = expect.correct(proof.ctx, case.student) if callable(expect.correct) else expect.correct
    assert not callable(expect.correct) or correct != ALL  # answers copied from elsewhere must not happen to be right
    got = {key for key, row in _auto(rows).items() if row.verdict == "correct"}
    assert got == set(correct), {k: r.feedback[:200] for k, r in _auto(rows).items() if (k in got) != (k in correct)}
    if expect.report is not None:
        assert expect.report.problems(str(rows[REPORT].given)) == [], rows[REPORT].given
    for key, text in expect.feedback.items():
        assert text in rows[key].feedback, rows[key].feedback


def test_honest_submissions_score_exactly_as_without_the_corpus(proof, alone):
    for sid in HONEST:
        with_corpus, without = proof.run.rows[sid], alone.rows[sid]
        assert (with_corpus[0].status, with_corpus[0].score, with_corpus[0].reason) == \
               (without[0].status, without[0].score, without[0].reason), sid
        assert with_corpus[1] == without[1], sid  # every field of every part row
    verdicts = [row.verdict for sid in HONEST for row in _auto(alone.rows[sid][1]).values()]
    mistakes = {row.mistake for sid in HONEST for row in alone.rows[sid][1].values()} - {None}
    assert {"correct", "wrong", "unanswered"} <= set(verdicts) and len(mistakes) >= 3  # a real mix


def test_nothing_outside_the_sandbox_changed(proof):
    assert proof.after == proof.before  # the canary, roster, config, secret, another student's notebook
    assert proof.created == []
    assert proof.connections == {"tcp": False, "unix": False}
    assert proof.leftovers == {}  # every process a case left behind was reaped
    assert proof.integrity == "ok"
    assert proof.shared_memory == []  # System V segments died with their runs' IPC namespaces
    assert set(proof.run.rows) == set(HONEST) | {case.student for case in CORPUS}
    ran = [o for o in proof.run.outcomes.values() if o.executor != "literal" and o.status != "invalid"]
    assert ran and all(o.sandbox == LAYERS_ON for o in ran)
    # a run's resident memory, all its processes together, never past memory_mb (the cgroup's own count)
    assert all(o.memory_peak_mb is not None and o.memory_peak_mb <= MEMORY_MB for o in ran)
    assert all(o.cpu_seconds is not None for o in ran)


def test_a_crashed_batchs_uid_and_group_were_reaped_before_reuse(proof):
    """The process a crashed batch left under a pool uid is gone (the leftovers check above), and so
    is its control group: no run group of a uid this batch used outlives the batch."""
    assert proof.seeded_uid is not None
    hier = hierarchy()
    assert isinstance(hier, Hierarchy), hier
    used = {proof.seeded_uid} | _reported_uids(proof.run)
    assert not {f"{PREFIX}{uid}" for uid in used} & set(hier.names())


def test_no_problem_ever_leaves_a_students_maximum(proof):
    """Forging your own channel gains nothing a plain assignment would not: whatever a submission
    printed, every problem keeps its full points in the maximum (issue 11: 10**400 dropped one)."""
    for sid, (submission, rows) in proof.run.rows.items():
        assert rows or submission.status in ("invalid", "not_on_roster"), sid  # only a file never read has none
        if rows:
            assert sum(row.max_score for row in rows.values()) == pytest.approx(POINTS), sid
            assert submission.max_score == pytest.approx(POINTS), sid


def test_every_feedback_page_is_written_bounded(batches):
    """The whole corpus's pages: none fails, and the long ones are cut with a note."""
    from grader.report.feedback import write_feedback

    proof = batches.corpus("fork")
    result = write_feedback(proof.ctx.students.course, "a1")
    assert result.failed == []
    assert len(result.pages) == sum(s.status in ("graded", "failed", "invalid") for s, _ in proof.run.rows.values())
    for case in corpus_bounds.CASES:
        if case.name in ("literal_19mb", "long_feedback_page"):
            page = (proof.ctx.students.course.folder("feedback") / "a1" / f"{case.student}.html").read_text()
            assert "not shown on this page" in page and len(page) < 2_000_000


def test_the_corpus_is_what_the_issue_asks_for():
    names = [case.name for case in CORPUS]
    assert len(names) == len(set(names)) >= 30
    assert all(case.attack and case.stopped_by for case in CORPUS)


@pytest.mark.slow
def test_fork_and_kernel_executors_agree_on_the_corpus(batches):
    """Issue 6: the same result rows (problem, part, score, verdict, mistake) and status either way."""
    def rows(proof):
        return {sid: (sub.status, {key: (round(r.score, 6), r.verdict, r.mistake) for key, r in found.items()})
                for sid, (sub, found) in proof.run.rows.items()}

    fork, kernel = rows(batches.corpus("fork")), rows(batches.corpus("kernel"))
    assert fork.keys() == kernel.keys()
    assert {sid: fork[sid] for sid in fork if fork[sid] != kernel[sid]} == {}
