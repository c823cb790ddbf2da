"""Mutation fuzzing of ingestion: the real seed documents, broken in many ways, through the real Library.

Each seed is truncated (at fractions, at random, inside a UTF-8 sequence), shuffled, doubled, spliced
with random bytes or random text, salted with a NUL, re-encoded (Latin-1, cp1252, UTF-16 with and
without a byte-order mark, UTF-32), blown past the size limit, given a line of 100,000 characters,
emptied, blanked or reduced to headings. Beside them sit symlinks (to a seed, dangling, looping, to
/dev/zero and /proc/self/mem), a named pipe, a mode-000 file and a file whose name is not UTF-8.

All of it is ingested at once with `Library.reload` into a fresh database. Nothing may raise or hang;
every problem names a corpus file and a line inside it; every file that cannot be read or decoded is
refused and says why on the right line; every pristine seed loads exactly as in a clean database of
its own. Then a file that loaded once is replaced by each kind of breakage: the database keeps what
it had, unchanged. Everything is generated from a fixed seed; `pytest tests/test_ingest_mutations.py
-s` prints the counts.
"""

from __future__ import annotations

import os
import random
import shutil
import stat
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db.models import Document, Entry
from store.ingest import MAX_FILE_BYTES
from store.ingest.records import Problem
from store.ingest.report import IngestReport
from store.library import BUNDLED_SEEDS, Library

SEEDS = sorted(BUNDLED_SEEDS.glob("*.txt"))
RNG_SEED = 20261125
READS_MODE_000 = ("this process reads mode-000 files (root, or CAP_DAC_OVERRIDE): no unreadable regular file can "
                  "be made; the symlink to /proc/self/mem stands in for one")

Mutation = Callable[[bytes, random.Random], bytes]


# --- mutations: seed bytes and a seeded generator in, mutant bytes out ---

def _cut(fraction: float) -> Mutation:
    return lambda data, _rng: data[: max(1, int(len(data) * fraction))]


def _cut_inside_character(continuation_bytes: int) -> Mutation:
    """Cut right after the lead byte (and `continuation_bytes` more) of a multi-byte character."""
    def mutate(data: bytes, _rng: random.Random) -> bytes:
        lead = 0xE0 if continuation_bytes else 0xC0  # a 3-byte character has room for one continuation
        start = next(i for i in [*range(len(data) // 2, len(data)), *range(len(data) // 2)] if data[i] >= lead)
        return data[: start + 1 + continuation_bytes]
    return mutate


def _shuffle(separator: bytes) -> Mutation:
    def mutate(data: bytes, rng: random.Random) -> bytes:
        parts = data.split(separator)
        rng.shuffle(parts)
        return separator.join(parts)
    return mutate


def _splice_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(20):
        at = rng.randrange(len(out) + 1)
        out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(out)


# Valid UTF-8, but hostile to parsers: controls and the other things str.splitlines() breaks on,
# zero-width and bidi marks, a mid-text BOM, combining marks, accented letters, astral characters.
_ODD_TEXT = [chr(c) for c in range(0x20, 0x7F)] + list(
    "\t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u200b\u200e\u200f\u202e\ufeff\ufffd\U0001f600\U0001d400"
) + [chr(c) for c in [*range(0xC0, 0x180), *range(0x300, 0x370)]]


def _splice_text(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8")
    for _ in range(40):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + "".join(rng.choice(_ODD_TEXT) for _ in range(rng.randint(1, 12))) + text[at:]
    return text.encode("utf-8")


def _nul(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    k = rng.randrange(len(lines))
    lines[k] += b"\x00"
    return b"\n".join(lines)


def _encode(codec: str) -> Mutation:
    return lambda data, _rng: data.decode("utf-8").encode(codec, errors="replace")


def _long_line(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    lines.insert(rng.randrange(1, len(lines)), (b"attention is all you need " * 4000)[:100_000])
    return b"\n".join(lines)


def _only_headings(data: bytes, _rng: random.Random) -> bytes:
    """Every line of the seed turned into a Markdown heading ("#" to "###"), clipped to 100 characters."""
    lines = [line.strip().lstrip(b"# ") for line in data.split(b"\n") if line.strip()]
    return b"\n\n".join(b"#" * (1 + i % 3) + b" " + line[:100].decode("utf-8", "ignore").encode("utf-8")
                        for i, line in enumerate(lines)) + b"\n"


MUTATIONS: dict[str, Mutation] = {
    "cut-1-byte": _cut(0),
    "cut-10pc": _cut(0.1),
    "cut-33pc": _cut(1 / 3),
    "cut-50pc": _cut(0.5),
    "cut-90pc": _cut(0.9),
    "cut-last-byte": lambda data, _rng: data[:-1],
    "cut-random": lambda data, rng: data[: rng.randrange(1, len(data))],
    "cut-after-lead-byte": _cut_inside_character(0),
    "cut-inside-3-byte-char": _cut_inside_character(1),
    "lines-shuffled": _shuffle(b"\n"),
    "paragraphs-shuffled": _shuffle(b"\n\n"),
    "lines-reversed": lambda data, _rng: b"\n".join(reversed(data.split(b"\n"))),
    "doubled": lambda data, _rng: data + b"\n\n" + data,
    "crlf": lambda data, _rng: data.replace(b"\n", b"\r\n"),
    "cr-only": lambda data, _rng: data.replace(b"\n", b"\r"),
    "utf-8-bom": lambda data, _rng: b"\xef\xbb\xbf" + data,
    "random-bytes-spliced": _splice_bytes,
    "random-text-spliced": _splice_text,
    "nul-byte": _nul,
    "random-bytes-file": lambda _data, rng: bytes(rng.randrange(256) for _ in range(4096)),
    "latin-1": _encode("latin-1"),
    "cp1252": _encode("cp1252"),
    "utf-16-bom": _encode("utf-16"),
    "utf-16-le": _encode("utf-16-le"),
    "utf-16-be": _encode("utf-16-be"),
    "utf-32": _encode("utf-32"),
    "over-10MB": lambda data, _rng: data * (10 * 2**20 // len(data) + 1),
    "one-byte-over-limit": lambda data, _rng: data + b"\n" * (MAX_FILE_BYTES + 1 - len(data)),
    "line-100k": _long_line,
    "empty": lambda _data, _rng: b"",
    "whitespace-only": lambda _data, _rng: b" \n\t\n  \r\n\n",
    "only-headings": _only_headings,
}
# Mutants that are the seed's own text, byte for byte after decoding and line-ending normalisation,
# or the seed twice (a paper named twice in one document is one paper): the same papers must load.
SAME_PAPERS = ("utf-8-bom", "crlf", "cr-only", "doubled")
# Mutants that change characters inside a line, titles included.
RESPELLED = ("random-text-spliced", "random-bytes-spliced")


# --- an independent account of what a file should give ---

def display(name: str) -> str:
    """A file name as a report can show it: a name that is not UTF-8 is shown with U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def bad_lines(path: Path) -> set[int] | None:
    """None if `path` is a readable, non-blank UTF-8 text file within the size limit (the parsers then
    decide); otherwise the line numbers a report may give for the fault: 0 (the whole file), or the line of
    the first NUL byte or the first byte that is not UTF-8."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return {0}
        data = path.read_bytes()
    except OSError:
        return {0}
    if not data.strip():
        return {0}
    body = data.removeprefix(b"\xef\xbb\xbf")
    offset = len(data) - len(body)
    lines = set()
    if b"\x00" in data:
        lines.add(data.count(b"\n", 0, data.index(b"\x00")) + 1)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        lines.add(data.count(b"\n", 0, offset + exc.start) + 1)
    return lines or None


def reads_mode_000(folder: Path) -> bool:
    """Whether this process can read a file whose mode is 000, as root can: then chmod makes nothing unreadable."""
    probe = folder / "mode-000-probe"
    probe.write_bytes(b"x")
    probe.chmod(0)
    try:
        probe.read_bytes()
        return True
    except PermissionError:
        return False
    finally:
        probe.chmod(0o600)
        probe.unlink()


def line_count(path: Path) -> int:
    text = path.read_bytes().decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def problems_by_file(report: IngestReport) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for problem in report.problems:
        out.setdefault(problem.source, []).append(problem)
    return out


def build_corpus(corpus: Path, rng: random.Random) -> dict[str, str]:
    """Pristine seeds plus every mutant and odd file; returns file name -> what it is."""
    kinds: dict[str, str] = {}
    corpus.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, corpus / seed.name)
    for seed in SEEDS:
        data = seed.read_bytes()
        for kind, mutate in MUTATIONS.items():
            name = f"{seed.stem}.{kind}.txt"
            (corpus / name).write_bytes(mutate(data, rng))
            kinds[name] = kind

    def add(name: str, kind: str, make: Callable[[Path], object]) -> None:
        try:
            make(corpus / name)
        except (OSError, NotImplementedError, AttributeError):  # not on this system: not tried, not counted
            return
        kinds[name] = kind

    add("symlink-to-seed.txt", "symlink-to-seed", lambda p: p.symlink_to(SEEDS[0].name))
    add("symlink-dangling.txt", "symlink-dangling", lambda p: p.symlink_to("nowhere.txt"))
    add("symlink-self.txt", "symlink-loop", lambda p: p.symlink_to(p.name))
    add("symlink-loop-a.txt", "symlink-loop", lambda p: p.symlink_to("symlink-loop-b.txt"))
    add("symlink-loop-b.txt", "symlink-loop", lambda p: p.symlink_to("symlink-loop-a.txt"))
    if Path("/dev/zero").exists():  # endless bytes: must be refused, not read
        add("symlink-to-dev-zero.txt", "symlink-to-device", lambda p: p.symlink_to("/dev/zero"))
    if Path("/proc/self/mem").exists():  # a regular file that no one, root included, can read from byte 0
        add("symlink-to-proc-mem.txt", "unreadable", lambda p: p.symlink_to("/proc/self/mem"))
    add("named-pipe.txt", "named-pipe", lambda p: os.mkfifo(p))  # opening it for reading would block
    unreadable = corpus / "mode-000.txt"
    shutil.copy(SEEDS[1], unreadable)
    unreadable.chmod(0)
    kinds[unreadable.name] = "mode-000"
    latin1_name = os.fsdecode(b"caf\xe9-latin-1-name.txt")  # a file name that is not UTF-8
    add(latin1_name, "name-not-utf-8", lambda p: p.write_bytes(SEEDS[2].read_bytes()))
    return kinds


async def catalog(url: str, corpus: Path, *, ingest: bool) -> tuple[Library, IngestReport | None]:
    lib = Library(url, corpus)
    report = await lib.start(ingest_if_empty=ingest)
    return lib, report


async def stored(lib: Library) -> tuple[dict[str, list[tuple[object, ...]]], dict[tuple[str, int, str], int]]:
    """Each document's account of its papers as stored (by document name, in line order), and the paper
    each entry, named by (document, line, title), belongs to."""
    async with lib.session() as s:
        rows = (await s.execute(
            select(Document.name, Entry.line, Entry.title, Entry.paper_id, Entry.authors, Entry.venue, Entry.year,
                   Entry.topics, Entry.link, Entry.summary)
            .join(Entry, Entry.document_id == Document.id).order_by(Document.name, Entry.line, Entry.title))).all()
    accounts: dict[str, list[tuple[object, ...]]] = {}
    paper_of: dict[tuple[str, int, str], int] = {}
    for name, line, title, paper_id, *fields in rows:
        accounts.setdefault(name, []).append((line, title, *fields))
        paper_of[(name, line, title)] = paper_id
    return accounts, paper_of


def inverted(paper_of: dict[tuple[str, int, str], int]) -> dict[int, list[tuple[str, int, str]]]:
    out: dict[int, list[tuple[str, int, str]]] = {}
    for entry, paper_id in paper_of.items():
        out.setdefault(paper_id, []).append(entry)
    return out


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


# --- a file that loaded once, then broke: the database keeps what it had ---

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
    # its name goes, as for a removed file (tests/test_corpus_boundary.py).
    "named-pipe": _swap(lambda p: os.mkfifo(p)),
    "mode-000": lambda p: p.chmod(0),
}
SKIPS = {
    "symlink-to-dev-zero": (not Path("/dev/zero").exists(), "no /dev/zero here"),
    "named-pipe": (not hasattr(os, "mkfifo"), "no named pipes here"),
}


async def database_state(lib: Library) -> tuple[list[object], list[tuple[str, str, object]]]:
    async with lib.session() as s:
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
