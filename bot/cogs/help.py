"""/help and /stats: what the bot can do (every member's command, from the registry, with examples that work on
the current corpus) and what it knows, in numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot import commands as registry
from bot.commands import Audience, slash
from bot.render import COLOUR
from bot.text import help_examples, stats_text
from bot.untrusted import for_code_span, for_discord_line

if TYPE_CHECKING:
    from bot.client import PaperBot


def help_footer() -> str:
    """The admins' and organisers' commands, named: members cannot use them, but should know who can."""
    parts = []
    for audience, who in ((Audience.ADMIN, "Admins"), (Audience.ORGANISER, "Organisers")):
        if listed := registry.for_audience(audience):
            parts.append(f"{who}: " + ", ".join(f"/{c.name}" for c in listed) + ".")
    return " ".join(parts)


def help_embed(examples: dict[str, str], papers: int, topics: list[str]) -> discord.Embed:
    e = discord.Embed(title="paperbot", colour=COLOUR,
                      description=f"I answer questions about the reading group's {papers} summarised papers.")
    for c in registry.for_audience(Audience.MEMBER):
        example = examples.get(c.name)
        value = f"{c.description} — `/{c.name} {for_code_span(example, 100)}`" if example else c.description
        e.add_field(name=f"/{c.name}", value=value, inline=False)
    if topics:
        e.add_field(name="Topics", value=for_discord_line(", ".join(topics), 1024) or "-", inline=False)
    e.set_footer(text=help_footer())
    return e


class Help(commands.Cog):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot

    @slash("help")
    async def help(self, interaction: discord.Interaction) -> None:
        search = self.bot.services.search
        papers, topics = search.catalog(), search.topics()
        embed = help_embed(help_examples(papers, topics), len(papers), topics[:15])
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @slash("stats")
    async def stats(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(stats_text(await self.bot.services.summaries.stats()), ephemeral=True)


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Help(bot))
