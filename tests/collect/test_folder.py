"""A plain folder (or zip) of <student_id>.ipynb and <student_id>/...: times from the files themselves."""

from __future__ import annotations

import datetime as dt
import os
import struct
import zipfile

import pytest

from grader.collect import Layout, Outcome, collect
from grader.errors import CollectError
from tests.collect.conftest import UTC, filed, make_zip

ON_TIME = dt.datetime(2030, 1, 31, 20, 0, tzinfo=UTC)
LATE = dt.datetime(2030, 2, 2, 8, 0, tzinfo=UTC)


def folder_of(tmp_path, released):
    root = tmp_path / "handed-in"
    (root / "s002").mkdir(parents=True)
    (root / "s001.ipynb").write_bytes(released["s001"])
    (root / "s002" / "my work.ipynb").write_bytes(released["s002"])
    (root / "zz9.ipynb").write_bytes(released["s003"])
    (root / ".ipynb_checkpoints").mkdir()
    (root / ".ipynb_checkpoints" / "s001-checkpoint.ipynb").write_bytes(released["s001"])  # hidden: never a submission
    for path, when in ((root / "s001.ipynb", ON_TIME), (root / "s002" / "my work.ipynb", LATE)):
        os.utime(path, (when.timestamp(), when.timestamp()))
    return root


def test_a_folder_maps_by_student_id_and_each_file_keeps_its_own_time(course, released, tmp_path):
    result = collect(course, "a1", folder_of(tmp_path, released))
    rows = {f.name: f for f in result.files}
    assert result.layout is Layout.FOLDER and set(rows) == {"s001.ipynb", "s002/my work.ipynb", "zz9.ipynb"}
    assert (rows["s001.ipynb"].student_id, rows["s001.ipynb"].when, rows["s001.ipynb"].lateness.late) == ("s001", ON_TIME, False)
    assert rows["s002/my work.ipynb"].lateness.late_days == 2 and rows["s002/my work.ipynb"].time_source == "the archive entry's time"
    assert rows["zz9.ipynb"].outcome is Outcome.UNMATCHED and "'zz9' is not a student id on the roster" in rows["zz9.ipynb"].reason


def test_a_zip_of_a_folder_inside_one_wrapper_folder(course, released, tmp_path):
    # zipfile writes dates without a zone, as the zip format does: the zone must be given
    archive = make_zip(tmp_path / "handin.zip", {"handin/s001.ipynb": released["s001"],
                                                 "handin/s002/a1.ipynb": released["s002"]},
                       date_time=(2030, 1, 31, 18, 0, 0))
    with pytest.raises(CollectError, match="the times in this zip archive's entries carry no time zone"):
        collect(course, "a1", archive)
    result = collect(course, "a1", archive, timezone="America/New_York", dry_run=True)
    assert result.layout is Layout.FOLDER and {f.student_id for f in result.files} == {"s001", "s002"}
    assert {f.when for f in result.files} == {dt.datetime(2030, 1, 31, 23, 0, tzinfo=UTC)}
    assert filed(course) == []


def test_a_zip_entry_with_an_extended_timestamp_is_read_exactly(course, released, tmp_path):
    info = zipfile.ZipInfo("s001.ipynb", (1999, 1, 1, 0, 0, 0))
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(LATE.timestamp()))  # Info-ZIP's "UT" field: mtime, UTC
    row, = collect(course, "a1", make_zip(tmp_path / "ut.zip", [(info, released["s001"])]), dry_run=True).files
    assert row.when == LATE and row.lateness.late_days == 2
