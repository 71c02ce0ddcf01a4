"""Start a command inside the sandbox: ``python -m grader.sandbox.launch -- CMD ...``.

Reads the limits from ``$AUTOGRADE_LIMITS`` (and removes it), makes the process the leader of
a new session so its whole process group can be killed at once, applies the resource limits,
then replaces itself with ``CMD``.
"""

from __future__ import annotations

import json
import os
import sys

from grader.sandbox.job import Limits
from grader.sandbox.limits import apply_limits

LIMITS_ENV = "AUTOGRADE_LIMITS"


def main(argv: list[str]) -> None:
    if "--" not in argv:
        sys.exit("usage: python -m grader.sandbox.launch -- CMD [ARGS...]")
    command = argv[argv.index("--") + 1:]
    limits = Limits(**json.loads(os.environ.pop(LIMITS_ENV, "{}")))
    try:
        os.setsid()
    except PermissionError:  # already a session leader
        pass
    apply_limits(limits)
    os.execvpe(command[0], command, os.environ)


if __name__ == "__main__":
    main(sys.argv[1:])
