"""Start and stop the bot: logging without secrets, clean shutdown on Ctrl-C and SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import TextIO

import discord

from bot.cli_library import new_library
from bot.client import PaperBot
from bot.config import Settings
from bot.untrusted import TerminalLogFilter
from store.db.engine import redact

log = logging.getLogger("paperbot")


class RedactSecrets(logging.Filter):
    """Defence in depth: whatever a library logs, the token and the database password never appear."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for s in self.secrets:
                message = message.replace(s, "[redacted]")
            record.msg, record.args = message, None
        return True


def secrets_of(settings: Settings) -> list[str]:
    out = [settings.token or ""]
    if settings.database_url:
        from sqlalchemy.engine import make_url

        with contextlib.suppress(Exception):
            out.append(make_url(settings.database_url).password or "")
    return out


HANDLER_NAME = "paperbot"
# Libraries whose INFO lines say nothing an admin acts on (Alembic: "setup plugin ...", "Context impl ...",
# one line per revision, which store.library sums up in one): WARNING and above unless LOG_LEVEL=DEBUG.
QUIET_LOGGERS = ("alembic",)
# discord.py warns at every start that voice is unsupported; paperbot has no voice, so it is not news.
VOICE_WARNING = "voice will NOT be supported"


class HideVoiceWarnings(logging.Filter):
    """Drops discord.py's "PyNaCl/davey is not installed, voice will NOT be supported" (shown at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return VOICE_WARNING not in str(record.msg)


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal: not into a file, a pipe or the journal (discord.py also colours inside
    any Docker container), and never when NO_COLOR is set or TERM is "dumb"."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _is_console_handler(handler: logging.Handler) -> bool:
    """A handler writing to standard error or output: ours from an earlier call, or the CLI's basicConfig
    one, either of which would print every line a second time. Others (a file, pytest's) are kept."""
    if handler.get_name() == HANDLER_NAME:
        return True
    streams = {id(s) for s in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__) if s is not None}
    return type(handler) is logging.StreamHandler and id(handler.stream) in streams


def setup_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """One handler on standard error (or `stream`) for the whole process, so each event is one line."""
    level = getattr(logging, settings.log_level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if _is_console_handler(h)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    colour = wants_colour(handler.stream) and hasattr(discord.utils, "_ColourFormatter")
    formatter = (discord.utils._ColourFormatter() if colour  # type: ignore[attr-defined]
                 else logging.Formatter("[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S",
                                        style="{"))
    discord.utils.setup_logging(handler=handler, formatter=formatter, level=level, root=True)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if level <= logging.DEBUG else logging.WARNING)
    voice = logging.getLogger("discord.client")
    for old_filter in [f for f in voice.filters if isinstance(f, HideVoiceWarnings)]:
        voice.removeFilter(old_filter)
    if level > logging.DEBUG:
        voice.addFilter(HideVoiceWarnings())
    redactor, terminal = RedactSecrets(secrets_of(settings)), TerminalLogFilter()
    for each in root.handlers:
        for old_filter in [f for f in each.filters if isinstance(f, (RedactSecrets, TerminalLogFilter))]:
            each.removeFilter(old_filter)  # a second call (sync, then run; tests) does not stack them
        each.addFilter(redactor)
        each.addFilter(terminal)


async def run_bot(settings: Settings) -> None:
    setup_logging(settings)
    library = new_library(settings.database_url, settings.corpus_dir, seeds=False,  # seeds: console demo only
                          meaning=settings.meaning)
    log.info("starting: %s", library)
    await library.start()
    bot = PaperBot(library, settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda s=sig: (log.info("%s: shutting down", s.name),
                                                        asyncio.ensure_future(bot.close())))
    try:
        async with bot:
            await bot.start(settings.token or "")
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN (Developer Portal -> Bot -> Reset Token)")
        raise SystemExit(1) from None
    finally:
        await library.close()
        log.info("stopped (database %s)", redact(library.url))


async def sync_commands(settings: Settings, *, force: bool = False) -> None:
    setup_logging(settings)
    library = new_library(settings.database_url, settings.corpus_dir, seeds=False,  # seeds: console demo only
                          meaning=settings.meaning)
    await library.start()
    bot = PaperBot(library, settings, sync_commands=False)
    try:
        async with bot:
            await bot.login(settings.token or "")
            changed = await bot.sync_commands(force=force)
            print("slash commands synced" if changed else "slash commands unchanged (use --force to sync anyway)")
    finally:
        await library.close()
