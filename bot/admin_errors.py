"""What an admin gets wrong, said in one line that names the setting or path and what to do.

The CLI checks the database setting before anything opens it (a bad URL or a file SQLite cannot open
otherwise surfaces as a library error, without the path), and turns the database errors that still
happen into one line without SQL. Exit codes: 2 for configuration, 1 for a failure at run time.
"""

from __future__ import annotations

import io
import os
import socket
import stat
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from store.db.engine import default_database_url, in_memory, normalise_url, redact
from store.db.migrate import MigrationError

CONFIGURATION, RUNTIME = 2, 1


class AdminError(Exception):
    """One line for the admin, and the exit code it ends with."""

    def __init__(self, message: str, code: int = CONFIGURATION) -> None:
        super().__init__(message)
        self.code = code


def checked_database_url(given: str | None, configured: str | None) -> str:
    """The database URL the command will use (`--db`, else DATABASE_URL, else the default file), normalised,
    and for SQLite a file this user can open, read and write (with its folder, where SQLite writes its journal)."""
    setting = "--db" if given else "DATABASE_URL" if configured else "the default database (DATABASE_URL unset)"
    try:
        url = normalise_url(given or configured or default_database_url(), setting)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    problem = _sqlite_problem(url)
    if problem:
        raise AdminError(f"{setting}: {problem}")
    return url


def _sqlite_problem(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or in_memory(url):
        return None
    path = Path(parsed.database or "").expanduser().absolute()
    fix = "give the user running paperbot read and write permission"
    if path.is_dir():
        return f"{path} is a folder, not a database file: name a file in it, such as {path / 'paperbot.sqlite3'}"
    if path.exists():
        if not os.access(path, os.R_OK):
            return f"cannot read the database file {path}: {fix} on it"
        if not os.access(path, os.W_OK):
            return f"the database file {path} is read-only: {fix} on it"
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return (f"the folder {path.parent} is read-only, and SQLite writes its journal beside the database "
                    f"file: {fix} on the folder")
        return None
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"cannot create the database file {path}: {folder} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot create the database file {path}: the folder {folder} is read-only: {fix} on it"
    return None


def database_error(exc: DBAPIError, url: str) -> AdminError:
    """A database error as one line naming the database, without the statement or its parameters."""
    reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
    if "readonly database" in reason:
        return AdminError(f"the database {redact(url)} is read-only ({reason}): give the user running paperbot "
                          "write permission on it and its folder")
    return AdminError(f"the database {redact(url)} failed: {reason}", RUNTIME)


def unreachable(exc: OSError, url: str) -> AdminError:
    """A database server that refused or could not be found: a run-time failure (it may be starting)."""
    reason = exc.strerror or exc.__class__.__name__
    return AdminError(f"cannot reach the database {redact(url)}: {reason}: is the server running, and are its "
                      "host and port right?", RUNTIME)


def explained(exc: BaseException, url: str) -> AdminError | None:
    """An error the admin can act on, as its one line and exit code; None for one that is not expected."""
    if isinstance(exc, AdminError):
        return exc
    if isinstance(exc, MigrationError):  # a database newer than this code, or not ours
        return AdminError(str(exc), RUNTIME)
    if isinstance(exc, DBAPIError):  # naming the database: no statement, parameters or library link
        return database_error(exc, url)
    if isinstance(exc, (ConnectionError, socket.gaierror)):
        return unreachable(exc, url)
    return None


class _WholeWrites(io.RawIOBase):
    """A file descriptor written until every byte is out: a reader that closes mid-write gives BrokenPipeError.

    CPython's own stdout keeps the count of a short write (the pipe's reader left after taking part of it)
    and drops the rest without an error, so `paperbot papers --json | head -1` would end 0 with its output cut."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view, done = memoryview(data).cast("B"), 0
        while done < len(view):
            done += os.write(self._fd, view[done:])
        return done


def whole_writes_to_a_pipe() -> None:
    """When stdout is the process's own and a pipe, write it whole (exit 141 when its reader left early)."""
    out = sys.stdout
    if out is not sys.__stdout__ or out is None:  # a test's capture, or none at all
        return
    try:
        fd = out.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return
    except (OSError, ValueError):
        return
    out.flush()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_WholeWrites(fd)), encoding=out.encoding, errors=out.errors,
                                  line_buffering=out.line_buffering)
