"""The usual end-to-end worlds as fixtures, built by tests.e2e.harness (one setup for every e2e test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import PaperBot
from store.library import Library
from tests.corpora import reading_group_corpus
from tests.e2e.harness import bot_world, local_discord, seeds_copy
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, PaperBot, Path | None]]:
    """(fake, bot, corpus): the local Discord and a running bot over a copy of the bundled seeds."""
    async with bot_world(database_url, seeds_copy(tmp_path)) as started:
        yield started


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[tuple[FakeDiscord, Library]]:
    """(fake, library): the local Discord and a Library on the bundled seeds; the test makes its bots."""
    async with local_discord(database_url) as both:
        yield both


@pytest.fixture
async def group_world(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, Library]]:
    """(fake, library): the local Discord and a Library on the reading group's four papers."""
    async with local_discord(database_url, reading_group_corpus(tmp_path)) as both:
        yield both
