"""/paper, /author, /topic, /ask: the reading group's questions, answered from the index."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.readinggroup_views import discussed_note
from bot.commands import slash
from bot.render import no_result_message
from bot.replies import defer_publicly, reply_privately
from bot.text import clip
from bot.untrusted import for_discord_line, for_plain
from bot.views import ResultsView

if TYPE_CHECKING:
    from bot.client import PaperBot

QUERY_MAX = 300
RESULTS = 15  # results fetched per query: five pages of three
ANSWERS_AT_ONCE = 4  # searches and follow-ups in progress at once; acknowledgements never wait for a turn


class Search(commands.Cog):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self._answering = asyncio.Semaphore(ANSWERS_AT_ONCE)

    async def _answer(self, interaction: discord.Interaction, kind: str, query: str, what: str) -> None:
        # Defer first: the 3-second window is Discord's, the search time is ours. Answers then take turns
        # (ANSWERS_AT_ONCE), so in a burst the event loop's time goes to acknowledging everyone first.
        # The deferral is public (results are for the channel); a "no results" hint is for the asker only,
        # and a follow-up would inherit the public deferral, so the hint replaces it privately.
        await defer_publicly(interaction)
        async with self._answering:
            result = await getattr(self.bot.services.search, kind)(query, RESULTS)
            if not result.hits:
                await reply_privately(interaction, no_result_message(result, query, what))
                return
            guild_id = interaction.guild_id
            done = await self.bot.services.readinggroup.discussed(guild_id) if guild_id else {}
            discussed = {paper_id: discussed_note(d) for paper_id, d in done.items()}
            view = ResultsView(result.hits, interaction.user.id, timeout=self.bot.view_timeout, discussed=discussed)
            count = len(result.hits)
            header = f"{count} result{'s' if count != 1 else ''} for “{for_discord_line(clip(query, 200))}”"
            view.message = await interaction.followup.send(content=header, embeds=view.embeds(), view=view, wait=True)

    @slash("paper")
    async def paper(self, interaction: discord.Interaction,
                    query: app_commands.Range[str, 1, QUERY_MAX]) -> None:
        await self._answer(interaction, "paper", query, "paper")

    @slash("author")
    async def author(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        await self._answer(interaction, "author", name, "author")

    @slash("topic")
    async def topic(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 100]) -> None:
        await self._answer(interaction, "topic", topic, "paper on that topic")

    @slash("ask")
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, QUERY_MAX]) -> None:
        await self._answer(interaction, "ask", question, "passage")

    @author.autocomplete("name")
    async def _author_names(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(n, 100) or "…", value=n[:100])
                for n in self.bot.services.search.complete_author(current, 25)]

    @topic.autocomplete("topic")
    async def _topic_labels(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(t, 100) or "…", value=t[:100])
                for t in self.bot.services.search.complete_topic(current, 25)]


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Search(bot))
