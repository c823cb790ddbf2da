"""Which database and corpus a CLI command works on, and how a token-less start names them.

The bundled seeds are the console demo's only (store.library.demo_seeds): a database named by DATABASE_URL or
--db never receives them, so `args.db_given` (the --db as typed, before normalising) is what decides.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from store.db.engine import redact

if TYPE_CHECKING:  # imported when used: `paperbot check` and `config` never load the store
    from store.library import Library


def new_library(url: str | None, corpus: Path | None, *, seeds: bool, meaning: bool) -> Library:
    """A Library, with the MEANING setting: every face builds its library here (the bot, the CLI, the console)."""
    from store.library import Library

    return Library(url, corpus, seeds=seeds, meaning=meaning)


def library_for(args: argparse.Namespace, settings: Settings) -> Library:
    """The Library the command works on: the bundled seeds only in the console demo (store.library.demo_seeds)."""
    from store.library import demo_seeds

    corpus = args.corpus or settings.corpus_dir
    seeds = demo_seeds(getattr(args, "db_given", args.db) or settings.database_url, corpus)
    return new_library(args.db or settings.database_url, corpus, seeds=seeds, meaning=settings.meaning)


def banner_subject(args: argparse.Namespace, settings: Settings) -> str:
    """What a token-less start runs on, for its banner: the database (password hidden) and the corpus."""
    from store.library import demo_seeds

    corpus = args.corpus or settings.corpus_dir
    if demo_seeds(getattr(args, "db_given", args.db) or settings.database_url, corpus):
        return f"the bundled seeds (the demo database {redact(args.db or '')})"
    folder = f"the corpus folder {corpus}" if corpus else "no corpus folder (set CORPUS_DIR for one)"
    return f"the database {redact(args.db or settings.database_url or '')} with {folder}"


async def started_library(args: argparse.Namespace, settings: Settings, *, seed: bool = True,
                          meaning: bool = False) -> Library:
    """`library_for`, started: its schema current and (`seed`) its corpus read in when it never had one; with
    `meaning` (`paperbot similar`, which needs the paper's own vector), once every paper's is in the index."""
    library = library_for(args, settings)
    try:
        await library.start(ingest_if_empty=seed)
        if meaning:
            await ready(library)
    except BaseException:
        await library.close()
        raise
    return library


async def ready(library: Library) -> None:
    """Wait until the index holds every paper's meaning vector: at once when they are stored (the vectors are
    made once per paper, in the background: a database never embedded takes about a second per 1,500 papers)."""
    if library.embedder is not None:  # None with meaning off
        await library.embedder.settled()
