"""The array-speed layout (store/search/layout.py) against the word-by-word tokenizer it replaces in the
index build: the same term ids, in the same order, with the same vocabulary, whatever the text."""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.ingest import parse_file
from store.search import layout as layout_module
from store.search.layout import KEY_BYTES, FieldLayout, _ChunkTable
from store.search.terms import Numbering, TermTable
from store.text.tokenize import TermIds, chunks

SEEDS = Path(__file__).parent.parent.parent / "seeds"


def reference(texts: list[str]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """One text after another, one chunk after another, through `TermIds.of`."""
    ids = TermIds()
    flat, lengths = array("i"), array("q")
    for text in texts:
        before = len(flat)
        flat.extend(ids.of(text))
        lengths.append(len(flat) - before)
    return np.frombuffer(flat, dtype=np.int32), np.frombuffer(lengths, dtype=np.int64), ids.vocabulary


def assert_same_as_reference(texts: list[str]) -> None:
    layout = FieldLayout()
    flat, lengths = layout.lay_out(texts)
    ref_flat, ref_lengths, ref_vocabulary = reference(texts)
    assert flat.dtype == np.int32 and lengths.dtype == np.int64
    assert lengths.tolist() == ref_lengths.tolist()
    assert flat.tolist() == ref_flat.tolist()
    assert layout.vocabulary == ref_vocabulary


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few hundred characters: many batches, chunks learnt in one and found in the next."""
    monkeypatch.setattr(layout_module, "BATCH_CHARS", 600)
    monkeypatch.setattr(layout_module, "FIRST_BATCH_CHARS", 50)


def seed_fields() -> list[str]:
    texts = []
    for path in sorted(SEEDS.iterdir()):
        for r in parse_file(path, path.name).records:
            texts += [r.title, " ".join(r.topics), " ".join(r.authors), r.summary]
    return texts


def test_seed_papers_lay_out_as_the_tokenizer_reads_them() -> None:
    texts = seed_fields()
    assert len(texts) >= 4 * 90 and sum(map(len, texts)) > 50_000
    assert_same_as_reference(texts)


def test_seed_papers_in_many_small_batches(small_batches: None) -> None:
    assert_same_as_reference(seed_fields())


@pytest.mark.parametrize("word", [
    "a" * 7, "b" * 8, "c" * 9, "d" * 15, "e" * 16, "f" * 17, "g" * 40,  # around the 8- and 16-byte keys
    "é" * 4 + "x", "x" * 7 + "é", "x" * 15 + "é", "ééééééééé",  # a character across a key's byte boundary
])
def test_chunks_around_the_key_sizes(word: str, small_batches: None) -> None:
    texts = [f"{word} {word}s {word}-{word} {word}", f"{word[:-1]} {word}", "", word * 2, word]
    assert_same_as_reference(texts * 30)


def test_chunks_of_many_terms_keep_their_terms_in_place(small_batches: None) -> None:
    """A hyphenated chunk's terms (one to 29 here, stop words among them) go where the chunk is, among chunks
    of one term and of none, whether it is met for the first time or found in the table (its terms then read
    back from the layout's `_terms`)."""
    chunked = ["-".join(f"part{i}" if i % 3 else "of" for i in range(n)) for n in range(1, 30)]
    texts = [f"a {c} model-based and {c}" for c in chunked] + [" ".join(chunked), "the", *reversed(chunked)]
    assert_same_as_reference(texts * 2)


def test_long_chunks_sharing_a_16_byte_prefix_stay_apart() -> None:
    words = ["abcdefghijklmnopq1", "abcdefghijklmnopq22", "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqz"]
    assert all(len(w.encode()) > KEY_BYTES for w in words)
    texts = [" ".join(words), " ".join(reversed(words)), f"{words[0]} " * 3, "abcdefghijklmnop"]
    assert_same_as_reference(texts)
    layout = FieldLayout()
    flat, _ = layout.lay_out(texts)
    assert len(set(flat[:4].tolist())) == 4


def test_empty_inputs() -> None:
    assert_same_as_reference([])
    assert_same_as_reference([""])
    assert_same_as_reference(["", "", ""])
    assert_same_as_reference(["... --- ,,, !!!", "", "the of and"])  # chunks without terms


def test_unicode_spaces_cut_words_as_the_tokenizer_does() -> None:
    spaces = [c for c in map(chr, range(0x80, 0x10000)) if c.isspace()]
    assert "\u00a0" in spaces and "\u3000" in spaces
    texts = [f"alpha{s}beta{s}{s}gamma-delta{s}" for s in spaces] + ["a\x1cb\x1dc\x1ed\x1fe", "x\x00y\x00"]
    assert_same_as_reference(texts)
    assert all(len(chunks(t)) == 3 for t in texts[: len(spaces)])


def test_many_distinct_chunks_grow_the_table(small_batches: None) -> None:
    texts = [f"paper {i} on x{i * 7919 % 100_003}y and model{i}-v{i % 13}" for i in range(6_000)]
    assert_same_as_reference(texts)


@pytest.mark.parametrize("slice_", [1 << 16, 64])
def test_the_table_finds_every_key_it_holds_among_colliding_slots(slice_: int, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    # slice_ 64: a growth puts the held keys back in many slices (as at a million papers), not in one go
    monkeypatch.setattr(layout_module, "SLICE", slice_)
    rng = np.random.default_rng(5)
    table = _ChunkTable(bits=4)  # 16 slots to start: probes, collisions and growth all happen
    low = rng.integers(1, 2**63, size=5_000, dtype=np.int64).astype(np.uint64)
    high = rng.integers(0, 2**63, size=5_000, dtype=np.int64).astype(np.uint64)
    high[:2_500] = 0  # chunks of up to 8 bytes: the high key is zero
    low[2_500:2_600] = low[:100]  # same low key, another high key
    values = np.arange(5_000)
    for part in np.array_split(np.arange(5_000), 7):
        table.add(low[part], high[part], values[part], values[part] % 3)
    slot = table.find(low, high)
    assert (slot >= 0).all()
    assert table.first[slot].tolist() == values.tolist()
    assert table.count[slot].tolist() == (values % 3).tolist()
    missing = table.find(low[:50] ^ np.uint64(1 << 62), high[:50])
    assert (missing == -1).all()


# Words from the corpus's alphabet and its traps: punctuation that cuts and that does not, digits with
# thousands separators, accents, combining marks, other scripts, Unicode spaces, apostrophes, NUL.
_PIECES = st.sampled_from([
    "learning", "Deep", "self-attention", "out-of-distribution", "10,000-layer", "1,000", "3.5", "C++",
    "don't", "Bengio’s", "naïve", "Aäron", "e\u0301", "ß", "Ø", "学习", "Ωμέγα", "the", "of", "a", "I",
    "x" * 16, "y" * 17, "é" * 9, "—", "–", "...", ",", "'", "-", "(", ")", "@everyone", "#", "\u00a0", "\u2003",
    "\u3000", "\x85", "\t", "\n", "\x00", " ", "  ", "\ud800", "b\udcffc",
])
_TEXT = st.lists(_PIECES | st.text(max_size=6), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEXT, max_size=25))
def test_any_text_lays_out_as_the_tokenizer_reads_it(texts: list[str]) -> None:
    assert_same_as_reference(texts)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=40), st.integers(1, 200))
def test_any_batch_size_gives_the_same_ids(texts: list[str], batch: int) -> None:
    original = layout_module.BATCH_CHARS, layout_module.FIRST_BATCH_CHARS
    layout_module.BATCH_CHARS, layout_module.FIRST_BATCH_CHARS = batch, max(1, batch // 4)
    try:
        assert_same_as_reference(texts)
    finally:
        layout_module.BATCH_CHARS, layout_module.FIRST_BATCH_CHARS = original


def test_forgetting_the_word_caches_changes_no_term() -> None:
    """A serving process empties the caches a full build filled (store.search.live): the terms stay the same."""
    from store.text import tokenize as tk

    text = "Normalising flows for out-of-distribution detection (OOD), 1,000 GANs' samples"
    before = tk.tokenize(text)
    assert len(tk._CHUNKS) > 0
    tk.forget()
    assert len(tk._CHUNKS) == 0 and len(tk._CACHE) == 0 and tk._stem.cache_info().currsize == 0
    assert tk.tokenize(text) == before


@given(st.lists(st.text(max_size=6), max_size=300))
@settings(max_examples=200, deadline=None)
def test_the_vocabulary_numbers_terms_as_a_dict_in_order_of_first_appearance(terms: list[str]) -> None:
    numbering = Numbering()
    plain: dict[str, int] = {}
    assert [numbering.number(t) for t in terms] == [plain.setdefault(t, len(plain)) for t in terms]
    assert len(numbering) == len(plain)
    assert numbering == plain and dict(numbering) == plain
    assert numbering.in_order() == list(plain)
    assert all(numbering[t] == i for t, i in plain.items())
    assert all((t in numbering) == (t in plain) for t in ("", "a", "ab", "\x00"))
    numbering.clear()
    assert len(numbering) == 0 and numbering.in_order() == [] and numbering.number("again") == 0


def test_the_vocabulary_spreads_its_terms_over_its_shards() -> None:
    """No one dict holds most terms, so none grows by much in one go (the point of the shards)."""
    numbering = Numbering()
    for i in range(20_000):
        numbering.number(f"t{i}")
    sizes = [len(shard) for shard in numbering._shards]
    assert sum(sizes) == 20_000 and max(sizes) < 3 * 20_000 / Numbering.SHARDS
    assert TermTable.numbered(numbering.in_order()).get("t12345") == 12345
