"""The per-student storage quota (``web.quota_mb``): an upload past it is refused, on the page and in the API, and nothing is filed."""

from __future__ import annotations

import pytest

from grader.config import load_course
from grader.errors import ConfigError
from grader.web import create_app
from grader.web import queue as q
from grader.web.desk import stored_bytes
from tests.web.conftest import FakeGrading, Served, upload

pytestmark = pytest.mark.anyio


@pytest.fixture
def two_fit(released):
    """A course whose quota holds two of s001's notebooks (and their time stamps), not three."""
    course = released()
    size = len(Served(course, None, create_app(course, grade=FakeGrading(), worker=False)).notebook("s001"))
    course.config_path.write_text(course.config_path.read_text() + f"[web]\nquota_mb = {(2 * size + 500) / 1e6}\n")
    course = load_course(course.root)
    return Served(course, FakeGrading(), create_app(course, executor="fork", grade=FakeGrading(), worker=False))


def _files(served) -> list:
    return sorted(p for p in served.course.folder("submitted").rglob("*") if p.is_file())


async def test_an_upload_past_the_quota_is_refused_and_nothing_is_filed(two_fit):
    nb = two_fit.notebook("s001")
    async with two_fit.client("s001") as client:
        assert (await upload(client, nb)).status_code == 202
        assert (await upload(client, nb, api=False)).status_code == 303
        before, stored = _files(two_fit), stored_bytes(two_fit.course.folder("submitted") / "s001")
        api = await upload(client, nb)
        assert api.status_code == 413 and "quota" in api.json()["error"] and "ask your instructor" in api.json()["error"]
        page = await upload(client, nb, api=False)
        assert page.status_code == 413 and "past your" in page.text and "MB quota" in page.text and 'role="alert"' in page.text
    assert _files(two_fit) == before and stored_bytes(two_fit.course.folder("submitted") / "s001") == stored
    assert not list(two_fit.course.folder("submitted").rglob(".*"))  # no temporary file left behind either
    assert len(q.history(two_fit.service.book.engine, "s001", "a1")) == 2
    async with two_fit.client("s002") as other:  # the quota is each student's own
        assert (await upload(other, two_fit.notebook("s002"))).status_code == 202


def test_stored_bytes_counts_every_file_and_follows_no_link(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one").write_bytes(b"x" * 10)
    (tmp_path / "a" / "b" / "two").write_bytes(b"y" * 5)
    big = tmp_path / "elsewhere"
    big.write_bytes(b"z" * 1000)
    (tmp_path / "a" / "link").symlink_to(big)
    assert stored_bytes(tmp_path / "a") == 15 + len(str(big)) and stored_bytes(tmp_path / "missing") == 0


def test_a_quota_typo_or_a_bad_value_is_a_config_error(released):
    with pytest.raises(ConfigError, match="quota_mbb"):
        released(config_extra="[web]\nquota_mbb = 10\n")
    with pytest.raises(ConfigError, match="quota_mb"):
        released(config_extra="[web]\nquota_mb = 0\n")
