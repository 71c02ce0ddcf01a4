"""Hostile submissions that never get to run: files too big, not notebooks, bombs, and links.

Each becomes one ``invalid`` row with a one-line reason, read without decompressing, following
a link out of the student's folder, or holding the file in memory whole.
"""

from __future__ import annotations

import io
import json
import os
import zipfile

from tests.hostile.cases import NONE, Case, Context, Expect


def _invalid(reason: str) -> Expect:
    return Expect(correct=NONE, status="invalid", run=None, reason=reason)


def _notebook_200mb(ctx: Context, sid: str) -> None:
    path = ctx.students.folder(sid) / "a1.ipynb"
    with open(path, "wb") as handle:  # sparse: 200 MB long, nothing written but its first bytes
        handle.write(b'{"cells": [], "nbformat": 4, "metadata": {}, "padding": "')
        handle.truncate(200_000_000)


def _zip_bomb(ctx: Context, sid: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        entry = zipfile.ZipInfo("a1.ipynb", date_time=(2030, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):  # 200 MB of zeros in about 200 KB
                member.write(chunk)
    ctx.students.write(sid, buffer.getvalue())


def _json_bomb(ctx: Context, sid: str) -> None:
    ctx.students.write(sid, b'{"nbformat": 4, "cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")


def _too_many_cells(ctx: Context, sid: str) -> None:
    cells = [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [], "execution_count": None}] * 3000
    ctx.students.write(sid, json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode())


def _link(target_of: str):
    def build(ctx: Context, sid: str) -> None:
        target = {"system": "/etc/passwd", "course": str(ctx.root / ".autograde" / "secret"),
                  "missing": "nothing-here.ipynb", "loop": "a1.ipynb"}[target_of]
        os.symlink(target, ctx.students.folder(sid) / "a1.ipynb")
    return build


def _folder_link(ctx: Context, sid: str) -> None:
    """The student's assignment folder is a link to another student's (an unpacked archive can do that)."""
    folder = ctx.students.course.folder("submitted") / sid
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink(ctx.honest_path.parent.parent, folder / "a1")


CASES = [
    Case("notebook_200mb", "a 200 MB notebook", _notebook_200mb, _invalid("larger than the 20 MB limit"),
         "submission size cap, checked on the file's size before reading"),
    Case("zip_bomb", "a zip bomb named .ipynb", _zip_bomb, _invalid("not valid JSON"),
         "never decompressed: not UTF-8 JSON"),
    Case("json_bomb", "JSON nested 200000 deep", _json_bomb, _invalid("not valid JSON"),
         "the JSON parser's recursion limit, caught"),
    Case("too_many_cells", "3000 cells", _too_many_cells, _invalid("more than the 2000 accepted"), "cell count cap"),
    Case("link_to_system_file", "a1.ipynb is a link to /etc/passwd", _link("system"),
         _invalid("outside the submissions folder"), "links resolved; only the student's own folder"),
    Case("link_to_course_secret", "a1.ipynb is a link to the course secret", _link("course"),
         _invalid("outside the submissions folder"), "links resolved; only the student's own folder"),
    Case("link_dangling", "a1.ipynb is a link to nothing", _link("missing"), _invalid("leads nowhere"),
         "links resolved strictly (it used to stop the whole batch)"),
    Case("link_loop", "a1.ipynb is a link to itself", _link("loop"), _invalid("leads nowhere"),
         "links resolved strictly (it used to stop the whole batch)"),
    Case("folder_link_to_other_student", "the assignment folder is a link to another student's", _folder_link,
         _invalid("outside the submissions folder"), "links may not leave the student's own folder"),
]
