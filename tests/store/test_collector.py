"""The collector pause around bulk work: automatic collection is off inside, back on after, and what a
reload leaves behind is frozen rather than walked again, without leaking cycles in proportion to the corpus."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from bench.corpus import generate
from store.db import collector
from store.library import Library


@pytest.fixture(autouse=True)
def _restore_gc():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_collection_is_off_until_the_last_block_on_any_thread_ends() -> None:
    gc.enable()
    inside, release, seen = threading.Event(), threading.Event(), []

    def other() -> None:
        with collector.paused():
            inside.set()
            release.wait(10)
            seen.append(gc.isenabled())

    worker = threading.Thread(target=other)
    with collector.paused():
        assert not gc.isenabled()
        worker.start()
        assert inside.wait(10)
    assert not gc.isenabled(), "the first block to end re-enabled collection under the other"
    release.set()
    worker.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_a_block_leaves_collection_off_if_it_was_off() -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_what_a_block_leaves_is_frozen_and_a_collection_no_longer_walks_it() -> None:
    gc.enable()
    gc.collect()
    frozen = gc.get_freeze_count()
    with collector.paused():
        kept = [{"paper": i} for i in range(10_000)]
    assert gc.get_freeze_count() >= frozen + len(kept)
    assert not any(obj is kept[0] for obj in gc.get_objects())  # not in any generation a collection walks
    assert kept[-1] == {"paper": 9_999}
    del kept  # reference counting still frees frozen objects
    gc.collect()


async def _cyclic_garbage_of_a_reload(tmp_path: Path, papers: int) -> int:
    corpus = tmp_path / f"corpus-{papers}"
    generate(papers, corpus)
    library = Library(f"sqlite+aiosqlite:///{tmp_path / f'{papers}.sqlite3'}", corpus)
    try:
        await library.start()
        bulk = sorted(corpus.glob("bulk-*.jsonl"))[0]
        bulk.write_text(bulk.read_text(encoding="utf-8") + '{"id": "1", "title": "A Paper Added Later", '
                        '"authors": "Ada Lovelace", "abstract": "Zyx.", "categories": "cs.LG"}\n', encoding="utf-8")
        gc.collect()
        gc.disable()
        real_freeze, collector.gc.freeze = gc.freeze, lambda: None  # count what a freeze would have kept
        try:
            report = await library.reload()
            await library.live.refresh(rebuild=True)
        finally:
            collector.gc.freeze = real_freeze
        assert report.changed and len(library.index) == papers + 1
        return gc.collect()
    finally:
        await library.close()


async def test_a_reload_and_rebuild_make_no_cycles_in_proportion_to_the_corpus(tmp_path: Path) -> None:
    small = await _cyclic_garbage_of_a_reload(tmp_path, 1_000)
    large = await _cyclic_garbage_of_a_reload(tmp_path, 5_000)
    print(f"\ncyclic garbage left by a reload and a rebuild: {small} objects at 1,000 papers, {large} at 5,000")
    # A fixed cost (an event loop, an engine) is expected; anything per paper would be thousands more.
    assert large < small + 1_000, (small, large)
    assert large < 20_000
