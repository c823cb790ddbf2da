"""Buttons and menus under search results: pages, and the whole summary of a paper."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence

import discord

from bot.render import PAGE_SIZE, SELECT_LABEL_MAX, SELECT_OPTIONS_MAX, batch_by_size, full_summary_embeds, page_embeds
from bot.untrusted import for_plain
from store.search.results import Hit

TIMEOUT = 300.0  # seconds of inactivity before the buttons are disabled


class ResultsView(discord.ui.View):
    """Previous/Next pages and a "read in full" menu that only the member who asked can drive."""

    def __init__(self, hits: Sequence[Hit], owner_id: int, *, page_size: int = PAGE_SIZE,
                 timeout: float = TIMEOUT, discussed: Mapping[int, str] | None = None) -> None:
        super().__init__(timeout=timeout)
        self.hits = list(hits)
        self.discussed = dict(discussed or {})  # paper id -> "discussed on ..., presented by ..."
        self.owner_id = owner_id
        self.page_size = page_size
        self.page = 0
        self.pages = max(1, math.ceil(len(self.hits) / page_size))
        self.message: discord.InteractionMessage | discord.Message | None = None
        self._sync()

    def embeds(self) -> list[discord.Embed]:
        return page_embeds(self.hits, self.page, self.page_size, self.discussed)

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1
        shown = self.hits[self.page * self.page_size:(self.page + 1) * self.page_size]
        self.full.options = [
            discord.SelectOption(label=for_plain(h.paper.title, SELECT_LABEL_MAX) or f"#{h.paper.id}",
                                 value=str(h.paper.id),
                                 description=for_plain(", ".join(h.paper.authors), 100) or "authors unknown")
            for h in shown[:SELECT_OPTIONS_MAX]
        ]

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("These buttons belong to the member who asked. "
                                                "Run the command yourself to browse.", ephemeral=True)
        return False

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync()
        await interaction.response.edit_message(embeds=self.embeds(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id="results:previous")
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.page = max(0, self.page - 1)
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary, custom_id="results:next")
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.page = min(self.pages - 1, self.page + 1)
        await self._show(interaction)

    @discord.ui.select(placeholder="Read a summary in full…", custom_id="results:full", min_values=1,
                       max_values=1, options=[discord.SelectOption(label="-", value="0")])
    async def full(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        paper = next((h.paper for h in self.hits if str(h.paper.id) == select.values[0]), None)
        if paper is None:
            await interaction.response.send_message("That paper is no longer in the index.", ephemeral=True)
            return
        batches = batch_by_size(full_summary_embeds(paper))
        await interaction.response.send_message(embeds=batches[0], ephemeral=True)
        for batch in batches[1:]:
            await interaction.followup.send(embeds=batch, ephemeral=True)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, (discord.ui.Button, discord.ui.Select)):
                item.disabled = True
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):  # gone or too old: nothing left to disable
                await self.message.edit(view=self)
