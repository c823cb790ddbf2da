"""Whether another connection holds a SQLite file's write lock: what a member's write would meet."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def write_lock_held(database: Path) -> bool:
    """Whether another connection holds the database's write lock (taken and given back at once if free)."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc), exc
        return True
    finally:
        probe.close()
