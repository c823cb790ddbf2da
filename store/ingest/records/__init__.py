"""Stage 4: records, the plain data that flows out of the readings and into the database.

Readings turn text into `PaperRecord`s and `Problem`s and never touch the database, so each format can
be tested with a string. Here: the record types, `fill_missing` (the one merge of two accounts of one
paper), and `contract` (what every record keeps as it leaves ingest). Every stage may import this package;
it imports only store.text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

DISCORD_ROOT = "discord:"  # the root of the pseudo-documents holding what members wrote in Discord
# The roots of the files read from the deployment's corpus folder (CORPUS_DIR), or from the bundled seeds
# when none is set, wherever that folder is: the same files are the same documents on every machine and
# after the folder moves. Two roots, so a process left without CORPUS_DIR never takes the seeds for the
# group's corpus (and prunes it to them).
CORPUS_ROOT = "corpus:"
SEEDS_ROOT = "seeds:"
FOLDER_ROOTS = (CORPUS_ROOT, SEEDS_ROOT)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a document that could not be read; `line` is 1-based (0: the whole file)."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}" if self.line else f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class MoreProblems(Problem):
    """Stands for a file's problem lines beyond the cap: counted, not kept. A bulk import of broken lines
    would otherwise hold, and report, hundreds of thousands of them."""

    count: int = 0

    @classmethod
    def of(cls, source: str, count: int) -> MoreProblems:
        return cls(source, 0, f"... and {count:,} more problem line{'s' if count != 1 else ''}", count)


@dataclass(slots=True)
class PaperRecord:
    """One document's account of one paper."""

    title: str
    authors: list[str] = field(default_factory=list)  # display form "First Last", in the order given
    venue: str | None = None
    year: int | None = None
    topics: list[str] = field(default_factory=list)  # readable labels ("Reinforcement Learning")
    summary: str = ""
    source: str = ""  # document name, relative to the corpus folder
    line: int = 0  # 1-based line of the title in the source
    link: str | None = None
    writer: str | None = None  # who wrote the summary ("Summarized by X"): never an author
    authors_incomplete: bool = False  # the source cut the list short ("et al."): the names kept are exact
    arxiv_id: str | None = None  # "1803.03635" (no version), from a link, an eprint field or the arXiv id
    doi: str | None = None  # lower-case "10.xxxx/...", from a link or a doi field
    openreview_id: str | None = None  # the forum id of an openreview.net link
    metadata_record: bool = False  # bibliographic metadata (arXiv JSON Lines): its title and authors win over notes'


def fill_missing(into: PaperRecord, other: PaperRecord) -> None:
    """Give `into` what a second account of the same paper (`other`) knows and `into` does not.

    The one field merge of two accounts of one paper: a note and its BibTeX entry (the note reader), two
    mentions of a paper in one document (the database sync). It fills, each only where `into` has none:
    the authors (with their `authors_incomplete`, and only from a list that names someone, as the sync always
    did; the note reader first gives a paper without authors its entry's list even when that names nobody but
    "others", as notes always did), venue, year, link, writer, arXiv id, DOI, OpenReview id; and
    `metadata_record` is kept if either account is one.
    It does not touch the title, line, source, summary or topics: which title wins and how two summaries
    or topic lists combine is each caller's own rule (a note keeps its own summary, the sync joins both).
    """
    if not into.authors and other.authors:
        into.authors, into.authors_incomplete = list(other.authors), other.authors_incomplete
    into.venue = into.venue or other.venue
    into.year = into.year or other.year
    into.link = into.link or other.link
    into.writer = into.writer or other.writer
    into.arxiv_id = into.arxiv_id or other.arxiv_id
    into.doi = into.doi or other.doi
    into.openreview_id = into.openreview_id or other.openreview_id
    into.metadata_record = into.metadata_record or other.metadata_record


@dataclass(slots=True)
class Parsed:
    """What a parser found in one document."""

    records: list[PaperRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def size(self) -> int:
        """Its records' number (a batch received from the parsing process tells it without unpickling them)."""
        return len(self.records)


@dataclass(slots=True)
class ParsedFile:
    """A corpus file after reading and parsing (done off the event loop, before the transaction)."""

    name: str  # relative to `root`; the document's identity
    root: str  # the folder it was found in (resolved), for pruning
    sha256: str
    parsed: Parsed
    failed: bool  # unreadable or nothing parseable: keep what the database has for it
    refused: bool = False  # a link out of its folder: what the database had from it goes, as if removed


async def _one_batch(parsed: Parsed) -> AsyncIterator[Parsed]:
    if parsed.records:
        yield Parsed(parsed.records, [])


@dataclass(slots=True, eq=False)
class StreamedFile:
    """A corpus file as the database takes it: what is known before its records, then its records and
    problems batch by batch, so a bulk import is never whole in memory.

    `sha256`, `failed` and `records` are final once `batches` is exhausted: a file that changed or broke
    while it was read fails then, and the database keeps what it had for it.
    """

    name: str  # relative to `root`; the document's identity
    root: str
    sha256: str  # of the bytes read
    failed: bool  # unreadable or nothing parseable: keep what the database has for it
    problems: list[Problem]  # found before any record (a small file's: all of them)
    batches: AsyncIterator[Parsed]  # the records, and the problems found with them
    refused: bool = False  # a link out of its folder: what the database had from it goes, as if removed
    records: int = 0  # records in the batches read so far

    @classmethod
    def whole(cls, pf: ParsedFile) -> StreamedFile:
        """A file parsed whole, as one batch."""
        return cls(pf.name, pf.root, pf.sha256, pf.failed, list(pf.parsed.problems), _one_batch(pf.parsed),
                   pf.refused, len(pf.parsed.records))
