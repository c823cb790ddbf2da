"""A file that loaded once, then broke (each kind of breakage of the mutation fuzzing, tests/ingest/mutations.py):
the reload refuses it and says why, and the database keeps what it had, unchanged."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db.models import Document
from store.library import Library
from tests.ingest.mutations import (
    MUTATIONS,
    READS_MODE_000,
    RNG_SEED,
    SEEDS,
    bad_lines,
    catalog,
    problems_by_file,
    reads_mode_000,
)


def _swap(make: Callable[[Path], object]) -> Callable[[Path], None]:
    def replace(path: Path) -> None:
        path.unlink()
        make(path)
    return replace


BREAKAGES: dict[str, Callable[[Path], None]] = {
    **{kind: (lambda mutate: lambda p: p.write_bytes(mutate(p.read_bytes(), random.Random(RNG_SEED))))(
        MUTATIONS[kind]) for kind in ("random-bytes-file", "random-bytes-spliced", "nul-byte", "latin-1",
                                      "cp1252", "utf-16-bom", "utf-16-le", "cut-after-lead-byte", "over-10MB",
                                      "one-byte-over-limit", "empty", "whitespace-only")},
    "headings-only": lambda p: p.write_bytes(b"# ICLR 2017\n\n## Monday morning\n\n### Optimization\n"),
    "symlink-dangling": _swap(lambda p: p.symlink_to("nowhere.txt")),
    "symlink-loop": _swap(lambda p: p.symlink_to(p.name)),
    "symlink-to-dev-zero": _swap(lambda p: p.symlink_to("/dev/zero")),
    # A link to a regular file outside the folder (/proc/self/mem) is not a breakage: what was stored under
    # its name goes, as for a removed file (tests/ingest/test_corpus_boundary.py).
    "named-pipe": _swap(lambda p: os.mkfifo(p)),
    "mode-000": lambda p: p.chmod(0),
}
SKIPS = {
    "symlink-to-dev-zero": (not Path("/dev/zero").exists(), "no /dev/zero here"),
    "named-pipe": (not hasattr(os, "mkfifo"), "no named pipes here"),
}


async def database_state(lib: Library) -> tuple[list[object], list[tuple[str, str, object]]]:
    async with lib.sessionmaker() as s:
        docs = [tuple(r) for r in (await s.execute(select(Document.name, Document.sha256, Document.ingested_at)
                                                   .order_by(Document.name))).all()]
    return list(await lib.papers()), docs


@pytest.mark.timeout(60)
@pytest.mark.parametrize("breakage", [
    pytest.param(b, marks=pytest.mark.skipif(SKIPS[b][0], reason=SKIPS[b][1])) if b in SKIPS else b for b in BREAKAGES])


async def test_a_file_that_breaks_keeps_what_the_database_had(database_url: str, tmp_path: Path,
                                                               breakage: str) -> None:
    if breakage == "mode-000" and reads_mode_000(tmp_path):
        pytest.skip(READS_MODE_000)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    originals = {seed.name: seed.read_bytes() for seed in SEEDS}
    for name, data in originals.items():
        (corpus / name).write_bytes(data)
    lib, first = await catalog(database_url, corpus, ingest=True)
    try:
        assert first is not None and all(f.status == "new" and f.papers > 0 for f in first.files)
        before = await database_state(lib)
        victims = []
        for name in originals:  # break every seed this breakage really breaks (Latin-1 of ASCII text is fine)
            BREAKAGES[breakage](corpus / name)
            if bad_lines(corpus / name) is not None or breakage == "headings-only":
                victims.append(name)
            else:
                (corpus / name).write_bytes(originals[name])
        assert victims, f"{breakage} broke none of the seeds"

        report = await lib.reload([corpus])
        status = {f.source: f.status for f in report.files}
        problems = problems_by_file(report)
        for name in victims:
            assert status[name] == "failed", (name, status[name], problems.get(name))
            assert problems.get(name), f"{name} refused without saying why"
        assert not report.changed
        after = await database_state(lib)
        assert after == before, "the database changed under a file that failed"  # papers, authors, summaries

        for name, data in originals.items():  # the good files back: the database never lost them
            path = corpus / name
            if path.is_symlink() or not path.is_file():
                path.unlink()
            else:
                path.chmod(0o600)
            path.write_bytes(data)
        restored = await lib.reload([corpus])
        assert [f.status for f in restored.files] == ["unchanged"] * len(SEEDS)
        assert not restored.changed and not restored.problems
        assert await database_state(lib) == before
    finally:
        await lib.close()
        for path in corpus.iterdir():
            if not path.is_symlink():
                path.chmod(0o600)
