"""/reload while another process's ingest holds the database past the wait: the admin is told, nothing read.

The claim of the one ingest running on a database is held here as another process would hold it (a file
lock beside a SQLite file, an advisory lock on PostgreSQL); the wait is shortened from 14 minutes.
"""

from __future__ import annotations

import pytest

from store.db import claims
from tests.e2e.harness import bot_world, seeds_copy


@pytest.mark.timeout(120)
async def test_reload_says_another_ingest_is_running_when_the_claim_is_not_freed(database_url, tmp_path,
                                                                                 monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with bot_world(database_url, seeds_copy(tmp_path)) as (fake, bot, _corpus):
        database = bot.library.database
        before = bot.services.search.catalog()
        monkeypatch.setattr(claims, "INGEST_PATIENCE", 0.5)
        async with claims.ingest_claim(database.engine, database.url, wait=False):
            reply = (await (await fake.slash("reload", user=fake.admin)).final())["content"]
        assert reply == "Another ingest is running: nothing was reloaded. Try again when it has finished."
        assert bot.services.search.catalog() == before
        again = (await (await fake.slash("reload", user=fake.admin)).final())["content"]  # the claim is free now
        assert "Another ingest" not in again and "94 papers" in again, again
