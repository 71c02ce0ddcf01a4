"""LTI 1.3 launches against a simulated platform: login, the id_token's checks, sessions, framing, deep linking."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from grader.config import load_roster
from grader.lti import claims as c
from grader.lti.keys import tool_jwks
from grader.service_tables import staff
from grader.web import create_app
from grader.web.app import SESSION_COOKIE
from grader.web.lti.endpoints import STATE_COOKIE, LtiTool
from tests.lti.platform import CLIENT_ID, DEPLOYMENT, INSTRUCTOR, ISSUER, Platform, platform_toml
from tests.web.conftest import FakeGrading

pytestmark = pytest.mark.anyio

ROSTER = "student_id,name,email,lti_sub\ns001,Ada,ada@example.edu,sub-s001\ns002,Bo,bo@example.edu,sub-s002\ns003,Cy,,\n"


class Lms:
    """A served course linked to a simulated platform, and clients that launch from it."""

    def __init__(self, course, roster_sync: bool = False):
        self.course = course
        self.platform = Platform()
        self.app = create_app(course, executor="fork", grade=FakeGrading(), worker=False)
        self.service = self.app.state.service
        self.app.state.lti = LtiTool(self.service, http=httpx.Client(transport=httpx.MockTransport(self.platform.handle)))
        self.platform.tool_jwks = tool_jwks(course.root)

    def client(self) -> httpx.AsyncClient:  # https: the launch's cookies are Secure
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="https://testserver")

    def add_staff(self, email: str, role: str = "instructor") -> None:
        with self.service.book.engine.begin() as conn:
            conn.execute(staff.insert().values(email=email, role=role))

    async def login(self, client: httpx.AsyncClient, iss: str = ISSUER) -> tuple[str, str]:
        response = await client.get("/lti/login", params={"iss": iss, "login_hint": "hint-1", "client_id": CLIENT_ID,
                                                           "target_link_uri": "https://testserver/lti/launch",
                                                           "lti_message_hint": "msg-1"})
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert response.headers["location"].startswith(f"{ISSUER}/auth?")
        assert (query["client_id"], query["login_hint"], query["lti_message_hint"]) == ([CLIENT_ID], ["hint-1"], ["msg-1"])
        assert (query["response_mode"], query["prompt"], query["scope"]) == (["form_post"], ["none"], ["openid"])
        assert query["redirect_uri"] == ["https://testserver/lti/launch"]
        return query["state"][0], query["nonce"][0]

    async def launch(self, client: httpx.AsyncClient, **claims) -> httpx.Response:
        state, nonce = await self.login(client)
        return await client.post("/lti/launch", data={"id_token": self.platform.id_token(nonce, **claims), "state": state})


@pytest.fixture
def lms(released):
    def make(roster_sync: bool = False, roster: str = ROSTER) -> Lms:
        course = released(config_extra=platform_toml(roster_sync=roster_sync))
        (course.root / "roster.csv").write_text(roster)
        return Lms(course)

    return make


def cookie(response: httpx.Response, name: str) -> str:
    found = [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(name + "=")]
    assert len(found) == 1, response.headers
    return found[0].lower()


async def test_a_student_launch_signs_the_roster_student_of_that_subject_in_inside_the_lms_frame(lms):
    served = lms()
    async with served.client() as client:
        first = await client.get("/lti/login", params={"iss": ISSUER, "login_hint": "h", "client_id": CLIENT_ID})
        state_cookie = cookie(first, STATE_COOKIE)
        assert "samesite=none" in state_cookie and "secure" in state_cookie and "httponly" in state_cookie
        response = await served.launch(client, sub="sub-s002")
        assert response.status_code == 303 and response.headers["location"] == "/me/a1"
        session = cookie(response, SESSION_COOKIE)
        assert "samesite=none" in session and "secure" in session and "httponly" in session
        page = await client.get("/me/a1")
        assert page.status_code == 200 and "s002" in page.text
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'self' https://lms.example.edu https://school.example.edu;" in csp + ";"
        assert "x-frame-options" not in page.headers
    async with served.client() as other:  # a student is never picked by name: s003 has no subject
        refused = await served.launch(other, sub="sub-s003", name="Cy")
        assert refused.status_code == 403 and "contact your instructor" in refused.text


async def test_an_instructor_launch_signs_staff_in_by_email_and_unknown_staff_are_told_what_to_do(lms):
    served = lms()
    served.add_staff("prof@example.edu")
    async with served.client() as client:
        response = await served.launch(client, sub="sub-prof", email="prof@example.edu", roles=(INSTRUCTOR,))
        assert response.status_code == 303 and response.headers["location"] == "/staff/a1"
        assert (await client.get("/staff")).status_code == 200
    async with served.client() as client:
        refused = await served.launch(client, sub="sub-ta", email="ta@example.edu", roles=(INSTRUCTOR,))
        assert refused.status_code == 403 and "autograde staff add ta@example.edu" in refused.text
    async with served.client() as client:  # a learner claiming a staff member's email is still only a learner
        refused = await served.launch(client, sub="sub-x", email="prof@example.edu")
        assert refused.status_code == 403 and "roster" in refused.text


REFUSALS = {
    "forged signature": (lambda p: {"key": RSAKey.generate_key(2048, parameters={"kid": p.key.kid})}, 401, "signature does not match"),
    "wrong audience": (lambda p: {"aud": "another-tool", "azp": None}, 401, "meant for another tool"),
    "wrong azp": (lambda p: {"aud": [CLIENT_ID, "another-tool"], "azp": "another-tool"}, 401, "authorized for another tool"),
    "expired": (lambda p: {"iat": 1_000_000_000, "exp": 1_000_000_300}, 401, "expired"),
    "issued in the future": (lambda p: {"iat": 4_000_000_000, "exp": 4_000_000_300}, 401, "not valid"),
    "unknown deployment": (lambda p: {c.DEPLOYMENT_ID: "9:elsewhere"}, 403, "deployment of the tool (9:elsewhere)"),
    "unknown issuer": (lambda p: {"iss": "https://other-lms.example.org"}, 403, "not registered with this course"),
    "no subject": (lambda p: {"sub": None}, 400, "lacks a claim"),
    "old version": (lambda p: {c.VERSION: "1.1"}, 400, "speaks 1.3.0"),
}


@pytest.mark.parametrize("case", REFUSALS)
async def test_a_bad_launch_is_refused_with_a_page_saying_why_and_signs_nobody_in(lms, case):
    served = lms()
    claims, status, words = REFUSALS[case]
    async with served.client() as client:
        response = await served.launch(client, **claims(served.platform))
        assert response.status_code == status and words in response.text, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
        assert (await client.get("/me")).status_code == 401


async def test_a_platform_rotating_its_key_is_followed_and_a_key_it_does_not_publish_is_refused(lms):
    served = lms()
    async with served.client() as client:
        assert (await served.launch(client)).status_code == 303  # the tool now holds the platform's key set
    stranger = RSAKey.generate_key(2048, auto_kid=True)
    async with served.client() as client:
        refused = await served.launch(client, key=stranger)
        assert refused.status_code == 401 and "signature does not match" in refused.text
    served.platform.key = RSAKey.generate_key(2048, auto_kid=True)  # the platform rotates
    served.app.state.lti.keys.refetch_seconds = 0  # (the tool asks again at most every few seconds)
    async with served.client() as client:
        assert (await served.launch(client)).status_code == 303


async def test_the_clocks_may_differ_by_a_minute_and_no_more(lms):
    served = lms()
    now = int(time.time())
    for (iat, exp), status in (((now - 330, now - 30), 303), ((now - 390, now - 90), 401),
                               ((now + 30, now + 330), 303), ((now + 90, now + 390), 401)):
        async with served.client() as client:
            assert (await served.launch(client, iat=iat, exp=exp)).status_code == status, (iat - now, exp - now)


async def test_a_replayed_launch_and_a_launch_without_the_login_cookie_are_refused(lms):
    served = lms()
    async with served.client() as client:
        state, nonce = await served.login(client)
        token = served.platform.id_token(nonce)
        assert (await client.post("/lti/launch", data={"id_token": token, "state": state})).status_code == 303
        again = await client.post("/lti/launch", data={"id_token": token, "state": state})
        assert again.status_code == 401 and "already used" in again.text
        state2, _ = await served.login(client)  # a fresh login cannot carry the old token's nonce either
        other = await client.post("/lti/launch", data={"id_token": token, "state": state2})
        assert other.status_code == 401 and "already used" in other.text
    async with served.client() as client:
        state, nonce = await served.login(client)
        client.cookies.clear()
        refused = await client.post("/lti/launch", data={"id_token": served.platform.id_token(nonce), "state": state})
        assert refused.status_code == 400 and "new window" in refused.text


async def test_a_login_older_than_ten_minutes_cannot_launch_and_is_forgotten(lms):
    from grader.lti.tables import states

    served = lms()
    async with served.client() as client:
        state, nonce = await served.login(client)
        with served.service.book.engine.begin() as conn:
            conn.execute(states.update().values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)))
        late = await client.post("/lti/launch", data={"id_token": served.platform.id_token(nonce), "state": state})
        assert late.status_code == 401 and "too old" in late.text
        await served.login(client)  # the next login forgets the old one
    with served.service.book.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(states)).scalar() == 1


async def test_a_login_from_an_unknown_platform_is_refused_before_anything_is_stored(lms):
    served = lms()
    async with served.client() as client:
        response = await client.get("/lti/login", params={"iss": "https://other.example.org", "login_hint": "h"})
        assert response.status_code == 403 and "not registered" in response.text
        assert (await client.get("/lti/login", params={"iss": ISSUER})).status_code == 400
    with served.service.book.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lti_states")).scalar() == 0


async def test_the_tool_serves_its_public_key_and_canvas_configuration(lms):
    served = lms()
    async with served.client() as client:
        keys = (await client.get("/lti/jwks.json")).json()
        config = (await client.get("/lti/config.json")).json()
    assert len(keys["keys"]) == 1 and keys["keys"][0]["kty"] == "RSA" and "d" not in keys["keys"][0]
    path = served.course.root / ".autograde" / "lti-key.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert (config["oidc_initiation_url"], config["target_link_uri"], config["public_jwk_url"]) == (
        "https://testserver/lti/login", "https://testserver/lti/launch", "https://testserver/lti/jwks.json")
    assert set(config["scopes"]) == {s.value for s in c.Scope}
    placements = {p["placement"]: p["message_type"] for p in config["extensions"][0]["settings"]["placements"]}
    assert placements == {"assignment_selection": "LtiDeepLinkingRequest", "link_selection": "LtiDeepLinkingRequest",
                          "course_navigation": "LtiResourceLinkRequest"}


async def test_a_course_without_lti_serves_no_lti_route_and_frames_nowhere(served):
    async with served.client() as client:
        assert (await client.get("/lti/jwks.json")).status_code == 404
        page = await client.get("/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"


async def test_roster_sync_on_launch_adds_a_newcomer_from_a_linked_lms_course_only(lms):
    served = lms(roster_sync=True)
    before = (served.course.root / "roster.csv").read_text()
    async with served.client() as client:
        refused = await served.launch(client, sub="sub-new", context="course-1", email="new.person@example.edu")
        assert refused.status_code == 403  # nobody on the staff has launched from course-1 yet: not this course's
    served.add_staff("prof@example.edu")
    async with served.client() as client:
        await served.launch(client, sub="sub-prof", email="prof@example.edu", roles=(INSTRUCTOR,))
    async with served.client() as client:
        response = await served.launch(client, sub="sub-new", email="new.person@example.edu",
                                       **{c.LIS: {"person_sourcedid": "SIS/77"}})
        assert response.status_code == 303 and response.headers["location"] == "/me"  # nothing generated for them yet
        assert "SIS-77" in (await client.get("/me")).text
    roster = load_roster(served.course.root / "roster.csv")
    assert [s.student_id for s in roster] == ["s001", "s002", "s003", "SIS-77"]
    assert (roster[-1].lti_sub, roster[-1].sis_id, roster[-1].email) == ("sub-new", "SIS/77", "new.person@example.edu")
    assert (served.course.root / "roster.csv").read_text().startswith(before.splitlines()[0])


async def test_deep_linking_places_an_assignment_with_a_signed_answer_the_platform_can_check(lms):
    served = lms()
    served.add_staff("prof@example.edu")
    settings = {"deep_link_return_url": f"{ISSUER}/course-1/deep_links", "accept_types": ["ltiResourceLink"], "data": "opaque-7"}
    async with served.client() as client:
        page = await served.launch(client, sub="sub-prof", email="prof@example.edu", roles=(INSTRUCTOR,),
                                   **{c.MESSAGE_TYPE: c.MessageType.DEEP_LINKING.value, c.DEEP_LINKING_SETTINGS: settings})
        assert page.status_code == 200 and "Place" in page.text
        fields = dict(re.findall(r'name="(csrf|link)" value="([^"]+)"', page.text))
        back = await client.post("/lti/deep-link", data={**fields, "assignment": "a1"})
        assert back.status_code == 200
        assert f"form-action 'self' {ISSUER}" in back.headers["content-security-policy"]
        forged = await client.post("/lti/deep-link", data={**fields, "link": fields["link"][:-3] + "abc", "assignment": "a1"})
        assert forged.status_code == 400
    action = re.search(r'<form method="post" action="(https://[^"]+)">', back.text).group(1)
    token_text = re.search(r'name="JWT" value="([^"]+)"', back.text).group(1)
    assert action == settings["deep_link_return_url"]
    token = jwt.decode(token_text, KeySet.import_key_set(served.platform.tool_jwks), algorithms=["RS256"])
    claims = token.claims
    assert (claims["iss"], claims["aud"], claims[c.DEPLOYMENT_ID], claims[c.DL_DATA]) == (CLIENT_ID, ISSUER, DEPLOYMENT, "opaque-7")
    assert claims[c.MESSAGE_TYPE] == "LtiDeepLinkingResponse" and claims[c.VERSION] == "1.3.0"
    [item] = claims[c.DL_CONTENT_ITEMS]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"assignment": "a1"}
    # a1's points depend on the variant, so no grade column yet: `autograde lti push` makes it from the recorded maximum
    assert "lineItem" not in item


async def test_an_assignment_with_fixed_points_is_placed_with_its_grade_column(released):
    from tests.conftest import SMALL_ASSIGNMENT

    course = released(assignment=SMALL_ASSIGNMENT.replace('title = "Another shape"', 'title = "Another shape"\npoints = 1'),
                      config_extra=platform_toml())
    served = Lms(course)
    served.add_staff("prof@example.edu")
    settings = {"deep_link_return_url": f"{ISSUER}/course-1/deep_links", "accept_types": ["ltiResourceLink"]}
    async with served.client() as client:
        page = await served.launch(client, sub="sub-prof", email="prof@example.edu", roles=(INSTRUCTOR,),
                                   **{c.MESSAGE_TYPE: c.MessageType.DEEP_LINKING.value, c.DEEP_LINKING_SETTINGS: settings})
        fields = dict(re.findall(r'name="(csrf|link)" value="([^"]+)"', page.text))
        back = await client.post("/lti/deep-link", data={**fields, "assignment": "a1"})
    token_text = re.search(r'name="JWT" value="([^"]+)"', back.text).group(1)
    claims = jwt.decode(token_text, KeySet.import_key_set(served.platform.tool_jwks), algorithms=["RS256"]).claims
    [item] = claims[c.DL_CONTENT_ITEMS]
    assert item["lineItem"] == {"scoreMaximum": 5.0, "label": "Small", "resourceId": "a1", "tag": "autograde"}
    assert c.DL_DATA not in claims  # the platform sent no data: none is echoed


async def test_a_learner_cannot_deep_link(lms):
    served = lms()
    async with served.client() as client:
        refused = await served.launch(client, **{c.MESSAGE_TYPE: c.MessageType.DEEP_LINKING.value})
        assert refused.status_code == 403 and "staff" in refused.text


async def test_a_launch_then_a_push_sends_the_score_to_the_column_the_link_names_and_makes_none(lms):
    """A link placed by hand in the LMS has a line item without our resourceId: the launch names it, the push uses it."""
    from grader.gradebook import PartRecord
    from grader.lti.sync import push
    from grader.outcomes import SubmissionStatus, Verdict
    from tests.lti.test_grades import AFTER

    served = lms()
    by_hand = f"{ISSUER}/course-1/lineitems/99"
    served.platform.lineitems["course-1"] = {by_hand: {"id": by_hand, "label": "Homework 1", "scoreMaximum": 10}}
    ags = {"scope": c.SCOPES[:3], "lineitems": f"{ISSUER}/course-1/lineitems", "lineitem": by_hand}
    async with served.client() as client:
        assert (await served.launch(client, sub="sub-s001", **{c.AGS_CLAIM: ags})).status_code == 303
    served.service.book.record(assignment="a1", student_id="s001", path="submitted/s001/a1/t/a1.ipynb", sha256="0" * 64,
                               submitted_at="2030-01-01T00:00:00Z", status=SubmissionStatus.GRADED, rows=[
                                   PartRecord(problem_id="q1", part="out_channels", given=1, expected=2, score=1.5,
                                              max_score=2.0, verdict=Verdict.PARTIAL, feedback="")])
    result = push(served.course, "a1", served.app.state.lti.http, now=AFTER)
    assert result.drained.sent == 1
    assert [(url, s["userId"], s["scoreGiven"]) for url, s in served.platform.scores] == [(by_hand, "sub-s001", 1.5)]
    assert list(served.platform.lineitems["course-1"]) == [by_hand]  # no second column
