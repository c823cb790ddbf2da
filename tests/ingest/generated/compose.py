"""Notes composed from the dimensions, each with the exact papers it names; the corpus a seeded sample of them.

A single-paper note crosses a key heading, a header style, an author style, a damage and a writer's credit;
a file of several papers crosses the file's own heading (never a paper), the form of each entry (a `##`
title over an author line or a header, numbered or not), an author style, a damage and a writer. Every
choice a spec leaves open (which placeholder, which venue tail, where the writer's line goes) is drawn from
a `random.Random` seeded by the spec, so a spec is one note, always the same. The corpus is every valid
combination once.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import asdict, dataclass

from tests.ingest.generated.authors import (
    DAMAGES,
    INLINE_STYLES,
    LIST_STYLES,
    WRITER_FORMS,
    WRITERS,
    Authors,
    compatible,
    min_people,
    render_authors,
)
from tests.ingest.generated.headers import FIRST, HEADERS, KEY_HEADINGS, header_takes, heading_fits, heading_line
from tests.ingest.generated.papers import Paper, all_papers

SUMMARIES = (
    "The method is evaluated on three benchmarks and improves on the previous best by a clear margin.",
    "We discussed whether the main assumption holds outside the settings the experiments cover.",
    "Key idea: replace the hand-designed component with one learned end to end, then scale it up.",
    "The ablations show that most of the gain comes from the simplest of the three changes.",
    "Open question from the group: how sensitive are the results to the choice of hyperparameters?",
)
SECTIONS = ("", "## Summary\n\n", "## Notes\n\n", "### Key ideas\n\n")
WRITER_PLACES = ("top", "after", "end")
FILE_HEADINGS = ("# Reading group week 3", "# Papers I read this month", "# Session 7: generative models",
                 "# Reading list", "# 论文笔记", "# Lesenotizen")
ENTRIES = ("byline", "bold_authors", "kv", "key_bullets", "numbered", "italic_byline")
MULTI_DAMAGES = ("clean", "placeholder", "affiliation", "venue", "bracket_close", "doubled")
MULTI_WRITERS = ("none", "presented_top", "notes_end")

Record = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Note:
    text: str
    suffix: str
    expected: tuple[Record, ...]  # (title, authors) of each paper, in order
    dims: dict[str, str]  # the dimension values it was composed from
    noise: tuple[str, ...]  # placeholders, institutions and writers it holds: never an author
    refused_key: bool = False  # a key heading whose "value" is the header block (never a title itself)


@dataclass(frozen=True)
class SingleSpec:
    heading: str
    header: str
    style: str
    damage: str
    writer: str
    paper: int = 0
    seed: int = 0


@dataclass(frozen=True)
class MultiSpec:
    file_heading: int
    entry: str
    style: str
    damage: str
    writer: str
    papers: tuple[int, ...] = (0, 1)
    seed: int = 0


def _paper(index: int, need: int, avoid: tuple[int, ...] = ()) -> tuple[int, Paper]:
    """The paper at `index` (wrapped), or the next one with at least `need` people not in `avoid`."""
    papers = all_papers()
    for step in range(len(papers)):
        at = (index + step) % len(papers)
        if len(papers[at].people) >= need and at not in avoid:
            return at, papers[at]
    raise ValueError(f"no paper with {need} people")


def single_valid(spec: SingleSpec) -> bool:
    return (compatible(spec.style, spec.damage) and header_takes(spec.header, spec.style)
            and heading_fits(spec.heading, spec.header))


def _writer_line(kind: str, rng: random.Random) -> tuple[str, tuple[str, ...]]:
    if kind == "none":
        return "", ()
    name = rng.choice(WRITERS)
    return WRITER_FORMS[kind].format(name), (name,)


def compose_single(spec: SingleSpec) -> Note:
    """One note naming one paper."""
    rng = random.Random(f"single-{spec.seed}")
    _, paper = _paper(spec.paper, min_people(spec.style, spec.damage))
    value = render_authors(paper.people, spec.style, spec.damage, rng)
    suffix = ".org" if spec.header == "org" else rng.choice((".md", ".md", ".txt"))
    if spec.header == "front_matter":
        suffix = ".md"
    key = heading_line(spec.heading, paper.title, suffix)
    level = len(KEY_HEADINGS[spec.heading].partition(" ")[0]) + 1 if key else 1
    header = HEADERS[spec.header](paper.title, value, level)
    blocks = [header, key] if spec.header in FIRST else [key, header]
    section = "" if suffix == ".org" else rng.choice(SECTIONS)
    blocks.append(section + rng.choice(SUMMARIES))
    writer, names = _writer_line(spec.writer, rng)
    if writer:
        place = rng.choice(WRITER_PLACES)
        if place == "top" and spec.header not in FIRST:
            blocks.insert(0, writer)
        else:
            blocks.insert(len(blocks) - 1 if place == "after" else len(blocks), writer)
    text = "\n\n".join(b for b in blocks if b) + "\n"
    dims = {k: v for k, v in asdict(spec).items() if k not in ("paper", "seed")}
    return Note(text, suffix, ((paper.title, value.expected),), {"layout": "single", **dims},
                value.noise + names, spec.heading in ("paper", "title", "authors", "zh", "fr"))


_ENTRIES = {  # a paper's entry in a file of several, by kind
    "byline": "## {title}\n\n{line}",
    "bold_authors": "## {title}\n\n**Authors:** {line}",
    "kv": "## {title}\n\n- Authors: {line}\n- Year: 2019",
    "key_bullets": "## Paper\n\n* **Title**: {title}\n* **Authors**: {line}",
    "numbered": "## {number}. {title}\n\n{line}",
    "italic_byline": "## {title}\n\n*{line}* — ICLR 2014",
}


def _entry(kind: str, number: int, title: str, value: Authors) -> str:
    return _ENTRIES.get(kind, _ENTRIES["italic_byline"]).format(title=title, line=value.inline, number=number)


def compose_multi(spec: MultiSpec) -> Note:
    """One file naming two or three papers under its own heading, which is never a paper."""
    rng = random.Random(f"multi-{spec.seed}")
    need = min_people(spec.style, spec.damage)
    chosen: list[int] = []
    blocks = [FILE_HEADINGS[spec.file_heading % len(FILE_HEADINGS)]]
    expected: list[Record] = []
    noise: list[str] = []
    for number, index in enumerate(spec.papers, start=1):
        at, paper = _paper(index, need, tuple(chosen))
        chosen.append(at)
        value = render_authors(paper.people, spec.style, spec.damage, rng)
        blocks += [_entry(spec.entry, number, paper.title, value), rng.choice(SUMMARIES)]
        expected.append((paper.title, value.expected))
        noise += value.noise
    if spec.writer != "none":
        name = rng.choice(WRITERS)
        noise.append(name)
        if spec.writer == "presented_top":
            blocks.insert(1, f"Presented by {name}")
        else:
            blocks.append(f"Notes by {name}")
    dims = {"layout": "multi", "heading": f"file{spec.file_heading % len(FILE_HEADINGS)}", "header": spec.entry,
            "style": spec.style, "damage": spec.damage, "writer": spec.writer}
    return Note("\n\n".join(blocks) + "\n", ".md", tuple(expected), dims, tuple(noise))


def single_specs() -> list[SingleSpec]:
    """Every valid combination of the single-note dimensions (without paper and seed)."""
    styles = (*INLINE_STYLES, *LIST_STYLES)
    combos = itertools.product(KEY_HEADINGS, HEADERS, styles, DAMAGES, ("none", *WRITER_FORMS))
    return [s for c in combos if single_valid(s := SingleSpec(*c))]


def multi_specs() -> list[MultiSpec]:
    combos = itertools.product(range(len(FILE_HEADINGS)), ENTRIES, INLINE_STYLES, MULTI_DAMAGES, MULTI_WRITERS)
    return [MultiSpec(*c) for c in combos]


def compose_corpus(seed: int = 24) -> list[Note]:
    """Every valid combination once, each given its papers and its own seed by one seeded generator: the same
    notes every run."""
    rng = random.Random(seed)
    count = len(all_papers())
    notes = []
    for i, spec in enumerate(single_specs()):
        notes.append(compose_single(SingleSpec(**{**asdict(spec), "paper": rng.randrange(count), "seed": i})))
    for i, spec in enumerate(multi_specs()):
        picks = tuple(rng.randrange(count) for _ in range(rng.choice((2, 3))))
        notes.append(compose_multi(MultiSpec(**{**asdict(spec), "papers": picks, "seed": i})))
    return notes
