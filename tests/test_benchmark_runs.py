"""The figure issue 19's target is read from (benchmarks/_report.py): alternating runs of the same
batch, the ratio of the two systems' median walls, and the run the table shows (pure arithmetic on
given walls: nothing here times anything); and that the runs timed are not slowed by sampling memory."""

import pytest

from benchmarks._report import Alternation, BatchRun, median_run


def test_the_ratio_is_of_the_medians_not_the_median_of_the_ratios():
    runs = Alternation(ours=(1.0, 2.0, 4.0), theirs=(60.0, 30.0, 50.0))
    assert runs.per_run == (60.0, 15.0, 12.5)
    assert runs.ratio == 50.0 / 2.0  # the median of the per-run ratios would be 15


def test_an_even_count_of_runs_takes_the_mean_of_the_middle_two():
    assert Alternation(ours=(1.0, 3.0), theirs=(40.0, 80.0)).ratio == 60.0 / 2.0


@pytest.mark.parametrize(("ours", "theirs"), [((), ()), ((1.0, 2.0), (30.0,))])
def test_runs_that_did_not_alternate_are_refused(ours, theirs):
    with pytest.raises(ValueError, match="as many walls"):
        Alternation(ours=ours, theirs=theirs)


def _run(wall: float, run: int) -> BatchRun:
    return BatchRun("ours", "healthy", wall, {"s1": 0.1}, run=run)


def test_the_table_shows_a_run_that_happened_the_median_one():
    assert median_run([_run(3.0, 1), _run(1.0, 2), _run(2.0, 3)]).run == 3
    assert median_run([_run(4.0, 1), _run(1.0, 2), _run(3.0, 3), _run(2.0, 4)]).run == 4  # the lower middle


def test_a_timed_run_is_not_sampled_for_memory(tmp_path):
    import sys

    from benchmarks._measure import run_measured

    command = [sys.executable, "-c", "import time; time.sleep(0.2)"]
    timed = run_measured(command, tmp_path / "timed.log", interval=None)
    sampled = run_measured(command, tmp_path / "sampled.log", interval=0.02)
    assert timed.returncode == sampled.returncode == 0
    assert timed.samples == 0 and timed.peak_pss_mb == 0  # the batch had both cores to itself
    assert sampled.samples >= 2 and sampled.peak_pss_mb > 0
    assert timed.max_single_rss_mb > 0  # the process's own peak still comes from wait4, for free
