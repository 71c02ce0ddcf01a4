"""The feedback policy: no response tells a student more of a graded upload than on_submit allows."""

from __future__ import annotations

import pytest

from tests.web.conftest import SECRET_VALUE, body_text, upload

pytestmark = pytest.mark.anyio


@pytest.fixture
def served_with(released, tmp_path):
    from grader.web import create_app
    from tests.web.conftest import FakeGrading, Served

    def make(course_policy: str | None, assignment_policy: str | None = None):
        extra = f'[feedback]\non_submit = "{course_policy}"\n' if course_policy else ""
        course = released(config_extra=extra)
        if assignment_policy:
            toml = course.root / "assignments" / "a1" / "assignment.toml"
            toml.write_text(toml.read_text().replace("[[problems]]", f'[feedback]\non_submit = "{assignment_policy}"\n\n[[problems]]', 1))
        grading = FakeGrading()
        return Served(course, grading, create_app(course, executor="fork", grade=grading, worker=False))

    return make


async def _everything_the_student_sees(served) -> str:
    async with served.client("s001") as client:
        accepted = await upload(client, served.notebook("s001"))
        assert accepted.status_code == 202
        sid = accepted.json()["id"]
        served.service.worker.drain()
        seen = [accepted] + [await client.get(p) for p in (f"/api/submissions/{sid}", f"/me/submissions/{sid}",
                                                            "/me/a1", "/me", "/api/assignments")]
    assert all(r.status_code in (200, 202) for r in seen)
    assert (await _api(served, sid))["status"] == "graded"
    return "\n".join(body_text(r) for r in seen)


async def _api(served, sid):
    async with served.client("s001") as client:
        return (await client.get(f"/api/submissions/{sid}")).json()


@pytest.mark.parametrize(("course_policy", "assignment_policy"), [(None, None), ("validity", None), ("full", "validity")])
async def test_under_validity_no_response_reveals_a_score_or_an_expected_value(served_with, course_policy, assignment_policy):
    served = served_with(course_policy, assignment_policy)
    seen = await _everything_the_student_sees(served)
    assert str(SECRET_VALUE) not in seen and "987654321" not in seen
    assert "1.5" not in seen and '"score"' not in seen and "Score:" not in seen and "Expected" not in seen
    assert '"validation"' in seen  # what is missing, it does say


async def test_under_receipt_only_arrival_is_said(served_with):
    seen = await _everything_the_student_sees(served_with("receipt"))
    assert '"validation"' not in seen and "missing" not in seen and "987654321" not in seen and "1.5" not in seen


async def test_under_score_the_score_shows_but_no_part_or_expected_value(served_with):
    served = served_with("validity", "score")  # a practice assignment's own override
    seen = await _everything_the_student_sees(served)
    assert "Score: 1.5 / 2" in seen and '"score": 1.5' in seen
    assert "987654321" not in seen and '"parts"' not in seen


async def test_under_full_the_parts_and_their_feedback_show(served_with):
    seen = await _everything_the_student_sees(served_with("full"))
    assert '"parts"' in seen and '"verdict": "partial"' in seen and "out_channels" in seen


async def test_a_policy_typo_is_a_config_error(released):
    from grader.errors import ConfigError

    with pytest.raises(ConfigError, match="on_submit"):
        released(config_extra='[feedback]\non_submit = "scores"\n')
