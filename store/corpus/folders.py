"""Adopting former homes: the corpus folder's documents as an older paperbot stored them, under a path.

Documents an older paperbot stored under the corpus folder's path (here or where it was before) become
the folder's (`CORPUS_ROOT` or `SEEDS_ROOT`): not read again, they keep their entries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.corpus.lookups import chunks
from store.db import changes
from store.db.models import Document
from store.ingest.corpus import find, sha256_of
from store.ingest.records import DISCORD_ROOT, FOLDER_ROOTS

log = logging.getLogger(__name__)


async def adopt_former_homes(sessions: async_sessionmaker[AsyncSession], corpus_dir: Path, root: str) -> int:
    """Adopt the folder's documents stored under a former home; how many. Another path is taken for the
    folder's former home only when every one of its documents is a file of the folder and most have the
    same bytes: a folder that merely shares a file name ("week1.md") on an unplugged disk stays apart."""
    try:
        async with sessions() as s, s.begin():
            homes = await former_homes(s, corpus_dir)
            if not homes:
                return 0
            chosen = await asyncio.to_thread(_homes_of_this_folder, homes, corpus_dir, root)
            if not chosen:
                return 0  # a start that adopts nothing writes nothing
            await changes.take_turn(s)  # a sync elsewhere must not read the documents half renamed
            return await adopt(s, root, chosen)
    except IntegrityError:  # another process starting at the same moment adopted the same names first
        log.info("the corpus folder's documents were adopted by another process")
        return 0


def _homes_of_this_folder(homes: dict[str, dict[str, str]], corpus_dir: Path, root: str) -> list[str]:
    """Of the candidate paths, the folder's own first, those whose documents are this folder's files
    (reads the folder, and hashes the files a candidate names: work for a worker thread)."""
    here = str(corpus_dir.expanduser().resolve())
    files = {f.name: f for f in find([corpus_dir], corpus_dir, root)[0]}
    chosen = [here] if here in homes else []
    for home, held in sorted(homes.items()):
        if home != here and held.keys() <= files.keys():
            same = sum(sha256_of(files[name].path, files[name].inside) == sha for name, sha in held.items())
            if 2 * same > len(held):
                chosen.append(home)
    return chosen


async def former_homes(session: AsyncSession, corpus_dir: Path) -> dict[str, dict[str, str]]:
    """Paths the corpus folder's documents may be stored under: {path: {name: sha256}}.

    An older paperbot knew the folder's files by the folder's path. Candidates are the folder's own
    path, and paths that are no folder on this machine (moved, reinstalled elsewhere, another
    machine's); the caller compares their files with the folder's. Usually there are none: then this
    is one query, and the folder is not read.
    """
    here = str(Path(corpus_dir).expanduser().resolve())
    stored = (await session.execute(select(Document.root, Document.name, Document.sha256)
                                    .where(Document.root.not_in([DISCORD_ROOT, *FOLDER_ROOTS])))).all()
    by_root: dict[str, dict[str, str]] = {}
    for r, name, sha in stored:
        by_root.setdefault(r, {})[name] = sha
    return {r: held for r, held in by_root.items() if r == here or not Path(r).is_dir()}  # one stat a path


async def adopt(session: AsyncSession, root: str, homes: Sequence[str]) -> int:
    """Rename the documents stored under `homes` (paths, the first adopted first) to `root`: not read
    again, they keep their entries, and the next reload finds them unchanged. A name `root` already
    holds is left where it was."""
    taken = set((await session.scalars(select(Document.name).where(Document.root == root))).all())
    adopted = 0
    for home in homes:
        moving = sorted(set((await session.scalars(select(Document.name).where(Document.root == home))).all())
                        - taken)
        for chunk in chunks(moving):
            await session.execute(update(Document).where(Document.root == home, Document.name.in_(chunk))
                                  .values(root=root))
        taken.update(moving)
        adopted += len(moving)
    return adopted
