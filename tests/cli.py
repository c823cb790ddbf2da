"""The `paperbot` command as a subprocess, on its own SQLite file and data folder under the test's tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(tmp_path: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """`paperbot ARGS` in `tmp_path`, on its own SQLite file unless `env` names another database; this process's
    bot token, database and corpus folder are not passed on."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
                    "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")})
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=tmp_path, env=environ, timeout=120)


def run_without_root(tmp_path: Path, *args: str, env: dict[str, str] | None = None
                     ) -> subprocess.CompletedProcess[str]:
    """`run`, but file permissions bind the command as they bind an admin's service user: as root (CI's
    containers), the command runs without the capabilities that let root read and write any file."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
                    "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")})
    environ.update(env or {})
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=environ, timeout=120)
