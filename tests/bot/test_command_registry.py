"""The command registry (bot.commands) is the one list of commands: the Discord tree, /help, the console and
the CLI each show exactly what it says, and a face that strays from it fails at once."""

from __future__ import annotations

import argparse
import re

import pytest

from bot import commands as registry
from bot.cli import _parser
from bot.commands import Audience, Face, RegistryError
from bot.console import answer
from tests.e2e.harness import bot_world


@pytest.fixture
async def started(database_url: str):
    """(fake, bot): the real bot on the local Discord, over the bundled seeds."""
    async with bot_world(database_url, None) as (fake, bot, _corpus):
        yield fake, bot


async def test_the_discord_tree_is_the_registry(started) -> None:
    fake, bot = started
    assert registry.tree_listing(bot.tree.walk_commands()) == registry.registry_listing()
    uploaded = {c["name"] for c in fake.commands[str(fake.guild_id)]}  # what Discord was sent
    assert uploaded == {c.name.split()[0] for c in registry.on(Face.DISCORD)}
    assert set(registry.extensions()) == {c.__module__ for c in bot.cogs.values()}


async def test_help_lists_every_members_command_and_names_the_others(started) -> None:
    fake, _bot = started
    embed = (await (await fake.slash("help", user=fake.member)).final())["embeds"][0]
    listed = [f["name"] for f in embed["fields"] if f["name"] != "Topics"]
    assert listed == [f"/{c.name}" for c in registry.for_audience(Audience.MEMBER)]
    footer = re.findall(r"/([a-z]+(?: [a-z]+)?)[,.]", embed["footer"]["text"])
    assert footer == [c.name for a in (Audience.ADMIN, Audience.ORGANISER) for c in registry.for_audience(a)]
    assert {"propose", "session schedule", "volunteer", "history", "stats"} <= {*footer, *(n[1:] for n in listed)}
    for name in ("paper", "author", "topic", "ask"):  # each search with an example that works on the corpus
        value = next(f["value"] for f in embed["fields"] if f["name"] == f"/{name}")
        assert f"`/{name} " in value


async def test_the_console_lists_and_answers_exactly_the_registry(seeded_library) -> None:
    helped = await answer(seeded_library, "/help")
    assert helped is not None
    assert re.findall(r"^  /(\w+)", helped, re.M) == registry.names(Face.CONSOLE)
    unknown = await answer(seeded_library, "/nonsense")
    assert unknown == ("Unknown command /nonsense. Commands: "
                       + ", ".join(f"/{n}" for n in registry.names(Face.CONSOLE)) + ".")
    assert await answer(seeded_library, "exit") is None and await answer(seeded_library, "/q") is None


def test_the_cli_has_exactly_the_registrys_commands() -> None:
    [subcommands] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(subcommands.choices) == registry.names(Face.CLI)
    helps = {a.dest: a.help for a in subcommands._choices_actions}
    assert helps["paper"] == "find papers by title or content words"


def test_a_face_that_strays_from_the_registry_is_refused() -> None:
    with pytest.raises(RegistryError, match="missing"):
        registry.check_table(Face.CONSOLE, {"paper": None})
    with pytest.raises(RegistryError, match="no command"):
        registry.slash("nope")

    async def paper(self, interaction, words: str) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError("never called")

    with pytest.raises(RegistryError, match="describes"):
        registry.slash("paper")(paper)  # the registry describes `query`, not `words`
    with pytest.raises(RegistryError, match="not a Discord command"):
        registry.slash("papers")


def test_every_command_is_well_formed() -> None:
    names = [c.name for c in registry.COMMANDS]
    assert len(names) == len(set(names))
    for c in registry.on(Face.DISCORD):
        assert c.cog and 1 <= len(c.description) <= 100 and c.name == c.name.lower()
        assert c.parent is None or c.parent in registry.GROUPS
        assert all(1 <= len(d) <= 100 for _, d in c.options)
    assert len(registry.for_audience(Audience.MEMBER)) <= 24  # /help's fields, with Topics: Discord allows 25
