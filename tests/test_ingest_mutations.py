"""Mutations of the real seed documents, ingested through the Library into a real database.

Each seed is truncated, shuffled, doubled, salted with random bytes, re-encoded, blown past the size
limit, given a 100,000-character line, emptied, reduced to headings, replaced by a symlink (dangling
or looping) or made unreadable. Nothing may raise or hang; every problem names a corpus file and a
line; every pristine seed still loads in full; and a file that fails keeps what the database had.
The counts are printed: `pytest tests/test_ingest_mutations.py -s`.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from store.ingest import MAX_FILE_BYTES
from store.library import BUNDLED_SEEDS, Library

SEEDS = sorted(BUNDLED_SEEDS.glob("*.txt"))


def _truncate(at: float) -> Callable[[bytes, random.Random], bytes]:
    return lambda data, _rng: data[: int(len(data) * at)]


def _shuffle(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    rng.shuffle(lines)
    return b"\n".join(lines)


def _salt(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(20):
        pos = rng.randrange(len(out))
        out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(out)


def _encode(codec: str) -> Callable[[bytes, random.Random], bytes]:
    return lambda data, _rng: data.decode("utf-8").encode(codec, errors="replace")


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncated-10": _truncate(0.1),
    "truncated-50": _truncate(0.5),
    "truncated-mid-utf8": lambda data, _rng: data[: next(i for i in range(len(data) // 2, len(data))
                                                         if data[i] >= 0xC0) + 1],
    "shuffled": _shuffle,
    "doubled": lambda data, _rng: data + b"\n\n" + data,
    "salted": _salt,
    "random-bytes": lambda data, rng: bytes(rng.randrange(256) for _ in range(4096)),
    "latin-1": _encode("latin-1"),
    "cp1252": _encode("cp1252"),
    "utf-16": _encode("utf-16"),
    "utf-16-le": _encode("utf-16-le"),
    "over-10MB": lambda data, _rng: data * (10 * 2**20 // len(data) + 1),
    "line-100k": lambda data, _rng: b"Title\n" + b"x" * 100_000 + b"\n" + data,
    "empty": lambda _data, _rng: b"",
    "whitespace": lambda _data, _rng: b" \n\t\n  \n",
    "only-headings": lambda _data, _rng: b"# One\n\n## Two\n\n### Three\n",
}


def titles(lib: Library) -> dict[str, str]:
    return {p.title: p.summary for p in lib.catalog}


def check_problems(report, names: set[str]) -> None:  # type: ignore[no-untyped-def]
    for problem in report.problems:
        assert problem.source in names, problem
        assert isinstance(problem.line, int) and problem.line >= 0, problem
        assert problem.message.strip(), problem


@pytest.mark.timeout(180)
async def test_every_mutation_is_reported_and_the_good_files_still_load(database_url: str, tmp_path: Path) -> None:
    clean = Library(f"sqlite+aiosqlite:///{tmp_path / 'clean.sqlite3'}", BUNDLED_SEEDS)
    await clean.start()
    pristine = titles(clean)
    await clean.close()

    rng = random.Random(20261125)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, corpus / seed.name)
    inputs = 0
    for seed in SEEDS:
        data = seed.read_bytes()
        for name, mutate in MUTATIONS.items():
            (corpus / f"{seed.stem}.{name}.txt").write_bytes(mutate(data, rng))
            inputs += 1
    (corpus / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "loop-a.txt").symlink_to(corpus / "loop-b.txt")
    (corpus / "loop-b.txt").symlink_to(corpus / "loop-a.txt")
    (corpus / "folder.txt").mkdir()  # a folder named like a document
    inputs += 4
    unreadable = corpus / "unreadable.txt"
    unreadable.write_bytes(SEEDS[0].read_bytes())
    unreadable.chmod(0)
    inputs += 1

    lib = Library(database_url, corpus)
    await lib.start(ingest_if_empty=False)
    report = await lib.reload([corpus])
    names = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*")} | {str(corpus)}
    check_problems(report, names)
    loaded = titles(lib)
    assert set(pristine) <= set(loaded)  # every paper of every pristine seed, mutants or not
    for title, summary in pristine.items():
        assert summary in loaded[title]  # a doubled or shuffled copy may add text, never lose it
    status = {f.source: f.status for f in report.files}
    for seed in SEEDS:
        for bad in MUTATIONS:
            name = f"{seed.stem}.{bad}.txt"
            try:
                (corpus / name).read_bytes().decode("utf-8")
                unreadable_text = bad in ("over-10MB", "empty", "whitespace", "only-headings")
            except UnicodeDecodeError:  # a re-encoding that changed bytes, or random bytes
                unreadable_text = True
            if unreadable_text:
                assert status.get(name) == "failed" or any(p.source == name for p in report.problems), name
    too_big = [p for p in report.problems if ".over-10MB." in p.source]
    assert len(too_big) == len(SEEDS) and all(str(MAX_FILE_BYTES // 2**20) in p.message for p in too_big)
    for name in ("dangling.txt", "loop-a.txt", "loop-b.txt"):
        assert any(p.source == name for p in report.problems), name
    if os.geteuid() != 0:  # root reads a mode-000 file anyway; everyone else must be told
        assert any(p.source == "unreadable.txt" for p in report.problems)
    failed = sum(1 for f in report.files if f.status == "failed")
    print(f"\nmutation fuzz: {inputs} mutated inputs beside the {len(SEEDS)} seeds, all handled without an "
          f"exception; {failed} files refused whole, {len(report.problems)} problems reported with file and "
          f"line; {len(loaded)} papers loaded, all {len(pristine)} of the pristine seeds among them")
    await lib.close()


@pytest.mark.parametrize("breakage", ["random-bytes", "latin-1", "utf-16", "over-10MB", "empty", "only-headings"])
async def test_a_file_that_breaks_keeps_what_the_database_had(database_url: str, tmp_path: Path,
                                                               breakage: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, corpus / seed.name)
    lib = Library(database_url, corpus)
    await lib.start()
    before = titles(lib)
    # The seed naming Aäron van den Oord: its Latin-1 bytes are not UTF-8.
    victim = next(corpus / s.name for s in SEEDS if "ä" in s.read_text(encoding="utf-8"))
    victim.write_bytes(MUTATIONS[breakage](victim.read_bytes(), random.Random(5)))
    report = await lib.reload([corpus])
    assert {f.source: f.status for f in report.files}[victim.name] == "failed"
    assert any(p.source == victim.name for p in report.problems)
    assert titles(lib) == before  # same papers, same summaries: the failed file's last good state stays
    await lib.close()
