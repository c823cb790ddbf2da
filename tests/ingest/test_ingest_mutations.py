"""Mutation fuzzing of ingestion: the real seed documents, broken in many ways, through the real Library.

Each seed is truncated (at fractions, at random, inside a UTF-8 sequence), shuffled, doubled, spliced
with random bytes or random text, salted with a NUL, re-encoded (Latin-1, cp1252, UTF-16 with and
without a byte-order mark, UTF-32), blown past the size limit, given a line of 100,000 characters,
emptied, blanked or reduced to headings. Beside them sit symlinks (to a seed, dangling, looping, to
/dev/zero and /proc/self/mem), a named pipe, a mode-000 file and a file whose name is not UTF-8.

All of it is ingested at once with `Library.reload` into a fresh database. Nothing may raise or hang;
every problem names a corpus file and a line inside it; every file that cannot be read or decoded is
refused and says why on the right line; every pristine seed loads exactly as in a clean database of
its own. (A file that loaded once, then broke: test_ingest_breakage.py.) Everything is generated from a
fixed seed; `pytest tests/ingest/test_ingest_mutations.py -s` prints the counts.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest

from store.library import BUNDLED_SEEDS
from tests.ingest.mutations import (
    RESPELLED,
    RNG_SEED,
    SAME_PAPERS,
    SEEDS,
    bad_lines,
    build_corpus,
    catalog,
    display,
    inverted,
    line_count,
    problems_by_file,
    reads_mode_000,
    stored,
)


@pytest.mark.timeout(120)
async def test_mutated_seeds_are_reported_with_file_and_line_and_the_good_files_still_load(
        database_url: str, tmp_path: Path) -> None:
    # The pristine seeds alone, in a database of their own: what every good file must still give.
    clean, clean_report = await catalog(f"sqlite+aiosqlite:///{tmp_path / 'clean.sqlite3'}", BUNDLED_SEEDS,
                                        ingest=True)
    try:
        clean_accounts, clean_paper_of = await stored(clean)
        pristine = {p.id: p for p in await clean.papers()}
    finally:
        await clean.close()
    assert clean_report is not None
    pristine_papers = {f.source: f.papers for f in clean_report.files}
    pristine_problems = problems_by_file(clean_report)
    assert sorted(pristine_papers) == [s.name for s in SEEDS] and all(pristine_papers.values())
    assert set(clean_accounts) == set(pristine_papers) and pristine

    chmod_works = not reads_mode_000(tmp_path)
    corpus = tmp_path / "corpus"
    kinds = build_corpus(corpus, random.Random(RNG_SEED))
    names = sorted(os.listdir(corpus))
    assert set(kinds) | set(pristine_papers) == set(names)
    unusable = {name: bad_lines(corpus / name) for name in names}  # as the files are while ingested

    lib, _ = await catalog(database_url, corpus, ingest=False)
    try:
        report = await lib.reload([corpus])  # must return: a hang is a timeout, a crash an exception
        again = await lib.reload([corpus])
        loaded = {p.id: p for p in await lib.papers()}
        accounts, paper_of = await stored(lib)
        index_size = len(lib.index)
    finally:
        await lib.close()
        (corpus / "mode-000.txt").chmod(0o600)  # let tmp_path be cleaned up

    shown = {display(n) for n in names}
    problems = problems_by_file(report)
    files = Counter(f.source for f in report.files)
    status = {f.source: f for f in report.files}
    faults: dict[str, list[str]] = {}

    def check(name: str, ok: bool, why: str) -> None:
        if not ok:
            faults.setdefault(name, []).append(why)

    # Every problem names a file of the corpus and a line inside it.
    for problem in report.problems:
        check(problem.source, problem.source in shown, f"problem names no corpus file: {problem}")
        check(problem.source, isinstance(problem.line, int) and problem.line >= 0, f"bad line: {problem}")
        check(problem.source, bool(problem.message.strip()), f"no message: {problem}")
    for name in names:
        path = corpus / name
        kind = kinds.get(name, "pristine")
        if display(name) != name:  # not UTF-8: skipped before the database, and said so
            check(name, display(name) not in files, "a file name that is not UTF-8 reached the database")
            check(name, any(p.line == 0 for p in problems.get(display(name), [])), "not reported")
            continue
        change = status.get(name)
        mine = problems.get(name, [])
        check(name, files[name] == 1, f"{files[name]} entries in the report, not 1")
        if change is None:
            continue
        check(name, change.status in ("new", "failed"), f"status {change.status!r} in a fresh database")
        check(name, change.status != "failed" or bool(mine), "refused without a problem saying why")
        expected = unusable[name]
        if expected is not None:  # unreadable, undecodable, blank or too big: refused, on the right line
            check(name, change.status == "failed" and change.papers == 0, f"{change} for an unusable file")
            check(name, any(p.line in expected for p in mine), f"no problem on line {expected}: {mine}")
        else:
            lines = line_count(path)
            check(name, all(p.line <= lines for p in mine), f"a problem past the last line ({lines}): {mine}")
        if kind == "pristine":
            check(name, change.status == "new" and change.papers == pristine_papers[name], f"{change}")
            check(name, Counter(mine) == Counter(pristine_problems.get(name, [])), f"problems changed: {mine}")
        if kind in SAME_PAPERS:
            seed = name.split(".", 1)[0] + ".txt"
            check(name, change.papers == pristine_papers[seed], f"{change.papers} papers, not {pristine_papers[seed]}")
        if kind == "symlink-to-seed":
            check(name, change.status == "new" and change.papers == pristine_papers[SEEDS[0].name], f"{change}")
        if kind in ("over-10MB", "one-byte-over-limit"):
            check(name, any(p.line == 0 and "limit" in p.message for p in mine), f"size not named: {mine}")
        if kind == "line-100k":
            long_line = 1 + path.read_bytes().split(b"\n").index((b"attention is all you need " * 4000)[:100_000])
            check(name, change.status == "new" and change.papers > 0, f"{change}: the rest of the file was lost")
            check(name, any(p.line == long_line and "characters" in p.message for p in mine), f"{mine}")
        if kind == "mode-000" and chmod_works:
            check(name, change.status == "failed" and expected == {0}, f"{change} for a mode-000 file")
        if kind in ("symlink-dangling", "symlink-loop", "symlink-to-device", "named-pipe", "unreadable"):
            check(name, change.status == "failed" and expected == {0}, f"{change} for a {kind}")

    # Every pristine seed's account of its papers is stored exactly as a clean ingest stores it, and every
    # paper of the pristine seeds is there, still one paper, with the very summaries the seeds gave it.
    for seed in pristine_papers:
        check(seed, accounts.get(seed) == clean_accounts[seed], "stored entries differ from a clean ingest")
    entries_of = inverted(paper_of)
    retitled = lost = 0
    for pid, entries in inverted(clean_paper_of).items():
        paper = pristine[pid]
        ids = {paper_of.get(entry) for entry in entries}
        got = loaded.get(next(iter(ids))) if len(ids) == 1 else None
        check("pristine", got is not None, f"{paper.title!r} lost, or split into papers {ids}")
        if got is None:
            lost += 1
            continue
        check("pristine", set(paper.summaries) <= set(got.summaries), f"{paper.title!r}: summaries changed")
        if got.title != paper.title:
            # One paper, several documents: the paper shows one document's spelling of its title. Only a
            # mutant that rewrote characters inside lines may offer another spelling (a stray combining mark
            # folds away, so its title is the same paper); markup or junk a parser let through may not.
            retitled += 1
            spellings = {title for name, _line, title in entries_of[got.id] if kinds.get(name) in RESPELLED}
            check("pristine", got.title in spellings, f"{paper.title!r} shown as {got.title!r}")
    check("database", index_size == report.papers_total == len(loaded), "index, report and database disagree")
    # The same corpus again: nothing to do, and the same things to say.
    check("reload", not again.changed, "a second reload of the same files changed the database")
    check("reload", Counter(again.problems) == Counter(report.problems), "a second reload said other things")
    check("reload", {f.source: f.status for f in again.files}
          == {f.source: "unchanged" if f.status == "new" else f.status for f in report.files}, "statuses moved")

    clean_inputs = sum(1 for n in names if n not in faults and display(n) not in faults)
    refused = sum(1 for f in report.files if f.status == "failed")
    print(f"\nmutation fuzz: {len(names)} inputs ({len(kinds)} mutants and odd files beside {len(SEEDS)} seeds), "
          f"{clean_inputs} handled cleanly, {len(report.problems)} problems reported with file and line, "
          f"{refused} files refused whole; {len(loaded)} papers loaded, {len(pristine) - lost} of the "
          f"{len(pristine)} pristine papers kept ({retitled} shown under a mutant's spelling of their title)")
    assert not faults, "\n".join(f"{name}: {why}" for name, whys in sorted(faults.items()) for why in whys)
