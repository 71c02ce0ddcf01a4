"""Shared test settings: how many random cases the property tests draw, and a small course."""


import json
import os

import numpy as np
import pytest

from tests.db import BACKENDS, gradebook_location

pytest_plugins = ["pytester"]

SEEDS = int(os.environ.get("AUTOGRADE_TEST_SEEDS", "60"))
"""Seeds per family in the generic family tests (CI may raise it)."""


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


SMALL_ASSIGNMENT = '''
title = "Small"
due = 2030-01-31T23:59:00Z

[[problems]]
id = "q1"
family = "conv_output_shape"
points = 2

[[problems]]
id = "q2"
family = "conv_output_shape"
title = "Another shape"
[problems.space]
stride = [1, 2]

[[problems]]
id = "q3"
title = "Why?"
prompt = "Why do CNNs share weights?"
points = 2
rubric = "Mentions translation equivariance and fewer parameters."
'''


DOUBLE_FAMILY = '''"""Double a number."""
from pydantic import Field
from grader.answers import Integer
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range

class Params(FamilyParams):
    n: int = Field(description="The number.", ge=0, le=99)

class Space(FamilySpace):
    n: Draw = Range(min=1, max=9)

def generate(rng, space):
    return Params(n=space.draw(rng, "n"))

ANSWER = "value"

def solve(p):
    return {"double": Part(2 * p.n, Integer())}

def mistakes(p):
    yield Mistake("squared", "Doubling is not squaring.", p.n ** 2)

STATEMENT = "Double {{ p.n }}."
SOLUTION = "{{ p.n }} + {{ p.n }} = {{ answer }}."
'''
"""A custom family module, as an instructor would write it beside an assignment."""


@pytest.fixture
def custom_course(make_course):
    """A course whose assignment ``a1`` has a fourth problem, ``q4``, of the custom family ``double``."""
    def make(family_source: str = DOUBLE_FAMILY, file_name: str = "double.py", **kw):
        course = make_course(assignment=SMALL_ASSIGNMENT + f'\n[[problems]]\nid = "q4"\nfamily_file = "{file_name}"\npoints = 1\n', **kw)
        (course.folder("assignments") / "a1" / file_name).write_text(family_source)
        return course

    return make


LATE_ASSIGNMENT = SMALL_ASSIGNMENT.replace("due = 2030-01-31T23:59:00Z", '''due = 2030-01-31T23:59:00Z
cutoff = 2030-02-03T23:59:00Z
grace = "15m"
[late]
penalty = "percent_per_day"
percent = 10
floor = 50
''')
"""SMALL_ASSIGNMENT with a cutoff three days after the due date, 15 minutes' grace, 10% a day, floor 50%."""


@pytest.fixture(params=BACKENDS)
def database(request):
    """The gradebook's database, once SQLite and once PostgreSQL (tests/db.py): a test that asks for it,
    or uses it with ``pytest.mark.usefixtures("database")``, gets courses from ``make_course`` on it."""
    with gradebook_location(request.param) as location:
        yield location


@pytest.fixture
def make_course(tmp_path, monkeypatch, request):
    """A course folder in ``tmp_path``: autograde.toml, a roster and one assignment ``a1``; its gradebook
    on the ``database`` fixture's database when the test uses that fixture, else SQLite's default."""
    monkeypatch.delenv("AUTOGRADE_SECRET", raising=False)
    gradebook = request.getfixturevalue("database") if "database" in request.fixturenames else None

    def make(students=("s001", "s002", "s003"), assignment=SMALL_ASSIGNMENT, config_extra="", name="a1",
             limits="cell_seconds = 10\nnotebook_seconds = 40\n"):
        return write_course(tmp_path / "course", students, assignment, config_extra, name, limits, gradebook)

    return make


def write_course(root, students=("s001", "s002", "s003"), assignment=SMALL_ASSIGNMENT, config_extra="", name="a1",
                 limits="cell_seconds = 10\nnotebook_seconds = 40\n", gradebook: str | None = None):
    """A course folder at ``root`` (what :func:`make_course` makes, for fixtures of any scope)."""
    (root / "assignments" / name).mkdir(parents=True, exist_ok=True)
    (root / "autograde.toml").write_text(
        'course = "test-course"\ntitle = "Test course"\n' + (f"gradebook = {json.dumps(gradebook)}\n" if gradebook else "")
        + "[limits]\n" + limits + config_extra)
    (root / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},Student {s}\n" for s in students))
    (root / "assignments" / name / "assignment.toml").write_text(assignment)
    (root / ".autograde").mkdir(exist_ok=True)
    (root / ".autograde" / "secret").write_text("test-secret\n")
    from grader.config import load_course

    return load_course(root)


@pytest.fixture
def torch():
    """PyTorch's CPU build as a test oracle (the test is skipped without it), on one thread: the oracles run
    thousands of tiny operations, which a thread pool only slows down, badly so on a busy machine."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


@pytest.fixture
def released(make_course):
    """``make_course``, then every student's notebook and worked solutions of ``a1`` generated."""
    from grader.generate import generate

    def make(**course):
        c = make_course(**course)
        generate(c, "a1", solutions=True)
        return c

    return make
