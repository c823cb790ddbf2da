"""The CLI's commands that look after paperbot itself rather than answer from the papers: the database's
schema (`paperbot db`), the effective settings (`paperbot config`) and the checks before a first start
(`paperbot doctor`). None of them reads or writes a paper; `config` and `doctor` change nothing at all.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable

from bot.config import Settings
from bot.untrusted import for_terminal
from store.db.engine import redact


async def db(args: argparse.Namespace, settings: Settings) -> int:
    from store.db import migrate
    from store.db.engine import database_url, make_engine

    url = database_url(args.db or settings.database_url)
    engine = make_engine(url)
    try:
        if args.db_command == "upgrade":
            print((await migrate.upgrade(engine)).describe())
            return 0
        status = await migrate.status(engine)
    finally:
        await engine.dispose()
    current = ", ".join(status.current) or {"empty": "none (an empty database)",
                                            "legacy": f"none (made before versioned migrations: {migrate.BASELINE})"
                                            }[status.state]
    print(f"database: {redact(url)}\ncurrent:  {current}\nhead:     {', '.join(status.heads)}\n{status.describe()}")
    return 1 if status.state == "too new" else 0


async def config(args: argparse.Namespace, settings: Settings) -> int:
    from bot.settings_report import render

    print(for_terminal(render(settings, given={"DATABASE_URL": args.db, "CORPUS_DIR": args.corpus})))
    return 0


async def doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.doctor import report  # a bad --db or --corpus is a check's FAIL there, not a stop in main

    return await report(settings, args.db, args.corpus, json_output=args.json)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], Awaitable[int]]] = {
    "db": db, "config": config, "doctor": doctor}
