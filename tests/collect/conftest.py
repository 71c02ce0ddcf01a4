"""A course whose roster has LMS ids, its students' released notebooks, and zip archives built in code."""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from pathlib import Path

import pytest

from grader.assignment import load_assignment
from grader.generate import notebook_for
from grader.notebook.build import notebook_bytes

ROSTER = """student_id,name,email,canvas_id,login
s001,Ada Lovelace,ada@uni.example,1001,alovelace
s002,Alan Turing,Alan.Turing@uni.example,1002,aturing
s003,Grace Hopper,grace@uni.example,1003,ghopper
s004,Anon Ymous,anon@uni.example,12345,anon
"""
UTC = dt.UTC


@pytest.fixture
def course(make_course):
    """Course ``a1`` is due 2030-01-31T23:59Z (no cutoff of its own: the due date is the cutoff)."""
    c = make_course(students=("s001", "s002", "s003", "s004"))
    (c.root / "roster.csv").write_text(ROSTER)
    return c


@pytest.fixture
def released(course) -> dict[str, bytes]:
    """Each student's notebook of a1, as ``generate`` releases it."""
    assignment = load_assignment(course, "a1")
    return {s.student_id: notebook_bytes(notebook_for(course, assignment, s, b"test-secret")) for s in course.roster()}


def make_zip(path: Path, files: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]],
             date_time=(2030, 2, 5, 12, 0, 0)) -> Path:
    """A zip as an LMS builds one: every entry stamped ``date_time`` (the zip format's local time, no zone)."""
    items = files.items() if isinstance(files, dict) else files
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a repeated name, which a hostile archive has on purpose
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in items:
                info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def filed(course, assignment: str = "a1") -> list[Path]:
    """Every notebook under submitted/ for the assignment (hidden temporary names included, to catch them)."""
    return sorted(p for p in course.folder("submitted").rglob("*") if p.is_file() and p.suffix in (".ipynb", ".tmp"))
