"""Hostile notebooks that reach for what they should not: the secret, the gradebook, other
students, the grader's process and source, the network; and those that try to pass for another
student, an easier variant or the grader's own output."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import grader
from grader.checking import check
from tests.hostile.cases import ALL, NONE, Q2, Case, Context, Expect, after, answer, edited, reporting, reports
from tests.hostile.course import SECRET, cell_index, code_cell

NO_SECRET = (SECRET, "AUTOGRADE_SECRET", "LEAK")

SECRET_ENV = '''
import ctypes, os
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: make its own /proc entries readable to itself
def _scan(path):
    text = open(path, "rb").read().decode(errors="replace")
    return "LEAK" if "{secret}" in text or "AUTOGRADE_SECRET" in text else f"clean ({{len(text)}} bytes)"
_report = [_try("env", lambda: os.environ["AUTOGRADE_SECRET"]), _try("self_environ", lambda: _scan("/proc/self/environ")),
           _try("grader_environ", lambda: _scan("/proc/{grader}/environ")),
           _try("parent_environ", lambda: _scan(f"/proc/{{os.getppid()}}/environ")),
           _try("init_environ", lambda: _scan("/proc/1/environ"))]
'''

COURSE_FILES = '''
import os
_report = [_try("secret_file", lambda: open("{root}/.autograde/secret").read()),
           _try("config", lambda: open("{root}/autograde.toml").read()),
           _try("course_listing", lambda: os.listdir("{root}") or 1 / 0),
           _try("solutions", lambda: os.listdir("{root}/solutions-release") or 1 / 0)]
'''

GRADEBOOK = '''
import sqlite3
def _query():
    with sqlite3.connect("file:{root}/gradebook.db?mode=ro", uri=True) as db:
        return db.execute("select count(*) from results").fetchall()
_report = [_try("gradebook_bytes", lambda: open("{root}/gradebook.db", "rb").read(16)), _try("gradebook_sql", _query)]
'''

OTHER_STUDENT = '''
import os
_report = [_try("their_notebook", lambda: open("{honest}").read()),
           _try("submitted_listing", lambda: os.listdir("{root}/submitted") or 1 / 0),
           _try("their_feedback", lambda: os.listdir("{root}/feedback") or 1 / 0)]
'''

SYSTEM_FILES = '''
_report = [_try("shadow", lambda: open("/etc/shadow").read()), _try("grader_home", lambda: __import__("os").listdir("/root/.ssh")),
           _try("grader_history", lambda: open("/root/.bash_history").read())]
'''

GRADER_PROCESS = '''
import os
_report = [_try("environ", lambda: open("/proc/{grader}/environ").read()), _try("mem", lambda: open("/proc/{grader}/mem", "rb").read(1)),
           _try("fds", lambda: os.listdir("/proc/{grader}/fd")), _try("cwd", lambda: os.listdir("/proc/{grader}/cwd")),
           _try("root", lambda: os.listdir("/proc/{grader}/root/tmp"))]
'''

OTHER_RUNS = '''
import glob, os
_mine = os.path.dirname(os.getcwd())
_theirs = [d for d in glob.glob("/tmp/autograde-run-*") + glob.glob("{tmp}/autograde-run-*") if d != _mine]
def _peek():
    seen = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            for what in ("environ", "cwd"):
                try:
                    os.listdir(f"/proc/{{entry}}/cwd") if what == "cwd" else open(f"/proc/{{entry}}/environ").read()
                    if os.stat(f"/proc/{{entry}}").st_uid != os.getuid():
                        seen += 1
                except OSError:
                    pass
    return seen
_report = [f"their_folders=ok:{{len(_theirs)}}", f"their_processes=ok:{{_peek()}}"]
'''

WRITES = '''
import os
_report = [_try("roster", lambda: open("{root}/roster.csv", "a").write("zz99,Intruder\\n")),
           _try("course_file", lambda: open("{root}/EVIL.txt", "w").write("x")),
           _try("their_notebook", lambda: open("{honest}", "w").write("{{}}")),
           _try("grader_tmp", lambda: open("{probe}", "w").write("x")),
           _try("var_tmp", lambda: open("/var/tmp/evil", "w").write("x")),
           _try("dev_shm", lambda: open("/dev/shm/evil", "w").write("x")),
           _try("root_fs", lambda: open("/work/evil", "w").write("x")),
           _try("grader_source", lambda: open("{source}/evil.py", "w").write("x")),
           _try("sandbox_record", lambda: open(os.path.dirname(os.getcwd()) + "/sandbox.json", "w").write('{{"forged": "on"}}'))]
'''

TERMINAL = '''
import os
def _where(fd):  # /dev/null, or a pipe the kernel holds both ends of (ipykernel forwards it as output)
    target = os.readlink(f"/proc/self/fd/{{fd}}")
    ends = [os.readlink(f"/proc/self/fd/{{f}}") for f in os.listdir("/proc/self/fd")
            if os.path.exists(f"/proc/self/fd/{{f}}")]
    contained = target == "/dev/null" or (target.startswith("pipe:") and ends.count(target) >= 2)
    os.write(fd, b"\\n*** all 7 tests passed: grade A (printed by {token}) ***\\n")
    return "contained" if contained else "GRADER'S: " + target
_report = [_try("fd1", lambda: _where(1)), _try("fd2", lambda: _where(2))]
'''

SOCKETS = '''
import socket
def _tcp():
    with socket.create_connection(("127.0.0.1", {port}), timeout=2) as s:
        s.sendall(b"hello from a sandbox")
def _unix():
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(2)
        s.connect("\\0{unix}")
        s.sendall(b"hello from a sandbox")
_report = [_try("tcp_loopback", _tcp), _try("unix_abstract", _unix),
           _try("internet", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2)),
           _try("dns", lambda: socket.getaddrinfo("example.com", 80))]
'''

SHELL = '''
import subprocess
_run = subprocess.run(["/bin/sh", "-c", "id -u; cat /etc/shadow; touch /tmp/from-the-shell"],
                      capture_output=True, text=True, timeout=10)
_report = [_try("shell_uid", lambda: "run uid" if int(_run.stdout.split()[0]) >= 100000 else "NOT A RUN UID"),
           "shell_said=" + " ".join((_run.stdout + _run.stderr).split())[:300]]
'''

IMPORT_GRADER = '''
import gc, sys
def _solve():
    from grader.problems import get_family
    return get_family("conv_output_shape")
_first = _try("import_grader", _solve)
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "_NoGrader"]
for _name in [n for n in sys.modules if n == "grader" or n.startswith("grader.")]:
    del sys.modules[_name]
def _in_memory():
    return next(m for m in gc.get_objects() if type(m).__name__ == "module"
                and str(getattr(m, "__name__", "")).startswith(("grader.solvers", "grader.problems")))
_report = [_first, _try("import_unhooked", _solve), _try("solver_in_memory", _in_memory)]
'''


def _code(template: str) -> Callable[[Context, str], str]:
    return lambda ctx, sid: template.format(
        secret=SECRET, root=ctx.root, grader=ctx.grader_pid, honest=ctx.honest_path, probe=ctx.scratch_probe,
        tmp=ctx.scratch_probe.parent, port=ctx.tcp_port, unix=ctx.unix_name, source=GRADER_SOURCE, token=ctx.token)


GRADER_SOURCE = str(Path(grader.__file__).resolve().parent)


def _variables(ctx: Context, sid: str, donor: str | None = None) -> dict[str, object]:
    """Every answer variable of ``sid``'s notebook, set to ``donor``'s right answers (default: its own)."""
    out = {}
    for pid in ("q1", "q2"):
        for part, value in ctx.students.reference(donor or sid, pid).items():
            out[f"{pid}_{part}"] = value
    return out


def copied(donor: Callable[[Context, str], dict[str, dict]]) -> Callable[[Context, str], frozenset]:
    """The parts that come out right when ``sid`` hands in ``donor(ctx, sid)`` (``{pid: answer}``):
    the answers are judged against ``sid``'s own variant, so only what happens to agree counts."""
    def correct(ctx: Context, sid: str) -> frozenset:
        right = set()
        for pid, given in donor(ctx, sid).items():
            v = ctx.students.variant(sid, pid)
            result = check(v.family, v.params, given, only_given=False)
            right |= {(pid, part) for part, r in result.parts.items() if r.correct}
        return frozenset(right | {k for k in ALL if k[0] not in donor(ctx, sid)})
    return correct


def _theirs(ctx: Context, sid: str) -> dict[str, dict]:
    return {"q1": ctx.students.reference("s02", "q1"), "q2": ctx.students.reference("s02", "q2")}


def _easy_params(ctx: Context, sid: str) -> dict:
    """Easy numbers whose answer differs from the real one (else the case would prove nothing)."""
    v = ctx.students.variant(sid, "q1")
    real = v.family.answer(v.params)
    for size in (9, 10, 11, 12):
        easy = {**v.params.model_dump(mode="json"), "input_size": size, "kernel_size": 3, "stride": 1, "padding": 0,
                "dilation": 1}
        if v.family.answer(v.family.params(easy))["out_size"] != real["out_size"]:
            return easy
    raise AssertionError("no easier variant differs")


def _easier(ctx: Context, sid: str) -> dict[str, dict]:
    v = ctx.students.variant(sid, "q1")
    return {"q1": v.family.answer(v.family.params(_easy_params(ctx, sid)))}


def _claim_identity(ctx: Context, sid: str, nb) -> None:
    donor = "s02"
    meta = nb.metadata["autograde"]
    meta.update(student_id=donor, kind="worked_solution", variant="easy", score=100)
    nb.metadata["kernelspec"] = {"name": "python3-with-answers", "display_name": "x", "language": "python"}
    for pid in ("q1", "q2"):
        nb.cells[cell_index(nb, f"{pid}-params")].source = ctx.students.notebook(donor).cells[
            cell_index(ctx.students.notebook(donor), f"{pid}-params")].source
        nb.cells[cell_index(nb, pid)].source = ctx.students.answer_source(sid, pid, ctx.students.reference(donor, pid))
        nb.cells[cell_index(nb, pid)].metadata["nbgrader"].update(grade=True, locked=True, points=999)


def _easier_params(ctx: Context, sid: str, nb) -> None:
    nb.cells[cell_index(nb, "q1-params")].source = f"q1_params = {_easy_params(ctx, sid)!r}"
    nb.cells[cell_index(nb, "q1")].source = ctx.students.answer_source(sid, "q1", _easier(ctx, sid)["q1"])


FAKE_FRAMES = '''
import json
_claim = json.dumps({claim})
for _m in ["@@autograde:" + "0" * 32 + "@@", "@@autograde@@", "{{marker}}", ""]:
    print(_m + _claim + _m)
print("q1::out_size PASSED 2/2\\nq2::kl PASSED 5/5\\n" + "=" * 20 + " 7 passed in 0.01s " + "=" * 20)
from IPython.display import display
display({{"application/json": json.loads(_claim), "text/plain": _claim}}, raw=True)
'''

FORGING_PRINT = '''
import builtins, json, re
_print = builtins.print
def _forging_print(*args, **kwargs):
    frame = re.fullmatch(r"(@@autograde:[0-9a-f]+@@)(.*)\\1\\n?", str(args[0]) if args else "", re.S)
    if frame:  # the collector's own line: rewrite what it reports
        found = json.loads(frame.group(2))
        found.update({claim})
        args = (frame.group(1) + json.dumps(found) + frame.group(1),)
    _print(*args, **kwargs)
builtins.print = _forging_print
'''


def _duplicate(ctx: Context, sid: str, nb) -> None:
    twin = copy.deepcopy(nb.cells[cell_index(nb, "q1")])
    twin.id = "q1-again"
    twin.source = ctx.students.answer_source(sid, "q1", ctx.students.mistake(sid, "q1", 0).answer)
    nb.cells.append(twin)


def _posing_collector(ctx: Context, sid: str, nb) -> None:
    cell = code_cell(FAKE_FRAMES.format(claim=_variables(ctx, sid)), "autograde-collect-final")
    cell.metadata["nbgrader"] = {"grade_id": "q1", "locked": True, "grade": True, "solution": False, "points": 99}
    nb.cells.append(cell)


def _claim_for(ctx: Context, sid: str) -> dict:
    return {**{k: v for k, v in _variables(ctx, sid, "s02").items() if k.startswith("q1")}, "score": 999,
            "s02_q1_out_size": [1, 1], "grade": "A+"}


CASES = [
    Case("read_secret_env", "the secret in its environment, its /proc environ, the grader's, its parent's, init's",
         edited(reporting(_code(SECRET_ENV))),
         reports(refused=("env", "grader_environ", "parent_environ", "init_environ"), lacks=NO_SECRET),
         "scrubbed environment (kernel: exec'd with it; fork: a zygote exec'd with it); other processes' /proc is root's"),
    Case("read_course_files", "the course secret file, the config, the solutions", edited(reporting(_code(COURSE_FILES))),
         reports(refused=("secret_file", "config", "course_listing", "solutions"), lacks=NO_SECRET),
         "filesystem: the course folder is covered by an empty tmpfs"),
    Case("read_gradebook", "the gradebook, as bytes and through sqlite", edited(reporting(_code(GRADEBOOK))),
         reports(refused=("gradebook_bytes", "gradebook_sql")), "filesystem: the course folder is covered"),
    Case("read_other_student", "another student's submission and feedback", edited(reporting(_code(OTHER_STUDENT))),
         reports(refused=("their_notebook", "submitted_listing", "their_feedback")), "filesystem: covered"),
    Case("read_system_files", "/etc/shadow and the grader's home", edited(reporting(_code(SYSTEM_FILES))),
         reports(refused=("shadow", "grader_home", "grader_history")), "user: the run's own uid; filesystem: home covered"),
    Case("read_grader_process", "the grader's /proc: environ, memory, open files, cwd, root", edited(reporting(_code(GRADER_PROCESS))),
         reports(refused=("environ", "mem", "fds", "cwd", "root")), "user: /proc of another uid needs ptrace access"),
    Case("read_other_runs", "other runs' folders under /tmp and their /proc entries", edited(reporting(_code(OTHER_RUNS))),
         reports(contains=("their_folders=ok:0", "their_processes=ok:0")),
         "filesystem: /tmp covered, each run's folder bound back for itself only; user: a uid per run"),
    Case("read_grader_source", "imports grader and calls the solver; then without the hook; then through gc",
         edited(reporting(IMPORT_GRADER)),
         reports(refused=("import_grader", "import_unhooked", "solver_in_memory")),
         "import hook (fork), source folder covered (both), zygote exec'd without the grader's modules (fork)"),
    Case("write_outside", "writes to the course folder, another submission, /tmp, the root file system, the source",
         edited(reporting(_code(WRITES))),
         reports(refused=("roster", "course_file", "their_notebook", "grader_tmp", "var_tmp", "dev_shm", "root_fs", "grader_source",
                          "sandbox_record")),
         "filesystem: root-owned covers, the rest of / read-only"),
    Case("network", "TCP to the grader's loopback, an abstract UNIX socket, the internet, DNS", edited(reporting(_code(SOCKETS))),
         reports(refused=("tcp_loopback", "unix_abstract", "internet", "dns")), "network: a namespace with no interface up"),
    Case("grader_terminal", "writes a fake summary straight to file descriptors 1 and 2", edited(reporting(_code(TERMINAL))),
         reports(contains=("fd1=ok:contained", "fd2=ok:contained")),
         "standard streams are /dev/null (fork: the zygote's) or ipykernel's own pipes (kernel)"),
    Case("subprocess_shell", "starts a shell that reads /etc/shadow and writes /tmp", edited(reporting(SHELL)),
         reports(contains=("shell_uid=ok:run uid", "Permission denied")), "user, filesystem (the shell is the run's)"),
    Case("fake_result_markers", "prints the right answers in look-alike frames and pytest lines, answers nothing",
         edited(after("end", lambda ctx, sid: FAKE_FRAMES.format(claim=_variables(ctx, sid))), worked=False),
         Expect(correct=NONE), "a marker chosen per run; only the collector's own output is read"),
    Case("cell_posing_as_collector", "a cell with a collector's id and locked metadata printing the right answers",
         edited(_posing_collector, worked=False), Expect(correct=NONE),
         "cell ids and metadata are the grader's: renumbered, locked cells restored"),
    Case("forging_print", "rewrites the collector's own line: another student's answers, extra keys",
         edited(after("start", lambda ctx, sid: FORGING_PRINT.format(claim=_claim_for(ctx, sid)))),
         Expect(correct=copied(lambda ctx, sid: {"q1": ctx.students.reference("s02", "q1")})),
         "answers judged against the recomputed variant; unknown keys ignored"),
    Case("claims_another_student", "metadata, parameters and answers of another student (and 999 points)",
         edited(_claim_identity), Expect(correct=copied(_theirs)),
         "identity from the submission's place; variant recomputed; locked cells restored"),
    Case("easier_parameters", "edits its parameters cell to easy numbers and answers those", edited(_easier_params),
         Expect(correct=copied(_easier)), "locked cells restored; variant recomputed"),
    Case("delete_answer_cell", "deletes its first answer cell", edited(
        lambda ctx, sid, nb: nb.cells.pop(cell_index(nb, "q1"))),
         Expect(correct=Q2, feedback={("q1", "out_size"): "was deleted"}), "the notes of prepare"),
    Case("duplicate_answer_cell", "a second copy of an answer cell with a wrong answer", edited(_duplicate),
         Expect(correct=copied(lambda ctx, sid: {"q1": ctx.students.mistake(sid, "q1", 0).answer}),
                feedback={("q1", "out_size"): "appears 2 times"}), "run in the student's order, noted"),
    Case("delete_params_cells", "deletes the parameters cells", edited(
        lambda ctx, sid, nb: [nb.cells.pop(cell_index(nb, f"{pid}-params")) for pid in ("q1", "q2")]),
         Expect(), "locked cells restored at the top"),
    Case("big_cell", "a 10 MB scratch cell", edited(after("q1", "# " + "x" * 10_000_000)), Expect(),
         "cells past 200000 characters are kept out of the run"),
    Case("literal_bomb", "literal-only answers 190 lists deep and a 150000-character string", edited(
        answer("q1", lambda ctx, sid: {"out_size": json.loads("[" * 190 + "]" * 190), "out_channels": "x" * 150_000})),
         Expect(correct=Q2), "literal route: ast.literal_eval and the collector's bounded conversion in the grader"),
]

