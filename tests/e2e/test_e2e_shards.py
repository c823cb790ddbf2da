"""Two real bot processes, each one shard of two, on one database (SQLite file, or PostgreSQL with
PAPERBOT_TEST_POSTGRES), against the local Discord speaking the sharded gateway.

One server lives on each shard, so each process hears only its own server. What an admin reloads
through one process and what a member writes through the other are found through both; a process
that was away when a change was committed (cut off from PostgreSQL by a proxy; stopped, on SQLite)
catches up; each server's digest and session reminder are posted once, by the process that holds its
shard; the commands are registered once for the deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import shutil
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from store import readinggroup as rg
from store.db.models import DigestRun, Meeting, Reminder
from store.library import BUNDLED_SEEDS, Library
from tests.e2e.harness import BotProcess, launch, stop
from tests.fakediscord import FakeDiscord
from tests.tcpproxy import TcpProxy

# Each command a member sends in a fresh server, and what it must answer: (options, content, first embed's title):
# a pattern is matched whole, a string exactly; ANY: embeds, titles compared across the two processes; None: no
# embed. An error reply ("Sorry, something went wrong") matches none of them.
ANY = "*"


def results(query: str) -> re.Pattern[str]:
    return re.compile(rf"\d+ results? for “{re.escape(query)}”")


REPLIES: dict[str, tuple[dict[str, str], str | re.Pattern[str], str | None]] = {
    "paper": ({"query": "lottery ticket"}, results("lottery ticket"), "The Lottery Ticket Hypothesis"),
    "author": ({"name": "Frankle"}, results("Frankle"), "The Lottery Ticket Hypothesis"),
    "topic": ({"topic": "pruning"}, results("pruning"), ANY),
    "ask": ({"question": "what is a winning ticket?"}, results("what is a winning ticket?"), ANY),
    "help": ({}, "", "paperbot"),
    "proposals": ({}, "No open proposals. Propose one with /propose.", None),
    "history": ({}, "", "📚 What the group discussed"),
    "summary mine": ({}, "You have not written a summary yet: try /summary write.", None),
    "digest preview": ({}, re.compile(r"Preview: the digest goes to no channel yet \(/digest channel\) <t:\d+:F>\."),
                       "📚 Weekly paper digest"),
    "summary recent": ({}, "No member has written a summary yet.", None),
}
LOOPS = ("DigestCog", "ReadingGroup")  # the loops whose passes each process writes (bot_process "shard-passes")

HOLOGRAPHIC = "Holographic Replay Buffers for Offline Agents"
ORIGAMI = "Origami Attention: Folding Sequences into Tiles"
LATE = "Late Binding Tokens for Streaming Parsers"


async def start(shard: int, fake: FakeDiscord, url: str, folder: Path, **env: str) -> BotProcess:
    """The process holding shard `shard` of two; its digest is due today at 00:00 UTC."""
    return await launch("shard-passes", fake, folder, SHARD_COUNT="2", SHARD_IDS=str(shard), DATABASE_URL=url,
                        CORPUS_POLL_SECONDS="0.3", DIGEST_WEEKDAY=str(datetime.now(UTC).weekday()),
                        DIGEST_TIME="00:00", DIGEST_TIMEZONE="UTC", LOG_LEVEL="INFO", **env)


async def answer(fake: FakeDiscord, command: str, guild: Any, user: Any = None, **options: Any) -> dict[str, Any]:
    rec = await fake.slash(command, user=user or fake.member, guild=guild, **options)
    message = await rec.final(timeout=30)
    assert not rec.rejected, rec
    return message


async def top_title(fake: FakeDiscord, guild: Any, query: str) -> str | None:
    message = await answer(fake, "paper", guild, query=query)
    embeds = message.get("embeds") or []
    return embeds[0].get("title") if embeds else None


async def until_found(fake: FakeDiscord, guild: Any, query: str, title: str, timeout: float = 60) -> float:
    """Seconds until /paper through `guild`'s process answers with `title` first."""
    began = time.monotonic()
    async with asyncio.timeout(timeout):
        while title not in (await top_title(fake, guild, query) or ""):
            await asyncio.sleep(0.1)
    return time.monotonic() - began


def assert_reply(command: str, message: dict[str, Any]) -> None:
    """The exact answer REPLIES expects for `command`."""
    _options, content, title = REPLIES[command]
    shown = message.get("content") or ""
    assert (content.fullmatch(shown) if isinstance(content, re.Pattern) else shown == content), (command, shown)
    embeds = message.get("embeds") or []
    if title is None:
        assert not embeds, (command, embeds)
    else:
        assert embeds and (title == ANY or title in (embeds[0].get("title") or "")), (command, embeds[:1])
    if command == "history":
        assert embeds[0].get("description") == "Nothing discussed yet.", embeds[0]


async def passes_after(p: BotProcess, moment: float, count: int = 2, timeout: float = 30) -> None:
    """Wait for `count` whole passes of each of the process's LOOPS that began after `moment` (time.time()):
    whatever was due, each loop has had its chance to act on it, twice."""
    path = p.log.parent / "passes.log"
    seen = dict.fromkeys(LOOPS, 0)
    try:
        async with asyncio.timeout(timeout):
            while True:
                seen = dict.fromkeys(LOOPS, 0)
                for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
                    name, _, began = line.partition(" ")
                    with contextlib.suppress(ValueError):
                        seen[name] = seen.get(name, 0) + (float(began) > moment)
                if all(seen[name] >= count for name in LOOPS):
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:  # what the loops did, and the process's last words, for whoever reads the failure
        tail = p.log.read_text(encoding="utf-8").splitlines()[-40:]
        raise AssertionError(f"passes after {moment}: {seen} in {timeout} s; log:\n" + "\n".join(tail)) from None


async def stop_between_writes(p: BotProcess, database_url: str, tries: int = 200) -> None:
    """SIGSTOP the process at a moment it holds no write lock on the SQLite file (nor the ingest claim's file
    lock): stopped inside a write (a loop's claim, say), it would hold the lock for as long as it is stopped
    and every other process's write would wait on it, which is not what the test is about."""
    path = str(make_url(database_url).database)
    for _ in range(tries):
        p.proc.send_signal(signal.SIGSTOP)
        if _free(path):
            return
        p.proc.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.02)
    raise AssertionError(f"process {p.pid} held the database's write lock at each of {tries} tries")


def _free(path: str) -> bool:
    """Whether a write could start on the SQLite file now, and the ingest claim's lock is free."""
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
    except sqlite3.OperationalError:
        return False
    fd = os.open(f"{path}.ingest-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the flock taken here
    return True


def log_lines(p: BotProcess, text: str) -> int:
    """How many lines of the process's log say `text`."""
    return sum(text in line for line in p.log.read_text(encoding="utf-8").splitlines())


def note(corpus: Path, name: str, title: str, authors: str, text: str) -> None:
    (corpus / name).write_text(f"# Reading notes\n\n## {title}\nAuthors: {authors}\n\n{text}\n", encoding="utf-8")


@pytest.mark.timeout(300)
async def test_two_processes_one_shard_each_share_one_corpus(database_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_SEEDS, corpus)
    postgres = make_url(database_url).get_backend_name() == "postgresql"
    async with FakeDiscord() as fake, contextlib.AsyncExitStack() as stack:
        guilds = [fake.add_guild(name=f"Group on shard {i}", shard=(i, 2)) for i in range(2)]
        seeder = Library(database_url, corpus)
        await seeder.start()  # the corpus is in the database before either process starts
        try:  # a session in each server in half an hour: its "soon" reminder is due as the processes start
            async with seeder.sessionmaker() as s, s.begin():
                for guild in guilds:
                    m = await rg.schedule(s, guild.id, f"Session of {guild.name}", fake.member.id,
                                          datetime.now(UTC) + timedelta(minutes=30), fake.admin.id)
                    await rg.attach(s, m.id, channel_id=guild.channels["general"])
        finally:
            await seeder.close()
        url1 = database_url
        proxy = None
        if postgres:  # the second process reaches PostgreSQL through a proxy the test can cut
            parsed = make_url(database_url)
            proxy = await stack.enter_async_context(TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432))
            url1 = parsed.set(port=proxy.port).render_as_string(hide_password=False)
        processes = [await start(0, fake, database_url, tmp_path / "p0", CORPUS_DIR=str(corpus)),
                     await start(1, fake, url1, tmp_path / "p1")]  # no CORPUS_DIR: it has no corpus folder
        try:
            for p in processes:
                await p.ready()
            assert fake.connected_shards() == {(0, 2), (1, 2)}
            assert sorted(tuple(d.get("shard", [0, 1])) for d in fake.identify_payloads) == [(0, 2), (1, 2)]
            assert len(fake.command_puts) == 1  # one registration for the deployment, not one per process

            # Every search command answers in both servers, each through its own shard's process.
            replies: dict[str, list[dict[str, Any]]] = {}
            for guild in guilds:
                for command, (options, _content, _title) in REPLIES.items():
                    user = fake.admin if command == "summary recent" else None
                    message = await answer(fake, command, guild, user=user, **options)
                    assert_reply(command, message)
                    replies.setdefault(command, []).append(message)
            for command in ("paper", "author", "topic", "ask"):  # one corpus: the same answer through both
                first, second = ([e.get("title") for e in m.get("embeds") or []] for m in replies[command])
                assert first == second, (command, first, second)
            assert "Lottery" in (replies["paper"][0]["embeds"][0].get("title") or "")

            # An admin reloads through shard 0's process after adding a file: shard 1's finds it.
            note(corpus, "week-12.md", HOLOGRAPHIC, "Mira Okafor, Tomás Ruiz", "Replay buffers as interference.")
            reloaded = await answer(fake, "reload", guilds[0], user=fake.admin)
            assert "1 added" in reloaded["content"], reloaded
            seconds = await until_found(fake, guilds[1], "holographic replay buffers", HOLOGRAPHIC)
            assert await top_title(fake, guilds[0], "holographic replay buffers") == HOLOGRAPHIC
            print(f"reload through shard 0 -> /paper through shard 1: {seconds:.2f} s "
                  f"(follower: {processes[1].searchable_ms()} ms)")
            # Shard 1's process has no CORPUS_DIR: its /reload does not take the bundled seeds for the corpus.
            refused = (await answer(fake, "reload", guilds[1], user=fake.admin))["content"]
            assert refused.startswith("**Not reloaded.**") and r"has no CORPUS\_DIR" in refused, refused
            assert await top_title(fake, guilds[1], "holographic replay buffers") == HOLOGRAPHIC

            # A member writes a summary through shard 1's process: shard 0's finds it.
            rec = await fake.slash("summary write", user=fake.member, guild=guilds[1])
            submitted = await fake.submit_modal(rec, {"summary:paper": ORIGAMI,
                                                      "summary:tldr": "Attention folded into tiles like paper."},
                                                user=fake.member)
            assert "saved" in ((await submitted.final(timeout=30)).get("content") or "").lower()
            seconds = await until_found(fake, guilds[0], "origami attention folding", ORIGAMI)
            print(f"summary through shard 1 -> /paper through shard 0: {seconds:.2f} s "
                  f"(follower: {processes[0].searchable_ms()} ms)")

            # A process away when the change is committed catches up when it is back.
            caught_up = log_lines(processes[1], "corpus changed in another process")
            if proxy is not None:
                await proxy.cut()  # its database connections drop: the NOTIFY below never reaches it
            else:
                # SQLite: stopped before the commit, it cannot poll
                await stop_between_writes(processes[1], database_url)
            note(corpus, "week-13.md", LATE, "Ines Kowalczyk", "Tokens bound late, parsers stream.")
            assert "1 added" in (await answer(fake, "reload", guilds[0], user=fake.admin))["content"]
            if proxy is not None:
                # Not a pause as proof: its listener tries again after the commit, is refused (its log says
                # so), and it has taken no change meanwhile.
                refused_before = log_lines(processes[1], "cannot listen for corpus changes")
                async with asyncio.timeout(60):
                    while log_lines(processes[1], "cannot listen for corpus changes") == refused_before:
                        await asyncio.sleep(0.1)
                assert log_lines(processes[1], "corpus changed in another process") == caught_up
                await proxy.restore()
            else:
                processes[1].proc.send_signal(signal.SIGCONT)
            await until_found(fake, guilds[1], "late binding tokens streaming", LATE)

            # Each server's digest: its admin picks the channel, its own shard's process posts it, once.
            for guild in guilds:
                reply = await answer(fake, "digest channel", guild, user=fake.admin,
                                     channel=str(guild.channels["reading-group"]))
                assert "reading-group" in reply["content"] or str(guild.channels["reading-group"]) in reply["content"]
            for guild in guilds:
                await fake.wait_for_message(guild.channels["reading-group"], timeout=30)
            async with asyncio.timeout(30):  # and each server's session reminder
                while not all(any(m["content"].startswith("⏰") for m in fake.messages[g.channels["general"]])
                              for g in guilds):
                    await asyncio.sleep(0.05)
            posted_by = time.time()
            for p in processes:  # both loops of each process pass twice after the posts: both had their chance
                await passes_after(p, posted_by)
            for guild in guilds:
                assert len(fake.messages[guild.channels["reading-group"]]) == 1
            assert not fake.messages[fake.channels["reading-group"]]  # the server without a channel: nothing
            check = Library(database_url, corpus)
            try:
                async with check.sessionmaker() as s:
                    runs = {r.guild_id: r for r in (await s.scalars(select(DigestRun))).all()}
                    sent = (await s.execute(select(Meeting.guild_id, Reminder.claimed_by, Reminder.message_id)
                                            .join(Reminder, Reminder.session_id == Meeting.id))).all()
            finally:
                await check.database.engine.dispose()
            for p, guild in zip(processes, guilds, strict=True):
                assert runs[guild.id].posted_at is not None
                assert runs[guild.id].claimed_by.endswith(f":{p.pid}")  # posted by the process holding its shard

            # Each server's session reminder, like its digest: once, by the process holding its shard.
            for p, guild in zip(processes, guilds, strict=True):
                posted = [m for m in fake.messages[guild.channels["general"]] if m["content"].startswith("⏰")]
                assert [m["content"].split("**")[1] for m in posted] == [f"Session of {guild.name}"]
                assert [(c.split(":")[-1], mid) for g, c, mid in sent if g == guild.id] == [
                    (str(p.pid), int(posted[0]["id"]))]
        finally:
            codes = await stop(processes)
    assert codes == [0, 0], [p.log.read_text()[-3000:] for p in processes]
