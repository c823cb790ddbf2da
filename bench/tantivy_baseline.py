"""Tantivy (the Rust search library, through its Python binding) as the baseline the bot must beat.

The same documents as the bot's index: each paper's title, topics and summary as three text fields with
Tantivy's English stemming ("en_stem": lower case, stop words kept, Snowball stemmer). A query is parsed
leniently over the three fields (a member's free text may hold query syntax: `?`, `:`, quotes), OR of
its words, with the title boosted 2.0 as the bot's BM25F weighs the title 2.0 (topics and summary 1.0);
Tantivy scores each field with its own BM25 and sums them, the bot mixes the fields' term frequencies
before saturating them (BM25F): the same evidence, slightly different arithmetic. Top 10, without the
total count, and the paper ids read from a fast field in one call (tantivy-py 0.26 and later; before, from
the stored document): the cheapest way the binding offers to learn which papers to show, so its Python
overhead is as small as it can be.

The index lives in a temporary folder, written by the binding's default writer (128 MB heap, threads
chosen by Tantivy) and merged before it is timed as built.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import tantivy

FIELDS = ["title", "topics", "summary"]
BOOSTS = {"title": 2.0}
TOKENIZER = "en_stem"


class Paper(Protocol):  # what the bot's PaperView offers
    id: int
    title: str
    topics: tuple[str, ...]

    @property
    def summary(self) -> str: ...


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=False, fast=True)  # stored too: for bindings before 0.26
    for name in FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=TOKENIZER)
    return builder.build()


class TantivyBaseline:
    def __init__(self, index: tantivy.Index) -> None:
        self.index = index
        self.searcher = index.searcher()  # one searcher for every query, as a server would hold it
        self._fast = hasattr(self.searcher, "fast_field_values")  # tantivy-py 0.26 and later

    @classmethod
    def build(cls, papers: Iterable[Paper], folder: Path) -> tuple[TantivyBaseline, float]:
        """Index the papers in `folder`; returns the baseline and the seconds it took (commit and merge included)."""
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        index = tantivy.Index(schema(), path=str(folder))
        writer = index.writer()
        for p in papers:
            writer.add_document(tantivy.Document(id=p.id, title=p.title, topics=" ".join(p.topics), summary=p.summary))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return cls(index), time.perf_counter() - t

    def search(self, query: str, limit: int = 10) -> list[int]:
        """The ids of the best `limit` papers for `query`, best first."""
        parsed, _errors = self.index.parse_query_lenient(query, FIELDS, field_boosts=BOOSTS)
        hits = self.searcher.search(parsed, limit, count=False).hits
        if self._fast:
            return self.searcher.fast_field_values("id", [address for _score, address in hits])
        return [self.searcher.doc(address)["id"][0] for _score, address in hits]
