"""`Corpus`: the corpus folder (or the paths an admin names) read into the database, off the event loop.

Finding and parsing the files is store.ingest.corpus; writing them is store.corpus.sync, all of an
ingest in one transaction. The bundled seeds fill only a database that was never given a corpus, and a
process without CORPUS_DIR never reloads them over a group's own corpus (`_seeds_refused`). The seeds are
the console demo's: a Discord bot's Corpus (`seeds=False`) never reads them into its database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.corpus.bulk import import_cache
from store.corpus.folders import adopt_former_homes
from store.corpus.sync import CORPUS_GIVEN, marked_new, sync_files, unread_unchanged
from store.db import changes
from store.db.claims import ingest_claim
from store.db.database import Database
from store.db.models import Document, Paper
from store.db.settings import get_setting
from store.ingest.corpus import CorpusFile, find, parsed
from store.ingest.records import CORPUS_ROOT, SEEDS_ROOT, Problem, StreamedFile
from store.ingest.report import IngestProgress, IngestReport

log = logging.getLogger(__name__)

BUNDLED_SEEDS = Path(__file__).resolve().parents[2] / "seeds"


# Said once when a Discord bot starts without CORPUS_DIR, and by its `/reload`: how its database gets a corpus.
NO_CORPUS_DIR = ("no CORPUS_DIR: the bundled seeds are for the console demo only and are not read into this "
                 "database; set CORPUS_DIR to the group's folder and restart (or /reload), or run "
                 "`paperbot ingest FOLDER` with this DATABASE_URL")


def default_corpus_dir() -> Path:
    return Path(os.environ.get("CORPUS_DIR") or BUNDLED_SEEDS).expanduser()


class Corpus:
    def __init__(self, database: Database, corpus_dir: Path | None = None, *, seeds: bool = True) -> None:
        self.database = database
        self.corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
        self.seeds = seeds

    @property
    def seeds_withheld(self) -> bool:
        """Whether the corpus folder is the bundled seeds in a process that must not read them (the bot)."""
        return not self.seeds and self.root == SEEDS_ROOT

    @property
    def root(self) -> str:
        """How the corpus folder's documents are stored: the bundled seeds apart from a CORPUS_DIR."""
        same = self.corpus_dir.expanduser().resolve() == BUNDLED_SEEDS.resolve()
        return SEEDS_ROOT if same else CORPUS_ROOT

    async def adopt_former_homes(self) -> int:
        """Documents an older paperbot stored under the corpus folder's path become the folder's."""
        adopted = await adopt_former_homes(self.database.sessionmaker, self.corpus_dir, self.root)
        if adopted:
            log.info("%d document(s) read from %s are now known as the corpus folder's", adopted, self.corpus_dir)
        return adopted

    async def never_given(self) -> bool:
        """Whether the database never had a corpus: after `paperbot ingest NOTES/`, even one that found
        nothing, the bundled seeds (or CORPUS_DIR) are never mixed in by themselves."""
        async with self.database.session() as s:
            return (await get_setting(s, CORPUS_GIVEN) is None
                    and not await s.scalar(select(func.count()).select_from(Document)))

    async def ingest(self, paths: Sequence[Path] | None = None, progress: IngestProgress | None = None, *,
                     wait: bool = True) -> IngestReport:
        """Read, parse and store the files under `paths` (default: the corpus folder) in one transaction.

        One ingest runs at a time on a database, in any process: this one waits for its turn (before it
        takes this process's write lock, so members' writes here are not held up meanwhile), or with
        `wait=False` raises IngestRunning at once, before anything is read (`paperbot ingest`)."""
        targets = list(paths) if paths else [self.corpus_dir]
        claim = ingest_claim(self.database.engine, self.database.url, wait=wait)
        async with claim, self.database.write_lock:
            if not paths and (refused := await self._seeds_refused()) is not None:
                return refused
            return await self.database.off_the_loop(
                lambda sessions: _ingest(targets, self.corpus_dir, self.root, sessions, progress))

    async def _seeds_refused(self) -> IngestReport | None:
        """A process left without CORPUS_DIR does not reload the bundled seeds into a group's own corpus."""
        if self.root != SEEDS_ROOT:
            return None
        async with self.database.session() as s:
            theirs = await s.scalar(select(func.count()).select_from(Document).where(Document.root == CORPUS_ROOT))
            total = await s.scalar(select(func.count()).select_from(Paper)) or 0
        if self.seeds_withheld:
            return IngestReport(problems=[Problem("the corpus folder", 0, NO_CORPUS_DIR)], papers_total=total)
        if not theirs:
            return None
        why = ("this process has no CORPUS_DIR, and the corpus was read from a corpus folder: nothing reloaded "
               "(set CORPUS_DIR here, or reload through a process that has it)")
        return IngestReport(problems=[Problem("the corpus folder", 0, why)], papers_total=total)


async def _ingest(targets: list[Path], corpus_dir: Path, corpus_root: str, sessions: async_sessionmaker[AsyncSession],
                  progress: IngestProgress | None = None) -> IngestReport:
    files, roots, problems = await asyncio.to_thread(find, targets, corpus_dir, corpus_root)
    incoming = sum(_size(f.path) for f in files)  # the bytes read, for the page cache's size (corpus.bulk)
    # One transaction: all of it or none. Closing `each` stops a parsing process if the sync fails.
    try:
        async with sessions() as session, session.begin(), import_cache(session, incoming):
            await changes.take_turn(session)  # (sync_files takes it too: at no cost) before the documents are read
            unread = await unread_unchanged(session, files)  # the files whose bytes did not change: not parsed
            rest = await marked_new(session, [f for f in files if (f.root, f.name) not in unread])
            stream = parsed(rest) if progress is None else _reported(rest, progress)
            async with contextlib.aclosing(_in_order(files, unread, stream)) as each:
                report = await sync_files(session, each, roots, unread=unread,
                                          parsed_bytes=sum(_size(f.path) for f in rest))
    finally:
        if progress is not None:
            progress.stop()
    report.problems[:0] = problems
    return report


async def _in_order(files: Sequence[CorpusFile], unread: dict[tuple[str, str], StreamedFile],
                    stream: AsyncIterator[StreamedFile]) -> AsyncIterator[StreamedFile]:
    """Every file in the order found: an unchanged one as `unread_unchanged` made it, the others parsed."""
    async with contextlib.aclosing(stream) as each:
        for file in files:
            known = unread.get((file.root, file.name))
            yield known if known is not None else await anext(each)
        async for _ in each:  # none is left: this lets the stream finish (the last file's progress told)
            pass


async def _reported(files: Sequence[CorpusFile], progress: IngestProgress) -> AsyncIterator[StreamedFile]:
    """The files parsed, telling `progress` as each one is done (its batches taken)."""
    sizes = [_size(f.path) for f in files]
    progress.start(len(files), sum(sizes))
    async with contextlib.aclosing(parsed(files)) as each:
        index = 0
        async for result in each:
            yield result
            progress.advance(result.name, sizes[index] if index < len(sizes) else 0, result.records)
            index += 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
