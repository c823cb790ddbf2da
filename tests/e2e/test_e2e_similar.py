"""Papers like this one, through the real bot and the local Discord: /similar (autocompleted), the button under
/paper's results (pressed by anyone, after its view retired, after a restart), /propose naming the closest
papers the group discussed, and MEANING=off.

The expected papers are the seeds' own, ranked by the shipped model (store.search.meaning): "The Lottery
Ticket Hypothesis" against the 93 other seeds; the reading group's four papers for /propose. Each world here
is built with MEANING on (the harness's worlds have the Library's default) and waits for every paper's vector.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.client import PaperBot
from store import readinggroup as rg
from store.library import Library
from tests.corpora import reading_group_corpus
from tests.e2e.harness import NOW, Clock, local_discord, make_bot, propose, seeds_copy, settings_for
from tests.e2e.pings import assert_cannot_ping
from tests.fakediscord import FakeDiscord, running
from tests.search.meaning_seeds import LIKE_LOTTERY, LOTTERY

HEADER = f"15 papers like “{LOTTERY}”, by meaning (what the summaries are about, not their words)"
ATTENTION, BERT = "Attention Is All You Need", "BERT: Pre-training of Deep Bidirectional Transformers"
RESNET, GAN = "Deep Residual Learning for Image Recognition", "Generative Adversarial Nets"
MARCH = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)


def titles(message: dict) -> list[str]:
    return [e.get("title", "") for e in message.get("embeds") or []]


def components(message: dict) -> dict[str, dict]:
    return {c["custom_id"]: c for row in message.get("components") or [] for c in row["components"]}


def similar_buttons(message: dict) -> list[str]:
    return [custom_id for custom_id in components(message) if custom_id.startswith("similar:")]


def paper_id(library: Library, title: str) -> int:
    return next(p.id for p in library.catalog if p.title == title)


def ids(library: Library, titles_: list[str]) -> list[str]:
    return [f"similar:{paper_id(library, t)}" for t in titles_]


async def discuss(library: Library, guild_id: int, title: str, presenter: int, when: datetime) -> None:
    """A session on `title` that took place (set up through the store: the session's own flow is tested in
    test_e2e_readinggroup)."""
    async with library.sessionmaker() as s, s.begin():
        m = await rg.schedule(s, guild_id, title, presenter, when, presenter, paper_id=paper_id(library, title))
        await rg.done(s, m.id, when + timedelta(hours=1))


async def test_similar_autocompletes_and_answers_by_meaning(database_url: str, tmp_path: Path) -> None:
    async with local_discord(database_url, seeds_copy(tmp_path), meaning=True) as (fake, library), \
            running(PaperBot(library, settings_for(fake))):
        await similar_by_meaning(fake, library)


async def similar_by_meaning(fake: FakeDiscord, library: Library) -> None:
    choices = await fake.autocomplete("similar", "paper", "the lottery")
    assert choices == [{"name": t, "value": str(paper_id(library, t))} for t in (LOTTERY, LIKE_LOTTERY[2])]
    rec = await fake.slash("similar", user=fake.member, paper=choices[0]["value"])
    msg = await rec.final()
    assert rec.response_delay is not None and rec.response_delay < 3.0 and not rec.rejected
    assert msg["content"] == HEADER and not msg["flags"] & 64  # public, like /paper's results
    assert titles(msg) == LIKE_LOTTERY[:3]
    why = [f["value"] for e in msg["embeds"] for f in e["fields"] if f["name"] == "Why it matched"]
    assert len(why) == 3 and all(w.startswith("by meaning") for w in why)
    assert [e["footer"]["text"].split(" · ")[0] for e in msg["embeds"]] == ["1/15", "2/15", "3/15"]
    assert similar_buttons(msg) == ids(library, LIKE_LOTTERY[:3])  # and papers like each of those
    assert [components(msg)[i]["label"] for i in similar_buttons(msg)] == [  # within 80 characters, cut at a word
        "🔎 Like 1: Introspection: Accelerating Neural Network Training By Learning…",
        "🔎 Like 2: Dynamical Isometry and a Mean Field Theory of CNNs: How to Train…",
        "🔎 Like 3: Playing the lottery with rewards and multiple languages: lottery…"]
    assert_cannot_ping(msg)

    page2 = await (await fake.click(msg, "results:next", user=fake.member)).final()
    assert titles(page2) == LIKE_LOTTERY[3:6] and similar_buttons(page2) == ids(library, LIKE_LOTTERY[3:6])

    typed = await (await fake.slash("similar", user=fake.member, paper="lottery ticket hypothesis")).final()
    assert (typed["content"], titles(typed)) == (HEADER, LIKE_LOTTERY[:3])  # words: the best /paper match
    unknown = await (await fake.slash("similar", user=fake.member, paper="zzzz qqqq")).final()
    assert unknown["content"] == "No paper matches “zzzz qqqq”." and unknown["flags"] & 64


async def test_papers_like_this_one_button_outlives_its_view_and_a_restart(database_url: str) -> None:
    async with local_discord(database_url, None, meaning=True) as (fake, library):
        await button_across_a_restart(fake, library)


async def button_across_a_restart(fake: FakeDiscord, library: Library) -> None:
    clock = Clock(NOW)
    lottery = f"similar:{paper_id(library, LOTTERY)}"
    async with running(make_bot(fake, library, clock)) as bot:
        bot.view_timeout = 0.5  # the pages retire quickly; the similar buttons stay
        found = await (await fake.slash("paper", user=fake.member, query="lottery ticket")).final()
        assert titles(found)[0] == LOTTERY and similar_buttons(found)[0] == lottery
        pressed = await fake.click(found, lottery, user=fake.other)  # anyone may press it, not only the asker
        answer = await pressed.final()
        assert (await pressed.response_())["type"] == 5  # answered at once; the papers follow
        assert answer["flags"] & 64 and answer["content"] == HEADER and titles(answer) == LIKE_LOTTERY[:3]
        for _ in range(100):  # the view retires: Previous/Next and the menu disabled, the similar buttons not
            if components(found)["results:full"].get("disabled"):
                break
            await asyncio.sleep(0.05)
        shown = components(found)
        assert shown["results:full"]["disabled"] and shown["results:next"]["disabled"]
        assert not any(shown[i].get("disabled") for i in similar_buttons(found))
        retired = await (await fake.click(found, lottery, user=fake.member)).final()
        assert titles(retired) == LIKE_LOTTERY[:3]
    async with running(make_bot(fake, library, clock)):  # a new process: nothing of the old view in memory
        again = await (await fake.click(found, lottery, user=fake.member)).final()
        assert again["flags"] & 64 and again["content"] == HEADER and titles(again) == LIKE_LOTTERY[:3]


async def test_propose_names_the_closest_discussed_papers_by_meaning(database_url: str, tmp_path: Path) -> None:
    async with local_discord(database_url, reading_group_corpus(tmp_path), meaning=True) as (fake, library):
        await propose_by_meaning(fake, library)


async def propose_by_meaning(fake: FakeDiscord, library: Library) -> None:
    for i, title in enumerate((ATTENTION, RESNET, GAN)):
        await discuss(library, fake.guild_id, title, fake.member.id, MARCH + timedelta(days=7 * i))
    async with running(make_bot(fake, library, Clock(NOW))):
        close = await propose(fake, fake.other, str(paper_id(library, BERT)))
    # By meaning, Attention (cosine 0.58) then ResNet (0.45); GANs (0.29) is not close. By words, GANs would
    # be named too (every note's topic is "deep learning"), and ResNet before Attention.
    assert close["content"].splitlines() == [
        f"ℹ Close to what we read: **{ATTENTION}** (<t:{int(MARCH.timestamp())}:D>, presented by "
        f"<@{fake.member.id}>).",
        f"ℹ Close to what we read: **{RESNET}** (<t:{int((MARCH + timedelta(days=7)).timestamp())}:D>, "
        f"presented by <@{fake.member.id}>)."]
    assert_cannot_ping(close, shown={fake.member.id})


async def test_meaning_off_says_so_and_keeps_words(database_url: str, tmp_path: Path) -> None:
    async with local_discord(database_url, reading_group_corpus(tmp_path), meaning=False) as (fake, library):
        for i, title in enumerate((ATTENTION, RESNET, GAN)):
            await discuss(library, fake.guild_id, title, fake.member.id, MARCH + timedelta(days=7 * i))
        async with running(make_bot(fake, library, Clock(NOW), meaning=False)):
            off = await (await fake.slash("similar", user=fake.member, paper=str(paper_id(library, BERT)))).final()
            found = await (await fake.slash("paper", user=fake.member, query="transformer")).final()
            close = await propose(fake, fake.other, str(paper_id(library, BERT)))
    assert off["flags"] & 64 and off["content"].startswith(f"Papers like “{BERT}”: ")
    assert "meaning" in off["content"].removeprefix(f"Papers like “{BERT}”: ").lower()
    assert titles(found) and similar_buttons(found) == []  # no button that could only say "off"
    # /propose as before meaning: the discussed papers /paper ranks for the proposal's title.
    assert [line.split("**")[1] for line in close["content"].splitlines()] == [RESNET, ATTENTION, GAN]
