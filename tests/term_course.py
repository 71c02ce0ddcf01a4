"""The course of tests/test_term.py as an instructor writes it, and its students' notebooks as they work them.

Nothing here reads the tool's output but the released notebooks, whose parameters cells a student reads.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import nbformat

FLATTEN_SIZE = r'''"""The length of a feature map flattened for a linear layer (nn.Flatten): channels x height x width."""

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


STATEMENT = "A feature map of {{ p.channels }} channels of size ${{ p.height }} \\times {{ p.width }}$ is flattened. How many inputs does the linear layer after it get?"
SOLUTION = "${{ p.channels }} \\cdot {{ p.height }} \\cdot {{ p.width }} = {{ answer }}$."
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


# --- what the students (and the test) compute by hand -------------------------------------------


def conv_shape(p: dict) -> tuple[int, list[int]]:
    """out = floor((n + 2p - d(k-1) - 1) / s) + 1 per axis, as torch.nn.Conv2d computes it."""
    def axes(field):
        return p[field] if isinstance(p[field], list) else [p[field]] * p["dims"]
    sizes = [(n + 2 * pad - d * (k - 1) - 1) // s + 1
             for n, k, s, pad, d in zip(*map(axes, ("input_size", "kernel_size", "stride", "padding", "dilation")))]
    return p["out_channels"], sizes


def kl(p: dict, std_as_variance: bool = False) -> float:
    """KL(q||p) of two Gaussians; or the named mistake, standard deviations where the variances belong."""
    vq, vp = (p["sigma_q"], p["sigma_p"]) if std_as_variance else (p["sigma_q"] ** 2, p["sigma_p"] ** 2)
    return 0.5 * math.log(vp / vq) + (vq + (p["mu_q"] - p["mu_p"]) ** 2) / (2 * vp) - 0.5


# --- the course and the students' notebooks ----------------------------------------------------


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_course(root: Path, due: dt.datetime, cutoff: dt.datetime, extended: dt.datetime) -> None:
    """autograde.toml, roster, extensions and two assignments."""
    (root / "assignments" / "shapes").mkdir(parents=True)
    (root / "assignments" / "divergence").mkdir(parents=True)
    (root / "autograde.toml").write_text('course = "dl-term-test"\ntitle = "Deep learning"\nroster = "roster.csv"\n'
                                         'extensions = "extensions.csv"\n[limits]\ncell_seconds = 10\n')
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (root / "extensions.csv").write_text(f"student_id,assignment,due,cutoff\ns003,shapes,{stamp(extended)},\n")
    (root / "assignments" / "shapes" / "flatten_size.py").write_text(FLATTEN_SIZE)
    (root / "assignments" / "shapes" / "assignment.toml").write_text(f"""title = "Shapes"
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
""")
    (root / "assignments" / "divergence" / "assignment.toml").write_text(f"""title = "Divergence"
due = {stamp(due + dt.timedelta(days=9))}

[[problems]]
id = "q1"
family = "kl_gaussian"
points = 2
[problems.space]
sigma_q = [1.5, 2.0, 2.5]
sigma_p = [0.5]
""")


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def params_of(notebook: Path) -> dict[str, dict]:
    """The numbers printed in a released notebook's parameters cells, as a student reads them."""
    cells = nbformat.read(notebook, as_version=4).cells
    return {grade_id(c).removesuffix("-params"): ast.literal_eval(c.source.split("=", 1)[1])
            for c in cells if grade_id(c).endswith("-params")}


def worked(release: Path, sources: dict[str, str]) -> bytes:
    """The released notebook with its answer cells (code, or a markdown cell's free text) filled in."""
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        cell.source = sources.get(grade_id(cell), cell.source)
    return nbformat.writes(nb).encode()


@dataclass(frozen=True)
class ShapesAnswer:
    """What a student typed into their notebook of shapes (``student``: whose notebook it was)."""

    student: str
    q1: tuple[int, list[int]]
    q2: int | None
    q3: str

    def notebook(self, release: Path) -> bytes:
        q2 = "q2_features = None  # not done" if self.q2 is None else f"# C * H * W\nq2_features = {self.q2}"
        return worked(release, {"q1": f"q1_out_channels = {self.q1[0]}\nq1_out_size = {self.q1[1]}\n",
                                "q2": q2 + "\n", "q3": self.q3})


def answer_shapes(sid: str, p: dict[str, dict], mistake: bool = False, skip_q2: bool = False) -> ShapesAnswer:
    channels, sizes = conv_shape(p["q1"])
    if mistake:  # forgot the +1 (one window position too few per axis) and the channels when flattening
        return ShapesAnswer(sid, (channels, [s - 1 for s in sizes]), p["q2"]["height"] * p["q2"]["width"], FREE_TEXT[sid])
    q2 = None if skip_q2 else p["q2"]["channels"] * p["q2"]["height"] * p["q2"]["width"]
    return ShapesAnswer(sid, (channels, sizes), q2, FREE_TEXT[sid])
