"""The mutation fuzzing's tools: mutations (seed bytes and a seeded generator in, mutant bytes out) and an
account of what a file should give that is independent of the reader (test_ingest_mutations.py,
test_ingest_breakage.py)."""

from __future__ import annotations

import os
import random
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

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
    async with lib.sessionmaker() as s:
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
