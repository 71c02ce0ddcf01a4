"""Reading submissions: size caps, links out of the folder, not JSON, not a notebook, junk cells."""

from __future__ import annotations

import json
import os

import pytest

from grader.errors import SubmissionError
from grader.notebook.read import MAX_CELL_CHARS, read_notebook, read_submission_bytes


def _nb(cells, **top):
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **top}).encode()


@pytest.mark.parametrize(("data", "says"), [
    (b"{not json", "not valid JSON"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "not valid JSON"),
    (b'["a list"]', "not a Jupyter notebook"),
    (b'{"cells": "no"}', "not a Jupyter notebook"),
    (_nb([], nbformat=3), "not a version-4 Jupyter notebook"),
])
def test_what_is_not_a_notebook_is_a_one_line_error(data, says):
    with pytest.raises(SubmissionError, match=says):
        read_notebook(data, "nb.ipynb")


def test_cells_are_normalised_and_metadata_dropped():
    nb = read_notebook(_nb([
        {"cell_type": "code", "source": ["a = 1\n", "b = 2"], "metadata": {"nbgrader": {"grade_id": "q1", "points": 99}},
         "outputs": [{"output_type": "stream", "text": "fake"}], "id": "x"},
        {"cell_type": "weird", "source": 5},
        "not a cell",
        {"cell_type": "code", "source": "x" * (MAX_CELL_CHARS + 1)},
    ], metadata={"autograde": {"student_id": "someone-else"}, "kernelspec": {"name": "evil"}}))
    first = nb.cells[0]
    assert first.source == "a = 1\nb = 2" and first.metadata == {"nbgrader": {"grade_id": "q1"}} and first.outputs == []
    assert [c.cell_type for c in nb.cells[1:]] == ["raw", "raw", "raw"]
    assert "kernelspec" not in nb.metadata


def test_size_cap_and_links_outside_the_folder(tmp_path):
    root = tmp_path / "submitted"
    root.mkdir()
    big = root / "big.ipynb"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(SubmissionError, match="larger than"):
        read_submission_bytes(big, 1000, root)
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    link = root / "link.ipynb"
    os.symlink(secret, link)
    with pytest.raises(SubmissionError, match="outside the submissions folder"):
        read_submission_bytes(link, 1000, root)
    inside = root / "inside.ipynb"
    os.symlink(big, inside)
    assert len(read_submission_bytes(inside, 5000, root)) == 2000
    with pytest.raises(SubmissionError, match="not a regular file"):
        read_submission_bytes(root, 1000, root)


def test_a_link_that_leads_nowhere_is_a_one_line_error(tmp_path):
    # a dangling link or a loop of links used to raise FileNotFoundError or RuntimeError, which
    # stopped the whole batch instead of recording one invalid submission
    root = tmp_path / "submitted"
    (root / "s1").mkdir(parents=True)
    os.symlink(root / "s1" / "gone.ipynb", root / "s1" / "dangling.ipynb")
    os.symlink(root / "s1" / "b.ipynb", root / "s1" / "a.ipynb")
    os.symlink(root / "s1" / "a.ipynb", root / "s1" / "b.ipynb")
    for name in ("dangling.ipynb", "a.ipynb"):
        with pytest.raises(SubmissionError, match="leads nowhere"):
            read_submission_bytes(root / "s1" / name, 1000, root)


def test_a_folder_on_the_way_may_not_lead_outside(tmp_path):
    root, outside = tmp_path / "submitted", tmp_path / "elsewhere"
    (root / "s1").mkdir(parents=True)
    outside.mkdir()
    (outside / "a1.ipynb").write_text("{}")
    os.symlink(outside, root / "s1" / "a1")
    with pytest.raises(SubmissionError, match="outside the submissions folder"):
        read_submission_bytes(root / "s1" / "a1" / "a1.ipynb", 1000, root)
