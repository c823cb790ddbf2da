"""The corpus folder's files are the same documents wherever the folder is: on another machine, under
another path, after it moved. A reload from any of them changes only what changed, and a folder found
empty (an unmounted disk, a wrong CORPUS_DIR) removes nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from store.db.models import Document
from store.ingest.corpus import find
from store.ingest.records import CORPUS_ROOT
from store.library import BUNDLED_SEEDS, Library

SEED_FILES = sorted(p.name for p in BUNDLED_SEEDS.iterdir() if not p.name.startswith("."))
LOTTERY = "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks"


def copy_of_seeds(folder: Path) -> Path:
    shutil.copytree(BUNDLED_SEEDS, folder)
    return folder


def test_find_names_the_corpus_folders_files_by_the_corpus_root(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "week1").mkdir(parents=True)
    (corpus / "a.md").write_text("# A\n", "utf-8")
    (corpus / "week1" / "b.md").write_text("# B\n", "utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.md").write_text("# C\n", "utf-8")
    link = tmp_path / "link-to-corpus"
    link.symlink_to(corpus)

    files, roots, problems = find([corpus, other], corpus_dir=corpus)
    assert [(f.root, f.name) for f in files] == [(CORPUS_ROOT, "a.md"), (CORPUS_ROOT, "week1/b.md"),
                                                 (str(other.resolve()), "c.md")]
    assert roots == [CORPUS_ROOT, str(other.resolve())] and problems == []
    # A subfolder or a file of the corpus folder: the same names, and no pruning (only the whole folder).
    files, roots, _ = find([corpus / "week1"], corpus_dir=corpus)
    assert [(f.root, f.name) for f in files] == [(CORPUS_ROOT, "week1/b.md")] and roots == []
    files, roots, _ = find([corpus / "week1" / "b.md"], corpus_dir=corpus)
    assert [(f.root, f.name) for f in files] == [(CORPUS_ROOT, "week1/b.md")] and roots == []
    # The folder reached through a symlink is the same folder.
    files, roots, _ = find([link], corpus_dir=corpus)
    assert [(f.root, f.name) for f in files] == [(CORPUS_ROOT, "a.md"), (CORPUS_ROOT, "week1/b.md")]
    # Without a corpus folder, a folder is known by its resolved path, as before.
    files, roots, _ = find([corpus], corpus_dir=None)
    assert {f.root for f in files} == {str(corpus.resolve())} and roots == [str(corpus.resolve())]


async def test_two_processes_with_the_corpus_under_two_paths_share_its_documents(database_url: str,
                                                                                tmp_path: Path) -> None:
    a = Library(database_url, copy_of_seeds(tmp_path / "machine-a" / "notes"))
    b = Library(database_url, copy_of_seeds(tmp_path / "machine-b" / "srv" / "paperbot"))
    await a.start()
    await b.start()
    try:
        report = await b.reload()
        assert sorted((f.source, f.status) for f in report.files) == [(n, "unchanged") for n in SEED_FILES]
        lottery = next(h for h in b.index.paper("lottery ticket", 3).hits if h.paper.title == LOTTERY)
        assert len(lottery.paper.summaries) == 1  # not a second copy from the second path
        # A file deleted on machine B and reloaded there leaves the corpus for everyone.
        gone = next(b.corpus.corpus_dir.glob("003_*"))
        assert {f.status for f in (await a.reload()).files} == {"unchanged"}  # nothing changed yet
        gone.unlink()
        report = await b.reload()
        assert [(f.source, f.status) for f in report.files if f.status != "unchanged"] == [(gone.name, "removed")]
        await a.live.catch_up()
        assert LOTTERY not in {h.paper.title for h in a.index.paper("lottery ticket", 5).hits}
        async with a.sessionmaker() as s:
            names = sorted((await s.scalars(select(Document.name).where(Document.root == CORPUS_ROOT))).all())
        assert names == [n for n in SEED_FILES if n != gone.name]
    finally:
        await b.close()
        await a.close()


async def test_documents_stored_under_the_folders_path_are_adopted_not_read_again(database_url: str,
                                                                                 tmp_path: Path) -> None:
    """A database from before the corpus root knows the files by the folder's path: the next start
    renames them, and the reload after it finds every file unchanged (no second copy of any summary)."""
    corpus = copy_of_seeds(tmp_path / "corpus")
    lib = Library(database_url, corpus)
    await lib.start()
    async with lib.sessionmaker() as s, s.begin():  # as an older paperbot stored them
        await s.execute(update(Document).where(Document.root == CORPUS_ROOT).values(root=str(corpus.resolve())))
    await lib.close()
    again = Library(database_url, corpus)
    await again.start()
    try:
        async with again.sessionmaker() as s:
            roots = set((await s.scalars(select(Document.root))).all())
        assert roots == {CORPUS_ROOT}
        report = await again.reload()
        assert {f.status for f in report.files} == {"unchanged"} and report.papers_total == len(again.index)
        lottery = next(h for h in again.index.paper("lottery ticket", 3).hits if h.paper.title == LOTTERY)
        assert len(lottery.paper.summaries) == 1
    finally:
        await again.close()


async def test_an_empty_corpus_folder_removes_nothing_and_says_why(database_url: str, tmp_path: Path) -> None:
    corpus = copy_of_seeds(tmp_path / "corpus")
    lib = Library(database_url, corpus)
    await lib.start()
    try:
        before = len(lib.index)
        mount = tmp_path / "unmounted"
        mount.mkdir()
        other = Library(database_url, mount)  # a machine whose CORPUS_DIR is an empty folder
        await other.start()
        try:
            report = await other.reload()
            assert [(p.source, p.message) for p in report.problems] == [(
                "the corpus folder", "no summary files found: nothing removed (is it mounted, and is CORPUS_DIR "
                "the right folder?)")]
            assert report.papers_total == before and not report.changed
        finally:
            await other.close()
        # Emptying a folder that is not the corpus folder still prunes it (an explicit `paperbot ingest`).
        notes = tmp_path / "notes"
        notes.mkdir()
        (notes / "extra.md").write_text("# Notes\n\n## Holographic Replay Buffers for Offline Agents\n"
                                        "Authors: Mira Okafor\n\nReplay buffers as interference patterns.\n", "utf-8")
        assert (await lib.ingest([notes])).papers_total == before + 1
        (notes / "extra.md").unlink()
        report = await lib.ingest([notes])
        assert report.papers_total == before and not report.problems
    finally:
        await lib.close()


async def test_a_moved_folder_is_adopted_and_another_folder_is_not(database_url: str, tmp_path: Path) -> None:
    """Documents stored under a path that is no folder here any more, whose files the corpus folder holds
    (same names, same bytes), were the corpus folder's before it moved. A folder ingested on its own (still
    there), and a vanished one that only shares a file name, stay apart."""
    corpus = copy_of_seeds(tmp_path / "new-home" / "corpus")
    lib = Library(database_url, corpus)
    await lib.start()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / SEED_FILES[0]).write_text((corpus / SEED_FILES[0]).read_text("utf-8"), "utf-8")  # same name, kept apart
    await lib.ingest([notes])
    old_home = str(tmp_path / "old-home" / "corpus")  # never created here: the folder's former place
    unplugged = str(tmp_path / "usb" / "notes")  # gone too, and one name in common, but other bytes
    async with lib.sessionmaker() as s, s.begin():
        await s.execute(update(Document).where(Document.root == CORPUS_ROOT).values(root=old_home))
        s.add(Document(name=SEED_FILES[1], root=unplugged, sha256="0" * 64, ingested_at=datetime.now(UTC)))
    await lib.close()
    again = Library(database_url, corpus)
    await again.start()
    try:
        async with again.sessionmaker() as s:
            rows = sorted((await s.execute(select(Document.root, Document.name))).all())
        assert rows == sorted([*((CORPUS_ROOT, n) for n in SEED_FILES), (str(notes.resolve()), SEED_FILES[0]),
                               (unplugged, SEED_FILES[1])])
        assert {f.status for f in (await again.reload()).files} == {"unchanged"}
    finally:
        await again.close()


async def test_a_process_left_on_the_bundled_seeds_does_not_reload_them_into_the_groups_corpus(
        database_url: str, tmp_path: Path) -> None:
    corpus = copy_of_seeds(tmp_path / "corpus")
    (corpus / "week-12.md").write_text("# Notes\n\n## Holographic Replay Buffers for Offline Agents\n"
                                       "Authors: Mira Okafor\n\nReplay buffers as interference patterns.\n", "utf-8")
    group = Library(database_url, corpus)
    await group.start()
    seeds_only = Library(database_url, BUNDLED_SEEDS)  # another machine, CORPUS_DIR forgotten
    await seeds_only.start()
    try:
        assert (group.corpus.root, seeds_only.corpus.root) == (CORPUS_ROOT, "seeds:")
        report = await seeds_only.reload()
        assert not report.files and report.papers_total == len(group.index) == 95
        [problem] = report.problems
        assert problem.source == "the corpus folder" and "has no CORPUS_DIR" in problem.message
        async with group.sessionmaker() as s:
            assert set((await s.scalars(select(Document.root))).all()) == {CORPUS_ROOT}
    finally:
        await seeds_only.close()
        await group.close()


async def test_the_bundled_seeds_are_stored_as_the_seeds(database_url: str) -> None:
    lib = Library(database_url, BUNDLED_SEEDS)
    await lib.start()
    try:
        async with lib.sessionmaker() as s:
            rows = sorted((await s.execute(select(Document.root, Document.name))).all())
        assert rows == [("seeds:", n) for n in SEED_FILES]
        assert {f.status for f in (await lib.reload()).files} == {"unchanged"}
    finally:
        await lib.close()
