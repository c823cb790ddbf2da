"""Competing readings: the most specific reading without a flaw wins, a refused or flawed one falls back
to the next (never to "no papers"), and a file's own title and writer stay the file's.

The documents are real notes (tests/data/examples24, tests/data/notes); the readings are the reader's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store.ingest.formats import explain_text, parse_text
from store.ingest.readings.compete import Reading, choose, judge, record_score
from store.ingest.readings.document import read_explained, readings
from store.ingest.readings.fields.filetitle import is_file_like, names_paper
from store.ingest.records import PaperRecord, Parsed, Problem

DATA = Path(__file__).parent.parent / "data"
VIT = "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale"


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_a_key_heading_whose_value_is_refused_is_a_section_and_its_bullets_give_the_paper() -> None:
    parsed, choice = read_explained(_text("examples24/i1-paper-heading.md"), "i1-paper-heading.md")
    assert [r.title for r in parsed.records] == [
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift"]
    assert parsed.records[0].authors == ["Sergey Ioffe", "Christian Szegedy"]
    assert choice.chosen.reading.name == "note fields"
    assert any("read as a section heading" in d for d in choice.chosen.reading.decisions)


def test_a_post_title_naming_the_paper_in_a_longer_phrase_loses_to_the_body_and_its_author_is_the_writer() -> None:
    parsed = parse_text(_text("examples24/i4-jekyll-post.md"), "post.md", ".md")
    assert [r.title for r in parsed.records] == [VIT]
    record = parsed.records[0]
    assert record.authors[0] == "Alexey Dosovitskiy" and len(record.authors) == 12
    assert record.writer == "Daniel Okafor" and "Daniel Okafor" not in record.authors
    assert (record.venue, record.year) == ("ICLR", 2021)
    lines = explain_text(_text("examples24/i4-jekyll-post.md"), "post.md", ".md")
    assert lines[1].startswith("chosen: page shapes") and lines[-1].startswith("why: the first reading")


def test_an_org_file_title_over_papers_is_the_files_and_its_author_writes_them() -> None:
    parsed = parse_text(_text("examples24/i4-org-reading-notes.org"), "rl.org", ".org")
    assert all(not is_file_like(r.title) for r in parsed.records) and len(parsed.records) >= 2
    writers = {r.writer for r in parsed.records}
    assert len(writers) == 1 and None not in writers
    assert not any(w in r.authors for r in parsed.records for w in writers)


def test_a_note_that_names_its_paper_plainly_keeps_it_though_its_text_mentions_others() -> None:
    """The note's own fields win over the papers its summary names inline: the most specific reading first."""
    text = ("# Deep Residual Learning for Image Recognition\n\nKaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun\n\n"
            "It builds on Very Deep Convolutional Networks by Karen Simonyan and Andrew Zisserman, and on "
            "Batch Normalization by Sergey Ioffe and Christian Szegedy.\n")
    parsed, choice = read_explained(text, "resnet.md")
    assert [r.title for r in parsed.records] == ["Deep Residual Learning for Image Recognition"]
    assert choice.chosen.reading.name == "note fields"


def test_every_reading_refused_means_no_papers_and_says_what_was_looked_for() -> None:
    parsed, choice = read_explained("**Title:** **\n\nsome words\n", "empty.md")
    assert parsed.records == [] and any("no papers found" in p.message for p in parsed.problems)
    assert choice.runner_up is None and choice.why == "no reading found a paper"


def _reading(name: str, *titles: str, authors: tuple[str, ...] = (), refused: int = 0) -> Reading:
    records = [PaperRecord(title=t, authors=list(authors), source="x.md", line=1) for t in titles]
    problems = [Problem("x.md", 1, "not a paper title (a sentence): 'x'") for _ in range(refused)]
    return Reading(name, Parsed(records, problems))


def test_choose_takes_the_first_clean_reading_and_falls_back_past_empty_and_flawed_ones() -> None:
    empty = _reading("note fields", refused=2)
    flawed = _reading("front matter", "Reading group #14: An Image is Worth 16x16 Words", authors=("Maria Lopez",))
    body = _reading("page shapes", VIT, authors=("Alexey Dosovitskiy", "Lucas Beyer"))
    choice = choose([empty, flawed, body])
    assert choice.chosen.reading is body
    assert choice.runner_up is not None and choice.runner_up.reading is flawed
    assert choice.file_writer() == "Maria Lopez"
    assert choose([body, flawed]).chosen.reading is body
    assert judge(empty, [empty]).score == pytest.approx(-1.0)  # two refused titles, nothing found


def test_when_every_reading_is_flawed_the_most_plausible_wins() -> None:
    resnet, attention = "Deep Residual Learning for Image Recognition", "Attention Is All You Need"
    a = _reading("a", f"Session 3: {resnet}", attention)
    b = _reading("b", f"Week 2: {attention}", resnet, authors=("Kaiming He", "Xiangyu Zhang"))
    choice = choose([a, b])
    assert judge(a, [a, b]).flaws and judge(b, [a, b]).flaws
    assert choice.why == "every reading has a flaw: the most plausible is kept"
    assert choice.chosen.reading is b and choice.runner_up is not None and choice.runner_up.reading is a


def test_plausibility_counts_people_venue_year_and_link() -> None:
    bare = PaperRecord(title="T", source="x", line=1)
    full = PaperRecord(title="T", authors=["Ada Lovelace", "Unknown"], venue="ICML", year=2015,
                       link="https://arxiv.org/abs/1502.03167", source="x", line=1)
    assert record_score(bare) == 1.0
    assert record_score(full) == pytest.approx(1.0 + 0.5 + 0.75)  # one of two authors is a person


@pytest.mark.parametrize(("title", "paper", "names"), [
    ("Reading group #14: An Image is Worth 16x16 Words", VIT, True),
    ("Notes: Attention Is All You Need", "Attention Is All You Need", True),
    ("Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
     "Batch Normalization: Accelerating Deep Network Training", False),  # the other title cut short
    ("BERT: Pre-training of Deep Bidirectional Transformers", "BERT", False),  # too short to name anything
    (VIT, VIT, False),
])
def test_a_title_names_a_paper_inside_a_longer_phrase(title: str, paper: str, names: bool) -> None:
    assert names_paper(title, paper) is names


@pytest.mark.parametrize(("title", "file_like"), [
    ("RL reading notes", True), ("Session 7: generative models", True), ("Week 3", True),
    ("Awesome self-supervised learning", True), ("论文笔记", True), ("Lesegruppe Sitzung 4", True),
    ("Session-based Recommendations with Recurrent Neural Networks", False),
    ("Reading Wikipedia to Answer Open-Domain Questions", False), ("Attention Is All You Need", False),
])
def test_file_titles_are_recognised_in_several_languages(title: str, file_like: bool) -> None:
    assert is_file_like(title) is file_like


def test_the_page_shapes_are_read_only_when_they_could_change_the_choice() -> None:
    note = _text("notes/gh-adam.md")
    assert [r.name for r in readings(note, "gh-adam.md")] == ["note fields"]
    names = [r.name for r in readings(_text("examples24/i4-org-reading-notes.org"), "rl.org", ".org")]
    assert names[0] == "note fields"
