"""nbgrader 0.9.6 in a virtual environment of its own, an nbgrader course equivalent to ours, and
``nbgrader autograde`` run through its own command line.

Equivalent work: one kernel execution per notebook, of the same answer cells. nbgrader has no
per-student parameters, so each submitted copy starts with a plain (not graded, never
overwritten) cell holding that student's parameters and right answers; the six "autograder
tests" cells, the same for everyone, assert each answer variable against it (integers exact,
reals within 3 significant figures, like ours). nbgrader scores a tests cell all or nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from benchmarks._course import ASSIGNMENT, PROBLEMS, Submission

VERSION = "0.9.6"
NOTEBOOK = ASSIGNMENT  # nbgrader: assignment "cnn-fundamentals", notebook "cnn-fundamentals.ipynb"

CHECK = '''\
import numpy as np

MISSING = object()


def same(given, want):
    """The benchmark's comparison: exact for None and integers, within 3 significant figures for reals."""
    if want is None or given is None:
        return given is want
    try:
        g, w = np.asarray(given, dtype=float), np.asarray(want)
    except (TypeError, ValueError):
        return False
    if g.shape != w.shape:
        return False
    if w.dtype.kind in "iub":  # sizes and counts: exact
        return bool(np.array_equal(g, w))
    return bool(np.allclose(g, w.astype(float), rtol=5e-3, atol=1e-9))
'''


def ensure_venv(cache: Path, log=print) -> Path:
    """The ``bin`` folder of a venv with nbgrader (and our numpy version), made once and reused."""
    target = cache / f"nbgrader-{VERSION}"
    python = target / "bin" / "python"
    numpy = importlib.metadata.version("numpy")
    probe = f"import nbgrader, numpy; assert nbgrader.__version__ == {VERSION!r} and numpy.__version__ == {numpy!r}"
    if python.exists() and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0:
        return target / "bin"
    log(f"installing nbgrader {VERSION} into {target} (once; about a minute)")
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", target], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", f"nbgrader=={VERSION}", f"numpy=={numpy}"], check=True)
    return target / "bin"


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = float(points)
    return {"nbgrader": meta}


def _tests_source(names: list[str]) -> str:
    return (f"for name in {names!r}:\n"
            "    if name in expected:\n"
            "        assert same(globals().get(name, MISSING), expected[name]), name\n")


def _data_cell(sub: Submission) -> nbformat.NotebookNode:
    lines = ["# this student's numbers and the right answers (plain cell: nbgrader keeps it as submitted)"]
    lines += [f"{pid}_params = {params!r}" for pid, params in sub.params.items()]
    lines.append(f"expected = {sub.expected!r}")
    return nbformat.v4.new_code_cell("\n".join(lines))


class NbgraderCourse:
    """An nbgrader course folder: config, source notebook, gradebook and submissions."""

    def __init__(self, root: Path, bin_dir: Path, subs: list[Submission], points: dict[str, float], cell_seconds: float):
        self.root, self.bin = root, bin_dir
        self.variables = {pid: sorted({v for s in subs for v in s.expected if v.startswith(pid + "_")}) for pid in PROBLEMS}
        self.points = points
        root.mkdir(parents=True)
        (root / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            "c.CourseDirectory.course_id = 'bench'\n"
            f"c.CourseDirectory.root = {str(root)!r}\n"
            f"c.Execute.timeout = {int(cell_seconds)}  # per cell, like our cell_seconds (nbgrader has no per-notebook limit)\n"
            "c.NbGrader.log_format = '%(asctime)s.%(msecs)03d [%(name)s | %(levelname)s] %(message)s'\n"
            "c.NbGrader.log_datefmt = '%Y-%m-%d %H:%M:%S'\n")

    def _tests_cell(self, pid: str) -> nbformat.NotebookNode:
        return nbformat.v4.new_code_cell(_tests_source(self.variables[pid]),
                                         metadata=_meta(f"{pid}-tests", grade=True, locked=True, points=self.points[pid]))

    def _check_cell(self) -> nbformat.NotebookNode:
        return nbformat.v4.new_code_cell(CHECK, metadata=_meta("bench-check", locked=True))

    def _kernelspec(self) -> dict:
        return {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                "language_info": {"name": "python"}}

    def generate(self, sample: Submission, written: dict[str, float]) -> float:
        """Write the source notebook and run ``nbgrader generate_assignment``; returns its seconds."""
        cells = [_data_cell(sample), self._check_cell()]
        for pid in PROBLEMS:
            cells.append(nbformat.v4.new_code_cell(f"# {pid}: your answer", metadata=_meta(pid, solution=True)))
            cells.append(self._tests_cell(pid))
        for qid, pts in written.items():
            cells.append(nbformat.v4.new_markdown_cell("_Write your answer here._",
                                                       metadata=_meta(qid, solution=True, grade=True, points=pts)))
        nb = nbformat.v4.new_notebook(cells=cells, metadata=self._kernelspec())
        source = self.root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        source.parent.mkdir(parents=True)
        nbformat.write(nb, source)
        start = time.perf_counter()
        self._nbgrader("generate_assignment", ASSIGNMENT, "--force")
        return time.perf_counter() - start

    def submission(self, sub: Submission) -> nbformat.NotebookNode:
        """The submitted copy: the student's cells as they left them, the tests after each answer.

        Our locked cells (statements, parameters, placeholders) are left out: the data cell
        carries the parameters, and nbgrader would overwrite a locked cell from the source anyway.
        """
        cells = [_data_cell(sub), self._check_cell()]
        for cell in sub.notebook.cells:
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta and meta.get("locked"):
                continue
            copy = nbformat.from_dict({k: v for k, v in cell.items() if k != "id"})
            if copy.cell_type == "code":
                copy.outputs, copy.execution_count = [], None
            cells.append(copy)
            if meta and meta.get("grade_id") in PROBLEMS:
                cells.append(self._tests_cell(meta["grade_id"]))
        for i, cell in enumerate(cells):
            cell["id"] = f"c{i:03d}"
        return nbformat.v4.new_notebook(cells=cells, metadata=self._kernelspec())

    def write(self, subs: list[Submission], folder: str, keep=lambda s: True) -> None:
        for sub in subs:
            if keep(sub):
                path = self.root / folder / sub.student_id / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
                path.parent.mkdir(parents=True)
                nbformat.write(self.submission(sub), path)

    def _nbgrader(self, *args: str, **kw) -> subprocess.CompletedProcess:
        env = {**os.environ, "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"}
        env.pop("VIRTUAL_ENV", None)
        return subprocess.run([str(self.bin / "nbgrader"), *args], cwd=self.root, env=env, capture_output=True,
                              text=True, **kw)

    def autograde(self, folder: str) -> dict:
        """``nbgrader autograde`` of every submission under ``folder``: wall time, per-notebook
        seconds (between the log lines that start each student), scores per tests cell."""
        out = f"autograded-{folder}"
        start, started_at = time.perf_counter(), dt.datetime.now()
        run = self._nbgrader("autograde", ASSIGNMENT, "--force", f"--CourseDirectory.submitted_directory={folder}",
                             f"--CourseDirectory.autograded_directory={out}")
        wall, ended_at = time.perf_counter() - start, dt.datetime.now()
        (self.root / f"{out}.log").write_text(run.stderr + run.stdout)
        starts = []
        for line in (run.stderr + run.stdout).splitlines():
            m = re.match(r"(\S+ \S+) \[AutogradeApp \| INFO\] Creating/updating student with ID '([^']+)'", line)
            if m:
                starts.append((m.group(2), dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")))
        seconds = {sid: ((starts[i + 1][1] if i + 1 < len(starts) else ended_at) - t).total_seconds()
                   for i, (sid, t) in enumerate(starts)}
        failed = set(re.findall(r"There was an error processing assignment '[^']+' for student '([^']+)'", run.stderr))
        first = (starts[0][1] - started_at).total_seconds() if starts else wall
        return {"wall": wall, "seconds": seconds, "scores": self.scores(), "failed": failed,
                "first_started": first, "returncode": run.returncode}

    def scores(self) -> dict[str, dict[str, float | None]]:
        """Student -> grade cell -> auto score, read with nbgrader's own API in its venv."""
        code = ("import json\nfrom nbgrader.api import Gradebook\nout = {}\n"
                f"with Gradebook('sqlite:///{self.root}/gradebook.db', 'bench') as gb:\n"
                f"    for sub in gb.assignment_submissions({ASSIGNMENT!r}):\n"
                "        out[sub.student_id] = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}\n"
                "print(json.dumps(out))\n")
        run = subprocess.run([str(self.bin / "python"), "-c", code], capture_output=True, text=True, check=True)
        return json.loads(run.stdout)
