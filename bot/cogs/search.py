"""/paper, /author, /topic, /ask and /similar: the reading group's questions, answered from the index.

"Papers like this one" buttons (`similar:<paper id>`, under /paper's and /similar's results) are answered
here from `on_interaction`, privately, for whoever presses them: by their custom_id alone, so a button on a
message sent before a restart still works (bot/views.py says why not a DynamicItem).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.readinggroup_views import discussed_note
from bot.commands import slash
from bot.render import no_result_message, nothing_similar, similar_header
from bot.replies import defer_publicly, reply_privately
from bot.similar import papers_like
from bot.text import clip
from bot.untrusted import for_discord_line, for_plain
from bot.views import SIMILAR, ResultsView

if TYPE_CHECKING:
    from bot.client import PaperBot
    from store.search.results import Hit

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
            count = len(result.hits)
            header = f"{count} result{'s' if count != 1 else ''} for “{for_discord_line(clip(query, 200))}”"
            await self._show(interaction, result.hits, header, similar=kind == "paper" and self.bot.settings.meaning)

    async def _show(self, interaction: discord.Interaction, hits: list[Hit], header: str, *, similar: bool,
                    private: bool = False) -> None:
        """Results as /paper shows them: pages of embeds, the group's discussions noted, the buttons."""
        guild_id = interaction.guild_id
        done = await self.bot.services.readinggroup.discussed(guild_id) if guild_id else {}
        discussed = {paper_id: discussed_note(d) for paper_id, d in done.items()}
        view = ResultsView(hits, interaction.user.id, timeout=self.bot.view_timeout, discussed=discussed,
                           similar=similar)
        view.message = await interaction.followup.send(content=header, embeds=view.embeds(), view=view, wait=True,
                                                       ephemeral=private)

    async def _like(self, interaction: discord.Interaction, paper: str, *, private: bool) -> None:
        """Papers like `paper` (a number or words; `private`: a button's paper id), or, to the member only, why
        there are none."""
        async with self._answering:
            likeness = await papers_like(self.bot.services.search, paper, RESULTS, number_only=private)
            if not likeness.result.hits:
                await reply_privately(interaction, nothing_similar(likeness, paper))
                return
            await self._show(interaction, likeness.result.hits, similar_header(likeness), similar=True,
                             private=private)

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

    @slash("similar")
    async def similar(self, interaction: discord.Interaction, paper: app_commands.Range[str, 1, QUERY_MAX]) -> None:
        await defer_publicly(interaction)
        await self._like(interaction, paper, private=False)

    @similar.autocomplete("paper")
    async def _paper_titles(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(p.title, 100) or f"#{p.id}", value=str(p.id))
                for p in self.bot.services.readinggroup.titles_like(current)]

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A "Papers like this one" button, on a message of this run or of an earlier one."""
        if interaction.type != discord.InteractionType.component or not interaction.data:
            return
        if m := SIMILAR.fullmatch(str(interaction.data.get("custom_id", ""))):
            await interaction.response.defer(ephemeral=True, thinking=True)  # answered first; the papers follow
            await self._like(interaction, m[1], private=True)

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
