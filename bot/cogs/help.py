"""/help: what the bot can do, with examples that work on the current corpus."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import COLOUR
from bot.text import help_examples
from bot.untrusted import for_code_span, for_discord_line

if TYPE_CHECKING:
    from bot.client import PaperBot


def help_embed(examples: dict[str, str], papers: int, topics: list[str]) -> discord.Embed:
    e = discord.Embed(title="paperbot", colour=COLOUR,
                      description=f"I answer questions about the reading group's {papers} summarised papers.")
    for name, what in (("paper", "Find papers by title or content"), ("author", "Papers by a person"),
                       ("topic", "Papers on a topic"), ("ask", "Sentences that answer a question")):
        e.add_field(name=f"/{name}", value=f"{what} — `/{name} {for_code_span(examples[name], 100)}`", inline=False)
    e.add_field(name="/digest preview", value="This week's digest, just for you", inline=False)
    e.add_field(name="/summary write", value="Write a summary (also upload, edit, delete, mine); searchable at once",
                inline=False)
    if topics:
        e.add_field(name="Topics", value=for_discord_line(", ".join(topics), 1024) or "-", inline=False)
    e.set_footer(text="Admins: /reload after adding summary files; /summary recent; /digest channel, schedule, now.")
    return e


class Help(commands.Cog):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What this bot can do, with examples")
    async def help(self, interaction: discord.Interaction) -> None:
        lib = self.bot.library
        examples = help_examples(lib.index, lib.catalog)
        topics = [t for t, _ in lib.index.topic_counts()[:15]]
        await interaction.response.send_message(embed=help_embed(examples, len(lib.index), topics), ephemeral=True)


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Help(bot))
