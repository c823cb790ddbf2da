"""The reading group's loop in Discord: /propose and vote buttons, /session, reminders, /volunteer, /history.

The rules and the transactions are bot.services.readinggroup's (store.readinggroup.service); this cog
parses the interaction, calls it, renders (bot/cogs/readinggroup_views.py) and does what only Discord
can: messages, threads, scheduled events. Vote buttons are answered from `on_interaction`, not from an
in-memory view: a vote on a proposal posted before a restart still counts. The loop (counted, awaitable
passes) posts each due reminder once through a claim in the database, and marks meetings whose end has
passed as discussed. Reminders may ping the presenter and nobody else; every other message pings nobody.
The /session commands are SessionCommands' (readinggroup_sessions.py), a mixin: publishing a session may
partly fail (readinggroup_posts.py) and be retried; its event follows it (readinggroup_events.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.readinggroup_events import MeetingEvents
from bot.cogs.readinggroup_posts import MeetingPosts
from bot.cogs.readinggroup_sessions import SessionCommands
from bot.cogs.readinggroup_views import (
    HISTORY,
    NONE,
    PUBLISH,
    VOTE,
    already_proposed,
    history_embed,
    history_view,
    proposal_embed,
    proposal_notes,
    proposals_text,
    vote_view,
)
from bot.commands import slash
from bot.passes import BackgroundPasses
from bot.patience import stored
from bot.replies import defer_publicly, reply_privately
from bot.untrusted import for_plain
from store.readinggroup import NotAPaper, SessionView, UnknownNumber

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)

PER_PAGE = 5


class ReadingGroup(SessionCommands, BackgroundPasses, commands.Cog):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self.posts = MeetingPosts(bot)
        self.events = MeetingEvents(bot, self.posts)
        self.init_background(getattr(bot, "digest_poll_seconds", 60.0), bot.wait_until_ready)

    # --- proposals and votes ---

    @app_commands.guild_only()
    @slash("propose")
    async def propose(self, interaction: discord.Interaction, paper: app_commands.Range[str, 1, 300]) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        await defer_publicly(interaction)  # answered first: the write may wait for another writer
        try:
            result = await stored(interaction, "proposal",
                                  lambda: self.service.propose(guild_id, interaction.user.id, paper))
        except UnknownNumber:
            await reply_privately(interaction, "No paper with that number: pick a title from the suggestions, "
                                               "or give an arXiv id or link.")
            return
        except NotAPaper:
            await reply_privately(interaction, "That does not look like a paper: give its title (suggested as "
                                               "you type), an arXiv id or a link.")
            return
        notes, p = proposal_notes(result), result.proposal
        if not result.new:
            await reply_privately(interaction, "\n".join([already_proposed(p, guild_id), *notes]))
            return
        message = await interaction.edit_original_response(content="\n".join(notes), embed=proposal_embed(p),
                                                           view=vote_view(p), allowed_mentions=NONE)
        await stored(interaction, "proposal", lambda: self.service.posted(p.id, message.channel.id, message.id))

    @propose.autocomplete("paper")
    async def _titles(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return self.complete_titles(current)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type != discord.InteractionType.component or not interaction.data:
            return
        custom_id = str(interaction.data.get("custom_id", ""))
        if m := VOTE.fullmatch(custom_id):
            await self._vote(interaction, 1 if m[1] == "+" else -1, int(m[2]))
        elif m := HISTORY.fullmatch(custom_id):
            await self._history_page(interaction, int(m[1]), int(m[2]), int(m[3]) if m[3] else None, m[4])
        elif m := PUBLISH.fullmatch(custom_id):
            await self.republish(interaction, int(m[1]))

    async def _vote(self, interaction: discord.Interaction, value: int, proposal_id: int) -> None:
        await interaction.response.defer()  # the click answered within Discord's 3 s; the count follows
        voted = await stored(interaction, "vote", lambda: self.service.vote(
            interaction.guild_id or 0, proposal_id, interaction.user.id, value))
        if (p := voted.proposal) is None:
            await interaction.followup.send(f"Sorry: {voted.refused}.", ephemeral=True)
            return
        await interaction.edit_original_response(embed=proposal_embed(p), view=vote_view(p))
        if voted.refused is not None:
            await interaction.followup.send(f"Your vote was not counted: {voted.refused}.", ephemeral=True)
            return
        said = {1: "You vote for it.", -1: "You vote against it.", None: "Your vote is withdrawn."}[voted.mine]
        await interaction.followup.send(said, ephemeral=True)

    @app_commands.guild_only()
    @slash("proposals")
    async def proposals(self, interaction: discord.Interaction) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # closing expired ones is a write
        rows = await stored(interaction, "request", lambda: self.service.open_proposals(guild_id, limit=15))
        if not rows:
            await interaction.followup.send("No open proposals. Propose one with /propose.", ephemeral=True)
            return
        await interaction.followup.send(proposals_text(rows), ephemeral=True, allowed_mentions=NONE)

    # --- volunteers and history ---

    @app_commands.guild_only()
    @slash("volunteer")
    async def volunteer(self, interaction: discord.Interaction) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # answered first, written second
        member = interaction.user.id
        added = await stored(interaction, "change", lambda: self.service.toggle_volunteer(guild_id, member))
        text = ("Thanks! You are in the presenters' rotation; run /volunteer again to leave it." if added
                else "You left the presenters' rotation.")
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.guild_only()
    @slash("history")
    async def history(self, interaction: discord.Interaction, presenter: discord.Member | None = None,
                      topic: app_commands.Range[str, 1, 40] | None = None) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # answered before the database is asked
        pid = presenter.id if presenter else None
        page = await self.service.history(interaction.guild_id, presenter_id=pid, topic=topic, per_page=PER_PAGE)
        await interaction.followup.send(embed=history_embed(page),
                                        view=history_view(page, interaction.user.id, pid, topic or ""), ephemeral=True)

    @history.autocomplete("topic")
    async def _topics(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(t, 100) or "…", value=t[:40])
                for t in self.bot.services.search.complete_topic(current, 25)]

    async def _history_page(self, interaction: discord.Interaction, number: int, owner: int, presenter: int | None,
                            topic: str) -> None:
        await interaction.response.defer()  # answered before the database is asked; the page follows as an edit
        page = await self.service.history(interaction.guild_id or 0, presenter_id=presenter, topic=topic or None,
                                          page=number, per_page=PER_PAGE)
        await interaction.edit_original_response(embed=history_embed(page),
                                                 view=history_view(page, owner, presenter, topic))

    # --- the loop: reminders, and meetings whose end has passed ---

    async def tick(self) -> None:
        due = await self.service.due(g.id for g in self.bot.guilds)
        for s, minutes in due.reminders:
            try:
                await self.remind(s, minutes)
            except Exception:
                log.exception("reminder for session %s failed", s.id)
        for s in due.ended:
            try:
                _, problem = await self.finish(s.id)
            except LookupError:
                continue  # another process finished it first
            except Exception:
                log.exception("closing session %s failed", s.id)
                continue
            if problem:  # nobody asked: the next admin command shows it
                await self.bot.services.servers.record_problem(s.guild_id, f"Session {s.id}: {problem}.")

    async def remind(self, s: SessionView, minutes: int) -> bool:
        return await self.posts.remind(s, minutes)


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(ReadingGroup(bot))
