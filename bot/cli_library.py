"""Which database and corpus a CLI command works on, and how a token-less start names them.

The bundled seeds are the console demo's only (store.library.demo_seeds): a database named by DATABASE_URL or
--db never receives them, so `args.db_given` (the --db as typed, before normalising) is what decides.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.config import Settings
from store.db.engine import redact

if TYPE_CHECKING:  # imported when used: `paperbot check` and `config` never load the store
    from store.library import Library


def library_for(args: argparse.Namespace, settings: Settings) -> Library:
    """The Library the command works on: the bundled seeds only in the console demo (store.library.demo_seeds)."""
    from store.library import Library, demo_seeds

    corpus = args.corpus or settings.corpus_dir
    seeds = demo_seeds(getattr(args, "db_given", args.db) or settings.database_url, corpus)
    return Library(args.db or settings.database_url, corpus, seeds=seeds)


def banner_subject(args: argparse.Namespace, settings: Settings) -> str:
    """What a token-less start runs on, for its banner: the database (password hidden) and the corpus."""
    from store.library import demo_seeds

    corpus = args.corpus or settings.corpus_dir
    if demo_seeds(getattr(args, "db_given", args.db) or settings.database_url, corpus):
        return f"the bundled seeds (the demo database {redact(args.db or '')})"
    folder = f"the corpus folder {corpus}" if corpus else "no corpus folder (set CORPUS_DIR for one)"
    return f"the database {redact(args.db or settings.database_url or '')} with {folder}"


async def started_library(args: argparse.Namespace, settings: Settings, *, seed: bool = True) -> Library:
    """`library_for`, started: its schema current and (`seed`) its corpus read in when it never had one."""
    library = library_for(args, settings)
    try:
        await library.start(ingest_if_empty=seed)
    except BaseException:
        await library.close()
        raise
    return library
