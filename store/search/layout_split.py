"""A full build's layout and matrices in the layout processes (store/search/layout_process.py), one or several.

One layout process was the slowest part of a full build at a million papers: some 20 s of laying out while
the building process read the database, then 10 s of matrices. With two cores there are two: each lays out
every other batch as the building process reads them. The first (the leader) then numbers all their terms
as one layout of every text would have (store/search/first_met.py), and each builds the rows of a range of
terms of every matrix, from every process's sums, into the same two files: the matrices are the ones one
process builds, byte for byte (tests/search/test_fields.py).

The leader and each follower speak over pipes of their own (store/ingest/pipes.py), in turn:
1. the follower: (texts laid out, its batches' sizes, their field lengths, its terms in id order, their first
   places);
2. the leader: (the follower's term ids -> ids, every paper's field lengths, the first paper of each of the
   follower's batches, the number of terms);
3. for each matrix with entries (each process tells the same from the lengths): the follower: (how many of
   its papers hold each term, its file of sums, its batches there); the leader: (how many papers hold each
   term, every batch's sums in paper order, the follower's range of terms, the matrix's two files, made to
   their size); the follower, once its rows are written: "done".
Only the leader answers the building process; a follower that fails makes the leader fail (its pipe ends),
and the building process then lays the catalog out itself.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np
from scipy import sparse

from store.ingest.pipes import get, put
from store.search import spill
from store.search.bm25 import BM25Matrix
from store.search.bm25_batched import BatchedFields, Spilled, merge_range, rows_of, scales
from store.search.first_met import first_places, merged
from store.search.layout import FieldLayout
from store.search.terms import TermTable
from store.search.texts import drop

Wanted = Sequence[tuple[Sequence[int], Sequence[float]]]  # each matrix's fields and their weights
DONE = "done"


class Peer:
    """The other end of a leader's or a follower's own pipes."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.given: IO[bytes] = os.fdopen(read_fd, "rb")
        self.out: IO[bytes] = os.fdopen(write_fd, "wb")

    def put(self, value: Any) -> None:
        put(self.out, value)

    def get(self) -> Any:
        value = get(self.given)
        if value is None:
            raise EOFError("the other layout process stopped")
        return value


class Laid:
    """What one process laid out: its batches are every `n_workers`-th from its `index`."""

    def __init__(self, given: IO[bytes], n_fields: int, index: int, n_workers: int) -> None:
        self.layout = FieldLayout()
        self.fields = BatchedFields(n_fields)
        self.count = 0  # texts laid out
        places: list[np.ndarray] = []
        k = 0
        while (texts := get(given)) is not None:
            base = len(self.layout.vocabulary)
            flat, lengths = self.layout.lay_out(texts)
            if n_workers > 1:
                places.append(first_places(flat, base, k * n_workers + index))
            self.fields.add(flat, lengths)
            self.count += len(texts)
            k += 1
        self.places = np.concatenate(places) if places else np.zeros(0, dtype=np.int64)


def _empty(lengths: np.ndarray) -> bool:
    return len(lengths) == 0 or not lengths.any()


def _interleaved(parts: Sequence[Sequence[Any]]) -> list[Any]:
    """Every process's batches (part i: process i's, in its order) in paper order: batch g is process g % n's."""
    n, out = len(parts), []
    for g in range(sum(map(len, parts))):
        out.append(parts[g % n][g // n])
    return out


def _split(lengths: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """A process's field lengths, a row per paper, cut into its batches."""
    ends = np.cumsum([0, *sizes]).tolist()
    return [lengths[a:b] for a, b in pairwise(ends)]


def _firsts(sizes: Sequence[Sequence[int]]) -> list[list[int]]:
    """The first paper of each process's batches (`sizes`: each process's batches' sizes)."""
    starts = np.cumsum([0, *_interleaved(sizes)])[:-1].tolist()
    n = len(sizes)
    return [starts[i::n] for i in range(n)]


def lead(wanted: Wanted, n_fields: int, folder: str, given: IO[bytes], peers: Sequence[Peer]
         ) -> tuple[int, TermTable, list[tuple[Any, ...]]]:
    """The leader: (texts laid out by all, the vocabulary, each matrix as `_sent` sends it)."""
    laid = Laid(given, n_fields, 0, 1 + len(peers))
    theirs = [peer.get() for peer in peers]
    own_terms = laid.layout.vocabulary.in_order()
    terms, own_ids, their_ids = merged(own_terms, laid.places, laid.layout.vocabulary.find,
                                       [(t[3], t[4]) for t in theirs]) if peers else (own_terms, None, [])
    fields = laid.fields
    sizes = [fields.batch_sizes, *(t[1] for t in theirs)]
    batches = [fields.batch_lengths, *(_split(t[2], t[1]) for t in theirs)]
    all_lengths = (np.concatenate(_interleaved(batches)) if any(map(len, batches))
                   else np.zeros((0, n_fields), dtype=np.int32))
    firsts = _firsts(sizes)
    n_terms = max(len(terms), 1)
    for peer, ids, own in zip(peers, their_ids, firsts[1:], strict=True):  # before the table: they start sooner
        peer.put((ids.astype(np.int32), all_lengths, own, n_terms))
    laid.layout.release()
    laid.layout.vocabulary.clear()
    vocabulary = TermTable.numbered(terms)
    drop(terms)
    if own_terms is not terms:
        drop(own_terms)
    matrices = [_lead_matrix(k, chosen, weights, fields, all_lengths, firsts[0], own_ids, vocabulary, peers, folder)
                for k, (chosen, weights) in enumerate(wanted)]
    return laid.count + sum(t[0] for t in theirs), vocabulary, matrices


def _lead_matrix(k: int, chosen: Sequence[int], weights: Sequence[float], fields: BatchedFields,
                 all_lengths: np.ndarray, firsts: list[int], own_ids: np.ndarray | None, vocabulary: TermTable,
                 peers: Sequence[Peer], folder: str) -> tuple[Any, ...]:
    lengths = all_lengths[:, list(chosen)]
    n_docs, n_terms = len(lengths), max(len(vocabulary), 1)
    if _empty(lengths):
        return ("whole", BM25Matrix(sparse.csr_matrix((n_terms, n_docs), dtype=np.float32), vocabulary, n_docs))
    avgdl, scale = scales(lengths, weights)
    path = os.path.join(folder, f"sums.0.{k}")
    opened: list[BinaryIO] = []
    sums = [path]  # every process's file of sums: removed here once every process has merged its range
    try:
        spilled = open(path, "w+b")  # noqa: SIM115 (closed below)
        opened.append(spilled)
        df, own = fields.spill_sums(chosen, scale, n_terms, firsts, spilled, own_ids)
        parts: list[list[Spilled]] = [own]
        where: list[list[tuple[str, int, int, int]]] = [[(path, b.at, b.n_terms, b.nnz) for b in own]]
        for peer in peers:
            their_df, their_path, their_batches = peer.get()
            df += their_df
            sums.append(their_path)
            fh = open(their_path, "rb")  # noqa: SIM115 (closed below)
            opened.append(fh)
            parts.append([Spilled(fh, *b) for b in their_batches])
            where.append([(their_path, *b) for b in their_batches])
        idf, indptr = rows_of(df, n_docs)
        made = [os.path.join(folder, f"{k}.{j}") for j in range(2)]
        files = [open(name, "w+b") for name in made]  # noqa: SIM115 (mapped below)
        for file in files:
            file.truncate(4 * int(indptr[-1]))
        n = 1 + len(peers)  # each process's range of terms: about as many entries each
        cuts = [0, *(int(np.searchsorted(indptr, indptr[-1] * r // n)) for r in range(1, n)), n_terms]
        every = _interleaved(where)
        for i, peer in enumerate(peers, start=1):
            peer.put((df, every, (cuts[i], max(cuts[i], cuts[i + 1])), made))
        merge_range(_interleaved(parts), idf, indptr, 0, cuts[1], *files)
        for peer in peers:
            if peer.get() != DONE:
                raise ValueError("a follower answered what was not asked")
        indices, weighted = spill.mapped(files[0], np.int32), spill.mapped(files[1], np.float32)
    finally:
        for fh in opened:
            fh.close()
        for name in sums:  # a follower reads the others' too: none is removed before all are done
            Path(name).unlink(missing_ok=True)
    matrix = BM25Matrix(sparse.csr_matrix((weighted, indices, indptr), shape=(n_terms, n_docs)), vocabulary,
                        n_docs, idf.astype(np.float32))
    matrix.avgdl = avgdl
    w = matrix.weights
    return ("files", made, w.indptr, w.shape, matrix.n_docs, matrix.idf, matrix.avgdl)


def follow(wanted: Wanted, n_fields: int, folder: str, given: IO[bytes], index: int, n_workers: int,
           leader: Peer) -> None:
    """A follower: lays out its batches, then builds its ranges of the leader's matrices."""
    laid = Laid(given, n_fields, index, n_workers)
    fields = laid.fields
    terms = laid.layout.vocabulary.in_order()
    leader.put((laid.count, fields.batch_sizes, fields.lengths, terms, laid.places))
    laid.layout.release()
    laid.layout.vocabulary.clear()
    drop(terms)
    ids, all_lengths, firsts, n_terms = leader.get()
    for k, (chosen, weights) in enumerate(wanted):
        lengths = all_lengths[:, list(chosen)]
        if _empty(lengths):
            continue
        _, scale = scales(lengths, weights)
        path = os.path.join(folder, f"sums.{index}.{k}")
        with open(path, "w+b") as spilled:  # removed by the leader once every process is done with it
            df, own = fields.spill_sums(chosen, scale, n_terms, firsts, spilled, ids)
            leader.put((df, path, [(b.at, b.n_terms, b.nnz) for b in own]))
            total, every, (lo, hi), made = leader.get()
            files = {path: spilled}
            try:
                for name, *_ in every:
                    if name not in files:
                        files[name] = open(name, "rb")  # noqa: SIM115 (closed below)
                idf, indptr = rows_of(total, len(lengths))
                with open(made[0], "r+b") as indices, open(made[1], "r+b") as weighted:
                    merge_range([Spilled(files[name], *b) for name, *b in every], idf, indptr, lo, hi,
                                indices, weighted)
            finally:
                for name, fh in files.items():
                    if name != path:
                        fh.close()
            leader.put(DONE)
