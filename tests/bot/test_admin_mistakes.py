"""An admin's mistakes, each through the real `paperbot` command: one line on stderr naming the setting or
path, the documented exit code (2 configuration, 1 run time), no traceback, SQL or password, and nothing
made that should not be (the command's own database file stays unmade)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli import run, run_without_root

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


# (name, arguments, environment, the exit code, what the line must name); "{tmp}" is the test's folder.
Case = tuple[str, list[str], dict[str, str], int, str]
MISTAKES: list[Case] = [
    ("postgres:// taken as asyncpg, server down", ["papers"], {"DATABASE_URL": REFUSED.replace(
        "postgresql+asyncpg", "postgres")}, 1, "cannot reach the database postgresql+asyncpg://paperbot:***@"),
    ("postgresql:// taken as asyncpg, server down", ["--db", REFUSED.replace("+asyncpg", ""), "papers"], {}, 1,
     "127.0.0.1:1"),
    ("psycopg2 driver taken as asyncpg", ["stats", "--db", REFUSED.replace("+asyncpg", "+psycopg2")], {}, 1,
     "cannot reach"),
    ("a MySQL URL", ["papers"], {"DATABASE_URL": "mysql://u:hunter2@host/db"}, 2, "DATABASE_URL names a 'mysql'"),
    ("a port that is not a number", ["--db", "postgresql://u:hunter2@host:five/db", "papers"], {}, 2,
     "--db is not a database URL"),
    ("psycopg not installed", ["papers"], {"DATABASE_URL": "postgresql+psycopg://u@host/db"}, 2,
     "DATABASE_URL: the psycopg driver is not installed"),
    ("a bare path in DATABASE_URL", ["papers"], {"DATABASE_URL": "{tmp}/x.sqlite3"}, 2, "DATABASE_URL"),
    ("--db names a folder", ["--db", "{tmp}", "papers"], {}, 2, "--db: {tmp} is a folder"),
    ("DATABASE_URL names a folder", ["stats"], {"DATABASE_URL": "sqlite+aiosqlite:///{tmp}"}, 2,
     "DATABASE_URL: {tmp} is a folder"),
    ("--db inside a file", ["--db", "{tmp}/note.txt/db.sqlite3", "papers"], {}, 2, "{tmp}/note.txt is a file"),
    ("ingest of a missing path", ["ingest", "{tmp}/missing"], {}, 2, "no such file or folder: {tmp}/missing"),
    ("ingest of a missing path among others", ["ingest", "{tmp}", "{tmp}/gone.md"], {}, 2, "{tmp}/gone.md"),
    ("--corpus missing", ["--corpus", "{tmp}/missing", "papers"], {}, 2, "--corpus: '{tmp}/missing'"),
    ("--corpus missing, after the command", ["stats", "--corpus", "{tmp}/missing"], {}, 2, "--corpus"),
    ("CORPUS_DIR missing", ["papers"], {"CORPUS_DIR": "{tmp}/missing"}, 2, "CORPUS_DIR"),
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
    for leak in ("Traceback", "SELECT", "INSERT", "[SQL", "sqlalche.me", "hunter2"):
        assert leak not in out.stderr, out.stderr
    return out.stderr


@pytest.mark.parametrize("name,args,env,code,says", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_gives_one_line_and_its_exit_code(tmp_path: Path, name: str, args: list[str],
                                                   env: dict[str, str], code: int, says: str) -> None:
    (tmp_path / "note.txt").write_text("not a folder\n", encoding="utf-8")
    fill = lambda text: text.replace("{tmp}", str(tmp_path))  # noqa: E731
    line = _one_line(run(tmp_path, *map(fill, args), env={k: fill(v) for k, v in env.items()}), code)
    assert fill(says) in line
    assert not (tmp_path / "cli.sqlite3").exists() and not (tmp_path / "data").exists()


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
    assert (tmp_path / "bare.sqlite3").is_file() and not (tmp_path / "cli.sqlite3").exists()


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
