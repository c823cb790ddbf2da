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
