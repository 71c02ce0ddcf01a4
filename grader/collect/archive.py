"""Read an LMS's bulk download, a zip archive or a folder, entry by entry and within limits.

Nothing is extracted: each entry is read into memory (capped) and handed to ``submit``, which
chooses where it goes, so no name in an archive can lead anywhere. Entries that look hostile (a path
out of the folder, a link, a nested archive, a name that is not UTF-8, more bytes than the limits
allow) are refused, each with one line saying why; an archive that is too big or has too many
entries as a whole is a :class:`~grader.errors.CollectError`.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import CollectError

__all__ = ["Archive", "ArchiveLimits", "Entry", "EntryRefused", "Refusal", "mb", "open_archive"]

MB = 1_000_000
NESTED = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".whl")
_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ")
_JUNK = ("__MACOSX", "Thumbs.db", "desktop.ini")
_EPOCH_1601 = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def mb(size: int) -> str:
    """A size in megabytes, as a message says it: 30, 2.5, 0.012."""
    return f"{size / MB:,.0f}" if size >= 10 * MB else f"{size / MB:.2g}"


@dataclass(frozen=True)
class ArchiveLimits:
    """What one download may hold; past these, an entry or the whole archive is refused."""

    file_bytes: int = 20 * MB        # one file (the course's submission_mb)
    total_bytes: int = 2_000 * MB    # all files together, unpacked
    entries: int = 20_000


@dataclass(frozen=True)
class Entry:
    """One file of the download: its name in the archive, and its name below a common wrapper folder."""

    name: str
    size: int
    modified: dt.datetime | None     # aware: a known instant; naive: the zip format's local time, zone unknown
    local: str = ""                  # set once the layout is known (see layout.unwrap)
    key: str = ""                    # the zip's own name for it, when that was not UTF-8-flagged

    @property
    def path(self) -> str:
        return self.local or self.name


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


class EntryRefused(Exception):
    """An entry that cannot be read as a submission (the reason is the message)."""


@dataclass
class Archive:
    """The readable entries of a download and the refused ones; :meth:`read` gives an entry's bytes."""

    source: Path
    limits: ArchiveLimits
    entries: list[Entry] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None
    _read: int = 0

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        if self._zip is not None:
            self._zip.close()

    def read(self, entry: Entry) -> bytes:
        """The entry's bytes, at most ``file_bytes`` of them; ``EntryRefused`` says why not."""
        cap = self.limits.file_bytes
        if entry.size > cap:
            raise EntryRefused(f"{mb(entry.size)} MB is larger than the {mb(cap)} MB accepted for one file")
        if self._read >= self.limits.total_bytes:
            raise EntryRefused(f"not read: the {mb(self.limits.total_bytes)} MB the whole archive may hold are used up")
        data = self._zip_bytes(self._zip, entry, cap) if self._zip is not None else self._file_bytes(entry, cap)
        self._read += len(data)
        if len(data) > cap:  # a header can under-state the size; the bytes read cannot
            raise EntryRefused(f"larger than the {mb(cap)} MB accepted for one file")
        if self._read > self.limits.total_bytes:
            raise EntryRefused(f"not read: the archive holds more than the {mb(self.limits.total_bytes)} MB accepted in all")
        if data.startswith(_MAGIC):
            raise EntryRefused("an archive inside the archive: not unpacked (ask for the notebook itself)")
        return data

    @staticmethod
    def _zip_bytes(archive: zipfile.ZipFile, entry: Entry, cap: int) -> bytes:
        try:
            with archive.open(entry.key or entry.name) as handle:
                return handle.read(cap + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
            raise EntryRefused(f"damaged in the archive ({exc})") from None

    def _file_bytes(self, entry: Entry, cap: int) -> bytes:
        try:
            fd = os.open(self.source / entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            raise EntryRefused(f"cannot be read ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise EntryRefused("not a regular file")
            return handle.read(cap + 1)


def open_archive(source: Path, limits: ArchiveLimits) -> Archive:
    """List a zip archive's or a folder's entries, refusing the hostile ones; nothing is read yet."""
    source = Path(source)
    if source.is_dir():
        archive = Archive(source, limits)
        _walk(archive, source, "")
    elif source.is_file() and zipfile.is_zipfile(source):
        archive = _open_zip(source, limits)
    elif source.exists():
        raise CollectError(f"{source}: neither a zip archive nor a folder")
    else:
        raise CollectError(f"{source}: no such file or folder")
    _refuse_repeated(archive)
    return archive


def _open_zip(source: Path, limits: ArchiveLimits) -> Archive:
    if source.stat().st_size > limits.total_bytes:
        raise CollectError(f"{source.name}: {mb(source.stat().st_size)} MB is more than the "
                           f"{mb(limits.total_bytes)} MB accepted (--max-total-mb)")
    try:
        handle = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CollectError(f"{source.name}: not a readable zip archive ({exc})") from None
    archive = Archive(source, limits, _zip=handle)
    infos = handle.infolist()
    declared = sum(info.file_size for info in infos)
    if len(infos) > limits.entries or declared > limits.total_bytes:
        handle.close()
        what = (f"{len(infos):,} entries, more than the {limits.entries:,} accepted (--max-entries)"
                if len(infos) > limits.entries else
                f"{mb(declared)} MB unpacked, more than the {mb(limits.total_bytes)} MB accepted (--max-total-mb)")
        raise CollectError(f"{source.name}: {what}; a zip bomb?")
    for info in infos:
        name = _zip_name(info)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if name is None:
            archive.refused.append(Refusal(_printable(info.filename), "the name is not UTF-8: not read"))
        elif (problem := _name_problem(name)) is not None:
            archive.refused.append(Refusal(_printable(name), problem))
        elif info.is_dir() or kind == stat.S_IFDIR or _junk(name):
            continue
        elif kind == stat.S_IFLNK:
            archive.refused.append(Refusal(name, "a symbolic link: not followed"))
        elif kind not in (0, stat.S_IFREG):
            archive.refused.append(Refusal(name, "not a regular file (a device, pipe or socket)"))
        elif info.flag_bits & 0x1:
            archive.refused.append(Refusal(name, "encrypted: cannot be read"))
        elif name.lower().endswith(NESTED):
            archive.refused.append(Refusal(name, "an archive inside the archive: not unpacked (ask for the notebook itself)"))
        else:
            archive.entries.append(Entry(name, info.file_size, _zip_time(info), key=info.filename))
    return archive


def _zip_name(info: zipfile.ZipInfo) -> str | None:
    """The entry's name as UTF-8: flagged so, or plain ASCII, or UTF-8 bytes left unflagged (rubyzip,
    which Canvas uses, does that); None for any other encoding."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")  # zipfile read the raw bytes as cp437
    except UnicodeError:
        return None


def _zip_time(info: zipfile.ZipInfo) -> dt.datetime | None:
    """The entry's modification time: exact from an extended-timestamp or NTFS extra field, else the
    zip format's own local date and time, whose zone the archive does not say (naive)."""
    extra, at = info.extra, 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4: at + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:      # Info-ZIP "UT": Unix mtime, UTC
            return dt.datetime.fromtimestamp(struct.unpack_from("<i", body, 1)[0], dt.UTC)
        if tag == 0x000A and len(body) >= 32 and body[4:8] == b"\x01\x00\x18\x00":  # NTFS: FILETIME, UTC
            return _EPOCH_1601 + dt.timedelta(microseconds=struct.unpack_from("<Q", body, 8)[0] // 10)
        at += 4 + size
    try:
        return dt.datetime(*info.date_time)
    except ValueError:
        return None


def _walk(archive: Archive, folder: Path, prefix: str, depth: int = 0) -> None:
    """A folder's files, in name order; links are refused, never followed."""
    if depth > 32:
        archive.refused.append(Refusal(prefix, "folders nested more than 32 deep: not read"))
        return
    with os.scandir(folder) as found:
        items = sorted(found, key=lambda item: item.name)
    for item in items:
        name = prefix + item.name
        if len(archive.entries) + len(archive.refused) >= archive.limits.entries:
            raise CollectError(f"{archive.source}: more than the {archive.limits.entries:,} files accepted (--max-entries)")
        if any("\udc80" <= c <= "\udcff" for c in item.name):  # os.fsdecode kept undecodable bytes this way
            archive.refused.append(Refusal(_printable(name), "the name is not UTF-8: not read"))
        elif (problem := _name_problem(name)) is not None:
            archive.refused.append(Refusal(_printable(name), problem))
        elif _junk(name):
            continue
        elif item.is_symlink():
            archive.refused.append(Refusal(name, "a symbolic link: not followed"))
        elif item.is_dir(follow_symlinks=False):
            _walk(archive, Path(item.path), name + "/", depth + 1)
        elif not item.is_file(follow_symlinks=False):
            archive.refused.append(Refusal(name, "not a regular file (a device, pipe or socket)"))
        elif name.lower().endswith(NESTED):
            archive.refused.append(Refusal(name, "an archive inside the archive: not unpacked (ask for the notebook itself)"))
        else:
            info = item.stat(follow_symlinks=False)
            archive.entries.append(Entry(name, info.st_size, dt.datetime.fromtimestamp(info.st_mtime, dt.UTC)))


def _name_problem(name: str) -> str | None:
    """Why a name may not be taken as a path inside the download (zip slip and its relatives)."""
    if name.startswith("/") or (name[:1].isalpha() and name[1:2] == ":"):  # C:... as Windows reads it
        return "an absolute path: not read"
    if "\\" in name:
        return "a backslash in the name (a Windows path?): not read"
    if any(part == ".." for part in name.split("/")):
        return "'..' in the path would lead out of the folder: not read"
    if any(not c.isprintable() for c in name):
        return "a control character in the name: not read"
    return None


def _junk(name: str) -> bool:
    """What an operating system leaves in an archive (and hidden files): never a submission."""
    parts = name.rstrip("/").split("/")
    return any(part in _JUNK or part.startswith(".") for part in parts)


def _refuse_repeated(archive: Archive) -> None:
    counts = Counter(entry.name for entry in archive.entries)
    for entry in [e for e in archive.entries if counts[e.name] > 1]:
        archive.entries.remove(entry)
        archive.refused.append(Refusal(entry.name, f"the name appears {counts[entry.name]} times in the archive: "
                                                   "which copy is meant is unclear"))


def _printable(name: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
