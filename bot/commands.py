"""The command registry: every command of every face written once, and the faces derived from it.

A `Command` says its name, its description, its options' descriptions, which faces have it (Discord's slash
commands, `paperbot console`, the `paperbot` CLI), who it is for (/help lists members' commands and names the
admins' and organisers' in its footer) and, for searches, an example. From `COMMANDS`:
- Discord: `PaperBot.setup_hook` loads the cog modules named here (`extensions()`; a missing module is an
  error), and a cog declares each slash command with `slash`, which takes the name, description and option
  descriptions from here and refuses a method whose parameters differ from the options written here;
- /help (bot/cogs/help.py) and the console's help (bot/text.py) list the commands of their face;
- the console's and the CLI's command tables (bot/console.py, bot/cli.py) must match `names(face)` exactly.
This module is data and plain functions: it imports discord only inside `slash`/`group`, so the CLI stays fast.

How a cog declares a command (in order):
1. Add a `Command(...)` to `COMMANDS` below: `name` is the qualified name ("paper", or "digest now" for a
   group's subcommand, whose group is in `GROUPS`), `cog` the module whose `setup()` adds the cog, `options`
   the (parameter, description) pairs in the method's order; `faces` (Discord only unless said) and
   `audience` (members unless said).
2. In the cog module: `from bot.commands import group, slash`, then
       class Search(commands.Cog):
           @slash("paper")                                      # a top-level command
           async def paper(self, interaction, query: str) -> None: ...

       class DigestCog(commands.Cog):
           digest = group("digest", guild_only=True)            # an app_commands.Group from GROUPS
           @slash("digest preview", parent=digest)             # a subcommand of that group
           async def preview(self, interaction) -> None: ...

       class Summaries(commands.GroupCog, group_name="summary", group_description=GROUPS["summary"]):
           @slash("summary write")                              # a GroupCog's subcommand: no parent
           async def write(self, interaction, paper: str = "") -> None: ...
   `@slash` replaces `@app_commands.command(name=..., description=...)` and `@app_commands.describe(...)`;
   other decorators (`default_permissions`, `guild_only`, `choices`, `.autocomplete`) stay as they were,
   written above `@slash`.
3. tests/bot/test_command_registry.py then checks that the Discord tree, /help, the console and the CLI list
   exactly what is written here (descriptions included, whether or not a cog uses `slash` yet).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from discord import app_commands


class Face(StrEnum):
    DISCORD = "discord"
    CONSOLE = "console"
    CLI = "cli"


class Audience(StrEnum):
    MEMBER = "member"  # listed in /help
    ADMIN = "admin"  # named in /help's footer
    ORGANISER = "organiser"  # named in /help's footer


class RegistryError(LookupError):
    """A face and the registry disagree: a command missing, an extra one, an option not described."""


ON_DISCORD = frozenset({Face.DISCORD})
EVERYWHERE = frozenset(Face)
IN_TERMINALS = frozenset({Face.CONSOLE, Face.CLI})
DISCORD_AND_CONSOLE = frozenset({Face.DISCORD, Face.CONSOLE})
CONSOLE_ONLY = frozenset({Face.CONSOLE})
CLI_ONLY = frozenset({Face.CLI})


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # qualified: "paper", "summary write"
    description: str  # Discord's description (at most 100 characters), the console's and the CLI's help line
    cog: str | None = None  # the module whose cog holds the slash command (Discord face only)
    options: tuple[tuple[str, str], ...] = ()  # the slash command's parameters and their descriptions, in order
    faces: frozenset[Face] = ON_DISCORD
    audience: Audience = Audience.MEMBER
    usage: str = ""  # the argument in the console's and the CLI's help: "QUERY"
    example: str = ""  # an argument that works on the bundled seeds (/help shows one from the current corpus)
    aliases: tuple[str, ...] = ()  # other words the console takes for it

    @property
    def leaf(self) -> str:
        """The name Discord shows under its group: "now" for "digest now"."""
        return self.name.rpartition(" ")[2]

    @property
    def parent(self) -> str | None:
        return self.name.rpartition(" ")[0] or None


SEARCH, ADMIN, HELP = "bot.cogs.search", "bot.cogs.admin", "bot.cogs.help"
DIGEST, SUMMARIES, READINGGROUP = "bot.cogs.digest", "bot.cogs.summaries", "bot.cogs.readinggroup"
WHICH_SESSION = ("session", "Which session (default: the next one)")
WHEN = (("date", "YYYY-MM-DD, in the server's time zone"), ("time", "24-hour time, HH:MM"))
MINE = (("summary", "The summary's number (see /summary mine)"),)
ORGANISERS = Audience.ORGANISER

GROUPS: dict[str, str] = {
    "digest": "The weekly paper digest",
    "summary": "Write and manage paper summaries",
    "session": "Reading-group sessions",
}

COMMANDS: tuple[Command, ...] = (
    # Searches: every face.
    Command("paper", "Find papers by title or content words", SEARCH,
            (("query", "Words from the title or the summary, e.g. lottery ticket"),),
            faces=EVERYWHERE, usage="QUERY", example="lottery ticket"),
    Command("author", "Papers written by a person", SEARCH,
            (("name", "A surname (Bengio), a full name (Yoshua Bengio) or initials (Y. Bengio)"),),
            faces=EVERYWHERE, usage="NAME", example="Bengio"),
    Command("topic", "Papers on a topic", SEARCH, (("topic", "A topic, e.g. reinforcement learning"),),
            faces=EVERYWHERE, usage="TOPIC", example="reinforcement learning"),
    Command("ask", "Sentences from the summaries that answer a question", SEARCH,
            (("question", "A question, e.g. how are generative models evaluated?"),),
            faces=EVERYWHERE, usage="QUESTION", example="how do you evaluate generative models?"),
    Command("similar", "Papers like a given one, by what they are about", SEARCH,
            (("paper", "A title from the corpus (suggested as you type), or words of it"),),
            faces=EVERYWHERE, usage="PAPER", example="lottery ticket hypothesis"),
    Command("papers", "Every paper in the corpus", faces=IN_TERMINALS),
    Command("reload", "Re-read the summaries folder and update the index (admins)", ADMIN,
            faces=DISCORD_AND_CONSOLE, audience=Audience.ADMIN),
    Command("stats", "How many papers, authors, topics and members' summaries I know", HELP, faces=EVERYWHERE),
    Command("help", "What this bot can do, with examples", HELP, faces=DISCORD_AND_CONSOLE),
    Command("quit", "Leave the console (or Ctrl-D)", faces=CONSOLE_ONLY, aliases=("exit", "q")),
    # The weekly digest.
    Command("digest preview", "See this week's digest (only you)", DIGEST),
    Command("digest now", "Post the digest now (admins)", DIGEST, audience=Audience.ADMIN),
    Command("digest channel", "Choose where this server's digest goes (admins)", DIGEST,
            (("channel", "The text channel for the weekly digest"),), audience=Audience.ADMIN),
    Command("digest schedule", "Set the digest's weekday, time and time zone (admins)", DIGEST,
            (("weekday", "Day of the week"), WHEN[1], ("timezone", "IANA time zone, e.g. Europe/Paris")),
            audience=Audience.ADMIN),
    # Members' summaries.
    Command("summary write", "Write a summary of a paper (opens a form)", SUMMARIES,
            (("paper", "The paper, from the corpus or new: a title, arXiv id, DOI or link"),)),
    Command("summary upload", "Add summaries from files (.md .txt .bib .jsonl)", SUMMARIES,
            (("file", "A summary file"), ("file2", "Another file"), ("file3", "Another file"))),
    Command("summary edit", "Edit one of your summaries (opens a form)", SUMMARIES, MINE),
    Command("summary delete", "Delete one of your summaries", SUMMARIES, MINE),
    Command("summary mine", "Your summaries", SUMMARIES),
    Command("summary recent", "The latest summaries and their writers (admins)", SUMMARIES,
            audience=Audience.ADMIN),
    # The reading group.
    Command("propose", "Propose a paper for a reading-group session", READINGGROUP,
            (("paper", "A title from the corpus (suggested as you type), an arXiv id or link"),)),
    Command("proposals", "Open proposals, most votes first", READINGGROUP),
    Command("volunteer", "Join (or leave) the presenters' rotation", READINGGROUP),
    Command("history", "What the group discussed, newest first", READINGGROUP,
            (("presenter", "Only sessions this member presented"), ("topic", "Only papers on this topic"))),
    Command("session schedule", "Schedule a session (organisers)", READINGGROUP,
            (*WHEN, ("presenter", "Who presents (default: the volunteer who presented least recently)"),
             ("paper", "Default: the top open proposal"), ("critic", "Optional: a member who leads the critique"),
             ("minutes", "Length of the session (default 60)")), audience=ORGANISERS),
    Command("session move", "Move a session to another time (organisers)", READINGGROUP,
            (*WHEN, WHICH_SESSION), audience=ORGANISERS),
    Command("session cancel", "Cancel a session (organisers)", READINGGROUP, (WHICH_SESSION,),
            audience=ORGANISERS),
    Command("session done", "Mark a session as discussed (organisers)", READINGGROUP, (WHICH_SESSION,),
            audience=ORGANISERS),
    Command("session publish", "Publish what a session is missing: announcement, thread, event (organisers)",
            READINGGROUP, (WHICH_SESSION,), audience=ORGANISERS),
    # The command line's own.
    Command("run", "Run the Discord bot (console if no DISCORD_TOKEN)", faces=CLI_ONLY),
    Command("sync", "Register the slash commands with Discord now", faces=CLI_ONLY),
    Command("console", "Interactive prompt taking the bot's slash commands", faces=CLI_ONLY),
    Command("ingest", "Read summaries into the database", faces=CLI_ONLY, usage="[PATH ...]"),
    Command("check", "Show how files are read, without the database", faces=CLI_ONLY, usage="FILE ..."),
    Command("export", "Write the members' summaries as Markdown files", faces=CLI_ONLY, usage="DIR"),
    Command("db", "The database schema: upgrade it, or show its revision", faces=CLI_ONLY, usage="upgrade | current"),
    Command("config", "The effective settings, secrets hidden, and where each came from", faces=CLI_ONLY),
    Command("doctor", "Check the settings, database, corpus and Discord permissions; change nothing",
            faces=CLI_ONLY),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def command(name: str) -> Command:
    try:
        return BY_NAME[name]
    except KeyError:
        raise RegistryError(f"no command {name!r} in bot/commands.py: add it to COMMANDS first") from None


def on(face: Face) -> tuple[Command, ...]:
    """The commands a face has, in the registry's order."""
    return tuple(c for c in COMMANDS if face in c.faces)


def names(face: Face) -> list[str]:
    return [c.name for c in on(face)]


def extensions() -> tuple[str, ...]:
    """The cog modules `setup_hook` loads, in the registry's order."""
    return tuple(dict.fromkeys(c.cog for c in on(Face.DISCORD) if c.cog))


def for_audience(audience: Audience) -> tuple[Command, ...]:
    return tuple(c for c in on(Face.DISCORD) if c.audience == audience)


def check_table(face: Face, table: dict[str, Any]) -> None:
    """A face's command table (name -> handler) holds exactly the registry's commands of that face."""
    missing, extra = set(names(face)) - set(table), set(table) - set(names(face))
    if missing or extra:
        raise RegistryError(f"the {face} face and bot/commands.py disagree: missing {sorted(missing)}, "
                            f"not in the registry {sorted(extra)}")


def _check_options(entry: Command, parameters: list[str]) -> None:
    if parameters != [name for name, _ in entry.options]:
        raise RegistryError(f"/{entry.name} takes {parameters}; bot/commands.py describes "
                            f"{[name for name, _ in entry.options]}")


def slash(name: str, *, parent: app_commands.Group | None = None) -> Callable[[Callable[..., Any]],
                                                                            app_commands.Command[Any, ..., Any]]:
    """`app_commands.command` + `app_commands.describe` from the registry entry `name` (see the module's docstring)."""
    from discord import app_commands

    entry = command(name)
    if Face.DISCORD not in entry.faces:
        raise RegistryError(f"/{name} is not a Discord command in bot/commands.py")

    def decorate(func: Callable[..., Any]) -> app_commands.Command[Any, ..., Any]:
        # The method's own parameters: not self, not the interaction.
        _check_options(entry, list(inspect.signature(func).parameters)[2:])
        make = parent.command if parent is not None else app_commands.command
        return make(name=entry.leaf, description=entry.description)(app_commands.describe(**dict(entry.options))(func))

    return decorate


def group(name: str, **kwargs: Any) -> app_commands.Group:
    """The slash-command group `name`, described as in `GROUPS`."""
    from discord import app_commands

    return app_commands.Group(name=name, description=GROUPS[name], **kwargs)


def tree_listing(commands: Any) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """What a command tree holds (`tree.walk_commands()`): qualified name -> description and described options;
    groups as name -> description and no options."""
    from discord import app_commands

    out: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    for c in commands:
        options = () if isinstance(c, app_commands.Group) else tuple((p.name, p.description) for p in c.parameters)
        out[c.qualified_name] = (c.description, options)
    return out


def registry_listing() -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """The same shape as `tree_listing`, as the registry says it."""
    listed = {c.name: (c.description, c.options) for c in on(Face.DISCORD)}
    return {**{g: (d, ()) for g, d in GROUPS.items()}, **listed}
