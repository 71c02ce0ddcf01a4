"""Collecting as a whole: idempotent, a dry run writes nothing, the layout told from the names, the command."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.collect import Layout, Outcome, collect
from grader.errors import CollectError
from grader.submit import submit
from tests.collect.conftest import filed, make_zip
from tests.collect.test_canvas import canvas_zip


def test_collecting_the_same_archive_twice_adds_nothing(course, released, tmp_path):
    archive = canvas_zip(tmp_path, released)
    first = collect(course, "a1", archive)
    kept = {p: p.read_bytes() for p in filed(course)}
    second = collect(course, "a1", archive)
    assert first.count(Outcome.IMPORTED) == 2 and second.count(Outcome.IMPORTED) == 0
    assert second.count(Outcome.ALREADY_THERE) == 2 and {p: p.read_bytes() for p in filed(course)} == kept
    assert {f.path for f in second.files if f.path} == set(kept)


def test_a_file_already_handed_in_with_submit_is_already_there(course, released, tmp_path):
    own = tmp_path / "mine.ipynb"
    own.write_bytes(released["s001"])
    handed = submit(course, "a1", own, "s001", run=False)
    rows = {f.student_id: f for f in collect(course, "a1", canvas_zip(tmp_path, released)).files if f.student_id}
    assert rows["s001"].outcome is Outcome.ALREADY_THERE and rows["s001"].path == handed.path
    assert rows["s002"].outcome is Outcome.IMPORTED


def test_a_dry_run_writes_nothing_and_says_what_would_happen(course, released, tmp_path):
    archive = make_zip(tmp_path / "bb.zip", {
        "HW1_alovelace_attempt_2030-01-31-12-00-00_a1.ipynb": released["s001"],
        "HW1_aturing_attempt_2030-02-01-12-00-00_a1.ipynb": released["s002"],
        "HW1_aturing_attempt_2030-02-01-12-30-00_a1.ipynb": released["s002"],   # the same bytes again
    })
    result = collect(course, "a1", archive, timezone="UTC", dry_run=True)
    assert not course.folder("submitted").exists()
    assert [(f.outcome, f.lateness and f.lateness.late_days) for f in result.files] == [
        (Outcome.IMPORTED, 0), (Outcome.IMPORTED, 1), (Outcome.ALREADY_THERE, None)]
    assert result.summary() == "would import 2, already there 1, unmatched 0, refused 0"


def test_the_layout_is_told_from_the_names_and_an_ambiguous_one_is_refused(course, released, tmp_path):
    mixed = make_zip(tmp_path / "mixed.zip", {"lovelaceada_1001_5_a1.ipynb": released["s001"],
                                              "HW1_aturing_attempt_2030-01-31-12-00-00_a1.ipynb": released["s002"]})
    with pytest.raises(CollectError, match=r"mixed.zip: the names fit canvas \(1 file\) or blackboard \(1 file\): "
                                           r"say which with --from"):
        collect(course, "a1", mixed)
    result = collect(course, "a1", mixed, layout=Layout.CANVAS, dry_run=True)
    assert [(f.student_id, f.outcome) for f in result.files] == [(None, Outcome.UNMATCHED), ("s001", Outcome.IMPORTED)]
    odd = make_zip(tmp_path / "odd.zip", {"homework.ipynb": released["s001"]})
    with pytest.raises(CollectError, match="odd.zip: no file is named as a Canvas, Moodle or Blackboard download"):
        collect(course, "a1", odd)


def test_the_collect_command_prints_the_table_and_the_summary(course, released, tmp_path):
    archive = canvas_zip(tmp_path, released)
    runner = CliRunner(env={"COLUMNS": "250"})  # wide enough that no cell wraps
    dry = runner.invoke(app, ["collect", "a1", str(archive), "--dry-run", "--course", str(course.root)])
    assert "dry run: nothing written" in dry.output and "would import" in dry.output
    assert "Dry run: would import 2, already there 0, unmatched 3, refused 1." in dry.output
    assert not course.folder("submitted").exists()
    done = runner.invoke(app, ["collect", "a1", str(archive), "--course", str(course.root)])
    assert done.exit_code == 1  # some files could not be filed: they are listed
    assert "submitted/s001/a1/untimed/a1.ipynb" in done.output and "Canvas: late" in done.output
    assert "imported 2, already there 0, unmatched 3, refused 1." in done.output
    bad = runner.invoke(app, ["collect", "a1", str(archive), "--timezone", "Mars/Olympus", "--course", str(course.root)])
    assert bad.exit_code == 2 and "--timezone 'Mars/Olympus' is not a time zone" in bad.output


def test_filing_leaves_no_temporary_file_behind(course, released, tmp_path):
    collect(course, "a1", canvas_zip(tmp_path, released))
    names = [p.name for p in course.folder("submitted").rglob("*")]
    assert not [n for n in names if n.startswith(".")] and names.count("a1.ipynb") == 2
