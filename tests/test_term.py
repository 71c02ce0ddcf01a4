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

import ast
import csv
import datetime as dt
import io
import json
import math
import zipfile
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from grader.cli import app

pytestmark = pytest.mark.slow

runner = CliRunner()

FLATTEN_SIZE = '''"""The length of a feature map flattened for a linear layer (nn.Flatten): channels x height x width."""

from pydantic import Field

from grader.answers import Integer
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range


class Params(FamilyParams):
    channels: int = Field(ge=1, le=1024, description="Channels of the feature map.")
    height: int = Field(ge=1, le=256, description="Height of the feature map.")
    width: int = Field(ge=1, le=256, description="Width of the feature map.")


class Space(FamilySpace):
    channels: Draw = [8, 16, 32, 64]
    height: Draw = Range(min=2, max=14)
    width: Draw = Range(min=2, max=14)


def generate(rng, space):
    return Params(**{name: space.draw(rng, name) for name in Space.model_fields})


ANSWER = "value"


def solve(p):
    return {"features": Part(p.channels * p.height * p.width, Integer())}


def mistakes(p):
    yield Mistake("forgot_channels", "Every channel is flattened too: multiply by the channels.", p.height * p.width)


STATEMENT = "A feature map of {{ p.channels }} channels of size ${{ p.height }} \\\\times {{ p.width }}$ is flattened. How many inputs does the linear layer after it get?"
SOLUTION = "${{ p.channels }} \\\\cdot {{ p.height }} \\\\cdot {{ p.width }} = {{ answer }}$."
'''
"""The course's own family, one small file beside assignment.toml."""

ROSTER = """student_id,name,email,canvas_id,sis_id,login
s001,Zoë Åberg,zoe@uni.example,1001,SIS-1,zaberg
s002,Łukasz Nowak,lukasz@uni.example,1002,SIS-2,lnowak
s003,Chidi Okafor,chidi@uni.example,1003,SIS-3,cokafor
s004,Mei Chen,mei@uni.example,,,
s005,José Núñez,jose@uni.example,1005,SIS-5,jnunez
s006,Ana Silva,ana@uni.example,1006,SIS-6,asilva
"""
NAMES = {row["student_id"]: row for row in csv.DictReader(io.StringIO(ROSTER))}
IDS = sorted(NAMES)

FREE_TEXT = {"s001": "Weight sharing makes the layer translation equivariant and cuts the parameters.",
             "s002": "Fewer parameters.", "s003": "Equivariance.", "s004": "It is faster."}
HAND_SCORES = {"s001": "2", "s002": "1.5", "s004": "0.5", "s005": "1"}  # s003's is left blank: pending


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"autograde {' '.join(args)} exited {result.exit_code}:\n{result.output}"
    return result.output


# --- what the students and the instructor compute by hand -------------------------------------


def axes(value, dims: int = 2) -> list[int]:
    return list(value) if isinstance(value, list) else [value] * dims


def conv_shape(p: dict) -> tuple[int, list[int]]:
    """out = floor((n + 2p - d(k-1) - 1) / s) + 1 per axis, as torch.nn.Conv2d computes it."""
    sizes = [(n + 2 * pad - d * (k - 1) - 1) // s + 1
             for n, k, s, pad, d in zip(*(axes(p[f], p["dims"]) for f in ("input_size", "kernel_size", "stride", "padding", "dilation")))]
    return p["out_channels"], sizes


def kl(p: dict) -> float:
    return (math.log(p["sigma_p"] / p["sigma_q"]) + (p["sigma_q"] ** 2 + (p["mu_q"] - p["mu_p"]) ** 2) / (2 * p["sigma_p"] ** 2) - 0.5)


def kl_std_as_variance(p: dict) -> float:
    """The named mistake: standard deviations used where the variances belong."""
    return 0.5 * math.log(p["sigma_p"] / p["sigma_q"]) + (p["sigma_q"] + (p["mu_q"] - p["mu_p"]) ** 2) / (2 * p["sigma_p"]) - 0.5


def conv_points(answer: tuple[int, list[int]], truth: tuple[int, list[int]]) -> float:
    """2 points: 1 for the channels, 1 shared by the sizes along each axis."""
    return float(answer[0] == truth[0]) + sum(a == t for a, t in zip(answer[1], truth[1])) / len(truth[1])


def real_points(given: float, truth: float, points: float) -> float:
    """Right to 3 significant figures; the test's numbers stay clear of a rounding boundary."""
    rel = abs(given - truth) / abs(truth)
    assert rel < 1e-9 or rel > 1e-2, "a borderline answer: choose other numbers"
    return points if rel < 1e-9 else 0.0


# --- the course ---------------------------------------------------------------------------------


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_course(root: Path, now: dt.datetime) -> dict[str, dt.datetime]:
    """autograde.toml, roster, extensions and two assignments, dated around ``now``."""
    due, cutoff = now - dt.timedelta(days=2), now - dt.timedelta(hours=1)
    extended = now + dt.timedelta(days=1)
    (root / "assignments" / "shapes").mkdir(parents=True)
    (root / "assignments" / "divergence").mkdir(parents=True)
    (root / "autograde.toml").write_text('course = "dl-term-test"\ntitle = "Deep learning"\nroster = "roster.csv"\n'
                                         'extensions = "extensions.csv"\n[limits]\ncell_seconds = 10\n')
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (root / "extensions.csv").write_text(f"student_id,assignment,due,cutoff\ns003,shapes,{stamp(extended)},\n")
    (root / "assignments" / "shapes" / "flatten_size.py").write_text(FLATTEN_SIZE)
    (root / "assignments" / "shapes" / "assignment.toml").write_text(f'''title = "Shapes"
due = {stamp(due)}
cutoff = {stamp(cutoff)}
grace = "15m"
canvas_column = "Shapes (4242)"
[late]
penalty = "percent_per_day"
percent = 10
floor = 50

[[problems]]
id = "q1"
family = "conv_output_shape"
points = 2
[problems.space]
kernel_size = [3, 5]
dilation = [1]

[[problems]]
id = "q2"
family_file = "flatten_size.py"
points = 1

[[problems]]
id = "q3"
title = "Why share weights?"
prompt = "Why does a convolution share its weights across positions?"
points = 2
rubric = "Translation equivariance; far fewer parameters than a dense layer."
''')
    (root / "assignments" / "divergence" / "assignment.toml").write_text(f'''title = "Divergence"
due = {stamp(now + dt.timedelta(days=7))}

[[problems]]
id = "q1"
family = "kl_gaussian"
points = 2
[problems.space]
sigma_q = [1.5, 2.0, 2.5]
sigma_p = [0.5]
''')
    return {"due": due, "cutoff": cutoff, "extended": extended}


def params_of(notebook: Path) -> dict[str, dict]:
    """The numbers printed in a released notebook's parameters cells, as a student reads them."""
    nb = nbformat.read(notebook, as_version=4)
    out = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("-params"):
            out[grade_id.removesuffix("-params")] = ast.literal_eval(cell.source.split("=", 1)[1])
    return out


def worked(release: Path, answers: dict[str, str]) -> bytes:
    """The released notebook with answer cells (code, or the free text of a markdown cell) replaced."""
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nbformat.writes(nb).encode()


def shapes_answers(p: dict[str, dict], mistake: bool = False, skip_q2: bool = False, free_text: str = "") -> dict[str, str]:
    channels, sizes = conv_shape(p["q1"])
    if mistake:  # forgot the +1: one window position too few along each axis
        sizes = [s - 1 for s in sizes]
    q2 = p["q2"]["height"] * p["q2"]["width"] * (1 if mistake else p["q2"]["channels"])
    return {"q1": f"q1_out_channels = {channels}\nq1_out_size = {sizes}\n",
            "q2": "q2_features = None\n" if skip_q2 else f"# C * H * W\nq2_features = {q2}\n",
            "q3": free_text}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def read_canvas(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def money(x: float) -> str:
    """Points as the exports print them for people: 2 decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# --- the term -----------------------------------------------------------------------------------


def test_a_whole_term_on_a_fresh_course(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADE_SECRET", "a fixed secret, so that every run draws the same numbers")
    monkeypatch.setenv("COLUMNS", "200")
    root = tmp_path / "dl-course"
    root.mkdir()
    monkeypatch.chdir(root)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    dates = write_course(root, now)
    due = dates["due"]

    # the instructor releases both assignments; the course's own family is found beside assignment.toml
    assert "flatten_size" in cli("families")
    out = cli("generate", "shapes", "--solutions")
    assert "notebooks for 6 students" in out
    cli("generate", "divergence")
    cli("variants", "shapes")
    release = {a: {s: root / "release" / a / s / f"{a}.ipynb" for s in IDS} for a in ("shapes", "divergence")}
    params = {a: {s: params_of(release[a][s]) for s in IDS} for a in release}

    # students work their notebooks
    work = tmp_path / "work"
    work.mkdir()
    shapes = {
        "s001": shapes_answers(params["shapes"]["s001"], free_text=FREE_TEXT["s001"]),
        "s002": shapes_answers(params["shapes"]["s002"], mistake=True, free_text=FREE_TEXT["s002"]),
        "s003": shapes_answers(params["shapes"]["s003"], free_text=FREE_TEXT["s003"]),
        "s004": shapes_answers(params["shapes"]["s004"], skip_q2=True, free_text=FREE_TEXT["s004"]),
    }
    notebooks = {s: worked(release["shapes"][s], a) for s, a in shapes.items()}
    late_fix = worked(release["shapes"]["s004"], shapes_answers(params["shapes"]["s004"], free_text=FREE_TEXT["s004"]))

    # a student checks their notebook; the one left blank is said to be missing
    (work / "s004.ipynb").write_bytes(notebooks["s004"])
    out = cli("validate", str(work / "s004.ipynb"), code=1)
    assert "missing" in out

    # shapes is handed in on the LMS; its bulk download (the folder layout) carries each file's time
    times = {"s001": due + dt.timedelta(minutes=10),   # within the 15 minutes' grace: on time
             "s002": due + dt.timedelta(hours=26),     # 1 day 2 hours late: 2 late days, 20%
             "s004": due - dt.timedelta(hours=1),      # on time (a better notebook comes after the cutoff)
             "s005": due - dt.timedelta(minutes=30)}   # on time, but s001's notebook
    files = {**{s: notebooks[s] for s in ("s001", "s002", "s004")}, "s005": notebooks["s001"]}
    download = tmp_path / "shapes-download.zip"
    with zipfile.ZipFile(download, "w") as z:
        for sid, data in files.items():
            info = zipfile.ZipInfo(f"{sid}.ipynb", date_time=times[sid].timetuple()[:6])
            z.writestr(info, data)
    cli("collect", "shapes", str(download), "--timezone", "UTC", "--dry-run", code=1)
    assert not (root / "submitted").exists()
    out = cli("collect", "shapes", str(download), "--timezone", "UTC", code=1)  # s005's is refused
    assert "s001" in out and "refused" in out.lower()
    assert not (root / "submitted" / "s005").exists()
    cli("collect", "shapes", str(download), "--timezone", "UTC", "--force")
    assert (root / "submitted" / "s005" / "shapes").is_dir()

    # s003 hands in now, late for the assignment's due date but on time under the extension
    (work / "s003.ipynb").write_bytes(notebooks["s003"])
    out = cli("submit", "shapes", str(work / "s003.ipynb"), "--student", "s003")
    assert "extended due date" in out
    # s004's better notebook comes after the cutoff: kept, not graded
    (work / "s004-fixed.ipynb").write_bytes(late_fix)
    out = cli("submit", "shapes", str(work / "s004-fixed.ipynb"), "--student", "s004")
    assert "after the cutoff" in out

    # divergence is handed in with submit before its due date; s005 hands in s002's notebook
    kl_answers = {"s001": kl(params["divergence"]["s001"]["q1"]),
                  "s002": kl_std_as_variance(params["divergence"]["s002"]["q1"])}
    for sid, value in kl_answers.items():
        (work / f"div-{sid}.ipynb").write_bytes(worked(release["divergence"][sid], {"q1": f"q1_kl = {value!r}\n"}))
        cli("submit", "divergence", str(work / f"div-{sid}.ipynb"), "--student", sid)
    out = cli("submit", "divergence", str(work / "div-s002.ipynb"), "--student", "s005", code=2)
    assert "s002" in out
    cli("submit", "divergence", str(work / "div-s002.ipynb"), "--student", "s005", "--force")

    # grading: one worker, the fast path
    out = cli("grade", "shapes", "--workers", "1")
    assert "after the cutoff (kept, not graded" in out  # s004's second notebook
    assert "not their notebook: s005: this notebook was released to s001" in out
    cli("grade", "divergence", "--workers", "1")

    # hand grading: export the sheet, type scores (one left blank), import it
    cli("manual", "export", "shapes")
    sheet = root / "exports" / "shapes.manual.csv"
    rows = read_csv(sheet)
    assert sorted(r["student_id"] for r in rows) == ["s001", "s002", "s003", "s004", "s005"]
    assert {r["student_id"]: r["answer"] for r in rows}["s005"] == FREE_TEXT["s001"]
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
    cli("export", "shapes", "--format", "canvas", "--include-pending", "--out", str(tmp_path / "with-pending.csv"))
    cli("export", "divergence", "--format", "csv")
    cli("report", "shapes")
    out = cli("integrity", "shapes")
    assert "s005 handed in the notebook released to s001" in out

    expect_shapes(root, tmp_path, params["shapes"], shapes, times, dates)
    expect_divergence(root, params["divergence"], kl_answers)
    pages = {p.stem: (root / "feedback" / "shapes" / f"{p.stem}.html").read_text() for p in (root / "feedback" / "shapes").glob("*.html")}
    assert sorted(pages) == ["s001", "s002", "s003", "s004", "s005"]
    assert "2 days after the due date" in pages["s002"] and "a late penalty of 20% of the total" in pages["s002"]
    assert "Submitted on time for the extended due date" in pages["s003"] and "still to be graded by hand" in pages["s003"]
    assert "this notebook was released to s001, not to s005" in pages["s005"]
    report = (root / "reports" / "shapes" / "index.html").read_text()
    assert "s005 handed in the notebook released to s001" in report and "after the cutoff. Kept, not graded" in report


def expect_shapes(root: Path, tmp_path: Path, params: dict, answers: dict, times: dict, dates: dict) -> None:
    """Every row of the three exports of shapes, from the parameters and the answers handed in."""
    handed_in = {**answers, "s005": answers["s001"]}  # s005 handed in s001's notebook
    submitted_at = {**times, "s003": None}
    expected: dict[str, dict] = {}
    for sid in IDS:
        if sid not in handed_in:
            expected[sid] = None
            continue
        p, given = params[sid], handed_in[sid]
        channels = int(given["q1"].split("q1_out_channels = ")[1].split("\n")[0])
        sizes = ast.literal_eval(given["q1"].split("q1_out_size = ")[1].strip())
        q1 = conv_points((channels, sizes), conv_shape(p["q1"]))
        features = given["q2"].split("q2_features = ")[1].strip()
        q2 = 1.0 if features != "None" and int(features) == p["q2"]["channels"] * p["q2"]["height"] * p["q2"]["width"] else 0.0
        q3 = float(HAND_SCORES[sid]) if sid in HAND_SCORES else None
        if sid in times:
            over = times[sid] - dates["due"]
            late_days = 0 if over <= dt.timedelta(minutes=15) else math.ceil(over / dt.timedelta(days=1))
        else:
            late_days = 0  # s003: on time under the extension
        percent = min(10 * late_days, 50)
        raw = q1 + q2 + (q3 or 0.0)
        expected[sid] = dict(q1=q1, q2=q2, q3=q3, raw=raw, late_days=late_days, percent=percent,
                             penalty=raw * percent / 100, total=raw - raw * percent / 100,
                             status="pending" if q3 is None else "graded", pending=2.0 if q3 is None else 0.0,
                             identity="other_student" if sid == "s005" else "match",
                             released_to="s001" if sid == "s005" else "")
    # the cases the term is meant to cover are there (a test of the test)
    assert expected["s001"]["q1"] == 2 and expected["s001"]["q2"] == 1 and expected["s001"]["late_days"] == 0
    assert expected["s002"]["q1"] == 1 and expected["s002"]["q2"] == 0 and expected["s002"]["late_days"] == 2
    assert expected["s003"]["status"] == "pending" and expected["s004"]["q2"] == 0
    assert expected["s005"]["q1"] < 2

    rows = read_csv(root / "exports" / "shapes.csv")
    assert [r["student_id"] for r in rows] == IDS
    for r in rows:
        sid, e = r["student_id"], expected[r["student_id"]]
        assert r["name"] == NAMES[sid]["name"]
        if e is None:
            assert r == {**{k: "" for k in r}, "student_id": sid, "name": NAMES[sid]["name"], "status": "missing"}, sid
            continue
        when = submitted_at[sid]
        assert r == {
            "student_id": sid, "name": NAMES[sid]["name"], "q1": money(e["q1"]), "q2": money(e["q2"]),
            "q3": "" if e["q3"] is None else money(e["q3"]), "total": money(e["total"]), "max": "5",
            "status": e["status"], "pending_points": money(e["pending"]),
            "submitted_at": stamp(when) if when else r["submitted_at"], "late_days": str(e["late_days"]),
            "penalty": money(e["penalty"]), "identity": e["identity"], "released_to": e["released_to"],
        }, sid
    s003_at = dt.datetime.strptime(rows[2]["submitted_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert dates["due"] < s003_at < dates["extended"]  # late for the assignment, on time under the extension

    canvas = read_canvas(root / "exports" / "shapes.canvas.csv")
    with_pending = read_canvas(tmp_path / "with-pending.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Shapes (4242)"]
    assert canvas[1] == ["    Points Possible", "", "", "", "", "5"]
    assert len(canvas) == len(with_pending) == 2 + len(IDS)
    for row, row_all, sid in zip(canvas[2:], with_pending[2:], IDS):
        s, e = NAMES[sid], expected[sid]
        ids = [s["canvas_id"], s["sis_id"], s["login"]] if s["canvas_id"] else ["", sid, s["email"]]
        final = "" if e is None or e["status"] == "pending" else money(e["total"])
        assert row == [s["name"], *ids, "", final], sid
        assert row_all == [s["name"], *ids, "", "" if e is None else money(e["total"])], sid

    doc = json.loads((root / "exports" / "shapes.json").read_text())
    assert doc["assignment"] == "shapes" and doc["max"] == 5
    assert [p["kind"] for p in doc["problems"]] == ["computed", "computed", "free_text"]
    assert [s["student_id"] for s in doc["students"]] == IDS
    for s in doc["students"]:
        sid, e = s["student_id"], expected[s["student_id"]]
        if e is None:
            assert s["status"] == "missing" and s["score"] is None and s["problems"] == [] and s["submitted_at"] is None
            continue
        assert (s["status"], s["pending"], s["pending_points"]) == (e["status"], e["status"] == "pending", e["pending"]), sid
        assert s["score_before_penalty"] == pytest.approx(e["raw"]) and s["score"] == pytest.approx(e["total"]), sid
        assert (s["late_days"], s["penalty_percent"], s["max"]) == (e["late_days"], e["percent"], 5), sid
        assert s["penalty"] == pytest.approx(e["penalty"]), sid
        assert (s["identity"], s["released_to"]) == (e["identity"], e["released_to"] or None), sid
        if sid in times:
            assert s["submitted_at"] == stamp(times[sid])
        scores = {p["id"]: p["score"] for p in s["problems"]}
        assert scores == pytest.approx({"q1": e["q1"], "q2": e["q2"], "q3": e["q3"]}), sid
        mistakes = {(p["id"], part["mistake"]) for p in s["problems"] for part in p["parts"] if part["mistake"]}
        if sid == "s002":
            assert mistakes == {("q1", "forgot_plus_one"), ("q2", "forgot_channels")}
        elif sid in ("s001", "s003", "s004"):
            assert mistakes == set(), sid
        manual = [part for p in s["problems"] for part in p["parts"] if part["manual"]]
        assert [part["verdict"] == "pending" for part in manual] == [e["q3"] is None], sid


def expect_divergence(root: Path, params: dict, answers: dict) -> None:
    """Every row of divergence's CSV: no late policy, s005 graded on their own numbers with s002's notebook."""
    given = {**answers, "s005": answers["s002"]}
    rows = read_csv(root / "exports" / "divergence.csv")
    assert [r["student_id"] for r in rows] == IDS
    for r in rows:
        sid = r["student_id"]
        if sid not in given:
            assert r == {**{k: "" for k in r}, "student_id": sid, "name": NAMES[sid]["name"], "status": "missing"}, sid
            continue
        q1 = real_points(given[sid], kl(params[sid]["q1"]), 2.0)
        assert r["q1"] == money(q1) and r["total"] == money(q1) and r["max"] == "2", sid
        assert (r["status"], r["pending_points"], r["late_days"], r["penalty"]) == ("graded", "0", "0", "0"), sid
        assert r["identity"] == ("other_student" if sid == "s005" else "match"), sid
        assert r["released_to"] == ("s002" if sid == "s005" else ""), sid
        assert dt.datetime.strptime(r["submitted_at"], "%Y-%m-%dT%H:%M:%SZ") <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert rows[0]["q1"] == "2" and rows[1]["q1"] == "0"  # s001 right, s002's named mistake
