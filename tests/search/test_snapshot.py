"""Index snapshots: a restart loads the index built for the current corpus, and never a stale one."""

from __future__ import annotations

import shutil
from pathlib import Path

from store.library import BUNDLED_SEEDS, Library


def answers(lib: Library) -> list[tuple[str, float]]:
    return [(h.paper.title, round(h.score, 6)) for h in lib.index.paper("lottery ticket sparse networks").hits]


async def test_a_restart_loads_the_snapshot_and_answers_the_same(database_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_SEEDS, corpus)
    first = Library(database_url, corpus)
    await first.start()
    assert first.live.index_source == "rebuilt" and first.snapshot and first.snapshot.exists()
    before = answers(first)
    await first.close()

    second = Library(database_url, corpus)
    await second.start()
    assert second.live.index_source == "snapshot"
    assert answers(second) == before and len(second.index) == len(first.index)
    assert second.index.author("Frankle").hits and second.index.ask("what is a winning ticket?").hits

    # A change by another process renews the corpus version: the old snapshot is stale and not used.
    (corpus / "extra.md").write_text("---\ntitle: Snapshot Staleness Considered Harmful\nauthors: Ada Lovelace\n"
                                     "---\nA stale cache serves yesterday's corpus.\n", encoding="utf-8")
    writer = Library(database_url, corpus)
    await writer.start()
    await writer.ingest([corpus])  # ingests, but does not refresh: the snapshot on disk is now stale
    await writer.close()
    third = Library(database_url, corpus)
    await third.start()
    assert third.live.index_source == "rebuilt"
    assert "Snapshot Staleness Considered Harmful" in {p.title for p in third.catalog}
    await second.close()
    await third.close()


async def test_a_damaged_snapshot_is_ignored_and_rebuilt(database_url: str, tmp_path: Path, caplog) -> None:
    first = Library(database_url)
    await first.start()
    before = answers(first)
    await first.close()
    assert first.snapshot is not None
    data = first.snapshot.read_bytes()
    first.snapshot.write_bytes(data[: len(data) // 2])  # a crash or a full disk mid-write

    second = Library(database_url)
    await second.start()
    assert second.live.index_source == "rebuilt" and answers(second) == before
    assert any("ignoring the index snapshot" in r.getMessage() for r in caplog.records)
    await second.close()
    third = Library(database_url)  # the rebuild wrote a good snapshot again
    await third.start()
    assert third.live.index_source == "snapshot" and answers(third) == before
    await third.close()
