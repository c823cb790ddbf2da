"""/stats on every face: how many papers, authors, topics and members' summaries the bot knows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.console import answer
from bot.text import stats_text
from store.summaries.contributions import Draft
from store.summaries.service import Stats, SummariesService
from tests.cli import run
from tests.e2e.harness import bot_world, write


def test_the_numbers_read_as_words() -> None:
    assert stats_text(Stats(94, 143, 8, 0, 0)) == ("I know 94 papers by 143 authors on 8 topics; members wrote "
                                                   "0 summaries in Discord.")
    assert stats_text(Stats(1, 1, 1, 1, 1)) == ("I know 1 paper by 1 author on 1 topic; members wrote 1 summary in "
                                                 "Discord (1 member).")
    assert "1,234 papers" in stats_text(Stats(1234, 2, 2, 3, 2)) and "(2 members)" in stats_text(Stats(1, 2, 2, 3, 2))


async def test_stats_count_the_index_and_the_members_summaries(seeded_library) -> None:
    service = SummariesService(seeded_library, lambda: datetime.now(UTC))
    before = await service.stats()
    catalog = seeded_library.catalog
    assert before.papers == len(catalog) > 0 and before.summaries == before.writers == 0
    assert 0 < before.authors <= sum(len(p.authors) for p in catalog)
    assert before.topics == len(seeded_library.index.topic_counts()) > 0
    await service.add(7, "Ada", Draft(paper="Quokka Gradient Estimation", tldr="Quokkas estimate gradients."))
    await service.add(7, "Ada", Draft(paper=catalog[0].title, tldr="Read again."))
    await service.add(8, "Bob", Draft(paper=catalog[0].title, tldr="Me too."))
    after = await service.stats()
    assert (after.papers, after.summaries, after.writers) == (before.papers + 1, 3, 2)
    assert await answer(seeded_library, "/stats") == stats_text(after)


async def test_stats_in_discord_is_for_the_asker_and_counts_a_new_summary(database_url: str) -> None:
    async with bot_world(database_url, None) as (fake, bot, _corpus):
        first = await (await fake.slash("stats", user=fake.member)).final()
        assert first["flags"] & 64 and first["content"] == stats_text(await bot.services.summaries.stats())
        assert f"I know {len(bot.library.catalog)} papers" in first["content"]
        saved = await write(fake, fake.member, {"summary:paper": "Quokka Gradient Estimation",
                                                "summary:tldr": "Quokkas estimate gradients."})
        assert "Saved as summary #" in saved["content"]
        second = await (await fake.slash("stats", user=fake.other)).final()
        assert "members wrote 1 summary in Discord (1 member)." in second["content"]
        assert f"I know {len(bot.library.catalog)} papers" in second["content"]


def test_stats_on_the_command_line(tmp_path: Path) -> None:
    out = run(tmp_path, "stats", "--json")
    assert out.returncode == 0, out.stderr
    numbers = json.loads(out.stdout)
    assert set(numbers) == {"papers", "authors", "topics", "summaries", "writers"} and numbers["papers"] > 0
    text = run(tmp_path, "stats")
    assert text.stdout.startswith(f"I know {numbers['papers']} papers by {numbers['authors']} authors")
