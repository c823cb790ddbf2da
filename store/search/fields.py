"""A catalog's fields laid out as term ids: here, a batch of papers at a time (`lay_out`), or by the layout
process as the catalog is read (layout_process.py, given `joined_fields` of each batch read).

Both ways read the same texts, a paper's four (title, topic labels, names, summary): index.py's
`_field_texts` from a finished catalog's columns, `joined_fields` from the lists a `CatalogBuilder` holds
before it writes them (tests/search/test_fields.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from store.search import heap
from store.search.bm25 import BM25Matrix
from store.search.bm25_batched import BatchedFields
from store.search.layout import FieldLayout
from store.search.terms import TermTable
from store.search.turns import let_others_in
from store.text.tokenize import forget

LAYOUT_BATCH = 2_500  # papers laid out at a time: their texts are decoded from the catalog only meanwhile


class LaidOut(Protocol):
    """A catalog's fields laid out elsewhere as it was read, and its matrices built (layout_process.LayoutProcess):
    (index.MATRICES's matrices, the vocabulary), or None when it could not be done."""

    def finish(self) -> tuple[list[BM25Matrix], TermTable] | None: ...


def joined_fields(titles: Sequence[str], labels: Sequence[str], topic_ids: Sequence[int], topic_counts: Sequence[int],
                  names: Sequence[str], author_counts: Sequence[int], texts: Sequence[str] | Sequence[bytes],
                  summary_counts: Sequence[int]) -> list[str | bytes]:
    """The field texts of papers given as lists (index.py's `_field_texts`): each paper's topic labels
    (`labels[topic_ids[...]]`) and names joined by spaces, its summaries by blank lines (`Catalog.summary`: the
    empty ones left out). Summaries given as UTF-8 bytes are joined as bytes."""
    blank = b"\n\n" if texts and type(texts[0]) is bytes else "\n\n"
    out: list[str | bytes] = []
    a = t = x = 0
    for title, na, nt, ns in zip(titles, author_counts, topic_counts, summary_counts, strict=True):
        out.append(title)
        out.append(" ".join([labels[j] for j in topic_ids[t : t + nt]]))
        out.append(" ".join(names[a : a + na]))
        out.append(texts[x] if ns == 1 else blank.join([s for s in texts[x : x + ns] if s]))  # type: ignore[arg-type]
        a, t, x = a + na, t + nt, x + ns
    return out


def lay_out(n: int, texts: Callable[[int, int], list[str]], n_fields: int) -> tuple[BatchedFields, TermTable]:
    """The fields of `n` papers as term ids, a batch of papers at a time (`texts(start, stop)`: their field
    texts, paper after paper), and the vocabulary."""
    layout = FieldLayout()
    fields = BatchedFields(n_fields)
    try:
        for k, start in enumerate(range(0, n, LAYOUT_BATCH)):
            let_others_in()
            fields.add(*layout.lay_out(texts(start, min(n, start + LAYOUT_BATCH))))
            heap.between_batches(k)  # the batches' texts and work arrays
        vocabulary = layout.term_table()  # the layout's tables freed first, its terms after
    except BaseException:
        fields.close()
        raise
    del layout
    if n > LAYOUT_BATCH:  # a large build: its every distinct word, cached, is dropped before the matrices
        forget()
        heap.give_back()
    return fields, vocabulary
