"""Blackboard Learn (Original courses): the Grade Center's "Assignment File Download".

Flat files named ``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<original file name>``,
one per file of each attempt, and beside them the attempt's receipt,
``<Assignment>_<username>_attempt_<stamp>.txt``::

    Name: Ada Lovelace (alovelace)
    Assignment: CNN fundamentals
    Date Submitted: Monday, 7 December 2026 23:12:05 o'clock GMT
    ...
    Files:
    \tOriginal filename: cnn-fundamentals.ipynb
    \tFilename: CNN fundamentals_alovelace_attempt_2026-12-07-23-12-05_cnn-fundamentals.ipynb

The username is the roster's ``login``; the stamp is the attempt's time in the Blackboard server's
time zone, which the name does not say (``--timezone``); the receipt's zone abbreviation, when it
has one, must agree with it. Checked against nbgrader's documentation of this layout (its
``FileNameCollectorPlugin`` example) and CodeGra.de's receipt parser (psef/blackboard.py, 2018).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from grader.collect.archive import Entry, EntryRefused
from grader.collect.layout import Claim, Context, Layout

__all__ = ["LAYOUT", "claim", "recognises"]

LAYOUT = Layout.BLACKBOARD
_PATH = re.compile(r"^(?P<head>[^/]+)_attempt_(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?P<rest>(?:[_.][^/]*)?)$")
_NAME = re.compile(r"^Name: .*\((?P<user>[^()\n]+)\)\s*$", re.MULTILINE)
_ZONE = re.compile(r"^Date Submitted: .*?\b(?P<zone>[A-Z]{2,5})\s*$", re.MULTILINE)
_RECEIPT_BYTES = 100_000
_SAME_ZONE = {"GMT": "UTC", "Z": "UTC"}


@dataclass(frozen=True)
class Receipt:
    user: str | None
    zone: str | None


def recognises(path: str) -> bool:
    return bool(_PATH.match(path))


def claim(entries: list[Entry], context: Context, read=None) -> list[Claim]:
    """``read(entry) -> bytes`` reads the receipts (the archive's reader)."""
    receipts = {m["head"] + "_attempt_" + m["stamp"]: _receipt(entry, read)
                for entry in entries if (m := _PATH.match(entry.path)) and m["rest"] == ".txt"}
    logins = context.by("login")
    claims = []
    for entry in entries:
        found = _PATH.match(entry.path)
        if found and found["rest"] == ".txt":
            continue  # a receipt: read above, never a submission
        if found is None:
            claims.append(Claim(entry, unmatched="not named as Blackboard names a submission "
                                                 "(<Assignment>_<username>_attempt_<date>_<file>)"))
            continue
        receipt = receipts.get(found["head"] + "_attempt_" + found["stamp"], Receipt(None, None))
        user, problem = _username(found["head"], receipt, logins)
        if problem:
            claims.append(Claim(entry, unmatched=problem))
            continue
        stamp = dt.datetime.strptime(found["stamp"], "%Y-%m-%d-%H-%M-%S")
        if context.untimed:
            claims.append(Claim(entry, logins[user].student_id, None, "none (--untimed)"))
            continue
        when = context.local_time(stamp, "Blackboard's file names")
        zone = _same_zone(stamp.replace(tzinfo=context.zone).tzname())
        refused = "" if receipt.zone in (None, zone) else (
            f"its receipt gives the time in {receipt.zone}, but --timezone {context.zone} is in {zone} then: "
            "check --timezone")
        claims.append(Claim(entry, logins[user].student_id, when, f"Blackboard's file name ({context.zone})",
                            refused=refused))
    return claims


def _username(head: str, receipt: Receipt, logins: dict) -> tuple[str, str]:
    """Whose file: the receipt's username, else the one roster login the name ends with."""
    if receipt.user is not None:
        if not head.endswith("_" + receipt.user):
            return "", f"its receipt names {receipt.user!r}, which the file name does not end with"
        if receipt.user not in logins:
            return "", f"Blackboard user {receipt.user!r} is no one's login on the roster"
        return receipt.user, ""
    matches = sorted(login for login in logins if head.endswith("_" + login))
    if len(matches) > 1:
        return "", f"the name could be the file of {' or '.join(map(repr, matches))} (logins on the roster), and no receipt says which"
    if not matches:
        guess = head.rsplit("_", 1)[-1]
        return "", f"Blackboard user {guess!r} is no one's login on the roster"
    return matches[0], ""


def _receipt(entry: Entry, read) -> Receipt:
    if read is None or entry.size > _RECEIPT_BYTES:
        return Receipt(None, None)
    try:
        text = read(entry).decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    except EntryRefused:
        return Receipt(None, None)  # an unreadable receipt is no receipt: the file's name still maps it
    user, stated = _NAME.search(text), _ZONE.search(text)
    zone = _same_zone(stated["zone"]) if stated and stated["zone"] not in ("AM", "PM") else None
    return Receipt(user["user"].strip() if user else None, zone)


def _same_zone(name: str | None) -> str | None:
    """One name for a zone that receipts and the time zone database spell differently (GMT, Z: UTC)."""
    return None if name is None else _SAME_ZONE.get(name, name)
