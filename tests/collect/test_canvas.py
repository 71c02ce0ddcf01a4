"""Canvas's "Download Submissions" zip, named as Canvas's ContentZipper names its entries."""

from __future__ import annotations

import json

from grader.collect import Layout, Outcome, collect
from grader.grading.batch import discover
from tests.collect.conftest import filed, make_zip


def canvas_zip(tmp_path, released):
    # <sortable name, lower case, word characters only>[_LATE]_<user id>_<attachment id>_<display name>
    return make_zip(tmp_path / "dl-2026-a1 submissions.zip", {
        "lovelaceada_1001_50001_a1.ipynb": released["s001"],
        "turingalan_LATE_1002_50002_a1-1.ipynb": released["s002"],
        "hoppergrace_1003_text.html": b"<p>my answer is in the text box</p>",  # an online text entry
        "nobodyat_9999_50004_a1.ipynb": released["s003"],
        "anon_12345_50005_a1.ipynb": released["s004"],   # anonymous grading: an all-digit anonymous id
        "LATE_anon_x7Kq2_50006_a1.ipynb": released["s004"],
    })


def by_name(result):
    return {f.name: f for f in result.files}


def test_canvas_files_map_by_canvas_id_and_are_filed_without_a_time(course, released, tmp_path):
    archive = canvas_zip(tmp_path, released)
    before = set(tmp_path.rglob("*"))
    result = collect(course, "a1", archive)
    assert {p.relative_to(course.folder("submitted")).parts[0] for p in set(tmp_path.rglob("*")) - before
            if p != course.folder("submitted")} == {"s001", "s002"}  # nothing written but the two students' files
    rows = by_name(result)
    assert result.layout is Layout.CANVAS
    ada, alan = rows["lovelaceada_1001_50001_a1.ipynb"], rows["turingalan_LATE_1002_50002_a1-1.ipynb"]
    assert (ada.outcome, ada.student_id, ada.lms_late) == (Outcome.IMPORTED, "s001", False)
    assert (alan.outcome, alan.student_id, alan.lms_late) == (Outcome.IMPORTED, "s002", True)
    assert ada.path.read_bytes() == released["s001"] and ada.path.parts[-4:] == ("s001", "a1", "untimed", "a1.ipynb")
    # the zip's entry times are when Canvas built it: no time is filed, so grading never counts it late
    assert ada.when is None and ada.lateness is None and "Canvas" in ada.time_source
    found = {f.student_id: f for f in discover(course.folder("submitted"), "a1")}
    assert set(found) == {"s001", "s002"} and found["s002"].when is None
    note = alan.path.parent / "collected.txt"
    assert "turingalan_LATE_1002_50002_a1-1.ipynb" in note.read_text()
    assert {oct(p.stat().st_mode & 0o777) for p in (note, ada.path)} == {"0o600"}  # course state is private


def test_canvas_names_it_cannot_map_are_listed_with_the_reason(course, released, tmp_path):
    rows = by_name(collect(course, "a1", canvas_zip(tmp_path, released)))
    assert rows["nobodyat_9999_50004_a1.ipynb"].outcome is Outcome.UNMATCHED
    assert "Canvas user 9999 is no one's canvas_id" in rows["nobodyat_9999_50004_a1.ipynb"].reason
    for anonymous in ("anon_12345_50005_a1.ipynb", "LATE_anon_x7Kq2_50006_a1.ipynb"):
        assert rows[anonymous].outcome is Outcome.UNMATCHED and rows[anonymous].student_id is None  # never s004
        assert "anonymous grading" in rows[anonymous].reason
    text = rows["hoppergrace_1003_text.html"]
    assert text.outcome is Outcome.REFUSED and text.student_id == "s003" and "text entry" in text.reason
    assert [p.parts[-4] for p in filed(course)] == ["s001", "s002"]


def test_a_notebook_of_another_assignment_is_refused_as_submit_refuses_it(course, released, tmp_path):
    other = json.loads(released["s001"])
    other["metadata"]["autograde"]["assignment"] = "a2"
    archive = make_zip(tmp_path / "a.zip", {"lovelaceada_1001_1_a1.ipynb": json.dumps(other).encode(),
                                            "turingalan_1002_2_notes.pdf": b"%PDF-1.7 ..."})
    rows = by_name(collect(course, "a1", archive))
    assert rows["lovelaceada_1001_1_a1.ipynb"].outcome is Outcome.REFUSED
    assert "belongs to assignment 'a2', not 'a1'" in rows["lovelaceada_1001_1_a1.ipynb"].reason
    assert "not valid JSON" in rows["turingalan_1002_2_notes.pdf"].reason
    assert filed(course) == []


def test_a_canvas_download_unzipped_to_a_folder(course, released, tmp_path):
    unzipped = tmp_path / "submissions"
    unzipped.mkdir()
    (unzipped / "lovelaceada_LATE_1001_50001_a1.ipynb").write_bytes(released["s001"])
    row, = collect(course, "a1", unzipped, dry_run=True).files
    assert (row.student_id, row.outcome, row.lms_late, row.when) == ("s001", Outcome.IMPORTED, True, None)


def test_a_name_ending_in_digits_does_not_take_the_place_of_the_user_id(course, released, tmp_path):
    # Canvas joins up "_<digits>_" inside a name, but "smith_2" followed by "_1001_..." reads two ways
    archive = make_zip(tmp_path / "c.zip", {"lovelace_2_1001_50001_a1.ipynb": released["s001"],
                                            "turing_1003_1002_50002_a1.ipynb": released["s002"]})
    rows = {f.name: f for f in collect(course, "a1", archive, dry_run=True).files}
    ada = rows["lovelace_2_1001_50001_a1.ipynb"]
    assert (ada.student_id, ada.lms_late, ada.outcome) == ("s001", False, Outcome.IMPORTED)  # not Canvas user 2
    two = rows["turing_1003_1002_50002_a1.ipynb"]  # 1003 and 1002 are both on the roster: no guess
    assert two.outcome is Outcome.UNMATCHED and "could be Canvas user 1002 or 1003" in two.reason


def test_a_notebook_released_to_another_student_is_refused_unless_forced(course, released, tmp_path):
    # Ada's Canvas entry holds Alan's released notebook: submit refuses it, and so does collect
    archive = make_zip(tmp_path / "a.zip", {"lovelaceada_1001_50001_a1.ipynb": released["s002"]})
    row = collect(course, "a1", archive).files[0]
    assert row.outcome is Outcome.REFUSED and "released to s002, not to s001" in row.reason
    assert "--force" in row.reason and filed(course) == []
    forced = collect(course, "a1", archive, force=True).files[0]
    assert forced.outcome is Outcome.IMPORTED and forced.path.read_bytes() == released["s002"]
