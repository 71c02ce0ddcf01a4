"""What benchmarks/grading.py prints: one batch's figures, the alternating runs and their ratio, the
table, the memory lines and what a hostile notebook costs. Figures only: nothing here is asserted."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from benchmarks._course import HOSTILE

FOLDERS = {"healthy": "healthy submissions only", "submitted": "all submissions, hostile included"}


@dataclass
class BatchRun:
    system: str
    folder: str
    wall: float
    seconds: dict[str, float]                 # student -> seconds of that notebook
    first: float | None = None                # process start -> first result stored (ours) / first notebook started (nbgrader)
    steady: float | None = None               # notebooks/s after the first one
    peak_pss_mb: float | None = None
    run: int | None = None                    # which of the alternating runs (healthy batch), else None
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.seconds)

    @property
    def rate(self) -> float:
        return self.n / self.wall

    @property
    def median(self) -> float:
        return statistics.median(self.seconds.values())


@dataclass(frozen=True)
class Alternation:
    """Walls of the same batch graded by two systems in turn: ``ours[i]`` ran just before ``theirs[i]``."""

    ours: tuple[float, ...]
    theirs: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.ours or len(self.ours) != len(self.theirs):
            raise ValueError(f"alternating runs need as many walls of each system, at least one: "
                             f"{len(self.ours)} of ours, {len(self.theirs)} of theirs")

    @property
    def per_run(self) -> tuple[float, ...]:
        """Each run's ratio: their wall over ours (how many times faster ours was)."""
        return tuple(t / o for o, t in zip(self.ours, self.theirs))

    @property
    def ratio(self) -> float:
        """The ratio issue 19's target is about: the median of their walls over the median of ours."""
        return statistics.median(self.theirs) / statistics.median(self.ours)


def median_run(runs: list[BatchRun]) -> BatchRun:
    """The run whose wall is the median (the lower of the middle two for an even count): a run that happened."""
    walls = sorted(runs, key=lambda r: r.wall)
    return walls[(len(walls) - 1) // 2]


def alternation_lines(ours: list[BatchRun], theirs: list[BatchRun]) -> list[str]:
    """Every alternating run of the healthy batch, and the ratio of the medians (when nbgrader ran)."""
    how = (f"{len(ours)} alternating runs (ours on the fast path, then nbgrader, {len(ours)} times" if theirs
           else f"{len(ours)} runs of ours on the fast path (nbgrader skipped")
    lines = [f"Healthy batch, {how}; {ours[0].n} notebooks each):",
             f"  {'run':>6}{'ours wall s':>13}{'ours nb/s':>11}{'1st stored s':>14}"
             + (f"{'nbgrader wall s':>17}{'nbgrader/ours':>15}" if theirs else "")]
    for i, o in enumerate(ours):
        line = f"  {o.run:>6}{o.wall:>13.2f}{o.rate:>11.1f}{o.first or 0:>14.2f}"
        if theirs:
            line += f"{theirs[i].wall:>17.1f}{theirs[i].wall / o.wall:>14.1f}x"
        lines.append(line)
    wall = statistics.median(o.wall for o in ours)
    line = (f"  {'median':>6}{wall:>13.2f}{ours[0].n / wall:>11.1f}"
            f"{statistics.median(o.first or 0 for o in ours):>14.2f}")
    if theirs:
        alt = Alternation(tuple(o.wall for o in ours), tuple(t.wall for t in theirs))
        line += f"{statistics.median(alt.theirs):>17.1f}{statistics.median(alt.per_run):>14.1f}x"
        lines += [line, f"  THE RATIO (issue 19's target: at least 40x) = median of nbgrader's walls / median of ours' walls "
                        f"= {statistics.median(alt.theirs):.1f} s / {wall:.2f} s = {alt.ratio:.1f}x",
                  "  (the median of the per-run ratios, in the last column, is shown for comparison; it is not the target's figure)"]
    else:
        lines.append(line)
    lines += [f"  notebooks/s of the healthy batch: {ours[0].n} / the median wall = {ours[0].n / wall:.1f} "
              "(process start to exit: imports, planning and pool start included; issue 19's target at 1,000: at least 100)",
              f"  the grading process's own peak memory in these runs: at most "
              f"{max(o.extra['report']['self_peak_mb'] for o in ours):.0f} MB (its maximum RSS); the whole process tree's: "
              "see Memory below (a run of its own: sampling slows a batch)",
              "  1st stored: from our process's start (interpreter start-up included) to the first result "
              "committed to the gradebook (grade_batch yields a result after its transaction commits)"]
    return lines


def table(runs: list[BatchRun], reference: dict[str, BatchRun]) -> str:
    head = (f"{'batch':<10}{'system':<26}{'notebooks':>9}{'wall s':>9}{'nb/s':>8}{'to 1st s':>10}{'steady nb/s':>13}"
            f"{'median s/nb':>13}{'peak MB':>9}{'x nbgrader':>12}{'steady x':>10}")
    lines = [head, "-" * len(head)]
    for r in runs:
        ref = reference.get(r.folder)
        ratio = f"{r.rate / ref.rate:.1f}x" if ref else "-"
        steady = f"{r.steady / ref.steady:.1f}x" if ref and r.steady and ref.steady else "-"
        lines.append(f"{r.folder:<10}{r.system:<26}{r.n:>9}{r.wall:>9.1f}{r.rate:>8.1f}{r.first or 0:>10.1f}"
                     f"{r.steady or 0:>13.1f}{r.median:>13.3f}{(f'{r.peak_pss_mb:.0f}' if r.peak_pss_mb else '-'):>9}"
                     f"{ratio:>12}{steady:>10}")
    return "\n".join(lines)


def legend(runs: int) -> str:
    return ("nb/s: notebooks / batch wall time (process start to exit, imports and pool start included); "
            "to 1st: until the first result was stored (ours)\nor the first notebook started (nbgrader); "
            "steady: after the first; median s/nb: ours from the gradebook's `seconds` (in the worker: read, run,\n"
            "collect), nbgrader from its log timestamps (one student's start to the next's: all work); peak MB: "
            "PSS of the whole process tree, sampled every\n0.05 s (the healthy row's in a run of its own, not timed: "
            "the other rows of ours were sampled as they were timed, which slows them). "
            + ("" if runs == 1 else f"Healthy rows: each system's median run of its {runs} (by wall): their ratio is THE RATIO above."
               if runs % 2 else f"Healthy rows: each system's median run of its {runs} (by wall; the lower middle, so their ratio\n"
               "is not THE RATIO above, which takes the mean of the middle two)."))


def memory_lines(runs: list[BatchRun]) -> list[str]:
    lines = ["Memory of each of our batches (process tree: grading process, forkserver, workers, zygotes, runs):"]
    for r in (x for x in runs if "usage" in x.extra):
        u, label = r.extra["usage"], r.folder + (f" #{r.run}" if r.run else "")
        lines.append(f"  {r.system:<26}{label:<14}{r.n:5d} notebooks: peak PSS {u.peak_pss_mb:6.0f} MB "
                     f"(RSS summed {u.peak_rss_mb:6.0f} MB) over at most {u.peak_processes} processes; grading process "
                     f"{r.extra['report']['self_peak_mb']:.0f} MB; largest single process {u.max_single_rss_mb:.0f} MB")
    return lines


def hung_cost(runs: list[BatchRun], kinds: dict[str, str], limits: str) -> None:
    print(f"\nWhat a hostile notebook costs ({limits}):")
    for r in runs:
        for sid, kind in sorted(kinds.items()):
            if kind not in HOSTILE or sid not in r.seconds:
                continue
            line = f"  {r.system:<26}{kind:<15}{r.seconds[sid]:6.1f} s"
            done = r.extra.get("report", {}).get("done")
            if done:  # ours: how many others finished while it ran
                end = next(t for s, t, _, _ in done if s == sid)
                later = [t for s, t, _, _ in done if s != sid and t >= end - r.seconds[sid]]
                others = sum(1 for t in later if t <= end)
                line += (f"   {others} other notebooks finished meanwhile on the other worker(s)"
                         + (" (all that were left)" if others == len(later) else ""))
            else:
                order = list(r.seconds)
                line += f"   serial: the {len(order) - order.index(sid) - 1} notebooks after it waited"
                if sid in r.extra.get("failed", ()):
                    line += "; nbgrader recorded no grades at all (the run failed)"
            print(line)
