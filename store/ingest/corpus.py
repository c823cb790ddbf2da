"""Find the corpus files under the paths given and parse them (CPU and disk work: run it in a thread)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from store.ingest import SUPPORTED_SUFFIXES, parse_file
from store.ingest.sync import ParsedFile
from store.records import Parsed, Problem


def _files_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
    return found


def _digest(path: Path) -> str | None:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a named pipe blocks on open, /dev/zero never ends
            return None
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def collect(paths: Sequence[Path]) -> tuple[list[ParsedFile], list[str], list[Problem]]:
    """Parse every supported file under `paths`.

    Returns the parsed files, the folders whose vanished files should be pruned, and problems with
    paths themselves (missing, unsupported type).
    """
    files: list[ParsedFile] = []
    roots: list[str] = []
    problems: list[Problem] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            root = path.resolve()
            roots.append(str(root))
            candidates = [(f, f.relative_to(path).as_posix()) for f in _files_under(path)]
        elif path.exists() or path.is_symlink():
            root = path.parent.resolve()
            candidates = [(path, path.name)]
        else:
            problems.append(Problem(str(given), 0, "no such file or folder"))
            continue
        for file, name in candidates:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            if shown != name:  # names are stored as UTF-8: one that is not would fail the whole transaction
                problems.append(Problem(shown, 0, "skipped: the file name is not UTF-8; rename the file"))
                continue
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append(Problem(name, 0, f"skipped: not a summary file type "
                                                 f"({', '.join(sorted(SUPPORTED_SUFFIXES))})"))
                continue
            parsed = parse_file(file, name)
            sha = _digest(file)
            failed = sha is None or (not parsed.records and bool(parsed.problems))
            if sha is None and not parsed.problems:
                parsed = Parsed([], [Problem(name, 0, "could not be read")])
            files.append(ParsedFile(name=name, root=str(root), sha256=sha or "", parsed=parsed, failed=failed))
    return files, roots, problems
