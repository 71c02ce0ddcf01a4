"""The built-in demo: what ``make demo`` runs on a fresh clone."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.checking import check
from grader.problems import families, get_family

ROOT = Path(__file__).resolve().parents[1]
console = Console()


def show_families() -> None:
    table = Table(title="Problem families", title_justify="left")
    table.add_column("family", style="bold")
    table.add_column("what the student computes")
    for name, family in families().items():
        table.add_row(name, family.summary)
    console.print(table)


def grade_seed_answers(path: Path = ROOT / "examples" / "seeds.jsonl") -> int:
    """Check every computational answer from the seed documents; return how many verdicts disagree."""
    table = Table(title="Answers from the seed documents, checked", title_justify="left")
    for column in ("case", "family", "student's answer", "verdict", "feedback"):
        table.add_column(column, overflow="fold")
    disagree = 0
    for line in path.read_text().splitlines():
        case = json.loads(line)
        result = check(get_family(case["family"]), case["params"], case["answer"])
        disagree += result.correct != case["correct"]
        verdict = "[green]right[/]" if result.correct else "[red]wrong[/]"
        feedback = "; ".join(result.feedback) if not result.correct else case["note"]
        table.add_row(case["id"], case["family"], json.dumps(case["answer"])[:40], verdict, feedback[:160])
    console.print(table)
    return disagree


def main() -> None:
    show_families()
    disagree = grade_seed_answers()
    console.print(f"\n{disagree} verdict(s) differ from the instructor's." if disagree else
                  "\nEvery verdict matches a careful instructor's.")


if __name__ == "__main__":
    main()
