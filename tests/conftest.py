"""Shared test settings: how many random cases the property tests draw, and a small course."""


import os

import numpy as np
import pytest

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


LATE_ASSIGNMENT = SMALL_ASSIGNMENT.replace("due = 2030-01-31T23:59:00Z", '''due = 2030-01-31T23:59:00Z
cutoff = 2030-02-03T23:59:00Z
grace = "15m"
[late]
penalty = "percent_per_day"
percent = 10
floor = 50
''')
"""SMALL_ASSIGNMENT with a cutoff three days after the due date, 15 minutes' grace, 10% a day, floor 50%."""


@pytest.fixture
def make_course(tmp_path, monkeypatch):
    """A course folder in ``tmp_path``: autograde.toml, a roster and one assignment ``a1``."""
    monkeypatch.delenv("AUTOGRADE_SECRET", raising=False)

    def make(students=("s001", "s002", "s003"), assignment=SMALL_ASSIGNMENT, config_extra="", name="a1",
             limits="cell_seconds = 10\nnotebook_seconds = 40\n"):
        return write_course(tmp_path / "course", students, assignment, config_extra, name, limits)

    return make


def write_course(root, students=("s001", "s002", "s003"), assignment=SMALL_ASSIGNMENT, config_extra="", name="a1",
                 limits="cell_seconds = 10\nnotebook_seconds = 40\n"):
    """A course folder at ``root`` (what :func:`make_course` makes, for fixtures of any scope)."""
    (root / "assignments" / name).mkdir(parents=True, exist_ok=True)
    (root / "autograde.toml").write_text(
        'course = "test-course"\ntitle = "Test course"\n'
        "[limits]\n" + limits + config_extra)
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
