"""The grade command's summary: the assignment's mean (not the batch's), scores rounded for people."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from grader.cli import app
from grader.gradebook import Gradebook
from grader.problems import get_family
from grader.report.stats import headline
from tests.grading.conftest import LIMITS, Submissions, cell

THIRDS = '''
title = "Thirds"

[[problems]]
id = "q1"
family = "bilinear_weight"
points = 1
'''


def _grade(course):
    return CliRunner().invoke(app, ["grade", "a1", "--workers", "1", "--course", str(course.root)])


def _one_third_right(subs, sid):
    """Only the weight right: one part of three."""
    weight = get_family("bilinear_weight").answer(subs.params(sid)["q1"])["weight"]
    return lambda nb: setattr(cell(nb, "q1"), "source", f"q1_weight = {weight!r}\nq1_dweight_dx = 9.0\nq1_dweight_dy = 9.0\n")


def test_the_summary_gives_the_mean_over_the_assignment_and_two_decimals(make_course):
    subs = Submissions(make_course(students=("s01", "s02", "s03"), limits=LIMITS, assignment=THIRDS))
    subs.edited("s01", _one_third_right(subs, "s01"))
    subs.edited("s02", lambda nb: None)  # the worked notebook: all right
    first = _grade(subs.course)
    assert first.exit_code == 0, first.output
    assert "s01: 0.33/1 auto-graded" in first.output and "before any late penalty or hand grade" in first.output, first.output
    assert re.search(r"mean score, all 2 graded\s*│\s*66\.67%", first.output), first.output
    subs.edited("s03", lambda nb: None)
    second = _grade(subs.course)  # this batch is s03 alone, who has everything right
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    mean = headline(book, "a1").mean
    book.close()
    assert round(100 * mean, 2) == 77.78
    assert re.search(r"mean score, all 3 graded\s*│\s*77\.78%", second.output), second.output
    assert not re.search(r"\d\.\d{3}", second.output.split("time")[0])  # no score with more than 2 decimals


def test_the_executor_is_a_choice_from_the_registry(make_course):
    from grader.sandbox.executors import EXECUTORS

    course = make_course(students=("s01",), limits=LIMITS, assignment=THIRDS)
    result = CliRunner().invoke(app, ["grade", "a1", "--executor", "forked", "--course", str(course.root)],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "'forked' is not one of 'fork', 'kernel'" in re.sub(r"[\s│]+", " ", result.output)
    help_text = re.sub(r"[\s│]+", " ", CliRunner().invoke(app, ["grade", "--help"], env={"COLUMNS": "300"}).output)
    for name, entry in EXECUTORS.items():
        assert f"{name.value}: {entry.help}" in help_text


def test_junitxml_gives_one_case_per_graded_part_with_its_points(make_course, tmp_path):
    import xml.etree.ElementTree as ET

    subs = Submissions(make_course(students=("s01", "s02"), limits=LIMITS, assignment=THIRDS))
    subs.edited("s01", _one_third_right(subs, "s01"))
    subs.edited("s02", lambda nb: None)  # the worked notebook: all right
    report = tmp_path / "junit.xml"
    result = CliRunner().invoke(app, ["grade", "a1", "--workers", "1", "--junitxml", str(report),
                                      "--course", str(subs.course.root)])
    assert result.exit_code == 0, result.output
    suite = ET.parse(report).getroot().find("testsuite")
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    parts = ("q1::weight", "q1::dweight_dx", "q1::dweight_dy")
    assert sorted(cases) == sorted((f"{sid}.a1", part) for sid in ("s01", "s02") for part in parts)
    assert (suite.get("tests"), suite.get("failures")) == ("6", "2")
    points = {key: {p.get("name"): p.get("value") for p in c.iter("property")} for key, c in cases.items()}
    assert points[("s01.a1", "q1::weight")]["score"] == points[("s02.a1", "q1::dweight_dx")]["max_score"]
    wrong = cases[("s01.a1", "q1::dweight_dx")].find("failure")
    assert wrong is not None and wrong.get("message").startswith("q1/dweight_dx: 0 of ")
    assert cases[("s01.a1", "q1::weight")].find("failure") is None


def test_a_terminal_is_told_the_batch_is_being_planned(make_course, monkeypatch):
    """A long plan (1,000 students: seconds) shows a status line on a terminal, then the progress bar."""
    import io

    from rich.console import Console

    from grader.cli import grading

    subs = Submissions(make_course(students=("s01",), limits=LIMITS, assignment=THIRDS))
    subs.edited("s01", lambda nb: None)
    screen = io.StringIO()
    monkeypatch.setattr(grading, "err", Console(file=screen, force_terminal=True, width=120))
    result = _grade(subs.course)
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    assert "planning a1 (recomputing each student's numbers)" in shown
    assert shown.index("planning a1") < shown.index("grading a1")  # then the batch's progress bar


_COMMAND = """
import sys
from grader.cli import main
sys.argv = ["autograde", "grade", "a1", "--workers", "2", "--course", sys.argv[1]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print("modules:", " ".join(sorted(sys.modules)))
"""


def test_the_grading_process_imports_only_what_grading_needs(make_course):
    """What its workers and runs need (nbformat, IPython), what a new gradebook needs no migration
    for (Alembic), what renders problem statements (Jinja2) and, with no terminal, the progress bar
    stay out of the command's process."""
    import subprocess
    import sys
    from pathlib import Path

    subs = Submissions(make_course(students=("s01", "s02"), limits=LIMITS, assignment=THIRDS))
    subs.edited("s01", lambda nb: None)
    subs.edited("s02", _one_third_right(subs, "s02"))
    done = subprocess.run([sys.executable, "-c", _COMMAND, str(subs.course.root)], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    modules = set(done.stdout.rpartition("modules:")[2].split())
    loaded = {m.partition(".")[0] for m in modules}
    assert {"grader", "sqlalchemy", "numpy", "pydantic"} <= loaded  # it did grade
    assert not loaded & {"nbformat", "IPython", "alembic", "jinja2", "nbclient", "zmq"}
    assert "rich.progress" not in modules  # no terminal, no progress bar to draw
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    try:
        assert {s.student_id: s.score for s in book.submissions("a1")}["s01"] > 0
    finally:
        book.close()


_WORKER = """
import importlib, pickle, sys
from grader.grading.pool import _preload
for module in _preload("fork"):
    importlib.import_module(module)
from grader.grading.execute import execute_submission
outcome = execute_submission(pickle.load(sys.stdin.buffer))  # a job this test made
print("run:", outcome.executor, outcome.status, sorted(outcome.values))
print("modules:", " ".join(sorted({m.partition(".")[0] for m in sys.modules})))
"""


def test_a_fork_route_worker_reads_prepares_and_reads_literals_without_nbformat(make_course):
    """nbformat's schema validator was a worker's slowest import; the fork route's runs use plain data."""
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    from grader.grading.batch import Batch

    subs = Submissions(make_course(students=("s01",), limits=LIMITS, assignment=THIRDS))
    subs.edited("s01", _one_third_right(subs, "s01"))
    (planned,) = Batch.open(subs.course, "a1", executor="fork").plan().planned
    done = subprocess.run([sys.executable, "-c", _WORKER], input=pickle.dumps(planned.job), capture_output=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "run: literal ok ['q1_dweight_dx', 'q1_dweight_dy', 'q1_weight']" in out  # it did read the answers
    assert "nbformat" not in out.rpartition("modules:")[2].split()


_COLLECTOR = """
import gc, sys
from grader.cli import main
sys.argv = ["autograde", "grade", sys.argv[2], "--workers", "1", "--course", sys.argv[1]]
try:
    main()
except SystemExit as exc:
    print("exit:", exc.code)
print("collector on:", gc.isenabled(), "frozen:", gc.get_freeze_count() > 0)
"""


def test_grade_turns_the_collector_back_on_however_it_ends(make_course):
    """The command's process pauses Python's cyclic collector while it imports and plans, then freezes
    what it made: a batch that ends, or one refused before its plan is done, leaves the collector on."""
    import subprocess
    import sys
    from pathlib import Path

    subs = Submissions(make_course(students=("s01",), limits=LIMITS, assignment=THIRDS))
    subs.edited("s01", lambda nb: None)
    for assignment, code in (("a1", 0), ("no-such-assignment", 2)):
        done = subprocess.run([sys.executable, "-c", _COLLECTOR, str(subs.course.root), assignment], capture_output=True,
                              text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
        assert f"exit: {code}" in done.stdout, done.stderr
        assert "collector on: True frozen: True" in done.stdout, done.stderr


def test_grade_leaves_a_host_processs_collector_alone(make_course):
    """Run inside another process (a test's CliRunner, a notebook), grade neither pauses nor freezes."""
    import gc

    subs = Submissions(make_course(students=("s01",), limits=LIMITS, assignment=THIRDS))
    subs.edited("s01", lambda nb: None)
    assert _grade(subs.course).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_progress_line_shows_a_reason_as_it_is(monkeypatch):
    """A run's reason can quote what an exception said ("[/]" included): shown verbatim, never read as markup."""
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from grader.cli import grading

    screen = io.StringIO()
    monkeypatch.setattr(grading, "err", Console(file=screen, force_terminal=False, width=80))
    reason = "grader error: KeyError: '[/] [bold]x' " + "long " * 30
    outcome = SimpleNamespace(sandbox={}, status="failed", reason=reason)
    result = SimpleNamespace(outcome=outcome, rows=[], student_id="s01", score=0.0, max_score=3.0)
    grading._BatchDisplay().done(result, 1, 2)  # type: ignore[arg-type]
    assert screen.getvalue() == f"[1/2] s01: 0/3 auto-graded (failed: {reason})\n"  # one line, unwrapped
