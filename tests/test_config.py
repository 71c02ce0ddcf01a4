"""autograde.toml, the roster and the secret: typos and bad rows are one-line errors naming file and place."""

from __future__ import annotations

import pytest

from grader.config import load_course, load_roster
from grader.errors import ConfigError


def test_a_course_loads_with_defaults(make_course):
    course = make_course()
    assert course.config.course == "test-course"
    assert course.config.limits.cell_seconds == 10 and course.config.tolerance.sig_figs == 3
    assert [s.student_id for s in course.roster()] == ["s001", "s002", "s003"]


def test_a_typo_in_autograde_toml_names_the_key_and_file(make_course):
    with pytest.raises(ConfigError, match=r"autograde.toml: limits.cel_seconds: unknown key"):
        make_course(config_extra="cel_seconds = 3\n")


def test_limits_are_the_sandboxs_own_type_with_bounds_checked(make_course):
    from grader.limits import Limits

    course = make_course(config_extra="open_files = 64\nmemory_mb = 512\n")
    assert course.config.limits == Limits(cell_seconds=10, notebook_seconds=40, open_files=64, memory_mb=512)
    with pytest.raises(ConfigError, match=r"autograde.toml: limits.memory_mb: Input should be greater than or equal to 64"):
        make_course(config_extra="memory_mb = 3\n")


def test_bad_toml_syntax_names_the_line(make_course):
    course = make_course()
    (course.root / "autograde.toml").write_text('course = "x"\ntitle = \n')
    with pytest.raises(ConfigError, match=r"autograde.toml: not valid TOML: .*line 2"):
        load_course(course.root)


def test_a_missing_course_file_says_where_it_looked(tmp_path):
    with pytest.raises(ConfigError, match="no autograde.toml in"):
        load_course(tmp_path)


@pytest.mark.parametrize(("rows", "says"), [
    ("name\nAda\n", "must name the columns, including student_id"),
    ("student_id\ns1\ns1\n", r"roster.csv:3: student_id 's1' appears twice"),
    ("student_id\n../etc\n", r"roster.csv:2: student_id '../etc' may only use"),
])
def test_bad_roster_rows_are_errors_naming_the_line(tmp_path, rows, says):
    path = tmp_path / "roster.csv"
    path.write_text(rows)
    with pytest.raises(ConfigError, match=says):
        load_roster(path)


def test_the_secret_comes_from_the_environment_first(make_course, monkeypatch):
    course = make_course()
    monkeypatch.setenv("AUTOGRADE_SECRET", "from-env")
    assert course.secret() == (b"from-env", None)


def test_generate_creates_a_secret_once_and_says_so(make_course):
    course = make_course()
    (course.root / ".autograde" / "secret").unlink()
    with pytest.raises(ConfigError, match="no course secret"):
        course.secret()
    secret, notice = course.secret(create=True)
    assert notice and "created a course secret" in notice and len(secret) == 64
    assert course.secret() == (secret, None)
    assert (course.root / ".autograde" / ".gitignore").read_text() == "*\n"
