"""`Catalog`: every paper of an index held column-wise, a `PaperView` made only for the papers shown.

A million papers as `PaperView`s are some ten million Python objects (4 KB a paper); as columns they are
a few numpy arrays and one UTF-8 blob per text field, which a snapshot maps from disk as they are
(store/search/snapshot.py): the operating system then reads in only the pages of the hits shown.
Loops over every paper (the index build, /author's people, the topic labels) read the columns.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise, repeat
from typing import BinaryIO, ClassVar

import numpy as np

from store.search.fields import joined_fields
from store.search.results import PaperView, SummaryView
from store.search.spill import temporary
from store.search.texts import Texts, utf8_column

_NO_YEAR, _NO_VENUE, _NO_LINK, _INCOMPLETE, _AWARE = 1, 2, 4, 8, 16
NO_YEAR, NO_VENUE, NO_LINK, INCOMPLETE, AWARE = _NO_YEAR, _NO_VENUE, _NO_LINK, _INCOMPLETE, _AWARE  # for a reader
# A batch of papers as columns: ids, years (0: none), added (microseconds since 1970), flags, titles, venues
# ("" for none), links (""); and of their summaries: document names, lines, texts, writers (None for none).
PaperColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Sequence[str], Sequence[str], Sequence[str]]
SummaryColumns = tuple[Sequence[str], np.ndarray, Sequence[str], Sequence[str | None]]
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_SPAN = 4096  # strings decoded at once when a column is read whole
_PREAD = ("texts",)  # the columns a snapshot's catalog reads with pread: the long ones, read a hit at a time


def since_epoch(added: datetime) -> tuple[int, int]:
    """(microseconds since 1970, in the time's own zone if it has one; AWARE if it has one, else 0)."""
    aware = added.tzinfo is not None
    return (added - (_EPOCH_UTC if aware else _EPOCH)) // _US, aware * _AWARE


def added_at(us: int, flags: int) -> datetime:
    """A paper's `added_at` from its column values: microseconds since 1970, in UTC when flagged AWARE."""
    return (_EPOCH_UTC if flags & _AWARE else _EPOCH) + timedelta(microseconds=us)


class Catalog(Sequence[PaperView]):
    """The papers of an index, in index order, as columns. `catalog[i]` is paper i's `PaperView`."""

    def __init__(self, columns: dict[str, np.ndarray | Texts]) -> None:
        self.__dict__.update(columns)
        self.ids: np.ndarray
        self.years: np.ndarray
        self.added: np.ndarray
        self.flags: np.ndarray
        self.titles: Texts
        self.venues: Texts
        self.links: Texts
        self.author_ends: np.ndarray  # paper i's names are names[author_ends[i]:author_ends[i + 1]]
        self.names: Texts
        self.topic_ends: np.ndarray
        self.topic_ids: np.ndarray  # into `labels`, the distinct topic labels
        self.labels: Texts
        self.summary_ends: np.ndarray
        self.sources: np.ndarray  # into `documents`, the distinct document names
        self.documents: Texts
        self.lines: np.ndarray
        self.texts: Texts
        self.writer_ids: np.ndarray  # into `writers`, -1 for none
        self.writers: Texts

    @classmethod
    def of(cls, papers: Sequence[PaperView]) -> Catalog:
        builder = CatalogBuilder()
        for p in papers:
            builder.add(p.id, p.title, p.venue, p.year, p.link, p.added_at, p.authors_incomplete, p.authors,
                        p.topics, [(s.source, s.line, s.text, s.writer) for s in p.summaries])
        return builder.finish()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step == 1:
                return tuple(self.views(start, stop))
            return tuple(self[j] for j in range(start, stop, step))
        n = len(self.ids)
        if not -n <= i < n:
            raise IndexError(i)
        i = int(i) % n
        flags, names = int(self.flags[i]), self.names.span(int(self.author_ends[i]), int(self.author_ends[i + 1]))
        return PaperView(
            id=int(self.ids[i]), title=self.titles[i], authors=tuple(names),
            venue=None if flags & _NO_VENUE else self.venues[i], year=None if flags & _NO_YEAR else int(self.years[i]),
            topics=self.topics(i), link=None if flags & _NO_LINK else self.links[i], summaries=self.summary_views(i),
            added_at=added_at(int(self.added[i]), flags), authors_incomplete=bool(flags & _INCOMPLETE))

    def __iter__(self) -> Iterator[PaperView]:
        for start in range(0, len(self), _SPAN):
            yield from self.views(start, min(start + _SPAN, len(self)))

    def views(self, start: int, stop: int) -> list[PaperView]:
        """The views of papers start..stop-1, each column read once for all of them (a walk over the catalog)."""
        if stop <= start:
            return []
        ends = {k: getattr(self, f"{k}_ends")[start : stop + 1].tolist() for k in ("author", "topic", "summary")}
        names = self.names.span(ends["author"][0], ends["author"][-1])
        topic_ids = self.topic_ids[ends["topic"][0] : ends["topic"][-1]].tolist()
        lo, hi = ends["summary"][0], ends["summary"][-1]
        texts, lines = self.texts.span(lo, hi), self.lines[lo:hi].tolist()
        sources, writer_ids = self.sources[lo:hi].tolist(), self.writer_ids[lo:hi].tolist()
        tables = {name: {j: getattr(self, name)[j] for j in set(ids) if j >= 0} for name, ids in
                  (("labels", topic_ids), ("documents", sources), ("writers", writer_ids))}
        labels, documents, writers = tables["labels"], tables["documents"], tables["writers"]
        summaries = [SummaryView(documents[d], line, text, writers.get(w)) for d, line, text, w in
                     zip(sources, lines, texts, writer_ids, strict=True)]
        out = []
        rows = zip(self.ids[start:stop].tolist(), self.titles.span(start, stop), self.venues.span(start, stop),
                   self.years[start:stop].tolist(), self.links.span(start, stop), self.added[start:stop].tolist(),
                   self.flags[start:stop].tolist(), pairwise(ends["author"]), pairwise(ends["topic"]),
                   pairwise(ends["summary"]), strict=False)
        a0, t0, s0 = ends["author"][0], ends["topic"][0], lo
        for pid, title, venue, year, link, us, flags, (a, b), (t, u), (x, y) in rows:
            out.append(PaperView(
                id=pid, title=title, authors=tuple(names[a - a0 : b - a0]),
                venue=None if flags & _NO_VENUE else venue, year=None if flags & _NO_YEAR else year,
                topics=tuple(labels[j] for j in topic_ids[t - t0 : u - t0]), link=None if flags & _NO_LINK else link,
                summaries=tuple(summaries[x - s0 : y - s0]),
                added_at=added_at(us, flags),
                authors_incomplete=bool(flags & _INCOMPLETE)))
        return out

    def topics(self, i: int) -> tuple[str, ...]:
        ids = self.topic_ids[self.topic_ends[i] : self.topic_ends[i + 1]].tolist()
        return tuple(self.name_in("labels", t) for t in ids)

    def summary_views(self, i: int) -> tuple[SummaryView, ...]:
        lo, hi = int(self.summary_ends[i]), int(self.summary_ends[i + 1])
        return tuple(SummaryView(self.name_in("documents", int(self.sources[j])), int(self.lines[j]), self.texts[j],
                                 None if (w := int(self.writer_ids[j])) < 0 else self.name_in("writers", w))
                     for j in range(lo, hi))

    def name_in(self, table: str, j: int) -> str:
        """Entry j of a small table (topic labels, document names, writers), remembered once read."""
        key = (table, j)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = getattr(self, table)[j]
        return name

    @property
    def _names(self) -> dict[tuple[str, int], str]:
        memo = self.__dict__.get("_memo")
        if memo is None:
            memo = self.__dict__["_memo"] = {}
        return memo

    def title(self, i: int) -> str:
        return self.titles[int(i)]

    def summary(self, i: int) -> str:
        """`PaperView.summary` of paper i without the view."""
        lo, hi = int(self.summary_ends[i]), int(self.summary_ends[i + 1])
        return "\n\n".join(t for t in self.texts.span(lo, hi) if t)

    def summaries(self, start: int = 0, stop: int | None = None) -> Iterator[str]:
        """Every paper's `summary` from start to stop, read a span of the column at a time."""
        stop = len(self) if stop is None else stop
        ends = self.summary_ends
        for a in range(start, stop, _SPAN):
            b = min(a + _SPAN, stop)
            texts = self.texts.span(int(ends[a]), int(ends[b]))
            cuts = (ends[a : b + 1] - ends[a]).tolist()
            if cuts[-1] == b - a:  # one summary each: the common case
                yield from texts
            else:
                yield from ("\n\n".join(t for t in texts[x:y] if t) for x, y in pairwise(cuts))

    def authors_joined(self, start: int, stop: int) -> list[str]:
        """Each paper's names joined by spaces (the authors field the index reads), papers start..stop-1."""
        ends = self.author_ends
        names = self.names.span(int(ends[start]), int(ends[stop]))
        cuts = (ends[start : stop + 1] - ends[start]).tolist()
        return [" ".join(names[x:y]) for x, y in pairwise(cuts)]

    def topics_joined(self, start: int, stop: int) -> list[str]:
        """Each paper's topic labels joined by spaces, papers start..stop-1."""
        labels = list(self.labels)
        ends = self.topic_ends
        ids = self.topic_ids[ends[start] : ends[stop]].tolist()
        cuts = (ends[start : stop + 1] - ends[start]).tolist()
        return [" ".join(labels[t] for t in ids[x:y]) for x, y in pairwise(cuts)]

    def position(self, paper_id: int) -> int | None:
        """Where the paper `paper_id` is (ids ascend, as the database reads them; else a sorted copy is kept)."""
        ids = self.ids
        order = self.__dict__.get("_order")
        if order is None:
            order = self.__dict__["_order"] = (np.zeros(0, dtype=np.int64) if bool(np.all(ids[1:] > ids[:-1]))
                                               else np.argsort(ids, kind="stable"))
        keys = ids if order.size == 0 else ids[order]
        j = int(np.searchsorted(keys, paper_id))
        if j >= len(keys) or keys[j] != paper_id:
            return None
        return j if order.size == 0 else int(order[j])

    def __getstate__(self) -> dict:  # type: ignore[type-arg]
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def read_from(self, where: Callable[[int], tuple[BinaryIO, int] | None]) -> None:
        """Read the summaries' bytes from the file `where` says their mapped address is in, at its offset there
        (see `Texts.read_from`). The short columns (titles, names, venues, links: some 60 bytes a paper each)
        stay read through the mapping: /paper reads fifty titles a query, and a slice of the mapping costs a
        fifth of a pread."""
        for name in _PREAD:
            column = self.__dict__.get(name)
            if isinstance(column, Texts) and column.data.size and (found := where(column.data.ctypes.data)):
                column.read_from(*found)


class Joined(Sequence[PaperView]):
    """A catalog followed by a few more papers (an overlay's base and its changed papers)."""

    def __init__(self, base: Catalog, more: tuple[PaperView, ...]) -> None:
        self.base, self.more, self._n = base, more, len(base)

    def __len__(self) -> int:
        return self._n + len(self.more)

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        i = int(i) % len(self) if -len(self) <= i < len(self) else len(self)
        return self.base[i] if i < self._n else self.more[i - self._n]

    def __iter__(self) -> Iterator[PaperView]:
        yield from self.base
        yield from self.more

    def title(self, i: int) -> str:
        return self.base.title(i) if i < self._n else self.more[i - self._n].title

    def summary(self, i: int) -> str:
        return self.base.summary(i) if i < self._n else self.more[i - self._n].summary


class Picked(Sequence[PaperView]):
    """Some papers of a sequence, in a chosen order (an overlay's visible papers in id order), made on demand."""

    def __init__(self, papers: Sequence[PaperView], positions: np.ndarray) -> None:
        self.papers, self.positions = papers, positions

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return tuple(self.papers[int(j)] for j in self.positions[i])
        return self.papers[int(self.positions[i])]

    def __iter__(self) -> Iterator[PaperView]:
        return (self.papers[j] for j in self.positions.tolist())


class CatalogBuilder:
    """Papers added one at a time (from views or database rows), appended to the columns every few thousand.

    Each column grows in one buffer (a large buffer grows in place), so the finished catalog is never
    made by concatenating parts: no moment holds the texts twice.
    """

    BATCH = 5_000
    _TEXTS: ClassVar = ("titles", "venues", "links", "names", "texts")
    _TYPES: ClassVar = {"ids": "q", "years": "q", "added": "q", "flags": "B", "author_counts": "q", "topic_counts": "q",
              "summary_counts": "q", "topic_ids": "i", "sources": "i", "lines": "q", "writer_ids": "i"}
    _DTYPES: ClassVar = {"q": np.int64, "i": np.int32, "B": np.uint8}

    def __init__(self, spill: bool = False, fields: Callable[[list[str | bytes]], None] | None = None) -> None:
        """`spill`: the texts go to temporary files as they come, not to memory (a full build's catalog).
        `fields`: given the field texts of the papers added, a batch at a time in catalog order, as they are
        added (`fields.joined_fields`: a full build's layout process, store.search.layout_process)."""
        self._fields = fields
        self._laid = 0  # papers whose field texts were given
        self._blobs: dict[str, bytearray | BinaryIO] = {
            k: temporary() if spill else bytearray() for k in self._TEXTS}
        self._ends = {k: array("q", [0]) for k in self._TEXTS}
        self._columns = {k: array(t) for k, t in self._TYPES.items()}
        self._tables: dict[str, dict[str, int]] = {"labels": {}, "documents": {}, "writers": {}}
        self._reset()

    def _reset(self) -> None:
        self._text: dict[str, list[str]] = {k: [] for k in self._TEXTS}
        self._ints: dict[str, list[int]] = {k: [] for k in self._TYPES}

    def add(self, pid: int, title: str, venue: str | None, year: int | None, link: str | None, added: datetime,
            incomplete: bool, authors: Sequence[str], topics: Sequence[str],
            summaries: Sequence[tuple[str, int, str, str | None]]) -> None:
        us, aware = since_epoch(added)
        ints, text, tables = self._ints, self._text, self._tables
        ints["ids"].append(pid)
        ints["years"].append(year or 0)
        ints["added"].append(us)
        ints["flags"].append((year is None) * _NO_YEAR | (venue is None) * _NO_VENUE | (link is None) * _NO_LINK
                             | bool(incomplete) * _INCOMPLETE | aware)
        text["titles"].append(title)
        text["venues"].append(venue or "")
        text["links"].append(link or "")
        text["names"].extend(authors)
        ints["author_counts"].append(len(authors))
        labels = tables["labels"]
        ints["topic_ids"].extend(labels.setdefault(t, len(labels)) for t in topics)
        ints["topic_counts"].append(len(topics))
        documents, writers = tables["documents"], tables["writers"]
        for source, line, body, writer in summaries:
            ints["sources"].append(documents.setdefault(source, len(documents)))
            ints["lines"].append(line)
            text["texts"].append(body)
            ints["writer_ids"].append(-1 if writer is None else writers.setdefault(writer, len(writers)))
        ints["summary_counts"].append(len(summaries))
        if len(ints["ids"]) >= self.BATCH:
            self._flush()

    def add_columns(self, papers: PaperColumns, names: Sequence[str], author_counts: np.ndarray,
                    topics: Sequence[str], topic_counts: np.ndarray, summaries: SummaryColumns,
                    summary_counts: np.ndarray) -> None:
        """Many papers at once, as columns (a full build's read of the database): the same catalog as `add`
        of each paper in turn, without a Python step per paper. `names`, `topics` and `summaries` are every
        paper's in paper order, `*_counts` how many each paper has."""
        self._flush()
        ids, years, added, flags, titles, venues, links = papers
        sources, lines, texts, writers = summaries
        for k, strings in (("titles", titles), ("venues", venues), ("links", links), ("names", names),
                           ("texts", texts)):
            self._text[k].extend(strings)
        ints = {"ids": ids, "years": years, "added": added, "flags": flags, "author_counts": author_counts,
                "topic_counts": topic_counts, "summary_counts": summary_counts, "lines": lines,
                "topic_ids": self._numbered("labels", topics), "sources": self._numbered("documents", sources),
                "writer_ids": self._numbered("writers", writers)}
        for k, values in ints.items():
            self._columns[k].frombytes(np.ascontiguousarray(values, dtype=self._DTYPES[self._TYPES[k]]).tobytes())
        self._flush()

    def _numbered(self, table: str, values: Sequence[str | None]) -> np.ndarray:
        """Each value's number in one of the small tables (-1 for None), numbered as `add` numbers them: in
        order of first occurrence. A few distinct values (topic labels, documents): a step per distinct one."""
        numbers = self._tables[table]
        for value in dict.fromkeys(values):
            if value is not None:
                numbers.setdefault(value, len(numbers))
        return np.fromiter(map(numbers.get, values, repeat(-1)), dtype=np.int32, count=len(values))

    def _flush(self) -> None:
        for k, values in self._ints.items():
            self._columns[k].extend(values)
        if self._fields is not None and (n := len(self._columns["ids"])) > self._laid:
            self._fields(self._field_texts(n - self._laid))
            self._laid = n
        for k, strings in self._text.items():
            blob = self._blobs[k]
            raw, sizes = utf8_column(strings)
            if isinstance(blob, bytearray):
                blob += raw
            else:
                blob.write(raw)
            ends = self._ends[k]
            ends.frombytes((sizes + ends[-1]).tobytes())  # the initial end is there already
        self._reset()

    def _field_texts(self, n: int) -> list[str | bytes]:
        """`fields.joined_fields` of the last `n` papers, whose texts are the ones not flushed yet."""
        columns, text = self._columns, self._text
        topics = columns["topic_counts"][-n:].tolist()
        return joined_fields(text["titles"], list(self._tables["labels"]),
                             columns["topic_ids"][len(columns["topic_ids"]) - sum(topics):].tolist(), topics,
                             text["names"], columns["author_counts"][-n:].tolist(), text["texts"],
                             columns["summary_counts"][-n:].tolist())

    def finish(self) -> Catalog:
        self._flush()
        columns: dict[str, np.ndarray | Texts] = {}
        dtypes = self._DTYPES
        for k, values in self._columns.items():
            column = np.frombuffer(values, dtype=dtypes[self._TYPES[k]]) if len(values) else np.zeros(
                0, dtype=dtypes[self._TYPES[k]])
            if k.endswith("_counts"):
                columns[k.replace("_counts", "_ends")] = np.concatenate([[0], np.cumsum(column)]).astype(np.int64)
            else:
                columns[k] = column
        for k in self._TEXTS:
            blob, ends = self._blobs[k], np.frombuffer(self._ends[k], np.int64)
            columns[k] = (Texts(np.frombuffer(blob, dtype=np.uint8), ends) if isinstance(blob, bytearray)
                          else Texts.spilled(blob, ends))
        for k, table in self._tables.items():
            columns[k] = Texts.of(list(table))
        return Catalog(columns)
