"""Blog prose that names papers inline (seeds/000): "Title by A, B and C." inside paragraphs."""

from __future__ import annotations

import re
from pathlib import Path

from store.ingest import parse_text
from store.ingest.readings.shapes.blogpost import find_mentions

SEED = Path(__file__).parent.parent.parent / "seeds" / "000_a4433662030a3141.txt"
TEXT = SEED.read_text(encoding="utf-8")
LINES = TEXT.split("\n")
PARSED = parse_text(TEXT, SEED.name)


def test_one_record_per_by_clause_that_names_two_capitalised_words() -> None:
    # Independent count: " by First Last" not itself followed by " by" (a title containing "by").
    expected = len(re.findall(r"\bby [A-Z]\w+ [A-Z][\w-]+\b(?! by)", TEXT))
    assert expected == len(PARSED.records) == 9
    assert PARSED.problems == []


def test_each_title_is_followed_in_the_text_by_its_first_author_on_its_line() -> None:
    for rec in PARSED.records:
        assert f"{rec.title} by {rec.authors[0]}" in LINES[rec.line - 1], rec.title
        assert rec.source == SEED.name
        for name in rec.authors:
            assert name in LINES[rec.line - 1]


def test_title_stops_at_the_clause_before_it_and_keeps_by_inside_titles() -> None:
    titles = {r.title for r in PARSED.records}
    assert "Regularizing RNNs by Stabilizing Activations" in titles
    assert "Censoring Representations with an Adversary" in titles  # not "in Censoring ..."
    assert "A Note on the Evaluation of Generative Models" in titles  # keeps the leading "A"
    assert "GradNets: Dynamic Interpolation Between Neural Architectures" in titles
    assert all(not t.endswith((".", ",")) and t[0].isupper() for t in titles)


def test_authors_in_order_with_initials_accents_and_affiliation_dropped() -> None:
    by_title = {r.title: r for r in PARSED.records}
    assert by_title["A Note on the Evaluation of Generative Models"].authors == [
        "Lucas Theis", "Aäron van den Oord", "Matthias Bethge"]
    assert "Quoc V. Le" in by_title["Adding Gradient Noise Improves Learning For Very Deep Networks"].authors
    dcgan = next(r for r in PARSED.records if r.title.startswith("Unsupervised Representation Learning"))
    assert dcgan.authors == ["Alec Radford", "Luke Metz", "Soumith Chintala"]  # "(Facebook AI)" dropped
    censor = by_title["Censoring Representations with an Adversary"]
    assert censor.authors == ["Harrison Edwards", "Amos Storkey"]  # "Edwards, and Amos"


def test_topic_is_the_section_heading_above_and_venue_the_document_heading() -> None:
    heading_venue = re.search(r"\b(ICLR|ICML|NeurIPS|NIPS)\b", LINES[0])
    assert heading_venue is not None
    for rec in PARSED.records:
        above = [line[4:].strip() for line in LINES[: rec.line] if line.startswith("### ")]
        assert rec.topics == above[-1:]
        assert rec.venue == heading_venue.group(1)
        assert rec.year is None  # the text never says which year


def test_summary_is_the_part_of_the_paragraph_that_names_the_paper() -> None:
    for rec in PARSED.records:
        paragraph = LINES[rec.line - 1].strip()
        alone = sum(r.line == rec.line for r in PARSED.records) == 1
        assert rec.summary == paragraph if alone else (rec.summary in paragraph and rec.title in rec.summary)
    two = [r for r in PARSED.records if r.line == PARSED.records[0].line]
    assert len(two) == 2  # two papers named in one paragraph: each gets its own part of it
    assert two[0].summary != two[1].summary and two[1].title not in two[0].summary


def test_prose_without_title_case_before_by_is_not_a_paper() -> None:
    assert find_mentions("This paper by DeepMind proposes a family of models.") == []
    assert find_mentions("It was followed by Taesup Kim and others in the room.") == []
    assert find_mentions("Photo by Jane Doe.") == []
    found = find_mentions("We read HyperNetworks by David Ha, Andrew Dai and Quoc V. Le last week.")
    assert [(m.title, m.authors) for m in found] == [
        ("HyperNetworks", ["David Ha", "Andrew Dai", "Quoc V. Le"])]
