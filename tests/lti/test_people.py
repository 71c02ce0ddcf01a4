"""Student ids made for people the LMS adds: safe, from the SIS id, else the email, else the subject; never taken."""

from __future__ import annotations

from grader.config import SAFE_ID
from grader.lti.people import Newcomer, safe_student_id


def test_a_safe_student_id_comes_from_the_sis_id_else_the_email_else_the_subject():
    assert safe_student_id(Newcomer("sub-1", sis_id="SIS/77 b"), set()) == "SIS-77-b"
    assert safe_student_id(Newcomer("sub-1", email="ann.lee+x@example.edu"), set()) == "ann.lee-x"
    hashed = safe_student_id(Newcomer("sub-1", email="@example.edu"), set())
    assert hashed.startswith("lti-") and hashed == safe_student_id(Newcomer("sub-1"), set())
    assert hashed != safe_student_id(Newcomer("sub-2"), set())
    assert safe_student_id(Newcomer("sub-1", login="ann"), {"ANN", "ann-2"}) == "ann-3"  # a case-insensitive disk
    long = safe_student_id(Newcomer("sub-1", sis_id="x" * 300), set())
    assert SAFE_ID.match(long) and len(long) <= 64
    assert SAFE_ID.match(safe_student_id(Newcomer("sub-1", sis_id="../../etc"), set()))
