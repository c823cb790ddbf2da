"""Writing the export into DIR without harming anything else there (`paperbot export DIR`).

DIR is a folder people and tools share, so the export trusts nothing it finds in it. Every file is written
to a temporary file paperbot creates itself inside DIR (random name, O_EXCL and O_NOFOLLOW, relative to
DIR's open descriptor), synced, then moved onto its name: no symlink, planted or swapped in, leads outside.
A name is replaced only when it holds the very bytes paperbot wrote there, as recorded in the manifest
`.paperbot-export.json` (each file's name, its summary's number and the SHA-256 of its bytes). Anything else
at that name (someone's file, a symlink, a folder, an exported file edited since) is left as it is and
reported, and the summary goes beside it (`NAME.1.md`): the export stays complete and nothing is lost.
The files of summaries deleted since the last export are removed (unless edited since: those are kept and
reported), so a restore from DIR does not bring deleted summaries back. The manifest's name begins with
"." so the corpus reader never reads it as a summary.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.summaries.contributions import ContributionView
from store.summaries.export import file_name, to_markdown

MANIFEST = ".paperbot-export.json"
MANIFEST_FORMAT = "paperbot-export"
MANIFEST_VERSION = 1
# What the export itself names files (store.summaries.export.file_name, then ".N" for a file written beside another):
# a manifest naming anything else, "../x" say, was not written by paperbot and is not acted on.
_EXPORTED_NAME = re.compile(r"[a-z0-9-]+-\d+(?:\.\d+)?\.md")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC  # NONBLOCK: a FIFO swapped in cannot hang us
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC
_LISTED = 10  # names shown per line of the terminal report; the JSON lists them all


class ExportError(Exception):
    """DIR cannot be exported into: not a folder, not writable, or a manifest paperbot did not write."""


@dataclass(frozen=True, slots=True)
class Owned:
    """A manifest line: paperbot wrote summary `summary` at this name, and these were the bytes."""

    summary: int
    sha256: str


@dataclass(frozen=True, slots=True)
class LeftAlone:
    """A name the export did not write to or remove, and why."""

    file: str
    reason: str
    summary: int  # the summary this name was (or would have been) the file of
    instead: str | None = None  # where that summary's file is now, if it has one

    def fate(self) -> str:
        if self.instead:
            return f"summary #{self.summary} is in {self.instead}"
        return f"summary #{self.summary} was deleted, so a restore from this folder would bring this file back"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "reason": self.reason, "summary": self.summary, "instead": self.instead}


@dataclass(slots=True)
class ExportResult:
    folder: Path
    files: list[str] = field(default_factory=list)  # each current summary's file, in the summaries' order
    written: list[str] = field(default_factory=list)  # created or rewritten by this export
    unchanged: list[str] = field(default_factory=list)  # already held the summary's bytes
    removed: list[str] = field(default_factory=list)  # files paperbot wrote for summaries no longer there
    kept: list[LeftAlone] = field(default_factory=list)  # files paperbot wrote that were changed since
    refused: list[LeftAlone] = field(default_factory=list)  # names holding something paperbot did not write

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "files": self.files, "written": self.written,
                "unchanged": self.unchanged, "removed": self.removed,
                "kept": [k.to_json() for k in self.kept], "refused": [r.to_json() for r in self.refused]}

    def describe(self) -> str:
        n = len(self.files)
        lines = [f"{n} member summar{'y' if n == 1 else 'ies'} in {self.folder}"]
        for verb, names in (("wrote", self.written), ("removed (no longer a summary's file)", self.removed)):
            if names:
                more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
                lines.append(f"{verb} {len(names)}: {', '.join(names[:_LISTED])}{more}")
        lines.extend(f"kept {k.file}: {k.reason}; {k.fate()}" for k in self.kept)
        lines.extend(f"did not overwrite {r.file}: {r.reason}; {r.fate()}" for r in self.refused)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Found:
    """What a name in DIR holds, looked at without following a symlink."""

    what: str  # "absent", "file", or a description of anything else ("a symbolic link", "a folder"...)
    sha256: str | None = None  # of a regular file's bytes
    ident: tuple[int, int] | None = None  # (device, inode) when looked at: acted on only if still the same


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ident(dir_fd: int, name: str) -> tuple[int, int] | None:
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _look(dir_fd: int, name: str) -> _Found:
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return _Found("absent")
    ident = (st.st_dev, st.st_ino)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a symbolic link" if stat.S_ISLNK(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode)
                else "not a regular file")
        return _Found(kind, ident=ident)
    try:
        fd = os.open(name, _READ, dir_fd=dir_fd)
    except OSError:
        return _Found("a file paperbot cannot read", ident=ident)
    with open(fd, "rb") as fh:
        now = os.fstat(fh.fileno())
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != ident:
            return _Found("a file that changed while paperbot read it", ident=ident)
        return _Found("file", hashlib.file_digest(fh, "sha256").hexdigest(), ident)


def _unlink_quietly(dir_fd: int, name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=dir_fd)


def _write_temporary(dir_fd: int, data: bytes) -> str:
    """A new file inside DIR holding `data`, on disk; its name begins with "." so no reader takes it for a note."""
    while True:
        name = f".paperbot-{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(name, _CREATE, 0o666, dir_fd=dir_fd)
        except FileExistsError:
            continue
        break
    try:
        with open(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _unlink_quietly(dir_fd, name)
        raise
    return name


def _link_new(dir_fd: int, temporary: str, name: str) -> bool:
    """Give the temporary file `name` only if nothing has it: a hard link cannot replace anything."""
    try:
        os.link(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except FileExistsError:
        return False
    except (OSError, NotImplementedError):  # a file system without hard links: look again, then rename
        if _ident(dir_fd, name) is not None:
            return False
        os.replace(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return True
    _unlink_quietly(dir_fd, temporary)
    return True


def _place(dir_fd: int, name: str, data: bytes, found: _Found) -> bool:
    """Write `data` at `name`, which held `found`: a free name only if still free, a file only if it is
    still the one looked at. False when it changed meanwhile (nothing is written then)."""
    temporary = _write_temporary(dir_fd, data)
    try:
        if found.what == "absent":
            return _link_new(dir_fd, temporary, name)
        if _ident(dir_fd, name) != found.ident:
            return False
        os.replace(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return True
    finally:
        _unlink_quietly(dir_fd, temporary)


def _names(first: str) -> Iterator[str]:
    """The summary's own file name, then the names beside it: "x-7.md", "x-7.1.md", "x-7.2.md"..."""
    yield first
    stem = first.removesuffix(".md")
    for n in itertools.count(1):
        yield f"{stem}.{n}.md"


def _why(found: _Found, paperbot_wrote_it: bool) -> str:
    if found.what == "absent":
        return "it changed while paperbot was writing it"
    if paperbot_wrote_it:
        return ("edited since paperbot wrote it" if found.what == "file"
                else f"replaced by {found.what} since paperbot wrote it")
    return "a file paperbot did not write" if found.what == "file" else f"{found.what}, not written by paperbot"


def _decode_manifest(raw: bytes) -> dict[str, Owned]:
    """The manifest's lines; ValueError saying what is wrong when paperbot did not write it so."""
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ValueError("not paperbot's manifest format")
    if data.get("version") != MANIFEST_VERSION:
        raise ValueError(f"version {data.get('version')!r}, this paperbot reads version {MANIFEST_VERSION}")
    files = data.get("files")
    if not isinstance(files, dict):
        raise ValueError("no list of files")
    out: dict[str, Owned] = {}
    for name, line in files.items():
        if not _EXPORTED_NAME.fullmatch(name):
            raise ValueError(f"it names {name!r}, not a file paperbot writes")
        if (not isinstance(line, dict) or type(line.get("summary")) is not int
                or not isinstance(line.get("sha256"), str) or not _SHA256.fullmatch(line["sha256"])):
            raise ValueError(f"the line for {name} is not a summary number and a SHA-256")
        out[name] = Owned(line["summary"], line["sha256"])
    return out


def encode_manifest(files: dict[str, Owned]) -> bytes:
    lines = {name: {"summary": o.summary, "sha256": o.sha256} for name, o in sorted(files.items())}
    doc = {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "files": lines}
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def _read_manifest(dir_fd: int, folder: Path) -> tuple[dict[str, Owned], bytes | None]:
    advice = (f"move {folder / MANIFEST} away and export again (paperbot then keeps every file already in "
              f"{folder} and writes beside any it would have replaced)")
    found = _look(dir_fd, MANIFEST)
    if found.what == "absent":
        return {}, None
    if found.what != "file":
        raise ExportError(f"{folder / MANIFEST} is {found.what}, not the manifest paperbot writes: {advice}")
    try:
        fd = os.open(MANIFEST, _READ, dir_fd=dir_fd)
        with open(fd, "rb") as fh:
            raw = fh.read()
        return _decode_manifest(raw), raw
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ExportError(f"{folder / MANIFEST} was not written by paperbot ({exc}): {advice}") from exc


def _put(dir_fd: int, c: ContributionView, old: dict[str, Owned], result: ExportResult) -> str:
    """Write one summary's file at its name, or beside whatever paperbot may not replace there."""
    data = to_markdown(c).encode("utf-8")
    digest = sha256(data)
    passed: list[tuple[str, str, bool]] = []
    for name in _names(file_name(c)):
        found = _look(dir_fd, name)
        if found.what == "file" and found.sha256 == digest:  # already these bytes: nothing to write
            result.unchanged.append(name)
            break
        paperbot_wrote_it = name in old
        if found.what == "absent" or (paperbot_wrote_it and found.sha256 == old[name].sha256):
            if _place(dir_fd, name, data, found):
                result.written.append(name)
                break
            found = _look(dir_fd, name)  # changed meanwhile: say what is there now
        passed.append((name, _why(found, paperbot_wrote_it), paperbot_wrote_it))
    for other, reason, paperbot_wrote_it in passed:
        (result.kept if paperbot_wrote_it else result.refused).append(LeftAlone(other, reason, c.id, name))
    return name


def _export(dir_fd: int, folder: Path, contributions: Sequence[ContributionView]) -> ExportResult:
    old, raw = _read_manifest(dir_fd, folder)
    result = ExportResult(folder)
    new: dict[str, Owned] = {}
    for c in contributions:
        name = _put(dir_fd, c, old, result)
        result.files.append(name)
        new[name] = Owned(c.id, sha256(to_markdown(c).encode("utf-8")))
    for kept in result.kept:  # still paperbot's to remove or replace, should it come back to these bytes
        new[kept.file] = old[kept.file]
    current = {c.id: name for c, name in zip(contributions, result.files, strict=True)}
    for name, owned in old.items():
        if name in new:
            continue
        found = _look(dir_fd, name)
        if found.what == "absent":
            continue
        if found.sha256 == owned.sha256 and _ident(dir_fd, name) == found.ident:
            os.unlink(name, dir_fd=dir_fd)
            result.removed.append(name)
            continue
        result.kept.append(LeftAlone(name, _why(found, True), owned.summary, current.get(owned.summary)))
        new[name] = owned
    encoded = encode_manifest(new)
    if encoded != raw:
        temporary = _write_temporary(dir_fd, encoded)
        try:
            os.replace(temporary, MANIFEST, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        finally:
            _unlink_quietly(dir_fd, temporary)
    if result.written or result.removed or encoded != raw:
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder; the files are synced
            os.fsync(dir_fd)
    return result


def write_export(folder: Path, contributions: Sequence[ContributionView]) -> ExportResult:
    """Export the summaries into `folder` (created if missing; it may be a symlink to the folder wanted)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot open the folder ({exc.strerror or exc})") from exc
    try:
        return _export(dir_fd, folder, contributions)
    except OSError as exc:
        where = folder / exc.filename if isinstance(exc.filename, str) else folder
        raise ExportError(f"{where}: {exc.strerror or exc}") from exc
    finally:
        os.close(dir_fd)
