"""A whole term on a fresh course, through the command line only, as the README's walk-through gives it.

Six students (non-ASCII names, LMS ids for all but one), two assignments: *shapes* has a built-in
family, a family of the course's own (a ``family_file``), a free-text question graded by hand, a
late policy and an extension; *divergence* has no late policy and is handed in with ``submit``.
Students fill in their notebooks right, with a named mistake, or not at all; hand in on time,
within the grace, late, late but under an extension, after the cutoff, or someone else's notebook.
Every row of every export is checked against values computed here from the parameters printed in
each student's notebook (nothing is read from the gradebook, nothing is a snapshot of the tool's
output)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from tests.term_course import FREE_TEXT, IDS, NAMES, answer_shapes, conv_shape, kl, params_of, stamp, worked, write_course

pytestmark = pytest.mark.slow

runner = CliRunner()

HAND_SCORES = {"s001": "2", "s002": "1.5", "s004": "0.5", "s005": "1"}  # s003's is left blank: pending
GRACE = dt.timedelta(minutes=15)


def cli(*args: str, code: int = 0) -> str:
    """What the command printed, its lines joined (however wide the console that wrapped them)."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"autograde {' '.join(args)} exited {result.exit_code}:\n{result.output}"
    return " ".join(result.output.split())


# --- what the instructor expects, worked out by hand -------------------------------------------


def real_points(given: float, truth: float, points: float) -> float:
    """Right to 3 significant figures; the test's numbers stay clear of a rounding boundary."""
    rel = abs(given - truth) / abs(truth)
    assert rel < 1e-9 or rel > 1e-2, "a borderline answer: choose other numbers"
    return points if rel < 1e-9 else 0.0


def late_days(submitted: dt.datetime, due: dt.datetime) -> int:
    """Days late, rounded up, counted from the due date once past the grace."""
    return 0 if submitted - due <= GRACE else math.ceil((submitted - due) / dt.timedelta(days=1))


def money(x: float) -> str:
    """Points as the exports print them for people: 2 decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class Expected:
    """One student's row of shapes, worked out here."""

    q1: float
    q2: float
    q3: float | None        # None: the hand grade is still to come
    late_days: int
    identity: str = "match"
    released_to: str = ""

    raw = property(lambda self: self.q1 + self.q2 + (self.q3 or 0.0))
    percent = property(lambda self: min(10 * self.late_days, 50))  # 10% a day, at least half kept
    penalty = property(lambda self: self.raw * self.percent / 100)
    total = property(lambda self: self.raw - self.penalty)
    status = property(lambda self: "pending" if self.q3 is None else "graded")


def expect_shapes(params: dict, handed_in: dict, submitted: dict, due: dict) -> dict[str, Expected | None]:
    """Each student's points from the answers in the notebook they handed in, against their own numbers."""
    expected: dict[str, Expected | None] = dict.fromkeys(IDS)
    for sid, answer in handed_in.items():
        p = params[sid]
        channels, sizes = conv_shape(p["q1"])  # 1 point for the channels, 1 shared by the axes
        q1 = (answer.q1[0] == channels) + sum(a == t for a, t in zip(answer.q1[1], sizes)) / len(sizes)
        q2 = float(answer.q2 == p["q2"]["channels"] * p["q2"]["height"] * p["q2"]["width"])
        q3 = float(HAND_SCORES[sid]) if sid in HAND_SCORES else None
        other = answer.student if answer.student != sid else ""
        expected[sid] = Expected(q1, q2, q3, late_days(submitted[sid], due[sid]), "other_student" if other else "match", other)
    return expected


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


# --- the term -----------------------------------------------------------------------------------


def test_a_whole_term_on_a_fresh_course(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADE_SECRET", "a fixed secret, so that every run draws the same numbers")
    root = tmp_path / "dl-course"
    root.mkdir()
    monkeypatch.chdir(root)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    due, cutoff, extended = now - dt.timedelta(days=2), now - dt.timedelta(hours=1), now + dt.timedelta(days=1)
    write_course(root, due, cutoff, extended)

    # the instructor releases both assignments; the course's own family is found beside assignment.toml
    assert "flatten_size" in cli("families")
    assert "notebooks for 6 students" in cli("generate", "shapes", "--solutions")
    cli("generate", "divergence")
    cli("variants", "shapes")
    release = {a: {s: root / "release" / a / s / f"{a}.ipynb" for s in IDS} for a in ("shapes", "divergence")}
    params = {a: {s: params_of(release[a][s]) for s in IDS} for a in release}

    # students work their notebooks: right, with named mistakes, an answer left out; s006 does nothing
    p = params["shapes"]
    answers = {"s001": answer_shapes("s001", p["s001"]), "s002": answer_shapes("s002", p["s002"], mistake=True),
               "s003": answer_shapes("s003", p["s003"]), "s004": answer_shapes("s004", p["s004"], skip_q2=True)}
    answers["s005"] = answers["s001"]  # s005 hands in s001's notebook
    work = tmp_path / "work"
    work.mkdir()
    for sid in ("s003", "s004"):
        (work / f"{sid}.ipynb").write_bytes(answers[sid].notebook(release["shapes"][sid]))
    assert "missing" in cli("validate", str(work / "s004.ipynb"), code=1)  # a student checks: q2 is not done

    # shapes is handed in on the LMS; its bulk download (the folder layout) carries each file's time
    submitted = {"s001": due + dt.timedelta(minutes=10),   # within the 15 minutes' grace: on time
                 "s002": due + dt.timedelta(hours=26),     # 1 day 2 hours late: 2 late days, 20%
                 "s004": due - dt.timedelta(hours=1),      # on time (a better notebook comes after the cutoff)
                 "s005": due - dt.timedelta(minutes=30)}   # on time, but s001's notebook
    download = tmp_path / "shapes-download.zip"
    with zipfile.ZipFile(download, "w") as z:
        for sid, when in submitted.items():
            whose = answers[sid].student
            z.writestr(zipfile.ZipInfo(f"{sid}.ipynb", date_time=when.timetuple()[:6]),
                       answers[sid].notebook(release["shapes"][whose]))
    cli("collect", "shapes", str(download), "--timezone", "UTC", "--dry-run", code=1)
    assert not (root / "submitted").exists()
    out = cli("collect", "shapes", str(download), "--timezone", "UTC", code=1)  # s005's is refused
    assert "refused" in out.lower() and not (root / "submitted" / "s005").exists()
    cli("collect", "shapes", str(download), "--timezone", "UTC", "--force")
    assert (root / "submitted" / "s005" / "shapes").is_dir()

    # s003 hands in now: late for the assignment's due date, on time for the extension
    before = dt.datetime.now(dt.UTC)
    assert "Submitted on time for the extended due date" in cli("submit", "shapes", str(work / "s003.ipynb"), "--student", "s003")
    submitted["s003"] = before
    # s004's better notebook comes after the cutoff: kept, not graded
    (work / "s004-fixed.ipynb").write_bytes(answer_shapes("s004", p["s004"]).notebook(release["shapes"]["s004"]))
    assert "after the cutoff" in cli("submit", "shapes", str(work / "s004-fixed.ipynb"), "--student", "s004")

    # divergence is handed in with submit before its due date; s005 hands in s002's notebook
    kl_answers = {"s001": kl(params["divergence"]["s001"]["q1"]),
                  "s002": kl(params["divergence"]["s002"]["q1"], std_as_variance=True)}
    for sid, value in kl_answers.items():
        (work / f"div-{sid}.ipynb").write_bytes(worked(release["divergence"][sid], {"q1": f"q1_kl = {value!r}\n"}))
        cli("submit", "divergence", str(work / f"div-{sid}.ipynb"), "--student", sid)
    assert "released to s002, not to s005" in cli("submit", "divergence", str(work / "div-s002.ipynb"), "--student", "s005", code=2)
    cli("submit", "divergence", str(work / "div-s002.ipynb"), "--student", "s005", "--force")
    kl_answers["s005"] = kl_answers["s002"]

    # grading: one worker, the fast path
    out = cli("grade", "shapes", "--workers", "1")
    assert "after the cutoff (kept, not graded" in out  # s004's second notebook
    assert "not their notebook: s005: this notebook was released to s001" in out
    cli("grade", "divergence", "--workers", "1")

    # hand grading: export the sheet, type scores (s003's left blank), import it
    cli("manual", "export", "shapes")
    sheet = root / "exports" / "shapes.manual.csv"
    rows = read_csv(sheet)
    assert {r["student_id"]: r["answer"] for r in rows} == {sid: FREE_TEXT[answers[sid].student] for sid in answers}
    for r in rows:
        r["score"] = HAND_SCORES.get(r["student_id"], "")
        r["feedback"] = "Thanks." if r["score"] else ""
    with open(sheet, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    cli("manual", "import", "shapes", str(sheet))

    cli("feedback", "shapes")
    for fmt in ("csv", "canvas", "json"):
        cli("export", "shapes", "--format", fmt)
        cli("export", "divergence", "--format", fmt)
    cli("export", "shapes", "--format", "canvas", "--include-pending", "--out", str(tmp_path / "with-pending.csv"))
    cli("report", "shapes")
    assert "s005 handed in the notebook released to s001" in cli("integrity", "shapes")

    own_due = {sid: extended if sid == "s003" else due for sid in IDS}
    expected = expect_shapes(p, answers, submitted, own_due)
    # the cases the term is meant to cover are there (a test of the test)
    assert [(e.q1, e.q2, e.late_days) for e in (expected["s001"], expected["s002"])] == [(2, 1, 0), (1, 0, 2)]
    assert expected["s003"].status == "pending" and expected["s004"].q2 == 0 and expected["s005"].q1 < 2
    check_shapes_csv(root / "exports" / "shapes.csv", expected, submitted, before)
    final = {sid: "" if e is None or e.status == "pending" else money(e.total) for sid, e in expected.items()}
    check_canvas(root / "exports" / "shapes.canvas.csv", "Shapes (4242)", "5", final)  # pending totals left blank
    check_canvas(tmp_path / "with-pending.csv", "Shapes (4242)", "5",
                 {sid: "" if e is None else money(e.total) for sid, e in expected.items()})
    check_shapes_json(root / "exports" / "shapes.json", expected, submitted, before, own_due)
    check_divergence(root, params["divergence"], kl_answers, {"s005": "s002"}, before)

    pages = {f.stem: f.read_text() for f in (root / "feedback" / "shapes").glob("*.html")}
    assert sorted(pages) == ["s001", "s002", "s003", "s004", "s005"]
    assert "2 days after the due date" in pages["s002"] and "a late penalty of 20% of the total" in pages["s002"]
    assert "Submitted on time for the extended due date" in pages["s003"] and "still to be graded by hand" in pages["s003"]
    assert "this notebook was released to s001, not to s005" in pages["s005"]
    report = (root / "reports" / "shapes" / "index.html").read_text()
    assert "after the cutoff. Kept, not graded" in report
    assert report.count("released to s001, not to s005") == 1 and "handed in the notebook released to s001" not in report

    # an extension granted after grading re-marks s002 (no longer late) and keeps every hand grade
    with open(root / "extensions.csv", "a") as f:
        f.write(f"s002,shapes,{stamp(due + dt.timedelta(days=2))},\n")
    cli("grade", "shapes", "--workers", "1")
    cli("export", "shapes", "--format", "csv")
    own_due["s002"] = due + dt.timedelta(days=2)
    expected = expect_shapes(p, answers, submitted, own_due)
    assert expected["s002"].late_days == 0 and expected["s002"].q3 == 1.5
    check_shapes_csv(root / "exports" / "shapes.csv", expected, submitted, before)


# --- every export row ---------------------------------------------------------------------------


def missing_row(row: dict[str, str], sid: str) -> dict[str, str]:
    return {**dict.fromkeys(row, ""), "student_id": sid, "name": NAMES[sid]["name"], "status": "missing"}


def submitted_at(text: str, sid: str, submitted: dict, now_from: dt.datetime) -> str:
    """A time the test chose, to the second; or for a ``submit`` now, between ``now_from`` and now."""
    if submitted[sid] != now_from:
        return stamp(submitted[sid])
    when = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert now_from.replace(microsecond=0) <= when <= dt.datetime.now(dt.UTC), sid
    return text


def check_shapes_csv(path: Path, expected: dict, submitted: dict, now_from: dt.datetime) -> None:
    rows = read_csv(path)
    assert [r["student_id"] for r in rows] == IDS
    for r in rows:
        sid, e = r["student_id"], expected[r["student_id"]]
        if e is None:
            assert r == missing_row(r, sid)
            continue
        assert r == {
            "student_id": sid, "name": NAMES[sid]["name"], "q1": money(e.q1), "q2": money(e.q2),
            "q3": "" if e.q3 is None else money(e.q3), "total": money(e.total), "max": "5",
            "status": e.status, "pending_points": "2" if e.q3 is None else "0",
            "submitted_at": submitted_at(r["submitted_at"], sid, submitted, now_from), "late_days": str(e.late_days),
            "penalty": money(e.penalty), "identity": e.identity, "released_to": e.released_to,
        }, sid


def check_canvas(path: Path, column: str, possible: str, totals: dict[str, str]) -> None:
    """Every row of a Canvas gradebook import: a student without LMS ids goes by student_id and email."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[:2] == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                        ["    Points Possible", "", "", "", "", possible]]
    assert len(rows) == 2 + len(IDS)
    for row, sid in zip(rows[2:], IDS):
        s = NAMES[sid]
        ids = [s["canvas_id"], s["sis_id"], s["login"]] if s["canvas_id"] else ["", sid, s["email"]]
        assert row == [s["name"], *ids, "", totals[sid]], sid


def check_shapes_json(path: Path, expected: dict, submitted: dict, now_from: dt.datetime, own_due: dict) -> None:
    doc = json.loads(path.read_text())
    assert (doc["assignment"], doc["max"]) == ("shapes", 5)
    assert [p["kind"] for p in doc["problems"]] == ["computed", "computed", "free_text"]
    assert [s["student_id"] for s in doc["students"]] == IDS
    for s in doc["students"]:
        sid, e = s["student_id"], expected[s["student_id"]]
        if e is None:
            assert (s["status"], s["score"], s["problems"], s["submitted_at"]) == ("missing", None, [], None)
            continue
        assert (s["status"], s["pending"], s["pending_points"]) == (e.status, e.q3 is None, 0 if e.q3 else 2), sid
        assert (s["score_before_penalty"], s["score"], s["penalty"]) == pytest.approx((e.raw, e.total, e.penalty)), sid
        assert (s["late_days"], s["penalty_percent"], s["max"]) == (e.late_days, e.percent, 5), sid
        assert (s["identity"], s["released_to"]) == (e.identity, e.released_to or None), sid
        assert s["submitted_at"] == submitted_at(s["submitted_at"], sid, submitted, now_from), sid
        assert dt.datetime.fromisoformat(s["due"]) == own_due[sid], sid
        assert {p["id"]: p["score"] for p in s["problems"]} == pytest.approx({"q1": e.q1, "q2": e.q2, "q3": e.q3}), sid
        mistakes = {(p["id"], part["mistake"]) for p in s["problems"] for part in p["parts"] if part["mistake"]}
        if sid == "s002":
            assert mistakes == {("q1", "forgot_plus_one"), ("q2", "forgot_channels")}
        elif sid != "s005":
            assert mistakes == set(), sid
        manual = [part["verdict"] for p in s["problems"] for part in p["parts"] if part["manual"]]
        assert len(manual) == 1 and (manual[0] == "pending") == (e.q3 is None), sid


def check_divergence(root: Path, params: dict, given: dict, released_to: dict, now_from: dt.datetime) -> None:
    """Every row of divergence's three exports: no late policy; s005 graded on their own numbers."""
    points = {sid: real_points(given[sid], kl(params[sid]["q1"]), 2.0) for sid in given}
    assert (points["s001"], points["s002"]) == (2, 0)  # right; the named mistake
    rows = read_csv(root / "exports" / "divergence.csv")
    assert [r["student_id"] for r in rows] == IDS
    for r in rows:
        sid = r["student_id"]
        if sid not in given:
            assert r == missing_row(r, sid)
            continue
        when = dt.datetime.strptime(r["submitted_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        assert now_from.replace(microsecond=0) <= when <= dt.datetime.now(dt.UTC), sid
        assert r == {"student_id": sid, "name": NAMES[sid]["name"], "q1": money(points[sid]), "total": money(points[sid]),
                     "max": "2", "status": "graded", "pending_points": "0", "submitted_at": r["submitted_at"],
                     "late_days": "0", "penalty": "0", "identity": "other_student" if sid in released_to else "match",
                     "released_to": released_to.get(sid, "")}, sid
    check_canvas(root / "exports" / "divergence.canvas.csv", "Divergence", "2",
                 {sid: money(points[sid]) if sid in points else "" for sid in IDS})
    doc = json.loads((root / "exports" / "divergence.json").read_text())
    assert [(s["student_id"], s["status"], s["score"]) for s in doc["students"]] == [
        (sid, "graded" if sid in points else "missing", points.get(sid)) for sid in IDS]
