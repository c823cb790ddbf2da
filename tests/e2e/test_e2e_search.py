"""The real bot against the local Discord server: commands as members send them, replies as they see them."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import discord
import pytest
from sqlalchemy import delete

from bot import views
from bot.client import PaperBot
from bot.config import Settings
from store.db.models import Setting
from store.db.settings import get_setting
from store.library import Library
from tests.e2e.harness import local_discord, settings_for
from tests.fakediscord import FakeDiscord, pointed_at, running, would_ping


def titles(message: dict) -> list[str]:
    return [e.get("title", "") for e in message.get("embeds") or []]


async def test_commands_are_registered_once_and_valid(world) -> None:
    fake, _bot, _ = world
    names = {c["name"] for c in fake.commands[str(fake.guild_id)]}
    assert {"paper", "author", "topic", "ask", "help", "reload"} <= names
    reload = next(c for c in fake.commands[str(fake.guild_id)] if c["name"] == "reload")
    assert int(reload["default_member_permissions"]) == 1 << 5  # Manage Server
    assert len(fake.command_puts) == 1


async def test_paper_answers_with_embeds_and_pages(world) -> None:
    fake, _bot, _ = world
    rec = await fake.slash("paper", query="lottery ticket", user=fake.member)
    msg = await rec.final()
    assert rec.response_delay is not None and rec.response_delay < 3.0 and not rec.rejected
    assert "Lottery Ticket Hypothesis" in titles(msg)[0]
    assert not would_ping(msg) and msg["allowed_mentions"]["parse"] == []
    assert msg in fake.messages[int(msg["channel_id"])] and not msg["flags"] & 64  # public: for the channel
    # The rendered components: a page of at most three, Previous disabled on the first page.
    buttons = {c["custom_id"]: c for row in msg["components"] for c in row["components"]}
    assert buttons["results:previous"]["disabled"] and buttons["results:full"]["options"]
    with pytest.raises(ValueError, match="disabled"):  # Discord's client cannot press it
        await fake.click(msg, "results:previous", user=fake.member)
    with pytest.raises(ValueError, match="cannot be picked"):  # nor pick what the menu does not offer
        await fake.select(msg, "results:full", ["999999"], user=fake.member)
    # Another member cannot drive the asker's menu.
    offered = buttons["results:full"]["options"][0]["value"]
    intruder = await fake.select(msg, "results:full", [offered], user=fake.other)
    refused = await intruder.response_()
    assert refused["type"] == 4 and refused["data"]["flags"] & 64


async def test_pagination_buttons_move_through_results(world) -> None:
    fake, _bot, _ = world
    rec = await fake.slash("topic", topic="generative models", user=fake.member)
    msg = await rec.final()
    first = titles(msg)
    nxt = await fake.click(msg, "results:next", user=fake.member)
    page2 = await nxt.final()
    assert (await nxt.response_())["type"] == 7 and titles(page2) != first
    back = await fake.click(page2, "results:previous", user=fake.member)
    assert titles(await back.final()) == first


async def test_full_summary_select(world) -> None:
    fake, bot, _ = world
    rec = await fake.slash("paper", query="trust region policy optimization", user=fake.member)
    msg = await rec.final()
    paper = next(p for p in bot.library.catalog if p.title == "Trust Region Policy Optimization")
    sel = await fake.select(msg, "results:full", [str(paper.id)], user=fake.member)
    full = await sel.final()
    text = " ".join(e.get("description", "") for e in full["embeds"])
    assert "monotonic improvement" in text and full["flags"] & 64


async def test_autocomplete_names_and_topics(world) -> None:
    fake, _bot, _ = world
    names = [c["name"] for c in await fake.autocomplete("author", "name", "beng")]
    assert "Yoshua Bengio" in names and len(names) <= 25
    topics = [c["name"] for c in await fake.autocomplete("topic", "topic", "rein")]
    assert "Reinforcement Learning" in topics


async def test_empty_and_unmatched_queries_get_ephemeral_hints(world) -> None:
    fake, _bot, _ = world
    general = fake.channels["general"]
    for command, option, query, expected in (("paper", "query", "the of and", "no words"),
                                             ("author", "name", "Bengoi", "Bengio")):
        rec = await fake.slash(command, user=fake.member, **{option: query})
        msg = await rec.final()
        assert expected in msg["content"] and msg["flags"] & 64
        # Deferred publicly, the hint could not be a follow-up (Discord would show it to everyone):
        # the public "thinking…" was deleted and the hint is a follow-up of its own, ephemeral.
        assert (await rec.response_())["type"] == 5 and rec.deleted and rec.original is not None
        assert rec.original.get("_deleted") and msg is rec.followups[0] and not rec.ignored_flags
        assert not any(m is rec.original or m is msg for m in fake.messages[general])


async def test_everyone_in_a_query_pings_nobody(world) -> None:
    fake, _bot, _ = world
    rec = await fake.slash("paper", query="@everyone <@&1> lottery", user=fake.member)
    msg = await rec.final()
    assert not would_ping(msg)
    assert msg["content"].endswith(" for “\\@\u200beveryone \\<\\@&1\\> lottery”")  # shown as typed, escaped


async def test_help_shows_examples_from_the_corpus(world) -> None:
    fake, bot, _ = world
    rec = await fake.slash("help", user=fake.member)
    msg = await rec.final()
    assert msg["flags"] & 64
    body = str(msg["embeds"])
    assert str(len(bot.library.index)) in body and "/paper" in body


async def test_reload_by_admin_and_refusal_for_members(world) -> None:
    fake, bot, corpus = world
    (corpus / "new.md").write_text("---\ntitle: Attention Is All You Need\nauthors: Ashish Vaswani\n---\n"
                                   "Transformers replace recurrence with attention.\n", encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"\xff\xfe bad bytes")
    refused = await fake.slash("reload", user=fake.member)
    msg = await refused.final()
    assert msg["flags"] & 64 and "Only server admins" in msg["content"]
    assert "Attention Is All You Need" not in {p.title for p in bot.library.catalog}

    rec = await fake.slash("reload", user=fake.admin)
    assert (await rec.response_())["type"] == 5  # deferred at once: reloading may take a while
    msg = await rec.final()
    assert "new.md" in msg["content"] and "+1" in msg["content"] and "broken.txt" in msg["content"]
    search = await fake.slash("paper", query="attention is all you need", user=fake.member)
    assert titles(await search.final())[0] == "Attention Is All You Need"


async def test_no_unknown_routes_and_no_rejections(world) -> None:
    fake, _bot, _ = world
    for q in ("adversarial", "policy gradient"):
        await (await fake.slash("ask", question=f"what about {q}?", user=fake.member)).final()
    assert not fake.unknown_routes
    assert all(not r.rejected for r in fake.interactions.values())


async def test_commands_are_synced_only_when_their_definitions_change(database_url: str) -> None:
    async with local_discord(database_url) as (fake, library):
        for _ in range(2):  # a restart with the same definitions: no second upload
            async with running(PaperBot(library, settings_for(fake))):
                pass
        assert [scope for scope, _ in fake.command_puts] == [str(fake.guild_id)]
        bot = PaperBot(library, settings_for(fake))
        # The definitions change: a new command appears.
        from discord import app_commands

        @app_commands.command(name="ping", description="Changed definitions")
        async def ping(interaction) -> None:  # type: ignore[no-untyped-def]
            await interaction.response.send_message("pong")

        bot.tree.add_command(ping)
        async with running(bot):
            pass
        assert len(fake.command_puts) == 2
        assert "ping" in {c["name"] for c in fake.commands[str(fake.guild_id)]}


async def test_processes_starting_together_register_the_commands_once(database_url: str) -> None:
    """Three processes of one deployment start at once with a new command tree: one upload, not three.
    A failed upload gives the hash back, so the next start uploads."""
    libraries = [Library(database_url) for _ in range(3)]
    for library in libraries:
        await library.start()
    try:
        async with FakeDiscord() as fake:
            with pointed_at(fake):
                bots = [PaperBot(library, Settings(guild_id=fake.guild_id)) for library in libraries]
                async with contextlib.AsyncExitStack() as stack:
                    await asyncio.gather(*(stack.enter_async_context(running(bot)) for bot in bots))
                assert [scope for scope, _ in fake.command_puts] == [str(fake.guild_id)]
                async with libraries[0].sessionmaker() as s:
                    await s.execute(delete(Setting).where(Setting.key == f"command_hash:{fake.guild_id}"))
                    await s.commit()
                fake.fail_next("PUT", "/commands", 403)  # e.g. invited without the applications.commands scope
                with pytest.raises(discord.Forbidden):
                    async with running(PaperBot(libraries[1], Settings(guild_id=fake.guild_id))):
                        pass
                fake.faults.clear()
                async with libraries[2].sessionmaker() as s:
                    assert await get_setting(s, f"command_hash:{fake.guild_id}") is None  # given back
                async with running(PaperBot(libraries[2], Settings(guild_id=fake.guild_id))):
                    pass
                assert len(fake.command_puts) == 2
    finally:
        for library in libraries:
            await library.close()


async def test_result_buttons_are_disabled_when_the_view_times_out(world) -> None:
    fake, bot, _ = world
    bot.view_timeout = 0.5  # read for each answer; five minutes in production
    rec = await fake.slash("topic", topic="generative models", user=fake.member)
    msg = await rec.final()

    def controls() -> list[dict]:
        return [c for row in msg["components"] for c in row["components"]]

    assert any(not c.get("disabled") for c in controls())
    await rec.wait(lambda: all(c.get("disabled") for c in controls()), timeout=10)
    assert msg in fake.messages[fake.channels["general"]] and len(controls()) == 3  # edited in place
    with pytest.raises(ValueError, match="disabled"):
        await fake.click(msg, "results:next", user=fake.member)


async def test_result_buttons_are_disabled_after_the_interaction_token_expired(world) -> None:
    """Pages browsed past the token's 15 minutes: Discord refuses the token (401), and the buttons are
    disabled through the channel's message endpoint, with the bot's own token."""
    fake, bot, _ = world
    bot.view_timeout = 0.5
    rec = await fake.slash("topic", topic="generative models", user=fake.member)
    msg = await rec.final()
    fake.expire_token(rec)  # as its 15 minutes would: edits through it now get 401 50027
    controls = [c for row in msg["components"] for c in row["components"]]
    assert len(controls) == 3 and any(not c.get("disabled") for c in controls)
    async with asyncio.timeout(10):  # the view times out, the token edit is refused, the channel edit lands
        while not all(c.get("disabled") for row in msg["components"] for c in row["components"]):
            await asyncio.sleep(0.05)
    assert [r["reason"] for r in rec.rejected] == ["token expired"]  # tried once through the token, refused
    assert fake.requests[-1] == ("PATCH", f"/api/v10/channels/{msg['channel_id']}/messages/{msg['id']}")
    assert msg in fake.messages[fake.channels["general"]] and msg["embeds"] and len(msg["components"]) == 2
    with pytest.raises(ValueError, match="disabled"):
        await fake.click(msg, "results:next", user=fake.member)


async def test_a_token_known_to_be_too_old_is_not_tried(world, monkeypatch) -> None:
    """Past the token's life (here made 0 s), the view goes straight to the channel's message endpoint: no
    refused request (Discord counts those towards its invalid-request limit)."""
    fake, bot, _ = world
    monkeypatch.setattr(views, "TOKEN_LIFE", timedelta(0))
    monkeypatch.setattr(views, "TOKEN_MARGIN", timedelta(0))
    bot.view_timeout = 0.5
    rec = await fake.slash("topic", topic="generative models", user=fake.member)
    msg = await rec.final()
    fake.expire_token(rec)
    async with asyncio.timeout(10):
        while not all(c.get("disabled") for row in msg["components"] for c in row["components"]):
            await asyncio.sleep(0.05)
    assert rec.rejected == [] and not any(m == "PATCH" and "/webhooks/" in p for m, p in fake.requests)
    assert fake.requests[-1] == ("PATCH", f"/api/v10/channels/{msg['channel_id']}/messages/{msg['id']}")


async def test_an_error_after_the_public_deferral_is_told_to_the_asker_alone(world, monkeypatch) -> None:
    fake, bot, _ = world

    async def broken(*_args: object) -> None:
        raise RuntimeError("the index went away")

    monkeypatch.setattr(bot.services.search, "paper", broken)  # what /paper calls
    rec = await fake.slash("paper", query="lottery ticket", user=fake.member)
    msg = await rec.final()
    assert "went wrong" in msg["content"] and msg["flags"] & 64 and msg is rec.followups[0]
    assert rec.original is not None and rec.original.get("_deleted")  # the public "thinking…" is gone
    assert not any(m is rec.original or m is msg for m in fake.messages[fake.channels["general"]])
    assert "Traceback" not in msg["content"] and "index went away" not in msg["content"]
