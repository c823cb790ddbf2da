"""Paper vectors in the database (`paper_vectors`): what a full build reads as a column, what the embedder writes.

A vector is kept with the fingerprint of the model that made it and a hash of the text it was made from
(`vectors.paper_text`); a build takes every vector of the current model as it is (no text is hashed in the
build's path), and the embedder (embedder.py), which hashes the texts afterwards, makes again the vectors
whose text changed. Vectors of another model are never read.
"""

from __future__ import annotations

import functools
import hashlib
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from store.db.models import Paper, PaperVector
from store.search import spill
from store.search.meaning.model import DIMS
from store.search.meaning.vectors import Quantised, paper_text

# The full build's read on SQLite, beside views._PAPERS and the others: a batch's vectors of one model.
SQLITE_BATCH = "SELECT paper_id, codes, scale FROM paper_vectors WHERE model = ? AND paper_id BETWEEN ? AND ?"


@functools.cache
def fingerprint() -> str:
    """The installed model's fingerprint, hashed once a process (both files are read: some 30 ms)."""
    from store.search.meaning.model import model

    return model().fingerprint


def text_hash(text: str) -> int:
    """64 bits of the text's BLAKE2b, as a signed integer (a BIGINT column)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "little", signed=True)


def hashes_of(titles: Sequence[str], topics: Sequence[Sequence[str]], summaries: Iterable[str]
              ) -> tuple[list[str], np.ndarray]:
    """The papers' texts to embed, and their hashes."""
    texts = [paper_text(t, tp, s) for t, tp, s in zip(titles, topics, summaries, strict=True)]
    return texts, np.fromiter(map(text_hash, texts), dtype=np.int64, count=len(texts))


class VectorColumn:
    """A full build's vectors, added a batch of papers at a time in catalog order: a row of zeros (scale 0,
    not known) for a paper without a vector of this model. The codes go to a temporary file as they come
    (store/search/spill.py): mapped at the end, copied into the snapshot from the file."""

    def __init__(self, model: str, dims: int = DIMS) -> None:
        self.model, self.dims = model, dims
        self._codes = spill.temporary()
        self._scales = array("f")
        self._known = array("B")

    def add(self, pids: np.ndarray, rows: Sequence[tuple[Any, ...]]) -> None:
        """One batch: `pids` the papers in catalog order (ascending), `rows` (paper id, codes, scale) of those with
        a stored vector (a row of another size, or of no paper here, is left out)."""
        n = len(pids)
        codes = np.zeros((n, self.dims), dtype=np.int8)
        scales = np.zeros(n, dtype=np.float32)
        known = np.zeros(n, dtype=np.uint8)
        if rows and n:
            ids, blobs, values = zip(*rows, strict=True)
            blob = b"".join(blobs)
            if len(blob) != len(rows) * self.dims:  # a row of another size: left out (never written so)
                good = [len(b) == self.dims for b in blobs]
                ids, values = [i for i, g in zip(ids, good, strict=True) if g], [v for v, g in zip(values, good,
                                                                                                    strict=True) if g]
                blob = b"".join(b for b, g in zip(blobs, good, strict=True) if g)
            found = np.fromiter(ids, dtype=np.int64, count=len(ids))
            at = np.minimum(np.searchsorted(pids, found), n - 1)
            ok = pids[at] == found
            codes[at[ok]] = np.frombuffer(blob, dtype=np.int8).reshape(-1, self.dims)[ok]
            scales[at[ok]] = np.fromiter(values, dtype=np.float32, count=len(values))[ok]
            known[at[ok]] = 1
        self._codes.write(codes.tobytes())
        self._scales.frombytes(scales.tobytes())
        self._known.frombytes(known.tobytes())

    def finish(self) -> tuple[Quantised, np.ndarray]:
        codes = spill.mapped(self._codes, np.int8).reshape(-1, self.dims)
        scales = np.frombuffer(self._scales, dtype=np.float32) if len(self._scales) else np.zeros(0, np.float32)
        known = np.frombuffer(self._known, dtype=np.bool_) if len(self._known) else np.zeros(0, np.bool_)
        return Quantised(codes, scales), known


async def read_batch(conn: AsyncConnection, model: str, lo: int, hi: int) -> Sequence[tuple[Any, ...]]:
    """(paper id, codes, scale) of the papers lo..hi with a vector of `model` (the build's read on PostgreSQL)."""
    query = (select(PaperVector.paper_id, PaperVector.codes, PaperVector.scale)
             .where(PaperVector.model == model, PaperVector.paper_id.between(lo, hi)))
    return [tuple(r) for r in await conn.execute(query)]


async def marks(s: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """paper id -> (model, text hash) of the stored vectors of these papers."""
    ids = list(ids)
    if not ids:
        return {}
    query = select(PaperVector.paper_id, PaperVector.model, PaperVector.text_hash)
    if len(ids) <= 100:
        return {pid: (model, h) for pid, model, h in await s.execute(query.where(PaperVector.paper_id.in_(ids)))}
    wanted = set(ids)  # a scan's few thousand papers: one range, not thousands of parameters
    rows = await s.execute(query.where(PaperVector.paper_id.between(min(ids), max(ids))))
    return {pid: (model, h) for pid, model, h in rows if pid in wanted}


async def read_vectors(s: AsyncSession, ids: Sequence[int], model: str) -> tuple[list[int], Quantised]:
    """The stored vectors of these papers made by `model`: (their ids, the vectors)."""
    rows = [r for r in await s.execute(select(PaperVector.paper_id, PaperVector.codes, PaperVector.scale)
                                       .where(PaperVector.paper_id.in_(list(ids)), PaperVector.model == model))
            if len(r[1]) == DIMS]
    codes = (np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype=np.int8).reshape(-1, DIMS) if rows
             else np.zeros((0, DIMS), dtype=np.int8))
    return [r[0] for r in rows], Quantised(codes, np.asarray([r[2] for r in rows], dtype=np.float32))


async def write_vectors(s: AsyncSession, model: str, ids: Sequence[int], hashes: Sequence[int],
                        vectors: Quantised) -> int:
    """Store these papers' vectors (replacing any they had); a paper deleted meanwhile is skipped. How many."""
    await s.execute(delete(PaperVector).where(PaperVector.paper_id.in_(list(ids))))
    alive = set((await s.execute(select(Paper.id).where(Paper.id.in_(list(ids))))).scalars())
    rows = [{"paper_id": pid, "model": model, "text_hash": int(h), "codes": vectors.codes[j].tobytes(),
             "scale": float(vectors.scales[j])}
            for j, (pid, h) in enumerate(zip(ids, hashes, strict=True)) if pid in alive]
    if rows:
        await s.execute(insert(PaperVector), rows)
    return len(rows)
