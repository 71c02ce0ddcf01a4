"""Grade passback (AGS) and roster sync (NRPS) against the simulated platform: released scores only, one line
item per assignment and LMS course, the outbox through failures, idempotence, two LMS courses, newcomers and leavers."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
import sqlalchemy as sa
from joserfc.jwk import RSAKey

from grader.config import load_roster
from grader.errors import LtiError
from grader.gradebook import Gradebook, PartRecord
from grader.lti.claims import Scope
from grader.lti.keys import tool_jwks
from grader.lti.outbox import backoff
from grader.lti.people import mark_member, record_context
from grader.lti.services import PlatformClient
from grader.lti.sync import push, sync_roster
from grader.lti.tables import lineitems, outbox
from grader.outcomes import SubmissionStatus, Verdict
from tests.lti.platform import INSTRUCTOR, ISSUER, Member, Platform, platform_toml

ROSTER = "student_id,name,email,lti_sub\ns001,Ada,ada@example.edu,sub-s001\ns002,Bo,bo@example.edu,sub-s002\ns003,Cy,,\n"
AFTER = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)    # a1 is due 2030-01-31: its scores are released after
BEFORE = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)


class Linked:
    def __init__(self, course):
        self.course, self.platform = course, Platform()
        self.platform.tool_jwks = tool_jwks(course.root)
        self.http = httpx.Client(transport=httpx.MockTransport(self.platform.handle))
        self.book = Gradebook(course.config.gradebook, course.root)

    def grade(self, student: str, score: float, pending: bool = False) -> None:
        rows = [PartRecord(problem_id="q1", part="out_channels", given=1, expected=2, score=score, max_score=2.0,
                           verdict=Verdict.PARTIAL, feedback="")]
        if pending:
            rows.append(PartRecord(problem_id="q3", part="answer", given="x", expected=None, score=0.0, max_score=2.0,
                                   verdict=Verdict.PENDING, feedback=""))
        self.book.record(assignment="a1", student_id=student, path=f"submitted/{student}/a1/{score}/a1.ipynb",
                         sha256=f"{score}".ljust(64, "0"), submitted_at="2030-01-01T00:00:00Z",
                         status=SubmissionStatus.GRADED, rows=rows)

    def link(self, context: str, *subjects: tuple[str, str]) -> None:
        record_context(self.book.engine, ISSUER, context, "7:deployment", f"LMS {context}", f"{ISSUER}/{context}/lineitems",
                       f"{ISSUER}/{context}/memberships", linked=True)
        for sub, sid in subjects:
            mark_member(self.book.engine, ISSUER, context, sub, sid)

    def push(self, **kw):
        return push(self.course, "a1", self.http, **kw)

    def outbox(self) -> list:
        with self.book.engine.connect() as conn:
            return conn.execute(sa.select(outbox).order_by(outbox.c.id)).all()


@pytest.fixture
def linked(make_course):
    made = []

    def make(config: str = "") -> Linked:
        course = make_course(config_extra=config + platform_toml())
        (course.root / "roster.csv").write_text(ROSTER)
        made.append(Linked(course))
        return made[-1]

    yield make
    for m in made:
        m.book.close()


def test_released_totals_go_to_one_line_item_fully_graded_and_pending_ones_only_when_asked(linked):
    lms = linked()
    lms.link("course-1", ("sub-s001", "s001"), ("sub-s002", "s002"))
    lms.grade("s001", 1.5)
    lms.grade("s002", 2.0, pending=True)
    result = lms.push(now=AFTER)
    assert (result.queued, result.drained.sent, result.plan.pending) == (1, 1, ["s002"])
    assert result.plan.not_in_lms == [] and result.plan.not_released == []
    [(item_url, score)] = lms.platform.scores
    assert score["userId"] == "sub-s001" and score["scoreGiven"] == 1.5 and score["scoreMaximum"] == 2.0
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["timestamp"].startswith("2031-01-01T00:00:00")
    [item] = lms.platform.lineitems["course-1"].values()
    assert item["id"] == item_url and item["resourceId"] == "a1" and item["label"] == "Small"
    with_pending = lms.push(now=AFTER, include_pending=True)
    assert with_pending.drained.sent == 1
    assert lms.platform.scores[-1][1]["userId"] == "sub-s002"
    assert lms.platform.scores[-1][1]["gradingProgress"] == "Pending"
    assert lms.platform.scores[-1][1]["scoreMaximum"] == 4.0


def test_no_score_goes_before_the_policy_releases_it(linked):
    lms = linked()
    lms.link("course-1", ("sub-s001", "s001"))
    lms.grade("s001", 1.5)
    before = lms.push(now=BEFORE)
    assert before.plan.not_released == ["s001"] and before.queued == 0 and lms.platform.scores == []
    practice = linked('[feedback]\non_submit = "score"\n')  # a practice course: scores are shown at once, so sent at once
    practice.link("course-1", ("sub-s001", "s001"))
    practice.grade("s001", 1.5)
    assert practice.push(now=BEFORE).drained.sent == 1


@pytest.mark.usefixtures("database")  # the outbox, line items and members on SQLite and PostgreSQL
def test_posting_twice_changes_nothing_and_a_changed_score_is_posted_again(linked):
    lms = linked()
    lms.link("course-1", ("sub-s001", "s001"))
    lms.grade("s001", 1.5)
    lms.push(now=AFTER)
    again = lms.push(now=AFTER)
    assert (again.queued, again.drained.sent, len(lms.platform.scores)) == (0, 0, 1)
    with lms.book.engine.begin() as conn:  # the tool forgot its line item: it finds the platform's, never makes a second
        conn.execute(lineitems.delete())
    lms.grade("s001", 2.0)  # a regrade
    regraded = lms.push(now=AFTER)
    assert regraded.drained.sent == 1 and lms.platform.scores[-1][1]["scoreGiven"] == 2.0
    assert len(lms.platform.lineitems["course-1"]) == 1


@pytest.mark.usefixtures("database")  # the outbox, line items and members on SQLite and PostgreSQL
def test_failed_posts_stay_in_the_outbox_and_are_retried_with_backoff_until_accepted(linked):
    lms = linked()
    lms.link("course-1", ("sub-s001", "s001"))
    lms.grade("s001", 1.5)
    lms.platform.fail = [503]  # the token endpoint is down
    first = lms.push(now=AFTER)
    assert first.drained.sent == 0 and "HTTP 503" in first.drained.failed[0]
    [row] = lms.outbox()
    assert (row.status, row.attempts) == ("pending", 1) and row.next_at.replace(tzinfo=dt.UTC) == AFTER + backoff(1)
    early = lms.push(now=AFTER + dt.timedelta(seconds=30))  # not due yet: left alone
    assert early.drained.sent == 0 and early.drained.waiting == 1 and not early.drained.failed
    lms.platform.fail = ["timeout"]
    later = AFTER + backoff(1)
    second = lms.push(now=later)
    assert "ReadTimeout" in second.drained.failed[0]
    assert lms.outbox()[0].next_at.replace(tzinfo=dt.UTC) == later + backoff(2) and backoff(2) == 2 * backoff(1)
    third = lms.push(now=later + backoff(2))
    assert third.drained.sent == 1 and len(lms.platform.scores) == 1
    assert [(r.status, r.attempts, r.last_error) for r in lms.outbox()] == [("sent", 3, "")]
    assert (backoff(1), backoff(30)) == (dt.timedelta(minutes=1), dt.timedelta(hours=6))


def test_an_expired_token_is_renewed_once_and_the_call_goes_through(linked):
    lms = linked()
    client = PlatformClient(lms.course, "lms", lms.http)
    scopes = (Scope.LINEITEM.value,)
    assert client.call("GET", f"{ISSUER}/course-1/lineitems", scopes).status_code == 200
    assert client.call("GET", f"{ISSUER}/course-1/lineitems", scopes).status_code == 200
    assert lms.platform.token_requests == 1  # kept between calls
    lms.platform.expire_tokens()  # the platform dropped it before the tool expected
    assert client.call("GET", f"{ISSUER}/course-1/lineitems", scopes).status_code == 200
    assert lms.platform.token_requests == 2
    lms.platform.tool_jwks = {"keys": [RSAKey.generate_key(2048, auto_kid=True).as_dict(private=False)]}
    lms.platform.expire_tokens()  # and now the platform no longer knows the tool's key: a clear refusal, not a retry
    with pytest.raises(LtiError, match="check client_id and that the platform has the tool's public key URL") as refused:
        client.call("GET", f"{ISSUER}/course-1/lineitems", scopes)
    assert refused.value.retry is False


def test_two_lms_courses_on_one_course_each_get_their_own_students_in_their_own_line_item(linked):
    lms = linked()
    lms.link("course-1", ("sub-s001", "s001"))
    lms.link("course-2", ("sub-s002", "s002"))
    lms.grade("s001", 1.5)
    lms.grade("s002", 0.5)
    result = lms.push(now=AFTER)
    assert result.drained.sent == 2
    posted = {url.split("/")[3]: s["userId"] for url, s in lms.platform.scores}
    assert posted == {"course-1": "sub-s001", "course-2": "sub-s002"}
    assert [len(lms.platform.lineitems[k]) for k in ("course-1", "course-2")] == [1, 1]


@pytest.mark.usefixtures("database")  # the outbox, line items and members on SQLite and PostgreSQL
def test_roster_sync_adds_newcomers_keeps_everyone_else_as_they_were_and_marks_who_left(linked):
    lms = linked()
    lms.link("course-1")
    lms.platform.members["course-1"] = [
        Member("sub-s001", "Ada", "ada@example.edu"), Member("sub-9", "Nine", "nine@example.edu", sis_id="SIS 9"),
        Member("sub-prof", "Prof", "prof@example.edu", roles=(INSTRUCTOR,)), Member("sub-gone", "Gone", status="Inactive"),
        Member("sub-x", "X Y", "x.y@example.edu")]
    before = (lms.course.root / "roster.csv").read_text().splitlines()
    old_roster = lms.course.roster()
    result = sync_roster(lms.course, lms.http)
    assert [s.student_id for s in result.added] == ["SIS-9", "x.y"] and result.contexts == 1 and not result.failed
    after = (lms.course.root / "roster.csv").read_text().splitlines()
    assert after[0] == "student_id,name,email,lti_sub,canvas_id,sis_id,login"
    assert [line.split(",")[:4] for line in after[1:4]] == [line.split(",") for line in before[1:]]  # unchanged rows
    assert load_roster(lms.course.root / "roster.csv")[:3] == old_roster  # every value of every old row
    roster = {s.student_id: s for s in load_roster(lms.course.root / "roster.csv")}
    assert (roster["SIS-9"].lti_sub, roster["SIS-9"].sis_id) == ("sub-9", "SIS 9") and "prof" not in str(roster)
    lms.platform.members["course-1"] = lms.platform.members["course-1"][:1]  # sub-9 and x.y left the LMS course
    second = sync_roster(lms.course, lms.http)
    assert second.added == [] and sorted(second.left) == ["SIS-9", "x.y"]
    assert set(load_roster(lms.course.root / "roster.csv")) == set(roster.values())  # kept on the roster
    with lms.book.engine.connect() as conn:
        marked = dict(conn.execute(sa.text("SELECT student_id, status FROM lti_members")).all())
    assert marked == {"s001": "active", "SIS-9": "left", "x.y": "left"}


def test_the_outbox_keeps_the_score_as_json_without_the_timestamp(linked):
    lms = linked()
    lms.link("course-1", ("sub-s001", "s001"))
    lms.grade("s001", 1.5)
    lms.push(now=AFTER)
    stored = json.loads(lms.outbox()[0].score)
    assert "timestamp" not in stored and stored["scoreGiven"] == 1.5


def test_a_push_of_another_assignment_retries_what_failed_before(linked):
    lms = linked()
    lms.link("course-1", ("sub-s001", "s001"))
    lms.grade("s001", 1.5)
    lms.platform.fail = [503]
    assert lms.push(now=AFTER).drained.failed
    a2 = lms.course.root / "assignments" / "a2"
    a2.mkdir()
    (a2 / "assignment.toml").write_text((lms.course.root / "assignments" / "a1" / "assignment.toml").read_text())
    later = push(lms.course, "a2", lms.http, now=AFTER + backoff(1))  # nothing of a2 is graded: a1's retry goes
    assert later.queued == 0 and later.drained.sent == 1 and lms.platform.scores[0][1]["userId"] == "sub-s001"
