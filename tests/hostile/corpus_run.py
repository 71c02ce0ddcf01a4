"""Hostile notebooks that run code: against time, memory, processes, the disk, the output, the
process itself, and the answer channel. Each starts as a fully answered notebook (unless it says
otherwise), so what it gets is exactly what its attack cost it."""

from __future__ import annotations

from tests.hostile.cases import (
    ALL,
    KERNEL_DIED,
    NONE,
    PAST_NOTEBOOK,
    Q1,
    Q2,
    Case,
    Expect,
    after,
    answer,
    edited,
    reporting,
    reports,
)

DIED = dict(run="died", reason=KERNEL_DIED)
TIMED_OUT = dict(run="timeout", reason=PAST_NOTEBOOK)
UNANSWERED_Q2 = {("q2", "kl"): "No answer was recorded"}

FILL = '''
import errno, os
def _fill(folder, files=200, chunk=1 << 24):
    total, stops = 0, set()
    for i in range(files):
        try:
            with open(os.path.join(folder, f"fill{i}.bin"), "wb") as f:
                while total < 10 << 30:
                    f.write(b"\\0" * chunk)
                    total += chunk
        except OSError as exc:
            if exc.errno not in (errno.EFBIG, errno.ENOSPC, errno.EDQUOT):
                raise  # could not even start: refused
            stops.add(errno.errorcode[exc.errno])
            if exc.errno != errno.EFBIG:
                break
    return f"{'capped' if total < 1 << 30 else 'UNCAPPED'} at {total >> 20} MB by {'+'.join(sorted(stops))}"
'''

MANY_FILES = '''
import os
def _files(folder):
    n = 0
    try:
        while n < 1_000_000:
            open(os.path.join(folder, f"f{n}"), "w").close()
            n += 1
    except OSError as exc:
        return f"{'capped' if n < 100_000 else 'UNCAPPED'} at {n} files by {exc.strerror}"
    return "UNCAPPED"
_report = [_try("files", lambda: _files(os.getcwd()))]
'''

DAEMONS = '''
import os, subprocess, sys
_sleeper = [sys.executable, "-c", "import time; time.sleep(600)", "{token}"]
subprocess.Popen(_sleeper, start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_pid = os.fork()
if _pid == 0:  # the classic double fork: a new session, then an orphan that outlives everyone
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, _sleeper)
    os._exit(0)
os.waitpid(_pid, 0)
_report = [f"uid={{os.getuid()}}", "daemons=started"]
'''

KILLS = '''
import os
def _others():
    killed = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if os.stat(f"/proc/{{entry}}").st_uid != os.getuid():
                    os.kill(int(entry), 9)
                    killed += 1
            except OSError:
                pass
    return killed
_report = [_try("kill_parent", lambda: os.kill(os.getppid(), 9)), _try("kill_grader", lambda: os.kill({grader}, 9)),
           _try("kill_init", lambda: os.kill(1, 9)), f"killed_others=ok:{{_others()}}"]
'''

PTRACE = '''
import ctypes, os
_libc = ctypes.CDLL(None, use_errno=True)
def _ptrace(pid):
    if _libc.ptrace(ctypes.c_long(16), ctypes.c_long(pid), None, None) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return "attached"
def _userns():  # a user namespace of its own, then: uncover a hidden folder?
    pid = os.fork()
    if pid == 0:
        code = 1 if _libc.unshare(0x10000000 | 0x00020000) != 0 else 2 if _libc.umount2(b"/tmp", 2) != 0 else 0
        os._exit(code)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code:
        raise PermissionError(f"failed at step {{code}}")
    return "UNCOVERED"
_report = [_try("ptrace_parent", lambda: _ptrace(os.getppid())), _try("ptrace_grader", lambda: _ptrace({grader})),
           _try("setuid_root", lambda: os.setuid(0)), _try("userns_unmount", _userns)]
'''

FORGE_FORK_CHANNEL = '''
import json, os, re, struct, sys
_frame, _fd, _marker = sys._getframe(), None, None
while _frame is not None:  # walk up to the fork executor's own loop, if this is one
    if isinstance(_frame.f_locals.get("fd"), int) and "cells" in _frame.f_locals:
        _fd = _frame.f_locals["fd"]
        _marker = next(m.group(0) for c in _frame.f_locals["cells"] for m in [re.search(r"@@autograde:[0-9a-f]+@@", c.source)] if m)
    _frame = _frame.f_back
if _fd is not None:
    def _send(message):
        data = json.dumps(message).encode()
        os.write(_fd, struct.pack(">I", len(data)) + data)
    _send({"sandbox": {"network": "off (forged)", "filesystem": "off (forged)", "user": "off (forged)", "forged": "on"}})
    _send({"collected": _marker + json.dumps({"q1_out_size": [1, 1], "q1_out_channels": 1, "score": 999}) + _marker})
    _send({"error": ["c0000", "Forged", "a forged error"]})
'''


FORGED_PAYLOAD = '''
import json
_dumps = json.dumps
def _forged(obj, *args, **kwargs):
    if isinstance(obj, dict) and "q1_out_size" in obj:  # the collectors that carry q1: a payload built to choke the grader
        return _dumps({"q1_out_size": json.loads("[" * 900 + "]" * 900), "q1_out_channels": [1] * 500_000,
                       "q2_log_term": "x" * 1_000_000, "q2_kl": {"a": [[[[1]]]]}, "q2_kl_value": 1e400, "$autograde": 1})
    return _dumps(obj, *args, **kwargs)
json.dumps = _forged
'''

SYSV_SHM = '''
import ctypes, os
_libc = ctypes.CDLL(None, use_errno=True)
_ids = [_libc.shmget(0, 64 << 20, 0o1000 | 0o600) for _ in range(4)]  # IPC_PRIVATE, IPC_CREAT
_libc.shmat.restype = ctypes.c_void_p
for _id in _ids:
    _at = _libc.shmat(_id, None, 0)
    if _at not in (None, ctypes.c_void_p(-1).value):
        ctypes.memset(_at, 1, 64 << 20)  # touched: real memory, meant to outlive the run
        _libc.shmdt(ctypes.c_void_p(_at))
_report = [f"segments=ok:{sum(i >= 0 for i in _ids)}", f"uid={os.getuid()}"]
'''

LOOPING_REPR = "class _Loop:\n    def __repr__(self):\n        while True:\n            pass\n"

HOSTILE_TOLIST = '''
class _Array:  # passes for a numpy array: the collector calls its tolist()
    __module__ = "numpy"
    size = 2
    def tolist(self):
        {body}
q1_out_size = _Array()
'''


def _append(pid: str, text: str):
    def edit(ctx, sid, nb):
        cell = next(c for c in nb.cells if c.get("id") == pid)
        cell.source += "\n" + text
    return edit


CASES = [
    # -- time ------------------------------------------------------------------------------------
    Case("loop_first_cell", "an infinite loop before everything", edited(after("start", "while True:\n    pass")),
         Expect(), "per-cell time limit (fork: SIGALRM; kernel: nbclient interrupt)"),
    Case("loop_middle", "an infinite loop between the answers", edited(after("q1", "while True:\n    pass")),
         Expect(), "per-cell time limit"),
    Case("loop_after_answers", "an infinite loop after every answer", edited(after("end", "while True:\n    pass")),
         Expect(), "per-cell time limit"),
    Case("sleep_past_limit", "sleeps for an hour", edited(after("q1", "import time\ntime.sleep(3600)")),
         Expect(), "per-cell time limit"),
    Case("busy_thread", "a thread that spins forever", edited(after(
        "q1", "import threading\ndef _spin():\n    while True:\n        pass\nthreading.Thread(target=_spin, daemon=True).start()")),
         Expect(), "process-group kill at the end of the run"),
    Case("interrupt_swallowed", "catches the interrupt and loops on", edited(after(
        "q1", "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass")),
         Expect(correct=Q1, feedback=UNANSWERED_Q2, **TIMED_OUT), "notebook time limit (watchdog kills the process group)"),
    Case("uninterruptible_c_loop", "a loop inside C code, deaf to signals", edited(after("q1", "sum(range(10**15))")),
         Expect(correct=Q1, feedback=UNANSWERED_Q2, **TIMED_OUT), "notebook time limit (watchdog kills the process group)"),
    # -- memory, processes, disk, output ----------------------------------------------------------
    Case("alloc_50gb", "allocates 50 GB", edited(after(
        "q1", "import numpy as np\nbig = bytearray(50 * 2**30)\nbigger = np.ones(50 * 2**30 // 8)")),
         Expect(), "RLIMIT_AS (memory_mb)"),
    Case("fork_bomb", "forks until something breaks", edited(reporting(
        "import os, time\n_made, _error = 0, 'none'\nwhile _made < 100000:\n    try:\n        _pid = os.fork()\n"
        "    except OSError as exc:\n        _error = type(exc).__name__\n        break\n    if _pid == 0:\n"
        "        time.sleep(60)\n        os._exit(0)\n    _made += 1\n"
        "_report = [f'forks=ok:{\"capped\" if _made < 200 else \"UNCAPPED\"} at {_made} by {_error}', f'uid={os.getuid()}']")),
         reports(contains=("forks=ok:capped", "BlockingIOError")), "RLIMIT_NPROC (processes) under the run's own uid"),
    Case("disk_10gb", "writes 10 GB to its home, /tmp and its run folder", edited(reporting(lambda ctx, sid: FILL + (
        "_report = [_try('home', lambda: _fill(os.getcwd())), _try('tmp', lambda: _fill('/tmp', 1)),\n"
        "           _try('run_folder', lambda: _fill(os.path.join(os.path.dirname(os.getcwd()), 'ipc'), 1))]"))),
         reports(contains=("home=ok:capped",), refused=("tmp", "run_folder")),
         "RLIMIT_FSIZE (file_mb), the home tmpfs size (disk_mb), root-owned covers, the IPC folder sealed"),
    Case("many_files", "creates a million files", edited(reporting("import os\n" + MANY_FILES)),
         reports(contains=("files=ok:capped",)), "inode cap of the home tmpfs"),
    Case("output_100mb", "prints 100 MB at once", edited(after("q1", "print('x' * 100_000_000)")),
         Expect(), "output cap (fork: bounded stdout; kernel: message size cap, output budget)"),
    Case("output_flood", "prints 100 MB, a megabyte at a time", edited(after("q1", "for _ in range(100):\n    print('y' * 999_999)")),
         Expect(), "output cap"),
    # -- the process itself ------------------------------------------------------------------------
    Case("os_exit", "os._exit(0) after the first answer", edited(after("q1", "import os\nos._exit(0)")),
         Expect(correct=Q1, feedback=UNANSWERED_Q2, **DIED),
         "the process dies alone; the snapshots taken after each answer cell keep what was answered"),
    Case("sigkill_self", "SIGKILL to itself", edited(after("q1", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")),
         Expect(correct=Q1, feedback=UNANSWERED_Q2, **DIED), "the process dies alone; earlier snapshots count"),
    Case("segfault", "dereferences NULL through ctypes", edited(after("q1", "import ctypes\nctypes.string_at(0)")),
         Expect(correct=Q1, feedback=UNANSWERED_Q2, **DIED), "the process dies alone; earlier snapshots count"),
    Case("recursion_error", "unbounded recursion", edited(after("q1", "def _f(n):\n    return _f(n + 1)\n_f(0)")),
         Expect(), "Python's recursion limit (a cell error)"),
    Case("stack_overflow", "lifts the recursion limit, overflows the C stack", edited(after(
        "q1", "import sys, threading\nsys.setrecursionlimit(10**7)\n_x = []\nfor _ in range(10**6):\n    _x = [_x]\n"
        "threading.stack_size(1 << 20)\n_t = threading.Thread(target=repr, args=(_x,))\n_t.start()\n_t.join()")),
         Expect(correct=Q1, feedback=UNANSWERED_Q2, **DIED), "the process dies alone; earlier snapshots count"),
    Case("syntax_error", "a cell that does not parse", edited(after("q1", "def broken(:\n    pass")),
         Expect(), "a cell error; the run goes on"),
    Case("input_call", "waits for keyboard input", edited(after("q1", "name = input('your name? ')")),
         Expect(), "no stdin (a cell error)"),
    Case("setsid_daemons", "daemons in new sessions that outlive the run", edited(reporting(
        lambda ctx, sid: DAEMONS.format(token=ctx.token))),
         reports(contains=("daemons=started",)), "`cgroup`: killed with the run's group afterwards (without one, by uid: `reap`)"),
    Case("kill_everything", "signals its parent, the grader, init, every process, then kill(-1)", edited(
        reporting(lambda ctx, sid: KILLS.format(grader=ctx.grader_pid)), after("q2", "import os\nos.kill(-1, 9)")),
         reports(refused=("kill_parent", "kill_grader", "kill_init"), contains=("killed_others=ok:0",)),
         "the run's own uid: a signal reaches only its own processes (kill(-1) spares the caller)"),
    Case("ptrace_and_privileges", "ptrace of its parent and the grader, setuid(0), a user namespace", edited(
        reporting(lambda ctx, sid: PTRACE.format(grader=ctx.grader_pid))),
         reports(refused=("ptrace_parent", "ptrace_grader", "setuid_root", "userns_unmount")),
         "the run's own uid, no_new_privs; mounts inherited into a user namespace are locked"),
    # -- the answer channel --------------------------------------------------------------------------
    Case("monkeypatch_print", "replaces print, which the collector uses", edited(after(
        "q1", "import builtins\nbuiltins.print = lambda *args, **kwargs: None")),
         Expect(correct=Q1), "the snapshot taken after each answer cell survives a broken collector"),
    Case("monkeypatch_json", "replaces json.dumps with garbage", edited(after(
        "q1", "import json\njson.dumps = lambda *args, **kwargs: 'garbage'")),
         # the one case whose run ends differently: a kernel uses json for its own messages, so it stops
         # speaking the protocol (died); the fork child keeps its own encoder (ok). Same rows either way.
         Expect(correct=Q1, run=("ok", "died")),
         "the grader parses the frame as data (garbage: no answer); the fork channel keeps its own encoder; "
         "a kernel that breaks the protocol counts as died"),
    Case("monkeypatch_globals", "replaces globals() to feed the collector", edited(after(
        "q1", "import builtins\nbuiltins.globals = lambda: {'q2_log_term': 'log(2)', 'q2_kl': '0'}")),
         Expect(correct=NONE), "the final collector sees only the fake scope: what the notebook ends with is what counts"),
    Case("monkeypatch_sys_exit", "patches sys.exit, calls exit(), quit(), raises SystemExit", edited(after(
        "q1", "import sys\nsys.exit = lambda *a: None\nsys.exit(1)\nexit()\nquit()\nraise SystemExit(2)")),
         Expect(), "the shell survives SystemExit; exit() does nothing on either executor "
                   "(it used to stop a kernel 0.1 s later: a race)"),
    Case("forge_fork_channel", "walks up the stack to the fork executor's socket and forges messages", edited(
        after("q1", FORGE_FORK_CHANNEL)),
         Expect(), "later collectors override; only the first sandbox record counts"),
    Case("hostile_tolist_loops", "an answer whose tolist() never returns", edited(
        _append("q1", HOSTILE_TOLIST.format(body="while True:\n            pass"))),
         Expect(correct=Q2), "per-cell time limit on the collector; later collectors still run"),
    Case("hostile_tolist_raises", "an answer whose tolist() raises KeyboardInterrupt", edited(
        _append("q1", HOSTILE_TOLIST.format(body="raise KeyboardInterrupt"))),
         Expect(correct=Q2), "a collector error loses only that snapshot"),
    Case("hostile_repr_loops", "an answer whose repr() never returns, displayed", edited(
        _append("q1", LOOPING_REPR + "q1_out_size = _Loop()\nq1_out_size")),
         Expect(correct=ALL - {("q1", "out_size")}, feedback={("q1", "out_size"): "_Loop"}),
         "per-cell time limit; the collector never calls repr"),
    Case("huge_type_name", "an answer whose class name is 5 MB long", edited(
        _append("q1", "q1_out_size = type('N' * 5_000_000, (), {})()")),
         Expect(correct=ALL - {("q1", "out_size")}), "the collector's bounded conversion"),
    Case("huge_list_answer", "a 10**8-element list as an answer", edited(_append("q1", "q1_out_size = [0] * 10**8")),
         Expect(correct=ALL - {("q1", "out_size")}, feedback={("q1", "out_size"): "too large"}),
         "the collector's entry budget"),
    Case("deep_answer", "answers nested 100000 deep, and one that contains itself", edited(_append(
        "q1", "_x = []\nfor _ in range(100_000):\n    _x = [_x]\nq1_out_size = _x\n"
              "q1_out_channels = []\nq1_out_channels.append(q1_out_channels)")),
         Expect(correct=Q2), "the collector's depth limit"),
    Case("sympy_bomb", "expressions built to hang sympy", edited(answer("q2", lambda ctx, sid: {
        "log_term": "log(log(log(log(log(-sigma**2 - 1)))))", "q_term": "-1/2",
        "p_term": "exp(exp(exp(exp(exp(mu**2 + 7)))))",
        "kl": "((mu+sigma)**64*(mu-sigma)**64-(mu**2-sigma**2)**64)*log(-abs(mu)-1)" + "+sqrt(-1-sigma**2)" * 8,
        "kl_value": ctx.students.reference(sid, "q2")["kl_value"]})),
         Expect(correct=Q1 | {("q2", "q_term"), ("q2", "kl_value")}),
         "whitelisted parser with size caps; a point where only one side is defined decides (no simplify)"),
    Case("forged_deep_payload", "patches json.dumps so the collectors print a payload 900 lists deep and megabytes long",
         edited(after("start", FORGED_PAYLOAD)), Expect(correct=frozenset({("q2", "q_term"), ("q2", "p_term")})),
         "the grader's bounded parse: size cap, depth cap, markers only from the collector"),
    Case("sysv_shared_memory", "System V shared memory segments, touched, left behind", edited(reporting(SYSV_SHM)),
         reports(contains=("segments=ok:4",)), "network layer's IPC namespace: the segments die with the run"),
    Case("empty_notebook_loop", "a blank notebook that only loops", edited(after("end", "while True:\n    pass"), worked=False),
         Expect(correct=NONE), "per-cell time limit"),
]
