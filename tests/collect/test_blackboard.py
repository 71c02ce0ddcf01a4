"""Blackboard's "Assignment File Download": attempt files and their .txt receipts."""

from __future__ import annotations

import datetime as dt

import pytest

from grader.collect import Layout, Outcome, collect
from grader.collect.blackboard import _username
from grader.errors import CollectError
from tests.collect.conftest import UTC, filed, make_zip


def receipt(name: str, user: str, when: str, files: list[str]) -> bytes:
    """A receipt as Blackboard writes one beside each attempt (the layout CodeGra.de's parser reads)."""
    listed = "".join(f"\tOriginal filename: {f}\n\tFilename: {f}\n" for f in files)
    return (f"Name: {name} ({user})\nAssignment: Deep_Learning HW1\nDate Submitted: {when}\nCurrent Grade: \n\n"
            "Submission Field:\nThere is no student submission text data for this assignment.\n\n"
            "Comments:\nThere are no student comments for this assignment.\n\n"
            f"Files:\n{listed}\n").encode()


def blackboard_zip(tmp_path, released, ada_when="Thursday, January 31, 2030 6:00:00 PM EST"):
    ada = "Deep_Learning HW1_alovelace_attempt_2030-01-31-18-00-00"  # an assignment name with '_' in it
    return make_zip(tmp_path / "gradebook_DL_Deep_Learning HW1_2030-02-05-12-00-00.zip", {
        f"{ada}_a1.ipynb": released["s001"],
        f"{ada}.txt": receipt("Ada Lovelace", "alovelace", ada_when, ["a1.ipynb"]),
        "Deep_Learning HW1_aturing_attempt_2030-01-31-19-30-00_a1.ipynb": released["s002"] + b"\n",  # no receipt
        "Deep_Learning HW1_aturing_attempt_2030-01-29-09-00-00_a1 (1).ipynb": released["s002"],  # an earlier attempt
        "Deep_Learning HW1_kgoedel_attempt_2030-01-31-10-00-00_a1.ipynb": released["s003"],
    })


def test_blackboard_maps_usernames_by_login_and_reads_the_stamp_in_the_zone_given(course, released, tmp_path):
    result = collect(course, "a1", blackboard_zip(tmp_path, released), timezone="America/New_York")
    rows = {f.name: f for f in result.files}
    assert result.layout is Layout.BLACKBOARD and not any(n.endswith(".txt") for n in rows)  # receipts are read, not filed
    ada = rows["Deep_Learning HW1_alovelace_attempt_2030-01-31-18-00-00_a1.ipynb"]
    assert (ada.outcome, ada.student_id, ada.when) == (Outcome.IMPORTED, "s001", dt.datetime(2030, 1, 31, 23, tzinfo=UTC))
    assert not ada.lateness.late and ada.path.parent.name.startswith("2030-01-31T23-00-00")
    late = rows["Deep_Learning HW1_aturing_attempt_2030-01-31-19-30-00_a1.ipynb"]   # 00:30 UTC the next day
    assert late.student_id == "s002" and late.lateness.late_days == 1
    earlier = rows["Deep_Learning HW1_aturing_attempt_2030-01-29-09-00-00_a1 (1).ipynb"]
    assert earlier.outcome is late.outcome is Outcome.IMPORTED and earlier.path.parent < late.path.parent  # both attempts kept
    nobody = rows["Deep_Learning HW1_kgoedel_attempt_2030-01-31-10-00-00_a1.ipynb"]
    assert nobody.outcome is Outcome.UNMATCHED and "Blackboard user 'kgoedel' is no one's login" in nobody.reason
    assert sorted(p.parts[-4] for p in filed(course)) == ["s001", "s002", "s002"]


def test_a_receipt_in_another_zone_than_the_one_given_refuses_the_file(course, released, tmp_path):
    archive = blackboard_zip(tmp_path, released, ada_when="Thursday, 31 January 2030 18:00:00 o'clock CET")
    ada, = [f for f in collect(course, "a1", archive, timezone="America/New_York").files if "alovelace" in f.name]
    assert ada.outcome is Outcome.REFUSED and "receipt gives the time in CET, but --timezone America/New_York is in EST" in ada.reason


def test_the_receipt_says_whose_file_it_is_when_the_name_could_be_two_logins():
    logins = {"hopper": object(), "g_hopper": object()}
    assert _username("HW1_g_hopper", _receipt_of("g_hopper"), logins) == ("g_hopper", "")
    user, problem = _username("HW1_g_hopper", _receipt_of(None), logins)
    assert user == "" and "could be the file of 'g_hopper' or 'hopper'" in problem
    assert "does not end with" in _username("HW1_hopper", _receipt_of("someone"), logins)[1]


def _receipt_of(user):
    from grader.collect.blackboard import Receipt
    return Receipt(user, None)


def test_blackboard_needs_the_zone_of_its_stamps(course, released, tmp_path):
    with pytest.raises(CollectError, match="the times in Blackboard's file names carry no time zone"):
        collect(course, "a1", blackboard_zip(tmp_path, released))
    untimed = collect(course, "a1", blackboard_zip(tmp_path, released), untimed=True, dry_run=True)
    assert {f.when for f in untimed.files} == {None} and filed(course) == []
