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


@pytest.fixture
def make_course(tmp_path, monkeypatch):
    """A course folder in ``tmp_path``: autograde.toml, a roster and one assignment ``a1``."""
    monkeypatch.delenv("AUTOGRADE_SECRET", raising=False)

    def make(students=("s001", "s002", "s003"), assignment=SMALL_ASSIGNMENT, config_extra="", name="a1",
             limits="cell_seconds = 10\nnotebook_seconds = 40\n"):
        root = tmp_path / "course"
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

    return make


@pytest.fixture
def released(make_course):
    """``make_course``, then every student's notebook and worked solutions of ``a1`` generated."""
    from grader.generate import generate

    def make(**course):
        c = make_course(**course)
        generate(c, "a1", solutions=True)
        return c

    return make
