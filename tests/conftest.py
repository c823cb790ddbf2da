"""Shared fixtures.

`database_url` is a fresh, empty database for one test: a SQLite file under tmp_path by default, or a
new database on the PostgreSQL server named by PAPERBOT_TEST_POSTGRES (an asyncpg URL to an admin
database, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), which `.ci/run` sets for its
second pass. Tests that touch the database take this fixture instead of building their own URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI must not fail on an example no one has seen before: there the property tests replay a fixed
# sequence (derandomize); on a developer's machine they keep exploring new inputs.
# No deadline anywhere: a per-example time limit is a wall-clock assertion, and the machines are shared.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

POSTGRES_ADMIN_URL = os.environ.get("PAPERBOT_TEST_POSTGRES", "")


@pytest.fixture(autouse=True)
def _private_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Index snapshots of server databases go to the data folder: keep each test's in its tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    if not POSTGRES_ADMIN_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'paperbot.sqlite3'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"paperbot_test_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield admin.set(database=name).render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def seeded_library(database_url: str):
    """A Library on a fresh database, started: the bundled seeds ingested and the index built."""
    from store.library import Library

    lib = Library(database_url)
    await lib.start()
    yield lib
    await lib.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """How many bodies the local Discord checked against Discord's OpenAPI description in this run."""
    import sys

    module = sys.modules.get("tests.fakediscord.openapi")
    if module is not None and module.VALIDATED:
        names = {"request": "request bodies", "response": "response bodies", "gateway": "gateway payload parts"}
        counts = ", ".join(f"{n} {names.get(kind, kind)}" for kind, n in sorted(module.VALIDATED.items()))
        terminalreporter.write_line(f"local Discord: {sum(module.VALIDATED.values())} bodies validated against "
                                    f"Discord's OpenAPI description ({counts})")
