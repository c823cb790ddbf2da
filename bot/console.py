"""`paperbot console`: type the bot's slash commands as in Discord, read the answers as text.

Its commands are the registry's console face (bot.commands): `HANDLERS` must hold exactly those, which is
checked when this module is imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot import commands as registry
from bot.cli_library import ready
from bot.commands import Face
from bot.services import summaries_for
from bot.similar import papers_like
from bot.text import help_text, render_likeness, render_papers, render_report, render_result, sought, stats_text
from bot.untrusted import for_terminal
from store.library import Library

MAX_QUERY = 300  # the bot's own argument limit
VECTORS_WAIT = 10.0  # seconds /similar waits for the background embedder before answering
Handler = Callable[[Library, str, str], Awaitable[str | None]]


async def _search(library: Library, command: str, rest: str, limit: int = 5) -> str:
    if not rest:
        return f"Usage: /{command} {registry.command(command).usage}  (try /help)"
    if len(rest) > MAX_QUERY:
        return f"That {command} query is {len(rest)} characters; the limit is {MAX_QUERY}."
    result = await getattr(library.search, command)(_unquote(rest), limit)
    return render_result(result, rest, sought(command))


async def _similar(library: Library, command: str, rest: str, limit: int = 5) -> str:
    """Papers like the one named (its number, or words of its title), as `paperbot similar` says them."""
    if not rest:
        return f"Usage: /{command} {registry.command(command).usage}  (try /help)"
    if len(rest) > MAX_QUERY:
        return f"That {command} query is {len(rest)} characters; the limit is {MAX_QUERY}."
    # Vectors are made in the background after start-up: a small corpus has them within a second or two, so
    # the console waits that long rather than answer "not read yet" to the first question.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ready(library), VECTORS_WAIT)
    return render_likeness(await papers_like(library.search, _unquote(rest), limit), rest)


async def _papers(library: Library, _command: str, _rest: str) -> str:
    return render_papers(library.catalog)


async def _reload(library: Library, _command: str, _rest: str) -> str:
    return render_report(await library.reload())


async def _help(library: Library, _command: str, _rest: str) -> str:
    return console_help(library)


async def _stats(library: Library, _command: str, _rest: str) -> str:
    return stats_text(await summaries_for(library).stats())


async def _quit(_library: Library, _command: str, _rest: str) -> None:
    return None


HANDLERS: dict[str, Handler] = {"paper": _search, "author": _search, "topic": _search, "ask": _search,
                                "similar": _similar, "papers": _papers, "stats": _stats, "reload": _reload,
                                "help": _help, "quit": _quit}
registry.check_table(Face.CONSOLE, HANDLERS)
WORDS = {word: c.name for c in registry.on(Face.CONSOLE) for word in (c.name, *c.aliases)}


def console_help(library: Library) -> str:
    return help_text(library.search.catalog(), library.search.topics())


async def answer(library: Library, line: str) -> str | None:
    """The text answer to one console line; None means "leave"."""
    line = line.strip()
    if not line:
        return ""
    word, _, rest = line.lstrip("/").partition(" ")
    name = WORDS.get(word.lower())
    if name is None:
        listed = ", ".join(f"/{n}" for n in registry.names(Face.CONSOLE))
        return f"Unknown command /{for_terminal(word.lower())}. Commands: {listed}."
    return await HANDLERS[name](library, name, rest.strip())


def _unquote(text: str) -> str:
    try:
        parts = shlex.split(text)
    except ValueError:
        return text
    return " ".join(parts) if len(parts) == 1 or text[:1] in "\"'" else text


async def run_console(library: Library, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                      banner: str | None = None) -> int:
    interactive = stdin.isatty()
    if banner:
        print(banner, file=stdout)
    print(console_help(library), file=stdout)
    while True:
        if interactive:
            print("paperbot> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:  # end of input
            if interactive:
                print(file=stdout)
            return 0
        try:
            reply = await answer(library, line)
        except Exception as exc:  # a bad query must never end the session
            reply = f"Sorry, that failed: {exc.__class__.__name__}. Try /help."
        if reply is None:
            return 0
        if reply:
            print(reply, file=stdout, flush=True)
