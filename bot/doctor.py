"""`paperbot doctor`: is this installation ready to run? Each check one line, changing nothing.

The admin asks it after an install, or when the bot misbehaves: it reads the settings, the token's shape,
the database (reachable, schema revision), the corpus folder and, with a token, what Discord says (the
bot's identity, its permissions in each configured channel). It never creates, migrates or writes the
database, nor reads the corpus into it: a doctor that repaired would hide what the next start will meet.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.admin_errors import AdminError, checked_database_url, explained
from bot.config import Settings
from bot.doctor_checks import FAIL, OK, WARN, Check, as_json, exit_code, render, token_check
from bot.untrusted import for_terminal, for_terminal_json
from store.db.engine import in_memory, redact

DATABASE_TIMEOUT = 10.0  # seconds to reach the database and read its revision


async def report(settings: Settings, db: str | None, corpus: Path | None, *, json_output: bool = False) -> int:
    """Run every check, print its line (or one JSON object), and return the exit code: 1 when one failed.
    Discord's names (the bot's, a channel's) are untrusted text: out through bot.untrusted."""
    checks = await diagnose(settings, db, corpus)
    if json_output:
        sys.stdout.write(for_terminal_json(json.dumps(as_json(checks), ensure_ascii=False, indent=2)) + "\n")
    else:
        print(for_terminal(render(checks)))
    return exit_code(checks)


async def diagnose(settings: Settings, db: str | None, corpus: Path | None) -> list[Check]:
    """Every check in order; `db` and `corpus` are the command line's --db and --corpus (they win)."""
    checks = [Check("settings", OK, "valid (the environment and ./.env)"), token_check(settings.token)]
    database, channels = await _database(settings, db)
    setting = "--corpus" if corpus else "CORPUS_DIR"
    checks += [database, _corpus(corpus or settings.corpus_dir, setting, settings.token is not None)]
    if settings.token is not None:
        from bot.doctor_discord import discord_checks

        configured = {settings.digest_channel_id: "DIGEST_CHANNEL_ID"} if settings.digest_channel_id else {}
        for guild_id, channel_id in channels:
            configured.setdefault(channel_id, f"the channel of server {guild_id}")
        checks += await discord_checks(settings.token, configured)
    return checks


def _setting(db: str | None, settings: Settings) -> str:
    return "--db" if db else "DATABASE_URL" if settings.database_url else "the default database"


async def _database(settings: Settings, db: str | None) -> tuple[Check, list[tuple[int, int]]]:
    """The database check, and the channels its servers chose (none when it cannot be read)."""
    setting = _setting(db, settings)
    try:
        url = checked_database_url(db, settings.database_url)
    except AdminError as exc:
        return Check("database", FAIL, str(exc)), []
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not in_memory(url):
        path = Path(parsed.database or "").expanduser()
        if not path.exists():  # opening it would create it: the first start's job
            return Check("database", WARN, f"{setting}: {path} does not exist yet; the first start creates it"), []
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            return await _revision(url, setting, settings)
    except Exception as exc:  # one line naming the setting: no traceback, no SQL
        error = explained(exc, url)
        reason = (str(error) if error is not None else f"{redact(url)} answered {exc.__class__.__name__}"
                  if not isinstance(exc, TimeoutError) else
                  f"cannot reach the database {redact(url)}: no answer in {DATABASE_TIMEOUT:g} s")
        return Check("database", FAIL, f"{setting}: {reason}"), []


async def _revision(url: str, setting: str, settings: Settings) -> tuple[Check, list[tuple[int, int]]]:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from bot.services import default_schedule
    from store.db import migrate
    from store.db.engine import make_engine
    from store.servers.service import Servers

    engine = make_engine(url)
    try:
        status = await migrate.status(engine)
        where = f"{setting}: {redact(url)}"
        if status.state == "too new":
            return Check("database", FAIL, f"{where}: {status.describe()}"), []
        if status.state == "empty":
            return Check("database", WARN, f"{where}: reachable, no tables yet: the first start creates them"), []
        if status.state != "versioned":  # made before versioned migrations: the start records it
            return Check("database", WARN, f"{where}: {status.describe()}"), []
        servers = Servers(async_sessionmaker(engine), default_schedule(settings), lambda: datetime.now(UTC))
        channels = await servers.channels()
        if status.behind:
            return Check("database", WARN, f"{where}: {status.describe()} (every start does it too)"), channels
        return Check("database", OK, f"{where}: reachable, schema up to date ({', '.join(status.current)})"), \
            channels
    finally:
        await engine.dispose()


def _corpus(folder: Path | None, setting: str, has_token: bool) -> Check:
    from store.ingest.corpus import find

    if folder is None:
        if has_token:
            return Check("corpus", WARN, "none configured: the Discord bot will have only members' summaries; "
                                         "set CORPUS_DIR")
        return Check("corpus", OK, "none configured: the console demo (on the default database) reads the "
                                   "bundled seeds; set CORPUS_DIR for your own")
    folder = folder.expanduser().absolute()
    if not folder.exists():
        return Check("corpus", FAIL, f"{setting}: {folder} does not exist: create it, or name the folder of the "
                                     "summaries")
    if not folder.is_dir():
        return Check("corpus", FAIL, f"{setting}: {folder} is a file, not a folder: name the folder holding it")
    if not os.access(folder, os.R_OK | os.X_OK):
        return Check("corpus", FAIL, f"{setting}: {folder} cannot be read: give the user running paperbot read "
                                     "permission on it")
    files, _roots, problems = find([folder], folder)
    readable = [f for f in files if os.access(f.path, os.R_OK)]
    skipped = f" ({len(problems)} skipped: `paperbot check FOLDER` names them)" if problems else ""
    if not readable:
        return Check("corpus", WARN, f"{setting}: {folder}: no readable summary files{skipped}")
    return Check("corpus", OK, f"{setting}: {folder}: {len(readable)} readable file{'s' if len(readable) != 1 else ''}"
                               f"{skipped}")
