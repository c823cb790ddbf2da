"""Papers as vectors: the text embedded, int8 storage, cosine top-k.

Why int8 with a scale per paper: a unit vector's components are small (about 1/16 at 256 dimensions), so
one global scale would waste most of int8's range; scaling each vector by its largest component keeps
cosine to about three decimals, and ranking with it agrees with float32's (tests check the seeds). A
paper costs `dims + 4` bytes: 260 at 256 dimensions, 260 MB for 1,000,000 papers (float16 would be 512 MB,
float32 1 GB). Scoring walks the matrix a block at a time, so the float32 copy is never whole: 3-9 ms for
100,000 papers on one core (quiet or busy machine), as fast as float32 itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from store.search.bm25 import top_k

SUMMARY_CHARS = 600  # the start of the summary: a static model's mean drifts toward generic words past it
# Papers scored at a time. Small on purpose: OpenBLAS hands a larger matrix-vector product to its threads,
# and on a busy 2-core machine that took 340 ms for 100,000 papers instead of 9 (measured: 1,024 rows of
# 256 stayed on one thread, 2,048 did not).
BLOCK = 512


def paper_text(title: str, topics: Iterable[str] = (), summary: str = "", chars: int = SUMMARY_CHARS) -> str:
    """What a paper's vector is made of: its title, its topics, the start of its summary."""
    head = summary[:chars]
    if len(summary) > chars and (cut := head.rfind(" ")) > chars // 2:
        head = head[:cut]  # no half word
    return ". ".join(part for part in (title.strip(), "; ".join(topics), head.strip()) if part)


@dataclass(frozen=True)
class Quantised:
    """Unit vectors as int8 rows and one float32 scale each: row * scale is the vector."""

    codes: np.ndarray  # (n, dims) int8
    scales: np.ndarray  # (n,) float32

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes + self.scales.nbytes)

    def vectors(self, rows: Sequence[int] | slice | None = None) -> np.ndarray:
        """The float32 vectors back (approximately), of all rows or the ones named."""
        pick = slice(None) if rows is None else rows
        return self.codes[pick].astype(np.float32) * self.scales[pick, None]

    def take(self, rows: Sequence[int]) -> Quantised:
        return Quantised(self.codes[list(rows)], self.scales[list(rows)])

    @staticmethod
    def concat(parts: Sequence[Quantised]) -> Quantised:
        return Quantised(np.concatenate([p.codes for p in parts]), np.concatenate([p.scales for p in parts]))


def quantise(vectors: np.ndarray) -> Quantised:
    """int8 codes with a scale per row (a zero row stays zero, its scale 0)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    peak = np.abs(vectors).max(axis=1) if vectors.size else np.zeros(len(vectors), dtype=np.float32)
    scales = (peak / 127.0).astype(np.float32)
    safe = np.where(scales > 0, scales, 1.0).astype(np.float32)
    codes = np.rint(vectors / safe[:, None]).clip(-127, 127).astype(np.int8)
    return Quantised(codes, scales)


def cosines(matrix: Quantised | np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine of every row with a unit query vector (float32), a block of rows at a time."""
    query = np.asarray(query, dtype=np.float32)
    if isinstance(matrix, np.ndarray):
        return (matrix.astype(np.float32, copy=False) @ query).astype(np.float32, copy=False)
    out = np.empty(len(matrix), dtype=np.float32)
    buffer = np.empty((min(BLOCK, len(matrix)), matrix.codes.shape[1]), dtype=np.float32)
    for start in range(0, len(matrix), BLOCK):
        codes = matrix.codes[start:start + BLOCK]
        block = buffer[: len(codes)]
        block[...] = codes  # int8 to float32 in place: no new array per block
        np.matmul(block, query, out=out[start:start + len(codes)])
    out *= matrix.scales
    return out


def cosine_top_k(matrix: Quantised | np.ndarray, query: np.ndarray, k: int,
                 exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
    """The k rows most like the query, (row, cosine), best first (ties: lower row first); only rows with a
    positive cosine; `exclude`: rows never returned (the paper itself, for "papers like this one")."""
    scores = cosines(matrix, query)
    for row in exclude:
        scores[row] = 0.0
    return [(i, float(scores[i])) for i in top_k(scores, k)]


def similar(matrix: Quantised | np.ndarray, row: int, k: int) -> list[tuple[int, float]]:
    """Papers like paper `row`: its own vector as the query, itself left out."""
    own = matrix.vectors([row])[0] if isinstance(matrix, Quantised) else np.asarray(matrix[row], dtype=np.float32)
    norm = float(np.linalg.norm(own))
    if norm == 0.0:
        return []
    return cosine_top_k(matrix, own / norm, k, exclude=(row,))
