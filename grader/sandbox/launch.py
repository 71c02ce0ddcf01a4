"""Start a command inside the sandbox: ``python -m grader.sandbox.launch -- CMD ...``.

Reads the limits and the sandbox spec from ``$AUTOGRADE_LIMITS`` and ``$AUTOGRADE_SANDBOX`` (and
removes them), makes the process the leader of a new session so its whole process group can be
killed at once, applies the isolation layers (``isolate.py``), writes which held to
``<run>/sandbox.json`` (root's, not the run's) for the grader, applies the resource limits, then replaces itself
with ``CMD``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from grader.limits import Limits
from grader.sandbox.isolate import die_with_parent, isolate
from grader.sandbox.limits import apply_limits

LIMITS_ENV = "AUTOGRADE_LIMITS"
SANDBOX_ENV = "AUTOGRADE_SANDBOX"
LAYERS_FILE = "sandbox.json"


def main(argv: list[str]) -> None:
    if "--" not in argv:
        sys.exit("usage: python -m grader.sandbox.launch -- CMD [ARGS...]")
    command = argv[argv.index("--") + 1:]
    limits = Limits(**json.loads(os.environ.pop(LIMITS_ENV, "{}")))
    spec = json.loads(os.environ.pop(SANDBOX_ENV, "{}"))
    try:
        os.setsid()
    except PermissionError:  # already a session leader
        pass
    if spec:
        owned = [Path(command[i + 1]) for i, arg in enumerate(command[:-1]) if arg == "-f"]  # the connection file
        # opened as root in the run's root-owned folder, so the student's code cannot rewrite it
        record = os.open(Path(spec["home"]).parent / LAYERS_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        state = isolate(Path(spec["home"]), Path(spec["shared"]), spec["hide"], spec["keep"], limits.disk_mb,
                        spec["uid"], spec["cgroup"], owned)
        os.write(record, json.dumps(state).encode())
        os.close(record)
    die_with_parent()
    apply_limits(limits)
    os.execvpe(command[0], command, os.environ)


if __name__ == "__main__":
    main(sys.argv[1:])
