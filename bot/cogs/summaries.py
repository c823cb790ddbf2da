"""/summary: members write, upload, edit and delete their own summaries, searchable as soon as saved.

The rules and the transactions are bot.services.summaries' (store.summaries.service); this cog parses the
interaction and the forms, and renders. Who may edit or delete is checked twice: before opening a form, to
answer at once, and in the store, which refuses anyone but the writer and admins whatever id they send.
Every write is acknowledged first (deferred) and answered when stored: while another writer holds the
database the member is told once that it is queued (bot.patience), and the words wait in the store.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.attachments import download
from bot.commands import GROUPS, slash
from bot.patience import queued_notice
from bot.render import contribution_embed, contributions_list, upload_report
from bot.text import clip
from bot.untrusted import for_discord, for_plain
from bot.views import RetiringView
from store.search.results import PaperView
from store.summaries import contributions as C
from store.summaries.service import SummariesService, UploadedFile

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)
CONFIRM_SECONDS = 120.0
BY_ID = re.compile(r"^id:(\d{1,18})$")  # an autocompleted paper whose title is over Discord's 100 characters
CHOICE_MAX = 100  # Discord's limit on an autocomplete choice's value


def choice_value(paper: PaperView) -> str:
    """What an autocomplete choice sends back: the title, or `id:N` when Discord would cut the title."""
    return paper.title if len(paper.title) <= CHOICE_MAX else f"id:{paper.id}"


def _writer(user: discord.abc.User) -> str:
    return clip(user.display_name, C.WRITER_MAX)


class SummaryModal(discord.ui.Modal):
    """The form: the paper (new summaries only), the TL;DR, the summary, topics, a link."""

    def __init__(self, save: Callable[[discord.Interaction, dict[str, str]], Awaitable[None]], *, title: str,
                 paper: str | None = None, tldr: str = "", summary: str = "", topics: str = "",
                 link: str = "", ask_paper: bool = True) -> None:
        super().__init__(title=title, timeout=900)
        self._save = save
        self.fields: dict[str, discord.ui.TextInput[Any]] = {}
        if ask_paper:
            self._add("paper", "Paper: title, or arXiv id / DOI / link", paper or "", max_length=1024,
                      placeholder="The Lottery Ticket Hypothesis, or 1803.03635")
        self._add("tldr", "TL;DR (one line)", tldr, max_length=C.TLDR_MAX, required=False)
        self._add("summary", "Summary", summary, max_length=C.SUMMARY_MAX, required=False,
                  style=discord.TextStyle.paragraph)
        self._add("topics", "Topics (optional, comma separated)", topics, max_length=300, required=False)
        self._add("link", "Link (optional)", link, max_length=1024, required=False,
                  placeholder="https://arxiv.org/abs/...")

    def _add(self, key: str, label: str, default: str, **kw: Any) -> None:
        lines = kw.get("style") == discord.TextStyle.paragraph  # a form shows no Markdown: nothing is escaped
        shown = for_plain(default, kw.get("max_length", 4000), lines=lines)
        item: discord.ui.TextInput[Any] = discord.ui.TextInput(label=label, custom_id=f"summary:{key}",
                                                               default=shown or None, **kw)
        self.fields[key] = item
        self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._save(interaction, {k: (f.value or "").strip() for k, f in self.fields.items()})

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        log.error("summary form failed for user %s", interaction.user.id, exc_info=error)
        await _reply(interaction, "Sorry, something went wrong saving that. Nothing was stored.")


class ConfirmDelete(RetiringView):
    """Delete or Cancel, for the member who asked; when it times out its buttons show disabled."""

    def __init__(self, owner_id: int, delete: Callable[[discord.Interaction], Awaitable[None]]) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.owner_id = owner_id
        self._delete = delete

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("Only the member who asked can confirm this.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Delete", style=discord.ButtonStyle.danger, custom_id="summary:delete:yes")
    async def yes(self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmDelete]) -> None:
        self.stop()
        await self._delete(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary, custom_id="summary:delete:no")
    async def no(self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmDelete]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Kept: nothing was deleted.", view=None)


async def _reply(interaction: discord.Interaction, content: str | None = None,
                 embed: discord.Embed | None = None) -> None:
    kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": discord.AllowedMentions.none()}
    if content is not None:
        kwargs["content"] = content[:2000]
    if embed is not None:
        kwargs["embed"] = embed
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


def _draft(values: dict[str, str], paper: str = "") -> C.Draft:
    return C.Draft(paper=values.get("paper", paper), tldr=values.get("tldr", ""), summary=values.get("summary", ""),
                   topics=C.split_topics(values.get("topics", "")), link=values.get("link") or None)


async def _saved(interaction: discord.Interaction, saving: Awaitable[C.Saved]) -> C.Saved | None:
    """The saved summary, or None once the member has been told why the store refused it."""
    try:
        return await saving
    except C.ContributionError as exc:
        await _reply(interaction, f"Not saved: {for_discord(str(exc))}")
        return None


@app_commands.guild_only()
class Summaries(commands.GroupCog, group_name="summary", group_description=GROUPS["summary"]):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def service(self) -> SummariesService:
        return self.bot.services.summaries

    # --- write ---

    def title_of(self, paper: str) -> str:
        """The title to pre-fill: an autocompleted `id:N` is the paper N's title, anything else as typed."""
        if (m := BY_ID.match(paper)) and (found := self.bot.services.search.get(int(m.group(1)))) is not None:
            return found.title
        return paper

    @slash("summary write")
    async def write(self, interaction: discord.Interaction, paper: app_commands.Range[str, 0, 1024] = "") -> None:
        title = self.title_of(paper)
        await interaction.response.send_modal(SummaryModal(self._save_new, title="Write a summary", paper=title))

    @write.autocomplete("paper")
    async def _papers(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        search = self.bot.services.search
        if current.strip():
            papers = [h.paper for h in (await search.paper(current, 25)).hits]
        else:
            papers = list(search.catalog()[-25:][::-1])  # the newest first
        return [app_commands.Choice(name=for_plain(p.title, 100) or f"#{p.id}", value=choice_value(p))
                for p in papers]

    async def _save_new(self, interaction: discord.Interaction, values: dict[str, str]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = interaction.user
        saving = self.service.add(user.id, _writer(user), _draft(values), queued_notice(interaction, "summary"))
        saved = await _saved(interaction, saving)
        if saved is None:
            return
        what = "a new paper" if saved.paper_created else "the paper in the corpus"
        await _reply(interaction, f"Saved as summary #{saved.contribution.id} on {what}; searchable now.",
                     contribution_embed(saved.contribution))

    # --- upload ---

    @slash("summary upload")
    async def upload(self, interaction: discord.Interaction, file: discord.Attachment,
                     file2: discord.Attachment | None = None, file3: discord.Attachment | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        hosts = self.bot.settings.attachment_hosts
        files = [UploadedFile(a.filename, a.size, partial(download, a.url, hosts))
                 for a in (file, file2, file3) if a is not None]
        done = await self.service.upload(interaction.user.id, _writer(interaction.user), files,
                                         queued_notice(interaction, "upload"))
        await _reply(interaction, upload_report(done.found, done.result, done.problems))

    # --- edit and delete ---

    async def _owned(self, interaction: discord.Interaction, summary: int) -> C.ContributionView | None:
        view = await self.service.owned(summary, interaction.user.id, self.bot.is_admin(interaction))
        if view is None:
            await _reply(interaction, f"You have no summary #{summary}: only its writer and admins can change it.")
        return view

    @slash("summary edit")
    async def edit(self, interaction: discord.Interaction, summary: app_commands.Range[int, 1, 2**53 - 1]) -> None:
        view = await self._owned(interaction, summary)
        if view is None:
            return

        async def save(inter: discord.Interaction, values: dict[str, str]) -> None:
            await inter.response.defer(ephemeral=True, thinking=True)
            saving = self.service.edit(summary, inter.user.id, self.bot.is_admin(inter), _draft(values, view.title),
                                       queued_notice(inter, "edit"))
            if (saved := await _saved(inter, saving)) is not None:
                await _reply(inter, f"Summary #{summary} updated; searchable now.",
                             contribution_embed(saved.contribution))

        await interaction.response.send_modal(SummaryModal(
            save, title=clip(f"Edit summary #{summary}", 45), tldr=view.tldr, summary=view.body,
            topics=", ".join(view.topics), link=view.link or "", ask_paper=False))

    @edit.autocomplete("summary")
    async def _mine_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        mine = await self.service.mine(interaction.user.id, 25)
        return [app_commands.Choice(name=for_plain(f"#{c.id} {c.title}", 100), value=c.id) for c in mine
                if not current or current in str(c.id) or current.casefold() in c.title.casefold()]

    @slash("summary delete")
    async def delete(self, interaction: discord.Interaction, summary: app_commands.Range[int, 1, 2**53 - 1]) -> None:
        view = await self._owned(interaction, summary)
        if view is None:
            return

        async def confirmed(inter: discord.Interaction) -> None:
            await inter.response.defer()  # the click answered at once; the message changes when it is done
            try:
                await self.service.remove(summary, inter.user.id, self.bot.is_admin(inter),
                                          queued_notice(inter, "deletion"))
            except C.ContributionError as exc:
                await inter.edit_original_response(content=f"Not deleted: {for_discord(str(exc))}", view=None)
                return
            await inter.edit_original_response(content=f"Summary #{summary} deleted.", embed=None, view=None)

        confirm = ConfirmDelete(interaction.user.id, confirmed)
        await interaction.response.send_message(
            f"Delete summary #{summary}? This cannot be undone.", embed=contribution_embed(view),
            view=confirm, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        confirm.message = await interaction.original_response()

    delete.autocomplete("summary")(_mine_choices)

    # --- lists ---

    @slash("summary mine")
    async def mine(self, interaction: discord.Interaction) -> None:
        mine = await self.service.mine(interaction.user.id, 25)
        await _reply(interaction, contributions_list(mine, "You have not written a summary yet: try /summary write.",
                                                     show_writer=False))

    @slash("summary recent")
    async def recent(self, interaction: discord.Interaction) -> None:
        if not self.bot.is_admin(interaction):
            log.warning("refused /summary recent for user %s", interaction.user.id)
            await _reply(interaction, "Only server admins can review the latest summaries.")
            return
        latest = await self.service.recent(20)
        await _reply(interaction, contributions_list(latest, "No member has written a summary yet.", show_writer=True))


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Summaries(bot))
