"""Hostile notebooks against the grader's own bounds (issue 11): numbers forged past what can be
compared, numpy look-alikes, a run's memory summed over its processes, huge literal notebooks,
pages too long to render, a uid left in use, and courses kept beside the installation."""

from __future__ import annotations

from nbformat.v4 import new_markdown_cell

from tests.hostile.cases import ALL, Q2, Case, Expect, after, edited, reporting, reports
from tests.hostile.course import cell_index

HUGE = "too large to compare"

# the collectors print what json.dumps returns: this rewrites it, as a student who read the source would
FORGE = """
import json
_dumps = json.dumps
def _forged(obj, *args, **kwargs):
    if isinstance(obj, dict) and any(k in obj for k in _RAW):  # a collector's dict: print _RAW's text instead
        return "{" + ", ".join(_dumps(k) + ": " + _RAW.get(k, _dumps(v)) for k, v in obj.items()) + "}"
    return _dumps(obj, *args, **kwargs)
json.dumps = _forged
"""


def _forge(**raw: str) -> str:
    """The collectors print ``raw[variable]`` (JSON text) for each variable named, in place of its value."""
    return f"_RAW = {raw!r}\n" + FORGE


LOOKALIKE = '''
class _Array:  # passes for a {module} array: the collector calls its tolist()
    __module__ = "{module}"
    {size}
    def tolist(self):
        {body}
'''


def _lookalike(variable: str, body: str, module: str = "numpy", size: str = "size = 2") -> str:
    return LOOKALIKE.format(module=module, size=size, body=body) + f"{variable} = _Array()\n"


def _append(pid: str, text: str):
    def edit(ctx, sid, nb):
        nb.cells[cell_index(nb, pid)].source += "\n" + text
    return edit


# the processes start allocating in a cell of their own, so that they have two cells' time to get
# their memory before the probe measures how much of it they hold at once
START_HOLDING = '''
import os, time
def _anon_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("RssAnon:"))
    except (OSError, StopIteration):
        return None  # gone (a zombie has no memory line)
_base_kb = _anon_kb(os.getpid())  # what each child shares with this process when it is forked
_kids = []
for _ in range(3):
    _pid = os.fork()
    if _pid == 0:
        try:
            _block = b"\\1" * (700 << 20)  # written whole: resident, not just reserved
            time.sleep(60)
        finally:
            os._exit(0)
    _kids.append(_pid)
'''

# how much the three children hold beyond what they share with their parent, sampled for 2.5 s (the
# cell's limit is 4): all 2100 MB at once is unbounded, less is bounded. Held back at the limit, the
# children may still creep up in reclaim when the probe ends (a loaded machine): that is bounded too,
# and the batch's own checks say by what (the run's layers all on, its group's peak within memory_mb).
# Children that never got past 1300 MB say nothing, and fail the case.
TOGETHER = '''
import os, signal, time
def _together():
    samples, deadline = [], time.monotonic() + 2.5
    while time.monotonic() < deadline:
        grown = [(_anon_kb(pid) or _base_kb) - _base_kb for pid in _kids]
        samples.append(sum(max(g, 0) for g in grown))
        time.sleep(0.05)
    for pid in _kids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    peak = max(samples)
    if peak >= 0.99 * 3 * 700 * 1024:
        return f"UNBOUNDED ({peak >> 10} MB held at once)"
    if peak < 1300 * 1024:
        return f"undecided: the children got only {peak >> 10} MB"
    return f"bounded (at most {peak >> 10} of 2100 MB held at once)"
_report = [_try("together", _together)]
'''

NEIGHBOURS = '''
import os
_report = [_try("checkout_solutions", lambda: os.listdir("{checkout}/solutions") or 1 / 0),
           _try("checkout_roster", lambda: open("{checkout}/roster.csv").read()),
           _try("neighbour_secret", lambda: open("{neighbour}/.autograde/secret").read()),
           _try("neighbour_submission", lambda: open("{neighbour}/submitted/s01/a1/a1.ipynb").read()),
           _try("neighbour_listing", lambda: os.listdir("{neighbour}") or 1 / 0),
           _try("venv", lambda: os.path.exists("{venv}/bin/python") or 1 / 0)]
'''

PRIVATE = '''
import os
_report = [_try("secret", lambda: open("{private}/.autograde/secret").read()),
           _try("release", lambda: os.listdir("{private}/release") or 1 / 0),
           _try("submitted", lambda: os.listdir("{private}/submitted") or 1 / 0),
           _try("gradebook", lambda: open("{private}/gradebook.db", "rb").read(16))]
'''

UID_ALONE = '''
import os
def _foreign():
    mine, session, n = os.getuid(), os.getsid(0), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == mine and os.getsid(int(entry)) != session:
                    n += 1
            except OSError:
                pass
    return n
_report = [f"uid={os.getuid()}", f"foreign=ok:{_foreign()}"]
'''


def _code(template: str):
    return lambda ctx, sid: template.format(checkout=ctx.checkout, neighbour=ctx.neighbour, venv=ctx.venv,
                                            private=ctx.private_course)


def _big_literals(cells: int, chars: int):
    """``cells`` code cells of literal lists, ``chars`` characters each, after every answer."""
    item = "0.123456789"
    body = "[" + ", ".join([item] * (chars // (len(item) + 2))) + "]"

    def edit(ctx, sid, nb):
        for i in range(cells):
            after("end", f"junk{i} = {body}")(ctx, sid, nb)
    return edit


def _long_markdown(cells: int, chars: int):
    """Markdown built to be slow to render: nested emphasis, brackets and tags, ``chars`` each."""
    pieces = ["*a **b " * 8, "[" * 40, "<div>" * 20, "`x` " * 10, "\n> " * 5]
    text = "".join(pieces)

    def edit(ctx, sid, nb):
        nb.cells += [new_markdown_cell((text * (chars // len(text) + 1))[:chars], id=f"long-{i}") for i in range(cells)]
    return edit


CASES = [
    # -- numbers that cannot be compared: refused where the answer is read, every maximum kept --------
    Case("forged_huge_int_real", "json.dumps rewritten: the collector prints 10**400 for a real answer",
         edited(after("start", _forge(q2_kl_value=str(10**400)))),
         Expect(correct=ALL - {("q2", "kl_value")}, feedback={("q2", "kl_value"): HUGE}),
         "the channel's parse: an integer past 18 digits reads as a sentence (it used to raise in scoring "
         "and drop the problem from the maximum)"),
    Case("forged_huge_int_list", "the collector prints 10**400 inside a list and -10**30 for a count",
         edited(after("start", _forge(q1_out_size=f"[{10**400}, 5]", q1_out_channels=str(-10**30)))),
         Expect(correct=Q2, feedback={("q1", "out_size"): HUGE, ("q1", "out_channels"): HUGE}),
         "the channel's parse: integers past 18 digits, anywhere in an answer"),
    Case("forged_int_past_digit_limit", "the collector prints a 5000-digit integer (past Python's int limit)",
         edited(after("start", _forge(q1_out_channels="9" * 5000))),
         Expect(correct=ALL - {("q1", "out_channels")}, feedback={("q1", "out_channels"): HUGE}),
         "the channel's parse never converts it (it used to refuse the whole snapshot)"),
    Case("forged_float_overflow", "the collector prints 1e999 for a real answer and inside a shape",
         edited(after("start", _forge(q2_kl_value="1e999", q1_out_size="[1e999, 3]"))),
         Expect(correct=ALL - {("q2", "kl_value"), ("q1", "out_size")}, feedback={("q2", "kl_value"): HUGE}),
         "the channel's parse: a float past a float's range reads as a sentence"),
    Case("literal_huge_numbers", "a literal-only notebook answering with a 401-digit integer and 1e999",
         edited(_append("q1", f"q1_out_channels = {'7' * 401}\nq1_out_size = [{'1' * 30}, 3]"),
                _append("q2", "q2_kl_value = 1e999")),
         Expect(correct=ALL - {("q1", "out_channels"), ("q1", "out_size"), ("q2", "kl_value")},
                feedback={("q1", "out_channels"): HUGE}),
         "the collector's conversion (literal route and executed alike): past 18 digits, a sentence"),
    # -- numpy look-alikes ------------------------------------------------------------------------------
    Case("lookalike_floods_collector", "after the answers, a numpy look-alike whose tolist() prints 1000 x 1 MB "
         "while collected (and then gives a wrong answer)",
         edited(after("end", _lookalike("q1_out_size", "for _ in range(1000):\n            print('z' * 1_000_000)\n"
                                                        "        return [1, 1]"))),
         # the final snapshot is cut short, so the answers snapshotted before stand (kept whole, its
         # wrong answer counted); a kernel's run may time out while the grader drops what it sends
         Expect(run=("ok", "timeout")),
         "collector output capped on every executor (4.2 M characters; the kernel path kept it all)"),
    Case("lookalike_returns_itself", "a numpy look-alike whose tolist() returns itself",
         edited(_append("q1", _lookalike("q1_out_size", "return self"))),
         Expect(correct=ALL - {("q1", "out_size")}, feedback={("q1", "out_size"): "too large"}),
         "the collector's depth limit"),
    Case("lookalike_lies_about_size", "a torch look-alike whose size() says 1 and whose tolist() has 10**7 entries",
         edited(_append("q1", _lookalike("q1_out_size", "return [0] * 10**7", module="torch",
                                         size="def size(self):\n        return 1"))),
         Expect(correct=ALL - {("q1", "out_size")}, feedback={("q1", "out_size"): "too large"}),
         "the collector's entry budget counts what tolist() returns, not what size() claims"),
    # -- a run's memory, summed -----------------------------------------------------------------------
    Case("memory_many_processes", "three processes holding 700 MB each against memory_mb = 2048",
         # a cell of time for the processes to allocate (a loaded machine writes 2.7 GB slowly), then the probe
         edited(after("q1", "import time\ntime.sleep(3.5)"), after("q1", START_HOLDING), reporting(TOGETHER)),
         reports(contains=("together=ok:bounded",)),
         "cgroup: memory_mb is the whole run's resident memory (RLIMIT_AS alone let 2.7 GB through)"),
    # -- outside the sandbox: the literal route and the pages -------------------------------------------
    Case("literal_19mb", "95 cells of 199000 characters of literals after the answers (19 MB)",
         edited(_big_literals(95, 199_000)), Expect(run=("ok", "timeout")),
         "the literal route's budget (200000 characters, 1 s): handed to the sandbox and its time limits"),
    Case("long_feedback_page", "60 markdown cells of 150000 characters built to be slow to render",
         edited(_long_markdown(60, 150_000)), Expect(),
         "feedback pages cut long cells and the page (with a note) and have a time budget each"),
    # -- uids and courses -------------------------------------------------------------------------------
    Case("uid_alone", "looks for processes of an earlier run under its own uid (one was left for it)",
         edited(reporting(UID_ALONE)), reports(contains=("foreign=ok:0",)),
         "uid pool: a uid is handed out only under its lock, once no process holds it (a crashed "
         "batch's leftover is reaped first)"),
    Case("read_course_beside_venv", "the checkout's solutions and roster, a course kept next to the venv",
         edited(reporting(_code(NEIGHBOURS))),
         reports(refused=("checkout_solutions", "checkout_roster", "neighbour_secret", "neighbour_submission",
                          "neighbour_listing"), contains=("venv=ok",)),
         "filesystem: course folders at and near the bound-back interpreter folders are covered"),
    Case("read_private_course", "another course on the machine, in a world-readable folder",
         edited(reporting(_code(PRIVATE))),
         reports(refused=("secret", "release", "submitted", "gradebook")),
         "course state is created 0700/0600; the run's uid is not its owner"),
]
