"""The `paperbot` command as a subprocess in the test's tmp_path, on the default database there: the per-user data
folder's SQLite file (`database(tmp_path)`), with no DATABASE_URL or CORPUS_DIR, as a new user's console demo
(store.library.demo_seeds) unless `env` or the arguments name a database or corpus folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def database(tmp_path: Path) -> Path:
    """The SQLite file `run` uses when no database is named: the default one, in the data folder under tmp_path."""
    return tmp_path / "data" / "paperbot" / "paperbot.sqlite3"


def _environ(tmp_path: Path, env: dict[str, str] | None) -> dict[str, str]:
    """This process's environment without its bot token, database and corpus folder; HOME and the data folder
    under tmp_path."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")})
    environ.update(env or {})
    return environ


def run(tmp_path: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """`paperbot ARGS` in `tmp_path`, on the default database under it unless `env` or `--db` names another."""
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=tmp_path, env=_environ(tmp_path, env), timeout=120)


def run_without_root(tmp_path: Path, *args: str, env: dict[str, str] | None = None
                     ) -> subprocess.CompletedProcess[str]:
    """`run`, but file permissions bind the command as they bind an admin's service user: as root (CI's
    containers), the command runs without the capabilities that let root read and write any file."""
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=_environ(tmp_path, env), timeout=120)
