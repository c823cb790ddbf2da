"""Load: 500 interactions in flight at once through the local Discord, on the seeds and on 100,000
papers, and a /reload of the 100,000 papers while members keep asking.

Every interaction must be acknowledged inside Discord's 3-second window (the fake server refuses a
late one, as Discord does, with 10062), every one must end in a well-formed answer, none may ping, and
the gateway heartbeat must keep its rhythm: the fake asks for one every two seconds and records when
each arrives. The event loop's lag is measured and printed (`pytest tests/search/test_load.py -s`); it is not
asserted as a time limit, since the machines are shared: the protocol's own deadlines are.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import shutil
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bench.corpus import generate
from bot.client import PaperBot
from bot.config import Settings
from bot.render import EMBED_TITLE_MAX
from bot.untrusted import for_discord_line
from store.library import BUNDLED_SEEDS, Library
from tests.fakediscord import FakeDiscord, InteractionRecord, pointed_at, running, would_ping

T = TypeVar("T")
IN_FLIGHT = 500
HEARTBEAT = 2.0  # seconds between heartbeats the fake gateway asks for (Discord: 41.25)
BIG = int(os.environ.get("PAPERBOT_LOAD_PAPERS", "100000"))


class LoopLag:
    """How late the event loop wakes a 5 ms sleeper: what the gateway's heartbeat would suffer."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - t - 0.005)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def workload(library: Library, n: int, seed: int) -> list[tuple[str, dict[str, str]]]:
    """A mix of the four search commands with queries taken from the corpus itself."""
    rng = random.Random(seed)
    papers = library.catalog
    out = []
    for _ in range(n):
        p = papers[rng.randrange(len(papers))]
        kind = rng.choice(["paper", "paper", "author", "topic", "ask"])
        if kind == "paper":
            out.append(("paper", {"query": " ".join(p.title.split()[:4])}))
        elif kind == "author" and p.authors:
            out.append(("author", {"name": p.authors[0].split()[-1]}))
        elif kind == "topic" and p.topics:
            out.append(("topic", {"topic": p.topics[0]}))
        else:
            out.append(("ask", {"question": f"what does {' '.join(p.summary.split()[3:7])} mean?"}))
    return out


class FakeInThread:
    """The fake Discord on its own thread and event loop, as the real one is on other machines: the
    bot's loop then carries only the bot's work, and its lag is the bot's own."""

    def __init__(self) -> None:
        self.fake: FakeDiscord
        self.loop: asyncio.AbstractEventLoop
        self._ready = threading.Event()
        self._stop: asyncio.Event
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with FakeDiscord(heartbeat_interval=HEARTBEAT) as self.fake:
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> FakeInThread:
        self._thread.start()
        assert self._ready.wait(30), "the fake Discord did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    async def burst(self, work: list[tuple[str, dict[str, str]]]) -> tuple[list[InteractionRecord], list]:
        fake = self.fake

        async def run() -> tuple[list[InteractionRecord], list]:
            recs = await asyncio.gather(*(fake.slash(cmd, user=fake.member, **opts) for cmd, opts in work))
            finals = await asyncio.gather(*(r.final(timeout=120) for r in recs))
            return list(recs), list(finals)

        return await self.call(run())


def check_all_answered(fake: FakeDiscord, recs: list[InteractionRecord], finals: list[dict[str, Any]]) -> float:
    assert len(recs) == len(finals) == len({r.id for r in recs})
    for rec, final in zip(recs, finals, strict=True):
        assert rec.rejected == [], rec.rejected  # nothing late (10062), nothing malformed, no double reply
        assert rec.response is not None and rec.response_delay is not None
        assert rec.response_delay < fake.response_window
        assert final.get("embeds") or final.get("content")
        assert not would_ping(final)
    return max(r.response_delay or 0.0 for r in recs)


def check_heartbeats(fake: FakeDiscord, since: float) -> float:
    beats = [t for t in fake.heartbeats if t >= since - HEARTBEAT]
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert beats and time.monotonic() - beats[-1] < 2 * HEARTBEAT, "the heartbeat stopped"
    assert max(gaps, default=0.0) < 2 * HEARTBEAT, gaps  # never a beat missed
    return max(gaps, default=0.0)


async def test_500_interactions_at_once_on_the_seed_corpus(database_url: str) -> None:
    library = Library(database_url)
    await library.start()
    with FakeInThread() as remote:
        fake = remote.fake
        with pointed_at(fake):
            async with running(PaperBot(library, Settings(guild_id=fake.guild_id))):
                await asyncio.sleep(HEARTBEAT * 1.5)  # the first beats, so a gap can be measured
                start = time.monotonic()
                with LoopLag() as lag:
                    recs, finals = await remote.burst(workload(library, IN_FLIGHT, seed=1))
                slowest_ack = check_all_answered(fake, recs, finals)
                gap = check_heartbeats(fake, start)
    await library.close()
    print(f"\nseeds: {IN_FLIGHT} interactions in {time.monotonic() - start:.1f}s, slowest acknowledgement "
          f"{slowest_ack * 1000:.0f} ms, widest heartbeat gap {gap:.2f}s, worst loop lag {lag.worst * 1000:.0f} ms")


@pytest.mark.timeout(900)
async def test_500_interactions_and_a_reload_on_100k_papers(database_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    generate(BIG, corpus)
    for seed in BUNDLED_SEEDS.glob("*.txt"):
        shutil.copy(seed, corpus / seed.name)
    library = Library(database_url, corpus)
    await library.start()
    assert len(library.index) >= BIG
    with FakeInThread() as remote:
        fake = remote.fake
        with pointed_at(fake):
            async with running(PaperBot(library, Settings(guild_id=fake.guild_id))):
                await asyncio.sleep(HEARTBEAT * 1.5)
                start = time.monotonic()
                with LoopLag() as lag:
                    recs, finals = await remote.burst(workload(library, IN_FLIGHT, seed=2))
                took = time.monotonic() - start
                slowest_ack = check_all_answered(fake, recs, finals)
                gap = check_heartbeats(fake, start)
                print(f"\n{len(library.index):,} papers: {IN_FLIGHT} interactions in {took:.1f}s, slowest "
                      f"acknowledgement {slowest_ack * 1000:.0f} ms, widest heartbeat gap {gap:.2f}s, "
                      f"worst loop lag {lag.worst * 1000:.0f} ms")

                # /reload with one new paper while members keep asking about the others: each answer must
                # be the one the index gave before (the new paper matches none of these queries).
                # (sampled by position: the catalog makes a paper's view only when it is read)
                catalog = library.catalog
                work = [("paper", {"query": " ".join(catalog[i].title.split()[:4])})
                        for i in random.Random(3).sample(range(len(catalog)), 100)]
                expected = [(await library.search.paper(opts["query"], 15)).hits[0].paper.title for _, opts in work]
                bulk = sorted(corpus.glob("bulk-*.jsonl"))[0]
                with bulk.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"id": "9999.99999", "title": "Reloading Without Pausing",
                                         "authors": "Ada Lovelace", "abstract": "Zyxwv qwerty.",
                                         "categories": "cs.LG"}) + "\n")
                generation = library.live.generation
                start = time.monotonic()
                with LoopLag() as lag:
                    reload = await remote.call(fake.slash("reload", user=fake.admin))
                    answered: list[tuple[list[InteractionRecord], list]] = []
                    while library.live.generation == generation and time.monotonic() - start < 600:
                        answered.append(await remote.burst(work))
                    report = await remote.call(reload.final(timeout=600))
                took = time.monotonic() - start
                assert library.live.generation == generation + 1, "the reload never swapped the index in"
                new = library.index.paper("Reloading Without Pausing", 1).hits  # not a walk over 100,000 papers
                assert new and new[0].paper.title == "Reloading Without Pausing"
                assert f"`{bulk.name}`: changed (+1 " in (report.get("content") or "")
                total = 0
                for recs, finals in answered:
                    slowest_ack = max(slowest_ack, check_all_answered(fake, recs, finals))
                    for final, title in zip(finals, expected, strict=True):
                        assert final["embeds"][0]["title"] == for_discord_line(title, EMBED_TITLE_MAX)
                    total += len(recs)
                gap = check_heartbeats(fake, start)
                assert total >= len(work)
                print(f"/reload of {len(library.index):,} papers took {took:.1f}s: {total} queries answered meanwhile, "
                      f"none failed; widest heartbeat gap {gap:.2f}s, worst loop lag {lag.worst * 1000:.0f} ms")
    await library.close()
