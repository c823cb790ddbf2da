"""Buttons and menus under search results: pages, the whole summary of a paper, and papers like each one.

A view's message came with an interaction token, which Discord honours for 15 minutes only; a view that
times out later (pages browsed for a while, then left) cannot disable its buttons through it (401, Invalid
Webhook Token). `show_retired` edits a public message through the channel's own message endpoint instead,
with the bot's token, so the buttons never stay live-looking on a message nobody answers any more.

"Papers like this one" buttons (`similar:<paper id>`) are answered by the search cog's `on_interaction`, as
the reading group's vote buttons are, not by the view: anyone may press them, they stay live when the view
retires, and they work after a restart. (A `discord.ui.DynamicItem` inside a view would be unregistered for
every message when that one view times out: discord.py's `ViewStore.remove_view` drops its template.)
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

import discord

from bot.render import PAGE_SIZE, SELECT_LABEL_MAX, SELECT_OPTIONS_MAX, batch_by_size, full_summary_embeds, page_embeds
from bot.untrusted import for_plain
from store.search.results import Hit

TIMEOUT = 300.0  # seconds of inactivity before the buttons are disabled
TOKEN_LIFE = timedelta(minutes=15)  # Discord's interaction tokens; edits through one fail after it
TOKEN_MARGIN = timedelta(minutes=1)  # a token this close to its end is not tried: the request could outlive it
SIMILAR = re.compile(r"similar:(\d{1,19})")  # "Papers like this one": the paper's id
BUTTON_LABEL_MAX = 80  # Discord's limit for a button's label

log = logging.getLogger(__name__)

Editable = discord.InteractionMessage | discord.WebhookMessage | discord.Message


def _token_refused(exc: discord.HTTPException) -> bool:
    """Discord's answers to an edit through an interaction token it no longer honours."""
    return exc.status == 401 or exc.code in (50027, 10015)  # Invalid Webhook Token, Unknown Webhook


async def show_retired(message: Editable, view: discord.ui.View, token_age: float | None = None) -> bool:
    """Put `view` (its items disabled) on `message`; whether a member now sees it so.

    Through the interaction's token while it is young (`token_age`, seconds; the only way for an ephemeral
    message, which the channel endpoint does not know), else, or when Discord refuses the token, through the
    channel's message endpoint: a public message the bot sent is the bot's to edit with its own token."""
    through_token = isinstance(message, discord.InteractionMessage | discord.WebhookMessage)
    ephemeral = message.flags.ephemeral
    young = token_age is not None and token_age < (TOKEN_LIFE - TOKEN_MARGIN).total_seconds()
    if through_token and (ephemeral or young):
        try:
            await message.edit(view=view)
            return True
        except discord.HTTPException as exc:
            if ephemeral or not _token_refused(exc):
                log.info("could not disable the buttons of message %s: %s", message.id, exc)
                return False  # gone, or an ephemeral message past its token: nothing a member can press
            log.info("interaction token refused for message %s (%s): editing through the channel", message.id,
                     exc.status)
    channel = message.channel
    if not hasattr(channel, "get_partial_message"):
        return False
    try:
        await channel.get_partial_message(message.id).edit(view=view)  # type: ignore[union-attr]
    except discord.HTTPException as exc:
        log.info("could not disable the buttons of message %s through its channel: %s", message.id, exc)
        return False
    return True


class RetiringView(discord.ui.View):
    """A view that, when it times out, shows its items disabled on its `message` (set it once sent), whatever
    the age of the token the message came with (`show_retired`)."""

    def __init__(self, *, timeout: float | None = TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self._message: Editable | None = None
        self._sent_at = 0.0  # time.monotonic() when the message was sent: the age of its token, near enough

    @property
    def message(self) -> Editable | None:
        """The message the view is on (the answer sent with the interaction's token)."""
        return self._message

    @message.setter
    def message(self, message: Editable | None) -> None:
        self._message, self._sent_at = message, time.monotonic()

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select) and not lasting(item):
                item.disabled = True
        if self.message is not None:
            await show_retired(self.message, self, time.monotonic() - self._sent_at)


def lasting(item: discord.ui.Item[discord.ui.View]) -> bool:
    """A button answered from its custom_id alone (`similar:<id>`): it outlives its view, so it stays live."""
    return SIMILAR.fullmatch(str(getattr(item, "custom_id", None) or "")) is not None


def similar_button(hit: Hit, position: int) -> discord.ui.Button[discord.ui.View]:
    """ "Papers like this one" for the result at `position` (its embed's footer number), with its title."""
    label = for_plain(f"🔎 Like {position}: {hit.paper.title}", BUTTON_LABEL_MAX) or f"Like {position}"
    return discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"similar:{hit.paper.id}",
                             row=2)


class ResultsView(RetiringView):
    """Previous/Next pages and a "read in full" menu that only the member who asked can drive, and (`similar`)
    a "Papers like this one" button under each result shown, for anyone (the search cog answers it)."""

    def __init__(self, hits: Sequence[Hit], owner_id: int, *, page_size: int = PAGE_SIZE,
                 timeout: float = TIMEOUT, discussed: Mapping[int, str] | None = None, similar: bool = False) -> None:
        super().__init__(timeout=timeout)
        self.similar = similar  # a "Papers like this one" button under each result shown (meaning on)
        self.hits = list(hits)
        self.discussed = dict(discussed or {})  # paper id -> "discussed on ..., presented by ..."
        self.owner_id = owner_id
        self.page_size = page_size
        self.page = 0
        self.pages = max(1, math.ceil(len(self.hits) / page_size))
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
        for item in [c for c in self.children if lasting(c)]:
            self.remove_item(item)
        first = self.page * self.page_size + 1
        for i, hit in enumerate(shown if self.similar else ()):
            self.add_item(similar_button(hit, first + i))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if SIMILAR.fullmatch(str((interaction.data or {}).get("custom_id", ""))):
            return False  # not the view's: the search cog answers it, for anyone
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
