"""Hostile downloads: each bad entry is refused with one line, nothing is written outside the course,
and an archive too big as a whole is refused before anything is read."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from grader.collect import ArchiveLimits, Outcome, collect
from grader.errors import CollectError
from tests.collect.conftest import filed, make_zip

MB = 1_000_000


def everything(tmp_path):
    return {p for p in tmp_path.rglob("*")}


def refusals(result):
    return {f.name: f.reason for f in result.files if f.outcome is Outcome.REFUSED}


def patched(path, old: bytes, new: bytes):
    """The zip with ``old`` replaced by ``new`` in its raw bytes (names and headers; the data is not touched)."""
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))
    return path


def test_zip_slip_links_nested_archives_and_odd_names_are_refused_one_by_one(course, released, tmp_path):
    link = zipfile.ZipInfo("s002/a1.ipynb", (2030, 1, 1, 0, 0, 0))
    link.external_attr = 0o120777 << 16  # a symbolic link to the grader's secret
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("s003.ipynb", released["s003"])
    archive = make_zip(tmp_path / "hostile.zip", [
        ("s001.ipynb", released["s001"]),
        ("../../escaped.ipynb", released["s002"]),
        ("/tmp/absolute.ipynb", released["s002"]),
        ("C:/Users/x/s002.ipynb", released["s002"]),
        ("s002\\..\\..\\win.ipynb", released["s002"]),
        (link, b"../../.autograde/secret"),
        ("s003/inner.zip", inner.getvalue()),
        ("s003.ipynb", inner.getvalue()),               # an archive under a notebook's name
        ("s004/QQ.ipynb", released["s004"]),             # becomes a name that is not UTF-8, below
        ("s001.ipynb", released["s002"]),                # the same name twice
    ])
    patched(archive, b"QQ.ipynb", b"\xff\xfe.ipynb")
    before = everything(tmp_path)
    result = collect(course, "a1", archive, timezone="UTC")
    reasons = refusals(result)
    assert reasons["../../escaped.ipynb"] == "'..' in the path would lead out of the folder: not read"
    assert reasons["/tmp/absolute.ipynb"] == reasons["C:/Users/x/s002.ipynb"] == "an absolute path: not read"
    assert "a backslash in the name" in reasons["s002\\..\\..\\win.ipynb"]
    assert reasons["s002/a1.ipynb"] == "a symbolic link: not followed"
    assert "an archive inside the archive: not unpacked" in reasons["s003/inner.zip"]
    assert "an archive inside the archive: not unpacked" in reasons["s003.ipynb"]
    assert [r for n, r in reasons.items() if n.startswith("s004/")] == ["the name is not UTF-8: not read"]
    assert "appears 2 times in the archive" in reasons["s001.ipynb"]
    assert result.count(Outcome.IMPORTED) == 0 and filed(course) == []
    assert everything(tmp_path) == before  # not a file written anywhere


def test_a_zip_bomb_is_refused_by_size_and_by_entry_count(course, released, tmp_path):
    bomb = make_zip(tmp_path / "bomb.zip", {"s001.ipynb": b"\0" * (30 * MB), "s002.ipynb": released["s002"]})
    assert bomb.stat().st_size < MB  # 30 MB of zeros deflate to a few kilobytes
    result = collect(course, "a1", bomb, timezone="UTC", limits=ArchiveLimits(file_bytes=MB, total_bytes=100 * MB))
    assert refusals(result) == {"s001.ipynb": "30 MB is larger than the 1 MB accepted for one file"}
    assert [f.student_id for f in result.files if f.outcome is Outcome.IMPORTED] == ["s002"]
    with pytest.raises(CollectError, match=r"bomb.zip: 30 MB unpacked, more than the 10 MB accepted \(--max-total-mb\); a zip bomb\?"):
        collect(course, "a1", bomb, timezone="UTC", limits=ArchiveLimits(file_bytes=MB, total_bytes=10 * MB))
    big = make_zip(tmp_path / "big.zip", {"s001.ipynb": b"\0" * (21 * MB)})  # the course's submission_mb: 20
    assert refusals(collect(course, "a1", big, timezone="UTC")) == {
        "s001.ipynb": "21 MB is larger than the 20 MB accepted for one file"}
    many = make_zip(tmp_path / "many.zip", {f"s001/{i}.txt": b"x" for i in range(50)})
    with pytest.raises(CollectError, match=r"many.zip: 50 entries, more than the 20 accepted \(--max-entries\)"):
        collect(course, "a1", many, limits=ArchiveLimits(entries=20))


def test_a_header_that_understates_the_size_is_caught_by_the_bytes(course, released, tmp_path):
    archive = make_zip(tmp_path / "liar.zip", {"s001.ipynb": b"{" + b" " * 5_000_000 + b"}"})
    size = (5_000_002).to_bytes(4, "little")
    patched(archive, size, (2).to_bytes(4, "little"))  # local and central headers both claim 2 bytes
    row, = collect(course, "a1", archive, timezone="UTC").files
    assert row.outcome is Outcome.REFUSED and row.reason.startswith("damaged in the archive")


def test_a_total_reached_while_reading_refuses_the_rest(course, released, tmp_path):
    root = tmp_path / "dl"
    root.mkdir()
    for sid in ("s001", "s002", "s003"):
        (root / f"{sid}.ipynb").write_bytes(released[sid])
    two = len(released["s001"]) + len(released["s002"])
    result = collect(course, "a1", root, dry_run=True, limits=ArchiveLimits(file_bytes=MB, total_bytes=two + 10))
    assert [f.outcome for f in result.files] == [Outcome.IMPORTED, Outcome.IMPORTED, Outcome.REFUSED]
    assert result.files[2].reason.startswith("not read: the archive holds more than the") and "MB accepted in all" in result.files[2].reason


def test_a_folder_with_links_pipes_and_names_that_are_not_utf8(course, released, tmp_path):
    root = tmp_path / "dl"
    (root / "s003").mkdir(parents=True)
    (root / "s001.ipynb").write_bytes(released["s001"])
    os.symlink(course.root / ".autograde" / "secret", root / "s002.ipynb")
    os.symlink(tmp_path, root / "s004")                          # a link to a folder: never walked
    os.mkfifo(root / "s003" / "a1.ipynb")
    fd = os.open(os.fsencode(root) + b"/s003/\xff.ipynb", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, released["s003"])
    os.close(fd)
    (root / "s003" / "bundle.zip").write_bytes(b"PK\x03\x04")
    result = collect(course, "a1", root)
    reasons = refusals(result)
    assert reasons["s002.ipynb"] == reasons["s004"] == "a symbolic link: not followed"
    assert reasons["s003/a1.ipynb"] == "not a regular file (a device, pipe or socket)"
    assert reasons["s003/\\udcff.ipynb"] == "the name is not UTF-8: not read"
    assert "not unpacked" in reasons["s003/bundle.zip"]
    assert [f.student_id for f in result.files if f.outcome is Outcome.IMPORTED] == ["s001"]


def test_what_is_not_an_archive_is_one_line(course, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CollectError, match="notes.txt: neither a zip archive nor a folder"):
        collect(course, "a1", tmp_path / "notes.txt")
    with pytest.raises(CollectError, match="missing.zip: no such file or folder"):
        collect(course, "a1", tmp_path / "missing.zip")
