"""`paperbot console`: type the bot's slash commands as in Discord, read the answers as text."""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.text import help_text, render_papers, render_report, render_result
from bot.untrusted import for_terminal
from store.library import Library

SEARCHES = {"paper": "paper", "author": "author", "topic": "topic", "ask": "passage"}
MAX_QUERY = 300  # the bot's own argument limit


async def answer(library: Library, line: str, limit: int = 5) -> str | None:
    """The text answer to one console line; None means "leave"."""
    line = line.strip()
    if not line:
        return ""
    command, _, rest = line.lstrip("/").partition(" ")
    command, rest = command.lower(), rest.strip()
    if command in {"quit", "exit", "q"}:
        return None
    if command == "help":
        return help_text(library.index, library.catalog)
    if command == "papers":
        return render_papers(library.catalog)
    if command == "reload":
        report = await library.reload()
        return render_report(report)
    if command in SEARCHES:
        if not rest:
            return f"Usage: /{command} <{'question' if command == 'ask' else command}>  (try /help)"
        if len(rest) > MAX_QUERY:
            return f"That {command} query is {len(rest)} characters; the limit is {MAX_QUERY}."
        search: Callable[[str, int], Awaitable] = getattr(library, command)
        result = await search(_unquote(rest), limit)
        return render_result(result, rest, SEARCHES[command])
    return f"Unknown command /{for_terminal(command)}. Commands: /paper, /author, /topic, /ask, /papers, /help, /quit."


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
    print(help_text(library.index, library.catalog), file=stdout)
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
