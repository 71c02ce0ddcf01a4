"""Moodle's "Download all submissions" and its grading worksheet, as mod/assign writes them."""

from __future__ import annotations

import datetime as dt

import pytest

from grader.collect import Layout, Outcome, collect
from grader.errors import CollectError
from tests.collect.conftest import UTC, filed, make_zip

# the columns of Moodle's "Download grading worksheet" (assignfeedback_offline), in its order
HEADER = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
          "Last modified (submission),Online text,Last modified (grade),Feedback comments\n")


def worksheet(tmp_path, rows: str):
    path = tmp_path / "Grades-DL-A1-123.csv"
    path.write_text("\ufeff" + HEADER + rows, encoding="utf-8")  # Moodle's CSV starts with a byte-order mark
    return path


SHEET = ('Participant 4823161,Ada Lovelace,ada@uni.example,Submitted for grading,,100.00,Yes,'
         '"Thursday, 31 January 2030, 10:15 PM",,-,\n'
         'Participant 4823162,Alan Turing,alan.turing@uni.example,Submitted for grading,,100.00,Yes,'
         '"Friday, 1 February 2030, 9:30 AM",,-,\n'
         'Participant 4823163,Grace Hopper,grace@uni.example,Submitted for grading,,100.00,Yes,-,,-,\n'
         'Participant 4823164,Kurt Goedel,kurt@elsewhere.example,Submitted for grading,,100.00,Yes,-,,-,\n')


def moodle_zip(tmp_path, released, folders=True):
    sep = "/" if folders else ""  # "Download submissions in folders" on (the default) or off
    return make_zip(tmp_path / "DL-A1-123.zip", {
        f"Ada Lovelace_4823161_assignsubmission_file_{sep}a1.ipynb": released["s001"],
        f"Alan Turing_4823162_assignsubmission_file_{sep}a1.ipynb": released["s002"],
        "Grace Hopper_4823163_assignsubmission_onlinetext_/onlinetext.html": b"<p>see my notebook</p>",
        f"Kurt Goedel_4823164_assignsubmission_file_{sep}a1.ipynb": released["s003"],
        f"Nobody Here_4823199_assignsubmission_file_{sep}a1.ipynb": released["s003"],
    })


@pytest.mark.parametrize("folders", [True, False])
def test_moodle_maps_participants_through_the_worksheet_and_takes_its_times(course, released, tmp_path, folders):
    result = collect(course, "a1", moodle_zip(tmp_path, released, folders), worksheet=worksheet(tmp_path, SHEET),
                     timezone="Europe/London")
    rows = {f.name.split("_", 1)[0]: f for f in result.files}
    assert result.layout is Layout.MOODLE
    ada, alan = rows["Ada Lovelace"], rows["Alan Turing"]
    assert (ada.outcome, ada.student_id, ada.when) == (Outcome.IMPORTED, "s001", dt.datetime(2030, 1, 31, 22, 15, tzinfo=UTC))
    assert not ada.lateness.late and "Moodle's worksheet" in ada.time_source
    assert (alan.student_id, alan.lateness.late_days, alan.lateness.after_cutoff) == ("s002", 1, True)
    assert ada.path.parent.name == "2030-01-31T22-15-00.000000Z"   # the folder's stamp is Moodle's time, in UTC
    assert rows["Grace Hopper"].outcome is Outcome.REFUSED and "not valid JSON" in rows["Grace Hopper"].reason
    assert "no student on the roster has the email 'kurt@elsewhere.example'" in rows["Kurt Goedel"].reason
    assert "participant 4823199 is not in Grades-DL-A1-123.csv" in rows["Nobody Here"].reason
    assert [p.parts[-4] for p in filed(course)] == ["s001", "s002"]


def test_the_worksheet_time_is_read_in_the_zone_given(course, released, tmp_path):
    sheet = worksheet(tmp_path, 'Participant 4823162,Alan Turing,alan.turing@uni.example,Submitted,,100,Yes,'
                                '"Thursday, 31 January 2030, 6:30 PM",,-,\n')
    archive = make_zip(tmp_path / "m.zip", {"Alan Turing_4823162_assignsubmission_file_/a1.ipynb": released["s002"]})
    row, = collect(course, "a1", archive, worksheet=sheet, timezone="America/New_York", dry_run=True).files
    assert row.when == dt.datetime(2030, 1, 31, 23, 30, tzinfo=UTC) and not row.lateness.late  # 18:30 EST


def test_a_worksheet_of_another_assignment_maps_nobody(course, released, tmp_path):
    # participant ids are drawn per assignment: the same id names someone else in another worksheet
    sheet = worksheet(tmp_path, 'Participant 4823161,Grace Hopper,grace@uni.example,Submitted,,100,Yes,-,,-,\n')
    archive = make_zip(tmp_path / "m.zip", {"Ada Lovelace_4823161_assignsubmission_file_/a1.ipynb": released["s001"]})
    row, = collect(course, "a1", archive, worksheet=sheet, timezone="UTC").files
    assert row.outcome is Outcome.UNMATCHED and "is the worksheet from this assignment?" in row.reason


def test_group_and_blind_marking_names(course, released, tmp_path):
    sheet = worksheet(tmp_path, 'Participant 11,Ada Lovelace,ada@uni.example,Submitted,,100,Yes,-,,-,\n'
                                'Participant 12,Alan Turing,,Submitted,,100,Yes,-,,-,\n')
    archive = make_zip(tmp_path / "m.zip", {
        "Team A-Ada Lovelace_11_assignsubmission_file_/a1.ipynb": released["s001"],   # <group>-<name>
        "Participant_12_assignsubmission_file_/a1.ipynb": released["s002"],           # blind marking
    })
    rows = {f.student_id or f.name: f for f in collect(course, "a1", archive, worksheet=sheet, untimed=True).files}
    assert rows["s001"].outcome is Outcome.IMPORTED and rows["s001"].when is None
    assert "gives no email for participant 12 (blind marking?" in rows["Participant_12_assignsubmission_file_/a1.ipynb"].reason


def test_moodle_needs_its_worksheet_and_a_zone_for_its_times(course, released, tmp_path):
    archive = moodle_zip(tmp_path, released)
    with pytest.raises(CollectError, match="needs the assignment's grading worksheet.*--worksheet"):
        collect(course, "a1", archive)
    with pytest.raises(CollectError, match="the times in Moodle's worksheet carry no time zone: pass --timezone"):
        collect(course, "a1", archive, worksheet=worksheet(tmp_path, SHEET))
    with pytest.raises(CollectError, match=r"Grades-DL-A1-123.csv:1: no column 'Email address'"):
        bad = tmp_path / "Grades-DL-A1-123.csv"
        bad.write_text("Identifier,Full name\nParticipant 1,Ada\n")
        collect(course, "a1", archive, worksheet=bad, timezone="UTC")
    with pytest.raises(CollectError, match=r":2: 'Last modified \(submission\)' 'lundi 7' is not a date Moodle writes"):
        collect(course, "a1", archive, worksheet=worksheet(tmp_path, 'Participant 1,A,a@b,S,,1,Y,lundi 7,,-,\n'),
                timezone="UTC")
    assert filed(course) == []


def test_without_a_time_in_the_worksheet_the_entry_time_is_taken(course, released, tmp_path):
    sheet = worksheet(tmp_path, 'Participant 11,Ada Lovelace,ada@uni.example,Submitted,,100,Yes,-,,-,\n')
    archive = make_zip(tmp_path / "m.zip", {"Ada Lovelace_11_assignsubmission_file_/a1.ipynb": released["s001"]},
                       date_time=(2030, 1, 31, 20, 0, 0))
    row, = collect(course, "a1", archive, worksheet=sheet, timezone="Europe/Berlin", dry_run=True).files
    assert row.when == dt.datetime(2030, 1, 31, 19, 0, tzinfo=UTC) and row.time_source.startswith("the archive entry's time")
