"""An admin's mistakes, each through the real `paperbot` command: one line on stderr naming the setting or
path, the documented exit code (2 configuration, 1 run time), no traceback, SQL or password, and nothing
made that should not be (the command's own database file stays unmade)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bot.test_cli_interrupts import _papers, interrupted_ingest
from tests.cli import database, run, run_without_root

REFUSED = "postgresql+asyncpg://paperbot:hunter2@127.0.0.1:1/paperbot"  # port 1: refused at once


def _folder(tmp: Path, mode: int, *, with_file: bool = False) -> Path:
    folder = tmp / "locked"
    folder.mkdir()
    if with_file:  # an existing database, made while the folder was writable
        assert run(tmp, "--db", str(folder / "db.sqlite3"), "db", "upgrade").returncode == 0
    folder.chmod(mode)
    return folder / "db.sqlite3"


def _file(tmp: Path, mode: int) -> Path:
    path = tmp / "db.sqlite3"
    assert run(tmp, "--db", str(path), "db", "upgrade").returncode == 0
    path.chmod(mode)
    return path


def _unused_port() -> int:
    """A 127.0.0.1 port nothing listens on: a PostgreSQL server that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


BAD_TOKEN = "x" * 30 + " " + "y" * 40  # the shape of a token pasted with a space in it
# (name, arguments, environment, the exit code, what the line must name); "{tmp}" is the test's folder, "{db}"
# the module's prepared database (its bytes must not change), "{port}" a 127.0.0.1 port nothing listens on.
Case = tuple[str, list[str], dict[str, str], int, str]
MISTAKES: list[Case] = [
    # database URLs
    ("postgres:// taken as asyncpg, server down", ["papers"], {"DATABASE_URL": REFUSED.replace(
        "postgresql+asyncpg", "postgres")}, 1, "cannot reach the database postgresql+asyncpg://paperbot:***@"),
    ("postgresql:// taken as asyncpg, server down", ["--db", REFUSED.replace("+asyncpg", ""), "papers"], {}, 1,
     "127.0.0.1:1"),
    ("postgresql:// on an unused local port", ["stats"], {
        "DATABASE_URL": "postgresql://paperbot:hunter2@127.0.0.1:{port}/paperbot"}, 1, "127.0.0.1:{port}"),
    ("psycopg2 driver taken as asyncpg", ["stats", "--db", REFUSED.replace("+asyncpg", "+psycopg2")], {}, 1,
     "cannot reach"),
    ("a MySQL URL", ["papers"], {"DATABASE_URL": "mysql://u:hunter2@host/db"}, 2, "DATABASE_URL names a 'mysql'"),
    ("a port that is not a number", ["--db", "postgresql://u:hunter2@host:five/db", "papers"], {}, 2,
     "--db is not a database URL"),
    ("psycopg not installed", ["papers"], {"DATABASE_URL": "postgresql+psycopg://u@host/db"}, 2,
     "DATABASE_URL: the psycopg driver is not installed"),
    ("sqlite:// with two slashes before a relative path", ["papers"], {"DATABASE_URL": "sqlite://x.sqlite3"}, 2,
     "DATABASE_URL: a SQLite URL has three slashes"),
    ("garbage: a scheme and nothing else", ["--db", "://", "stats"], {}, 2, "--db is not a database URL"),
    ("garbage: an unknown scheme", ["stats"], {"DATABASE_URL": "hello://world"}, 2, "DATABASE_URL names a 'hello'"),
    ("a server URL without its scheme", ["stats"], {"DATABASE_URL": "paperbot:hunter2@db.internal/paperbot"}, 2,
     "DATABASE_URL looks like a server's URL without its scheme"),
    # paths
    ("--db names a folder", ["--db", "{tmp}", "papers"], {}, 2, "--db: {tmp} is a folder"),
    ("DATABASE_URL names a folder", ["stats"], {"DATABASE_URL": "sqlite+aiosqlite:///{tmp}"}, 2,
     "DATABASE_URL: {tmp} is a folder"),
    ("DATABASE_URL, a bare path, names a folder", ["stats"], {"DATABASE_URL": "{tmp}"}, 2,
     "DATABASE_URL: {tmp} is a folder"),
    ("--db inside a file", ["--db", "{tmp}/note.txt/db.sqlite3", "papers"], {}, 2, "{tmp}/note.txt is a file"),
    ("DATABASE_URL, a bare path, inside a file", ["papers"], {"DATABASE_URL": "{tmp}/note.txt/db.sqlite3"}, 2,
     "DATABASE_URL: cannot create the database file {tmp}/note.txt/db.sqlite3"),
    ("ingest of a missing path", ["--db", "{db}", "ingest", "{tmp}/missing"], {}, 2,
     "paperbot ingest: no such file or folder: {tmp}/missing"),
    ("ingest of a missing path among others", ["ingest", "{tmp}", "{tmp}/gone.md"], {"DATABASE_URL": "{db}"}, 2,
     "{tmp}/gone.md"),
    ("check of a missing path", ["check", "{tmp}/missing"], {}, 2,
     "paperbot check: no such file or folder: {tmp}/missing"),
    ("check of a missing path among others", ["check", "{tmp}/note.txt", "{tmp}/gone.md"], {}, 2,
     "paperbot check: no such file or folder: {tmp}/gone.md"),
    ("--corpus missing", ["--corpus", "{tmp}/missing", "papers"], {}, 2, "--corpus: '{tmp}/missing'"),
    ("--corpus missing, after the command", ["stats", "--corpus", "{tmp}/missing", "--db", "{db}"], {}, 2,
     "--corpus"),
    ("--corpus names a file", ["--corpus", "{tmp}/note.txt", "--db", "{db}", "ingest"], {}, 2, "--corpus"),
    ("CORPUS_DIR missing", ["papers"], {"CORPUS_DIR": "{tmp}/missing"}, 2, "CORPUS_DIR"),
    ("CORPUS_DIR missing, for an ingest", ["ingest"], {"CORPUS_DIR": "{tmp}/missing", "DATABASE_URL": "{db}"}, 2,
     "CORPUS_DIR: '{tmp}/missing' is not a folder"),
    ("export into a file", ["--db", "{db}", "export", "{tmp}/note.txt"], {}, 2,
     "paperbot export: {tmp}/note.txt is a file, not a folder"),
    # a missing corpus: the bundled seeds are never ingested by hand, into any database
    ("ingest with no corpus folder, a named database", ["--db", "{db}", "ingest"], {}, 2,
     "paperbot ingest: no corpus folder: give PATH... or set CORPUS_DIR"),
    ("ingest with no corpus folder, the default database", ["ingest", "--json"], {}, 2,
     "paperbot ingest: no corpus folder"),
    # settings
    ("DIGEST_WEEKDAY not a weekday", ["--db", "{db}", "stats"], {"DIGEST_WEEKDAY": "mon-day"}, 2, "DIGEST_WEEKDAY"),
    ("ADMIN_ROLE_IDS too short for an id", ["stats"], {"ADMIN_ROLE_IDS": "12", "DATABASE_URL": "{db}"}, 2,
     "ADMIN_ROLE_IDS"),
    ("DIGEST_TIMEZONE unknown", ["--db", "{db}", "papers"], {"DIGEST_TIMEZONE": "Mars/Olympus"}, 2,
     "DIGEST_TIMEZONE"),
    ("DIGEST_TIME an hour past 23", ["--db", "{db}", "stats"], {"DIGEST_TIME": "25:00"}, 2, "DIGEST_TIME"),
    ("SHARD_COUNT not a number", ["--db", "{db}", "stats"], {"SHARD_COUNT": "many"}, 2, "SHARD_COUNT"),
    ("SHARD_IDS beyond SHARD_COUNT", ["--db", "{db}", "stats"], {"SHARD_COUNT": "2", "SHARD_IDS": "3"}, 2,
     "SHARD_IDS: shard 3 does not exist with SHARD_COUNT=2"),
    ("SHARD_IDS without SHARD_COUNT", ["--db", "{db}", "stats"], {"SHARD_IDS": "0"}, 2, "SHARD_IDS needs"),
    ("DISCORD_TOKEN malformed, run", ["--db", "{db}", "run"], {"DISCORD_TOKEN": BAD_TOKEN}, 2, "DISCORD_TOKEN"),
    ("DISCORD_TOKEN malformed, sync", ["--db", "{db}", "sync"], {"DISCORD_TOKEN": "short"}, 2, "DISCORD_TOKEN"),
    ("LOG_LEVEL unknown", ["--db", "{db}", "stats"], {"LOG_LEVEL": "loud"}, 2, "LOG_LEVEL"),
]
# A file SQLite cannot open or write, made by `setup(tmp_path)`, which returns the database path.
PERMISSIONS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("a new file in a read-only folder", lambda t: _folder(t, 0o555), "the folder {folder} is read-only"),
    ("a file in a read-only folder", lambda t: _folder(t, 0o555, with_file=True), "the folder {folder} is read"),
    ("an unreadable file", lambda t: _file(t, 0), "cannot read the database file {path}"),
    ("a read-only file", lambda t: _file(t, 0o444), "the database file {path} is read-only"),
]


def _one_line(out: subprocess.CompletedProcess[str], code: int) -> str:
    assert out.returncode == code, (out.returncode, out.stderr)
    assert out.stdout == "" and out.stderr.count("\n") == 1 and out.stderr.endswith("\n"), out.stderr
    for leak in ("Traceback", "SELECT", "INSERT", "UPDATE", "[SQL", "sqlalche.me", "sqlalchemy.", "hunter2"):
        assert leak not in out.stderr, out.stderr
    return out.stderr


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database with one paper, for every row that names `{db}`: each row must leave its bytes as they were."""
    folder = tmp_path_factory.mktemp("prepared")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "note.md").write_text("---\ntitle: Attention Is All You Need\n---\nTransformers.\n", encoding="utf-8")
    database = folder / "prepared.sqlite3"
    assert run(folder, "--db", str(database), "ingest", str(corpus)).returncode == 0
    return database


def _fingerprint(database: Path) -> dict[str, str]:
    """The database's files (with SQLite's WAL and shared-memory files, if any) and their bytes' digests."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(database.parent.iterdir())
            if p.name.startswith(database.name)}


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_the_table_holds_at_least_thirty_mistakes_with_distinct_names() -> None:
    names = [m[0] for m in MISTAKES] + [p[0] + " " + s for p in PERMISSIONS for s in ("--db", "DATABASE_URL")]
    names += [f"signal {s}" for s in SIGNALS] + ["a closed pipe"]
    assert len(names) == len(set(names)) >= 30


@pytest.mark.parametrize("name,args,env,code,says", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_gives_one_line_and_its_exit_code(tmp_path: Path, prepared: Path, name: str, args: list[str],
                                                   env: dict[str, str], code: int, says: str) -> None:
    (tmp_path / "note.txt").write_text("not a folder\n", encoding="utf-8")
    port = str(_unused_port())

    def fill(text: str) -> str:
        return text.replace("{tmp}", str(tmp_path)).replace("{db}", str(prepared)).replace("{port}", port)

    before, made = _fingerprint(prepared), _tree(tmp_path)
    line = _one_line(run(tmp_path, *map(fill, args), env={k: fill(v) for k, v in env.items()}), code)
    assert fill(says) in line
    assert _fingerprint(prepared) == before  # the database named is not touched
    assert _tree(tmp_path) == made  # nothing made: no default database, no file named by a bad setting


@pytest.mark.parametrize("name,setup,says", PERMISSIONS, ids=[p[0] for p in PERMISSIONS])
@pytest.mark.parametrize("setting", ["--db", "DATABASE_URL"])
def test_a_database_file_that_cannot_be_used_is_named(tmp_path: Path, name: str, setup: Callable[[Path], Path],
                                                     says: str, setting: str) -> None:
    if os.geteuid() == 0 and subprocess.run(["setpriv", "--bounding-set=-dac_override", "true"]).returncode:
        pytest.skip("root, and no setpriv to run paperbot without root's file capabilities")
    path = setup(tmp_path)
    before = sorted(os.listdir(path.parent)) if os.access(path.parent, os.R_OK) else None
    try:
        if setting == "--db":
            out = run_without_root(tmp_path, "--db", str(path), "stats")
        else:
            out = run_without_root(tmp_path, "stats", env={"DATABASE_URL": f"sqlite:///{path}"})
        line = _one_line(out, 2)
        assert line.startswith(f"paperbot: {setting}: ")
        assert says.format(folder=path.parent, path=path) in line
        assert before is None or sorted(os.listdir(path.parent)) == before
    finally:
        path.parent.chmod(0o755)
        if path.exists():
            path.chmod(0o644)


@pytest.mark.parametrize("args", [["--db", "{tmp}/bare.sqlite3"], ["--db", "sqlite:///{tmp}/bare.sqlite3"]])
def test_a_path_or_a_sync_sqlite_url_is_taken_as_the_sqlite_file_it_names(tmp_path: Path, args: list[str]) -> None:
    out = run(tmp_path, *(a.replace("{tmp}", str(tmp_path)) for a in args), "db", "upgrade")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "bare.sqlite3").is_file() and not database(tmp_path).exists()


SIGNALS = {"SIGINT": (signal.SIGINT, 130, "Ctrl-C"), "SIGTERM": (signal.SIGTERM, 143, "SIGTERM")}


@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_during_an_ingest_gives_one_line_and_changes_nothing(tmp_path: Path, name: str) -> None:
    """As tests/bot/test_cli_interrupts.py does it: the database holds what it held before the ingest."""
    signum, code, said = SIGNALS[name]
    ingest, out, err, before, _bulk = interrupted_ingest(tmp_path, signum)
    assert ingest.returncode == code, err
    assert err == f"paperbot: stopping ({said}): what was not committed is rolled back; {said} again to force\n"
    assert "Traceback" not in out + err and "sqlalchemy." not in err
    assert _papers(database(tmp_path)) == before


def test_a_pipe_closed_after_one_line_ends_quietly(tmp_path: Path) -> None:
    """`paperbot papers --json | head -1`: the reader takes one line and closes the pipe; exit 141, nothing said,
    and the demo database keeps every paper it had."""
    assert run(tmp_path, "stats").returncode == 0  # the demo database, its seeds read in
    before = _papers(database(tmp_path))
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")})
    read, write = os.pipe()
    with contextlib.suppress(OSError):  # Linux: the smallest pipe, so the papers cannot all fit in it at once
        fcntl.fcntl(write, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
    reader = subprocess.Popen([sys.executable, "-m", "bot", "papers", "--json"], stdout=write,
                              stderr=subprocess.PIPE, cwd=tmp_path, env=environ)
    os.close(write)
    with os.fdopen(read, "rb", buffering=0) as pipe:
        first = b""
        while not first.endswith(b"\n"):  # one line, as `head -1` reads it
            first += pipe.read(1)
    assert first == b"[\n"
    assert reader.stderr is not None
    err = reader.stderr.read()
    assert reader.wait(timeout=120) == 141 and err == b"", err
    assert _papers(database(tmp_path)) == before > 0


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`paperbot papers | head -1`, at its sharpest: the reader is gone before the first line is written."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    read, write = os.pipe()
    os.close(read)
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}", "HOME": str(tmp_path)})
    try:
        out = subprocess.run([sys.executable, "-m", "bot", "--corpus", str(corpus), "papers"], stdout=write,
                             stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=environ, timeout=120)
    finally:
        os.close(write)
    assert out.returncode == 141 and out.stderr == "", out.stderr


def test_an_ingest_problem_is_said_once_on_stderr(tmp_path: Path) -> None:
    """A diagnostic, as cp or tar give one: on stderr, not again in the report (the --json object holds it)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.md").write_text("---\ntitle: Attention Is All You Need\nyear: 2017\n---\nTransformers.\n",
                                    encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x00\x00")
    out = run(tmp_path, "ingest", str(corpus))
    assert out.returncode == 0, out.stderr
    line = "bad.txt:1: binary file (contains NUL bytes); skipped"
    assert out.stderr == f"problem: {line}\n" and line not in out.stdout, out
    assert "1 problem(s)" in out.stdout and "Problems:" not in out.stdout
