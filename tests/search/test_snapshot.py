"""Index snapshots: a restart loads the index built for the current corpus, and never a stale one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from store.library import BUNDLED_SEEDS, Library
from store.search import SearchIndex, snapshot


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


async def test_two_saves_in_one_process_each_write_their_own_file(database_url: str, tmp_path: Path,
                                                                   monkeypatch, caplog) -> None:
    """A reload's rebuild and a second Library on the same database save one snapshot path from two threads
    of one process: one save's rename may land in the middle of the other's. Both must write whole files;
    the last rename wins, and the file is then that save's index, whole."""
    lib = Library(database_url)
    await lib.start()
    whole = lib.index
    await lib.close()
    papers = sorted(whole.papers, key=lambda p: p.id)
    fewer = SearchIndex.build(papers[:2])
    path = tmp_path / "snapshots" / "shared.index"
    real_replace = os.replace
    nested: list[str] = []

    def replace_after_another_save(src, dst):  # type: ignore[no-untyped-def]
        if Path(dst) == path and not nested:
            nested.append(str(src))
            snapshot.save(fewer, path, "fewer")  # the other thread's save, between this one's write and rename
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_after_another_save)
    snapshot.save(whole, path, "whole")
    monkeypatch.setattr(os, "replace", real_replace)

    assert nested and not [r for r in caplog.records if "could not save" in r.getMessage()]
    assert snapshot.load(path, "fewer") is None  # the later rename won
    loaded = snapshot.load(path, "whole")
    assert loaded is not None and len(loaded) == len(whole)
    assert [(h.paper.id, h.score) for h in loaded.paper("lottery ticket").hits] == \
        [(h.paper.id, h.score) for h in whole.paper("lottery ticket").hits]
    assert sorted(p.name for p in path.parent.iterdir()) == ["shared.index"]  # no temporary file left behind


def test_a_snapshot_that_cannot_be_written_is_reported_and_nothing_is_left(tmp_path: Path, caplog) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    index = SearchIndex.build([])
    snapshot.save(index, tmp_path / "a-file" / "paperbot.index", "v1")  # its folder is a file
    assert any("could not save the index snapshot" in r.getMessage() for r in caplog.records)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_snapshot_is_readable_as_the_umask_allows(tmp_path: Path) -> None:
    """Another user's `paperbot console` reads the database the bot writes: its snapshot too, when the umask
    lets it (a private temporary file renamed into place would refuse them)."""
    before = os.umask(0o022)
    try:
        snapshot.save(SearchIndex.build([]), tmp_path / "paperbot.index", "v1")
    finally:
        os.umask(before)
    assert (tmp_path / "paperbot.index").stat().st_mode & 0o777 == 0o644


def _parts(lib: Library) -> set[str]:
    assert lib.snapshot is not None
    return {p.name for p in snapshot.parts_of(lib.snapshot).iterdir()}


async def test_a_builds_spilled_texts_are_the_snapshots_parts_not_copied(database_url: str, caplog) -> None:
    """A full build spills the catalog's texts to files; the snapshot links those files as its parts rather than
    copying their bytes into itself, and reads them back from there."""
    lib = Library(database_url)
    await lib.start()
    assert lib.snapshot is not None and lib.live.index_source == "rebuilt"
    parts = _parts(lib)
    assert parts and not [n for n in parts if n.startswith("building-")]  # the build's own folder is gone
    text = max((s.text for p in lib.catalog for s in p.summaries), key=len).encode()
    assert text not in lib.snapshot.read_bytes()
    assert [n for n in parts if text in (snapshot.parts_of(lib.snapshot) / n).read_bytes()]
    before = answers(lib)
    await lib.close()

    again = Library(database_url)
    await again.start()
    assert again.live.index_source == "snapshot" and answers(again) == before
    assert max((s.text for p in again.catalog for s in p.summaries), key=len).encode() == text
    # Saved again as it was loaded (as its meaning vectors are): its parts are linked again, not copied.
    snapshot.save(again.index, lib.snapshot, again.live._saved[1])
    assert text not in lib.snapshot.read_bytes() and len(_parts(again)) == len(parts) and _parts(again) != parts
    resaved = snapshot.load(lib.snapshot, again.live._saved[1])
    assert resaved is not None
    assert [(h.paper.title, round(h.score, 6)) for h in resaved.paper("lottery ticket sparse networks").hits] == before
    await again.close()
    parts = _parts(again)

    for name in parts:  # a part lost (removed by hand): the snapshot is not read, and is made again
        (snapshot.parts_of(lib.snapshot) / name).unlink()
    third = Library(database_url)
    await third.start()
    assert third.live.index_source == "rebuilt" and answers(third) == before
    assert any("ignoring the index snapshot" in r.getMessage() for r in caplog.records)
    await third.close()


async def test_a_save_removes_the_parts_no_snapshot_reads(database_url: str, monkeypatch, caplog) -> None:
    """The replaced snapshot's parts go, and so do the parts and build folders of processes that are gone; a live
    process's are left alone. A process that opened the file just replaced, and finds its parts gone, reads the
    new file."""
    lib = Library(database_url)
    await lib.start()
    assert lib.snapshot is not None
    path, folder = lib.snapshot, snapshot.parts_of(lib.snapshot)
    first, first_file = _parts(lib), path.read_bytes()
    stamp = lib.live._saved[1]
    await lib.live.refresh(rebuild=True)
    second = _parts(lib)
    assert second and not first & second
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    alive = os.getppid()
    for pid in (gone.pid, alive):
        (folder / f"{pid}-0123456789ab.0").write_bytes(b"left")
        (folder / f"building-{pid}-x").mkdir()
        (folder / f"building-{pid}-x" / "spill-1").write_bytes(b"left")
    await lib.live.refresh(rebuild=True)
    now = _parts(lib)
    assert not second & now
    assert {f"{alive}-0123456789ab.0", f"building-{alive}-x"} <= now
    assert not {f"{gone.pid}-0123456789ab.0", f"building-{gone.pid}-x"} & now
    before, now_file = answers(lib), path.read_bytes()
    await lib.close()

    path.write_bytes(first_file)  # a file whose parts are gone, and nothing replaced it: not read
    assert snapshot.load(path, stamp) is None
    assert any("ignoring the index snapshot" in r.getMessage() for r in caplog.records)
    caplog.clear()
    real, replaced = snapshot._mapped, []

    def replaced_meanwhile(fh, version, parts):  # type: ignore[no-untyped-def]
        if not replaced:  # another process's save lands after this one opened the file, and sweeps its parts
            replaced.append(path.with_name("newer"))
            replaced[0].write_bytes(now_file)
            os.replace(replaced[0], path)
        return real(fh, version, parts)

    monkeypatch.setattr(snapshot, "_mapped", replaced_meanwhile)
    loaded = snapshot.load(path, stamp)
    assert replaced and loaded is not None and not caplog.records
    assert [(h.paper.title, round(h.score, 6)) for h in loaded.paper("lottery ticket sparse networks").hits] == before
