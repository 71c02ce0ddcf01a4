"""A batch's results as JUnit XML: one test case per graded part, as the pytest harness reports them.

For CI dashboards and LMS tools that read JUnit. A part fully right passes; a part not fully right
fails with the student's feedback as its message; a free-text answer waiting for a hand grade is
skipped. Points travel as properties (``score``, ``max_score``, ``mistake``), as on the harness's
items. Cases are in student order, so the same results give the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from grader.grading.runner import SubmissionResult

__all__ = ["write_junit"]


def write_junit(path: Path, assignment: str, results: Iterable[SubmissionResult]) -> None:
    suite = ET.Element("testsuite", name=f"autograde {assignment}")
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    for result in sorted(results, key=lambda r: (r.student_id, str(r.planned.found.path))):
        for row in result.rows:
            part = row.result
            case = ET.SubElement(suite, "testcase", classname=f"{result.student_id}.{assignment}",
                                 name=f"{row.problem_id}::{row.part}")
            properties = ET.SubElement(case, "properties")
            shown = [("score", round(part.score, 6)), ("max_score", round(part.max_score, 6))]
            for name, value in shown + ([("mistake", part.mistake)] if part.mistake else []):
                ET.SubElement(properties, "property", name=name, value=str(value))
            counts["tests"] += 1
            if row.manual and part.pending:
                ET.SubElement(case, "skipped", message="pending: graded by hand")
                counts["skipped"] += 1
            elif not part.correct:
                text = f"{row.problem_id}/{row.part}: {part.score:g} of {part.max_score:g} points. {part.feedback}"
                ET.SubElement(case, "failure", message=text).text = text
                counts["failures"] += 1
    suite.attrib.update({key: str(value) for key, value in counts.items()} | {"errors": "0"})
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
