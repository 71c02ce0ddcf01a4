"""The built-in demo (`make demo`) tells the whole story and every step gives what it says."""

from __future__ import annotations

import csv

import pytest

from grader import demo
from grader.gradebook import Gradebook

pytestmark = pytest.mark.slow


def test_the_demo_runs_the_whole_story_in_its_scratch_copy(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOGRADE_SECRET", raising=False)
    monkeypatch.setattr(demo, "console", demo.Console(width=200, force_terminal=False))
    folder = tmp_path / "demo-run"
    demo.main(folder)
    out = capsys.readouterr().out
    assert "Every seed verdict matches a careful instructor's." in out
    assert "Generated 16 notebooks (release + worked solutions) for 8 students" in out

    book = Gradebook("gradebook.db", folder)
    subs = {s.student_id: s for s in book.submissions(demo.ASSIGNMENT)}
    mistakes = {sid: {r.mistake for r in book.part_rows(s.id) if r.mistake} for sid, s in subs.items()}
    by_hand = {sid: sum(r.max_score for r in book.part_rows(s.id) if r.manual) for sid, s in subs.items()}
    book.close()
    assert sorted(subs) == ["s001", "s002", "s003", "s004", "s005", "s006"]
    auto = subs["s001"].max_score - by_hand["s001"]
    assert subs["s001"].score == auto and subs["s002"].score == auto  # typed and computed: every auto-graded point
    assert subs["s004"].score == auto  # the error and the loop cost nothing once the limit stops the loop
    assert mistakes["s003"] == {"forgot_plus_one", "no_bias"} and 0 < subs["s003"].score < auto
    assert subs["s005"].status == "invalid" and subs["s006"].score == 0
    assert by_hand["s001"] > 0 and f"{by_hand['s001']:g} unanswered" in out  # the worked solutions leave free text blank

    pages = sorted(p.name for p in (folder / "feedback" / demo.ASSIGNMENT).glob("*.html"))
    assert pages == [f"s00{i}.html" for i in range(1, 7)]  # the invalid one too: it says why
    assert "not valid JSON" in (folder / "feedback" / demo.ASSIGNMENT / "s005.html").read_text()
    with open(folder / "exports" / f"{demo.ASSIGNMENT}.csv", newline="", encoding="utf-8-sig") as f:  # Excel's UTF-8 mark
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert len(rows) == 8 and rows["s007"]["status"] == "missing"
    assert {rows[s]["late_days"] for s in ("s001", "s002", "s003")} == {"0"}  # submitted before the due date
    assert (folder / "reports" / demo.ASSIGNMENT / "index.html").stat().st_size > 10_000
    assert "Report:         demo-run/reports/cnn-fundamentals/index.html" in out
