"""The instructor's grading pages: hand grading a group at once, overrides, regrade requests, the audit log,
and who may call each route (a student, another student, a TA, an instructor, nobody)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from grader.assignment import load_assignment
from grader.changes import history
from grader.gradebook import PartRecord
from grader.outcomes import ChangeKind, SubmissionStatus, Verdict
from grader.report.manual import answers, export_manual

pytestmark = pytest.mark.anyio

TA, PROF = "ta@example.edu", "prof@example.edu"
ANSWERS = {"s001": "Weight sharing gives translation equivariance.",
           "s002": "  weight SHARING gives\ntranslation   equivariance. ",
           "s003": "Because the GPU likes it."}
SECRET_FEEDBACK = "s002-private-feedback"


@pytest.fixture
def marked(served):
    """s001..s003 graded: q1's out_size computed (s002's wrong), q3 a written answer waiting for a hand grade.
    Returns student -> gradebook submission id."""
    ids = {}
    for sid, text in ANSWERS.items():
        right = sid != "s002"
        ids[sid] = served.service.book.record(
            assignment="a1", student_id=sid, path=f"submitted/{sid}/a1/t/a1.ipynb", sha256="0" * 64,
            submitted_at="2029-01-01T00:00:00Z", status=SubmissionStatus.GRADED, rows=[
                PartRecord("q1", "out_size", 1.0 if right else 0.0, 1.0, Verdict.CORRECT if right else Verdict.WRONG,
                           feedback=SECRET_FEEDBACK if sid == "s002" else "", given=3, expected=3 if right else 4),
                PartRecord("q3", "answer", 0.0, 2.0, Verdict.PENDING, manual=True, given=text),
            ])
    yield ids
    served.service.book.close()  # the app ran without its lifespan: its pool's connections are closed here


def callers(served):
    return {"own": served.client("s001"), "other": served.client("s002"), "ta": served.client(TA, staff_role="ta"),
            "prof": served.client(PROF, staff_role="instructor"), "none": served.client()}


GETS = [  # route -> status for (own student, another student, a TA, an instructor, nobody)
    ("/staff/a1/grading", (403, 403, 200, 200, 401)),
    ("/staff/a1/grading/q3", (403, 403, 200, 200, 401)),
    ("/staff/a1/submissions/{s002}", (403, 403, 200, 200, 401)),
    ("/staff/audit", (403, 403, 403, 200, 401)),
    ("/staff/audit.csv", (403, 403, 403, 200, 401)),
    ("/staff/requests", (403, 403, 200, 200, 401)),
    ("/me/a1/regrades", (200, 200, 403, 403, 401)),
]


@pytest.mark.parametrize(("route", "statuses"), GETS, ids=[c[0] for c in GETS])
async def test_each_grading_page_answers_each_kind_of_caller_as_it_should(served, marked, route, statuses):
    for (name, client), expected in zip(callers(served).items(), statuses, strict=True):
        async with client:
            response = await client.get(route.format(**marked))
        assert response.status_code == expected, (route, name, response.text[:300])
        if expected != 200:  # a refusal tells nothing of anyone's answers or scores
            assert not any(text in response.text for text in ANSWERS.values()) and SECRET_FEEDBACK not in response.text


def _posts(marked):
    """route -> (form, status for own student, another student, a TA, an instructor, nobody); each POST carries the
    caller's own CSRF token. A student's own POST is the regrade request; the rest are staff's."""
    return [
        ("/staff/a1/grading/q3", {"members": f"{marked['s003']}:answer", "score": "1", "feedback": "ok"},
         (403, 403, 303, 303, 401)),
        ("/staff/a1/submissions/{s002}/override".format(**marked),
         {"problem_id": "q1", "part": "out_size", "score": "1", "reason": "typo in the statement"},
         (403, 403, 403, 303, 401)),
        ("/me/a1/regrades", {"problem_id": "q1", "message": "please look again"}, (303, 303, 403, 403, 401)),
    ]


@pytest.mark.parametrize("index", range(3))
async def test_each_grading_form_refuses_the_wrong_caller_and_changes_nothing(served, marked, index):
    route, form, statuses = _posts(marked)[index]
    for (name, client), expected in zip(callers(served).items(), statuses, strict=True):
        before = len(history(served.service.book.engine))
        async with client:
            response = await client.post(route, data={**form, "csrf": getattr(client, "csrf", "")})
        assert response.status_code == expected, (route, name, response.text[:300])
        if expected in (401, 403):
            assert len(history(served.service.book.engine)) == before


async def test_a_form_without_the_sessions_csrf_token_is_refused(served, marked):
    for route, form, _ in _posts(marked):
        client = served.client(PROF, staff_role="instructor") if route.startswith("/staff") else served.client("s001")
        async with client:
            assert (await client.post(route, data={**form, "csrf": "forged"})).status_code == 403
            assert (await client.post(route, data=form)).status_code == 403
    assert history(served.service.book.engine) == []


@pytest.mark.usefixtures("database")  # SQLite, and PostgreSQL under .ci/with-postgres
async def test_a_group_of_equal_answers_is_graded_by_one_form_each_member_logged(served, marked):
    async with served.client(TA, staff_role="ta") as client:
        page = (await client.get("/staff/a1/grading/q3")).text
        assert "Why do CNNs share weights?" in page and "Mentions translation equivariance" in page  # prompt, rubric
        forms = re.findall(r'name="members" value="([^"]*)"', page)
        assert [sorted(f.split()) for f in forms] == [
            sorted([f"{marked['s001']}:answer", f"{marked['s002']}:answer"]), [f"{marked['s003']}:answer"]]
        assert "Group 1: 2 answers, to grade" in page and 'for="score-1"' in page and 'id="score-1"' in page
        response = await client.post("/staff/a1/grading/q3", data={"csrf": client.csrf, "members": forms[0], "score": "1.5",
                                                                   "feedback": "Equivariance, yes; say why it saves parameters."})
        assert response.status_code == 303 and response.headers["location"] == "/staff/a1/grading/q3?graded=2"
        page = (await client.get(response.headers["location"])).text
        assert "Graded 2 answers." in page and "Group 2: 2 answers, graded" in page
    book = served.service.book
    rows = {s.student_id: (s.score, {r.part: r for r in book.part_rows(s.id) if r.problem_id == "q3"}) for s in book.submissions("a1")}
    assert rows["s001"][0] == 2.5 and rows["s002"][0] == 1.5 and rows["s003"][0] == 1.0
    assert rows["s002"][1]["answer"].verdict == Verdict.MANUAL and rows["s003"][1]["answer"].verdict == Verdict.PENDING
    log = history(book.engine)
    assert sorted((c.student_id, c.kind, c.by, c.old, c.new) for c in log) == [
        ("s001", ChangeKind.HAND, TA, None, 1.5), ("s002", ChangeKind.HAND, TA, None, 1.5)]
    # the same data as manual export: only s003's answer is left on a sheet
    sheet = export_manual(served.course, "a1").path.read_text(encoding="utf-8-sig")
    assert [r["student_id"] for r in csv.DictReader(io.StringIO(sheet))] == ["s003"]


async def test_a_bad_grade_is_refused_naming_why_and_changes_nothing(served, marked):
    async with served.client(TA, staff_role="ta") as client:
        for form, why in [({"members": f"{marked['s001']}:answer", "score": "5"}, "outside 0..2"),
                          ({"members": f"{marked['s001']}:answer", "score": "x"}, "is not a number"),
                          ({"members": "999:answer", "score": "1"}, "is not a submission of a1"),
                          ({"members": f"{marked['s001']}:answer", "score": ""}, "give a score"),
                          ({"members": "", "score": "1"}, "names no answers")]:
            response = await client.post("/staff/a1/grading/q3", data={"csrf": client.csrf, **form})
            assert response.status_code in (400, 409) and why in response.text, (form, response.text[:300])
    assert history(served.service.book.engine) == []


@pytest.mark.usefixtures("database")  # SQLite, and PostgreSQL under .ci/with-postgres
async def test_an_instructor_overrides_a_computed_score_and_the_student_sees_the_same_score(served, marked):
    async with served.client(PROF, staff_role="instructor") as client:
        page = (await client.get(f"/staff/a1/submissions/{marked['s002']}")).text
        assert 'for="reason-q1-out_size"' in page and "Override" in page
        response = await client.post(f"/staff/a1/submissions/{marked['s002']}/override",
                                     data={"csrf": client.csrf, "problem_id": "q1", "part": "out_size", "score": "1",
                                           "reason": "the statement had a typo"})
        assert response.status_code == 303
        page = (await client.get(response.headers["location"])).text
        assert "Score set by an instructor: the statement had a typo" in page and '<dd class="ag-total">1 / 3</dd>' in page
        bad = await client.post(f"/staff/a1/submissions/{marked['s002']}/override",
                                data={"csrf": client.csrf, "problem_id": "q1", "part": "out_size", "score": "1", "reason": ""})
        assert bad.status_code == 400 and "needs a reason" in bad.text
    async with served.client(TA, staff_role="ta") as client:
        page = (await client.get(f"/staff/a1/submissions/{marked['s002']}")).text
        assert "Score set by an instructor" in page and "reason-q1-out_size" not in page  # no override form for a TA
    [entry] = history(served.service.book.engine)
    assert (entry.kind, entry.by, entry.student_id, entry.old, entry.new) == (ChangeKind.OVERRIDE, PROF, "s002", 0.0, 1.0)


@pytest.mark.usefixtures("database")  # SQLite, and PostgreSQL under .ci/with-postgres
async def test_a_regrade_request_is_asked_queued_answered_and_the_student_reads_the_answer(served, marked):
    async with served.client("s002") as student:
        page = (await student.get("/me/a1/regrades")).text
        assert '<option value="q1">' in page and '<option value="q3">' in page and SECRET_FEEDBACK not in page
        sent = await student.post("/me/a1/regrades", data={"csrf": student.csrf, "problem_id": "q1",
                                                            "message": "My 3 is right for stride 2."})
        assert sent.status_code == 303
        again = await student.post("/me/a1/regrades", data={"csrf": student.csrf, "problem_id": "q1", "message": "again"})
        assert again.status_code == 409 and "open already" in again.text  # one open request per problem
        nothing = await student.post("/me/a1/regrades", data={"csrf": student.csrf, "problem_id": "q2", "message": "x"})
        assert nothing.status_code == 409
    async with served.client("s001") as other:
        assert "My 3 is right" not in (await other.get("/me/a1/regrades")).text
    async with served.client(TA, staff_role="ta") as ta:
        queue = (await ta.get("/staff/requests")).text
        assert "My 3 is right for stride 2." in queue and "only an instructor may change it" in queue
        [request_id] = re.findall(r'action="/staff/requests/(\d+)"', queue)
        refused = await ta.post(f"/staff/requests/{request_id}", data={"csrf": ta.csrf, "action": "accept", "reply": "ok",
                                                                       "score:out_size": "1"})
        assert refused.status_code == 403 and "only an instructor" in refused.text
    async with served.client(PROF, staff_role="instructor") as prof:
        no_reply = await prof.post(f"/staff/requests/{request_id}", data={"csrf": prof.csrf, "action": "accept",
                                                                          "score:out_size": "1"})
        assert no_reply.status_code == 409 and "write a reply" in no_reply.text
        done = await prof.post(f"/staff/requests/{request_id}", data={"csrf": prof.csrf, "action": "accept",
                                                                      "reply": "Right: stride 2 gives 3.", "score:out_size": "1"})
        assert done.status_code == 303
        assert "Answered by prof@example.edu" in (await prof.get("/staff/requests")).text
    async with served.client("s002") as student:
        page = (await student.get("/me/a1/regrades")).text
        assert "accepted" in page and "Right: stride 2 gives 3." in page
    [entry] = history(served.service.book.engine)
    assert (entry.kind, entry.by, entry.problem_id, entry.old, entry.new, entry.reason) == (
        ChangeKind.REQUEST, PROF, "q1", 0.0, 1.0, "Right: stride 2 gives 3.")
    sub = next(s for s in served.service.book.submissions("a1") if s.student_id == "s002")
    assert sub.score == 1.0


async def test_a_ta_declines_a_request_and_may_accept_a_new_hand_grade(served, marked):
    async with served.client("s003") as student:
        for pid in ("q1", "q3"):
            await student.post("/me/a1/regrades", data={"csrf": student.csrf, "problem_id": pid, "message": f"about {pid}"})
    async with served.client(TA, staff_role="ta") as ta:
        ids = re.findall(r'action="/staff/requests/(\d+)"', (await ta.get("/staff/requests")).text)
        assert (await ta.post(f"/staff/requests/{ids[0]}", data={"csrf": ta.csrf, "action": "decline",
                                                                "reply": "It is right as graded."})).status_code == 303
        assert (await ta.post(f"/staff/requests/{ids[1]}", data={"csrf": ta.csrf, "action": "accept", "reply": "Fair.",
                                                                "score:answer": "2"})).status_code == 303
        again = await ta.post(f"/staff/requests/{ids[0]}", data={"csrf": ta.csrf, "action": "decline", "reply": "x"})
        assert again.status_code == 409 and "answered already" in again.text
    log = history(served.service.book.engine)
    assert [(c.kind, c.problem_id, c.new, c.by) for c in log] == [(ChangeKind.REQUEST, "q3", 2.0, TA)]


async def test_the_audit_log_filters_by_assignment_and_student_and_downloads_as_csv(served, marked):
    async with served.client(PROF, staff_role="instructor") as prof:
        for sid in ("s001", "s003"):
            await prof.post("/staff/a1/grading/q3", data={"csrf": prof.csrf, "members": f"{marked[sid]}:answer",
                                                          "score": "1", "feedback": "=HYPERLINK(\"x\")"})
        page = (await prof.get("/staff/audit?assignment=a1&student=s003")).text
        assert page.count("<tr><td>") == 1 and ">s003</a>" in page and ">s001</a>" not in page
        assert 'for="student"' in page and 'for="assignment"' in page
        sheet = (await prof.get("/staff/audit.csv?assignment=a1")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(sheet)))
    assert sorted(r["student_id"] for r in rows) == ["s001", "s003"]
    assert rows[0]["kind"] == "hand" and rows[0]["by"] == PROF and rows[0]["reason"] == "'=HYPERLINK(\"x\")"  # inert


def test_answers_come_from_the_same_code_as_the_sheet(served, marked):
    assignment = load_assignment(served.course, "a1")
    assert [(a.student_id, a.answer) for a in answers(served.course, assignment, served.service.book)] == sorted(ANSWERS.items())


def test_an_override_belongs_to_its_submission_and_a_new_one_is_graded_afresh(served, marked):
    from grader.changes import set_override

    book = served.service.book
    set_override(book.engine, marked["s002"], "q1", "out_size", 1.0, "typo", PROF)
    newer = book.record(assignment="a1", student_id="s002", path="submitted/s002/a1/u/a1.ipynb", sha256="1" * 64,
                        submitted_at="2029-01-02T00:00:00Z", status=SubmissionStatus.GRADED,
                        rows=[PartRecord("q1", "out_size", 0.0, 1.0, Verdict.WRONG)])
    [row] = book.part_rows(newer)
    assert (row.score, row.override) == (0.0, None)
    old = {r.part: r for r in book.part_rows(marked["s002"]) if r.problem_id == "q1"}
    assert (old["out_size"].score, old["out_size"].override) == (1.0, "typo")
