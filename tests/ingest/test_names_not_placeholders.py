"""Names, not placeholders or institutions (issue 24, item 3): what an author line holds that is not a person
is never an author, and damage never costs the names the line holds.

`tests/data/names/` holds one note per shape, several variants each, with `expected.json` giving every
paper (title, authors, writer, venue, year) and every problem line exactly: placeholders (`TBD`,
`Author info`, `N/A`, `unknown`, `Anonymous`, a lone `et al.`, `Authors`, `inconnu`, a list of them),
institutions alone (a university, a company's lab, `DeepMind`, `MIT`, `Université de Montréal`, a Max
Planck institute), names beside an affiliation or a placeholder, unbalanced brackets, venues in a case the
venue table does not know (`- Iclr 2019`, `- arXiv preprint`, `, CVPR submission`, `- ICML workshop 2020`),
doubled separators, and the writer's own credit (`Summarized by X` as a heading, a line, a list, a value).
The property: author lines built from real names (the arXiv sample's and the seeds') with placeholder,
institution and venue tails and damage read to exactly the real names.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.ingest import parse_file, parse_text
from store.ingest.readings.fields.authors import parse_authors
from store.ingest.readings.fields.byline import match_byline
from store.ingest.readings.fields.namelists import is_person_name
from store.ingest.readings.fields.people import is_institution, is_placeholder, not_a_person, venue_in
from store.ingest.readings.gate import refuse_title

DATA = Path(__file__).parent.parent / "data"
NAMES = DATA / "names"
EXPECTED = json.loads((NAMES / "expected.json").read_text(encoding="utf-8"))
FIELDS = ("title", "authors", "writer", "venue", "year")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shape_reads_to_exact_values(name: str) -> None:
    parsed = parse_file(NAMES / name, name)
    got = [{k: getattr(r, k) for k in FIELDS} for r in parsed.records]
    assert got == EXPECTED[name]["papers"]
    assert [str(p) for p in parsed.problems] == EXPECTED[name]["problems"]


def test_every_fixture_is_listed() -> None:
    assert sorted(p.name for p in NAMES.glob("*.md")) == sorted(EXPECTED)


def test_no_placeholder_institution_or_writer_is_an_author() -> None:
    for name, expected in EXPECTED.items():
        for paper in expected["papers"]:
            assert all(not_a_person(a) is None for a in paper["authors"]), name


@pytest.mark.parametrize("value", [
    "TBD", "tbd", "Author info", "Authors", "N/A", "n/a", "Unknown", "UNKNOWN", "Anonymous", "et al.", "?", "-",
    "To be determined", "Autoren", "inconnu", "未知", "Firstname Lastname"])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)
    assert not_a_person(value) == "a placeholder"


@pytest.mark.parametrize("value", [
    "New York University", "Google Research", "DeepMind", "MIT", "Facebook AI Research", "Stanford University",
    "Université de Montréal", "Max Planck Institute for Intelligent Systems", "Stanford", "Tsinghua University",
    "清华大学", "Microsoft Research Asia", "ETH Zürich", "Universität Tübingen", "Inria", "OpenAI",
    "Allen Institute for AI", "Mila - Quebec AI Institute", "NVIDIA Corporation", "Vector Institute",
    "Laboratoire d'Informatique", "Universidad de Chile", "Istituto Italiano di Tecnologia"])
def test_institutions(value: str) -> None:
    assert is_institution(value)
    assert not is_person_name(value)


@pytest.mark.parametrize(("value", "venue", "year"), [
    ("Iclr 2019", "ICLR", 2019), ("arXiv preprint", "arXiv", None), ("CVPR submission", "CVPR", None),
    ("ICML workshop 2020", "ICML", 2020), ("neurips 2014", "NeurIPS", 2014), ("2017", None, 2017),
    ("arXiv:1706.03762", "arXiv", None), ("Under review at ICLR 2023", "ICLR", 2023), ("Nature 2016", "Nature", 2016)])
def test_venue_tails_in_any_case(value: str, venue: str | None, year: int | None) -> None:
    assert venue_in(value) == (venue, year)


@pytest.mark.parametrize("name", [
    "Yann LeCun", "Kaiming He", "Quoc Le", "Jian Sun", "Léon Bottou", "Aäron van den Oord", "Or Patashnik",
    "Ian Goodfellow", "Chelsea Finn", "Sergey Levine", "Colin Raffel", "Max Welling", "Jürgen Schmidhuber",
    "Alex Graves", "Oriol Vinyals", "Li Fei-Fei", "Noam Shazeer", "Mark Sandler"])
def test_people_stay_people(name: str) -> None:
    assert not_a_person(name) is None
    assert parse_authors(name) is not None and parse_authors(name).names == [name]


@pytest.mark.parametrize("title", ["Summarized by Jane Doe", "Notes by Jane Doe", "Paper summary by J. Doe"])
def test_a_writer_credit_is_never_a_title(title: str) -> None:
    assert refuse_title(title) is not None


def test_nothing_but_non_people_gives_no_authors_and_says_so() -> None:
    parsed = parse_text("# Attention Is All You Need\n\nAuthors: TBD, Google Research\n", "n.md")
    assert [r.authors for r in parsed.records] == [[]]
    assert [str(p) for p in parsed.problems] == [
        "n.md:3: not an author (a placeholder): 'TBD'", "n.md:3: not an author (an institution): 'Google Research'",
        "n.md:3: author field names no person; no authors"]


# The property: real names, with damage and tails that are not people.

_SIMPLE = re.compile(r"^[^\W\d_][^\W\d_'’-]+(?:-[^\W\d_]+)?(?: [^\W\d_][^\W\d_'’-]+(?:-[^\W\d_]+)?){1,2}$")


@cache
def real_names() -> list[str]:
    """People's names from the arXiv sample and the seeds' expected papers, in the plain "First Last" form."""
    names: set[str] = set()
    for line in (DATA / "arxiv" / "arxiv-metadata-62.jsonl").read_text(encoding="utf-8").splitlines():
        for last, first, *_ in json.loads(line).get("authors_parsed", []):
            names.add(f"{first} {last}".strip())
    for paper in json.loads((DATA / "seeds-expected.json").read_text(encoding="utf-8")).get("papers", []):
        if isinstance(paper, dict):
            names.update(a for a in paper.get("authors", []) if isinstance(a, str))
    return sorted(n for n in names if _SIMPLE.match(n) and n[0].isupper() and is_person_name(n)
                  and all(w[0].isupper() for w in n.split()) and not_a_person(n) is None)


_JUNK = ["TBD", "tbd", "Author info", "N/A", "Unknown", "Anonymous", "New York University", "Google Research",
         "DeepMind", "MIT", "Facebook AI Research", "Stanford University", "Université de Montréal",
         "Max Planck Institute for Intelligent Systems", "Microsoft Research", "OpenAI", "Tsinghua University"]
_VENUES = ["ICLR", "Iclr", "iclr", "ICML", "NeurIPS", "neurips", "CVPR", "Cvpr", "arXiv", "ARXIV", "ACL", "EMNLP"]


@st.composite
def damaged_lines(draw: st.DrawFn) -> tuple[str, list[str]]:
    names = draw(st.lists(st.sampled_from(real_names()), min_size=1, max_size=6, unique=True))
    parts = list(names)
    for junk in draw(st.lists(st.sampled_from(_JUNK), max_size=3)):
        parts.insert(draw(st.integers(0, len(parts))), junk)
    sep = draw(st.sampled_from([", ", "; "]))
    if draw(st.booleans()):  # a doubled separator somewhere
        at = draw(st.integers(0, len(parts) - 1))
        parts[at] = parts[at] + sep.strip()
    line = sep.join(parts)
    if len(parts) > 1 and draw(st.booleans()):
        head, _, last = line.rpartition(sep)
        line = f"{head} and {last}"
    bracket = draw(st.sampled_from(["", "open", "close"]))
    if bracket == "open":
        line = "(" + line
    year = draw(st.integers(1995, 2024))
    venue = draw(st.sampled_from(_VENUES))
    tail = draw(st.sampled_from(["", f"{venue} {year}", "arXiv preprint", f"{venue} submission",
                                 f"{venue} workshop {year}", str(year), f"{venue.lower()} preprint"]))
    if bracket == "close":
        line += ")"
    if tail:
        line += draw(st.sampled_from([" - ", " | ", " – ", ", "])) + tail
    return line, names


@settings(max_examples=300)
@given(damaged_lines())
def test_damaged_author_lines_read_to_exactly_the_real_names(case: tuple[str, list[str]]) -> None:
    line, names = case
    keyed = parse_authors(line)
    assert keyed is not None and keyed.names == names, line
    byline = match_byline(line)
    assert byline is not None and byline.authors.names == names, line
    parsed = parse_text(f"# Attention Is All You Need\n\nAuthors: {line}\n", "p.md")
    assert [r.authors for r in parsed.records] == [names], line
