"""A generated corpus that composes the conventions (issue 24, "Done when"), read to exact values.

tests/ingest/generated crosses headings that look like keys (`# Paper`, `## Title`, `### Authors`, `# 论文`,
`# Papier`, a title heading) with every header style, every author style, placeholders, affiliations,
damaged lines, writers' credits and files of several papers: every combination once (13,320 notes), each
with the exact (title, authors) of its papers, and every note must read exactly (a failure prints the
rate per dimension and the first notes misread). Hypothesis draws notes from the same dimensions for the
properties: no placeholder, institution or writer is an author; no title carries markup; a key heading's
refused reading never hides the paper below it; no author is invented; a file's own heading is never a paper.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from store.ingest import parse_text
from tests.ingest.generated import Note, compose_corpus, compose_multi, compose_single
from tests.ingest.generated.authors import DAMAGES, INLINE_STYLES, LIST_STYLES, WRITER_FORMS
from tests.ingest.generated.compose import (
    ENTRIES,
    FILE_HEADINGS,
    MULTI_DAMAGES,
    MULTI_WRITERS,
    MultiSpec,
    SingleSpec,
    multi_specs,
    single_specs,
    single_valid,
)
from tests.ingest.generated.headers import HEADERS, KEY_HEADINGS

Record = tuple[str, tuple[str, ...]]
_MARKUP = re.compile(r"[*_#`\[\]|]|^\s*\d+\.\s")  # emphasis, headings, code, links, tables, numbering


def _read(note: Note) -> tuple[Record, ...]:
    parsed = parse_text(note.text, "note" + note.suffix, note.suffix)
    return tuple((r.title, tuple(r.authors)) for r in parsed.records)


def _people(note: Note) -> list[tuple[str, ...]]:
    return [authors for _title, authors in note.expected]


@cache
def corpus() -> tuple[tuple[Note, tuple[Record, ...]], ...]:
    return tuple((note, _read(note)) for note in compose_corpus())


def _breakdown(pairs: list[tuple[Note, bool]]) -> str:
    """Per dimension value: notes read exactly / notes."""
    total: Counter[tuple[str, str]] = Counter()
    exact: Counter[tuple[str, str]] = Counter()
    for note, good in pairs:
        for key, value in note.dims.items():
            total[key, value] += 1
            exact[key, value] += good
    return "\n".join(f"  {k:8} {v:16} {exact[k, v]:5}/{total[k, v]:5}" for k, v in sorted(total))


def _example(note: Note, got: tuple[Record, ...]) -> str:
    return f"--- {note.dims}\n{note.text}expected {note.expected}\ngot      {got}"


def test_the_corpus_is_every_combination_deterministic_and_covers_every_dimension() -> None:
    notes = [note for note, _got in corpus()]
    assert len(notes) == len(single_specs()) + len(multi_specs()) > 10_000
    assert [n.text for n in compose_corpus()] == [n.text for n in notes]
    assert len({n.text for n in notes}) == len(notes)
    seen = Counter((k, v) for n in notes for k, v in n.dims.items())
    wanted = ([("heading", h) for h in KEY_HEADINGS] + [("header", h) for h in [*HEADERS, *ENTRIES]]
              + [("style", s) for s in [*INLINE_STYLES, *LIST_STYLES]] + [("damage", d) for d in DAMAGES]
              + [("writer", w) for w in ["none", *WRITER_FORMS, *MULTI_WRITERS]])
    assert {key: seen[key] for key in wanted if seen[key] < 40} == {}
    assert sum(len(n.expected) > 1 for n in notes) == len(multi_specs())


def test_the_expected_values_hold_no_placeholder_institution_writer_or_markup() -> None:
    for note, _got in corpus():
        names = [name.casefold() for a in _people(note) for name in a]
        assert not any(noise.casefold() in name for noise in note.noise for name in names), note.text
        assert not any(_MARKUP.search(title) for title, _authors in note.expected), note.text


def test_every_note_reads_exactly() -> None:
    pairs = [(note, got == note.expected) for note, got in corpus()]
    wrong = [(note, got) for note, got in corpus() if got != note.expected]
    assert not wrong, (f"{len(wrong)} of {len(pairs)} notes misread\n" + _breakdown(pairs) + "\n"
                       + "\n".join(_example(n, g) for n, g in wrong[:5]))


# --- properties: notes drawn from the same dimensions by hypothesis ---

SINGLES = st.builds(SingleSpec, st.sampled_from(sorted(KEY_HEADINGS)), st.sampled_from(sorted(HEADERS)),
                    st.sampled_from([*INLINE_STYLES, *LIST_STYLES]), st.sampled_from(DAMAGES),
                    st.sampled_from(["none", *WRITER_FORMS]), st.integers(0, 10**6), st.integers(0, 10**6),
                    ).filter(single_valid).map(compose_single)
MULTIS = st.builds(MultiSpec, st.integers(0, len(FILE_HEADINGS) - 1), st.sampled_from(ENTRIES),
                   st.sampled_from(INLINE_STYLES), st.sampled_from(MULTI_DAMAGES), st.sampled_from(MULTI_WRITERS),
                   st.lists(st.integers(0, 10**6), min_size=2, max_size=3).map(tuple),
                   st.integers(0, 10**6)).map(compose_multi)
NOTES = SINGLES | MULTIS
PROPERTY = settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(NOTES)
def test_no_placeholder_institution_or_writer_is_ever_an_author(note: Note) -> None:
    for _title, authors in _read(note):
        for author in authors:
            assert not any(noise.casefold() in author.casefold() for noise in note.noise), (author, note.text)


@PROPERTY
@given(NOTES)
def test_no_title_carries_markup(note: Note) -> None:
    for title, _authors in _read(note):
        assert not _MARKUP.search(title), (title, note.text)


def _written(author: str, text: str) -> bool:
    """As written, or as "Last, First" written the other way round (a doubled separator between them too)."""
    words = [re.escape(w) for w in author.split()]
    inverted = (r"\s".join(words[i:]) + r"\s*[,;]+\s*" + r"\s".join(words[:i]) for i in range(1, len(words)))
    return author in text or any(re.search(pattern, text) for pattern in inverted)


@PROPERTY
@given(NOTES)
def test_no_author_is_invented(note: Note) -> None:
    for _title, authors in _read(note):
        assert all(_written(author, note.text) for author in authors), (authors, note.text)


@PROPERTY
@given(SINGLES)
def test_a_refused_key_heading_never_hides_the_paper_below_it(note: Note) -> None:
    assume(note.refused_key)
    assert note.expected[0] in _read(note), note.text


@PROPERTY
@given(MULTIS)
def test_a_files_own_heading_is_never_a_paper(note: Note) -> None:
    heading = note.text.split("\n", 1)[0].lstrip("# ")
    assert heading not in [title for title, _authors in _read(note)], note.text
