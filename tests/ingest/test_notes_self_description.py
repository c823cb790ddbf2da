"""Issue 24, item 4: the note describes itself, not the paper (tests/data/notes4, exact expected values).

Numbering ("1.", "[3]", "Paper 2:", "**[12]**", "12)") and note prefixes in any language ("Notes de lecture :",
"论文笔记：", "Lesenotizen:", "Apuntes:", "読書メモ:") with the quotes and guillemets around a title are not the
title; "*Kingma, Welling* — ICLR 2014" under a paper heading is its authors, venue and year; a table's
"Paper", "Name", "Titel", "论文" column is the title and "Presenter"/"Vortragende"/"报告人" the writer; front
matter with `authors:` over a "# Title" heading is one paper; a summary starts after Notion's properties,
an Obsidian callout's header and stray "**". Every fixture here fails on main (see the issue's report).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.notes_eval import FIELDS
from store.ingest import parse_file
from store.ingest.readings.fields.byline import match_byline
from store.ingest.readings.fields.chrome import clean_paragraph, is_chrome_line, literal_key
from store.ingest.readings.fields.keys import column_fields
from store.ingest.readings.notes.draft import Draft

NOTES = Path(__file__).parent.parent / "data" / "notes4"
EXPECTED: dict[str, list[dict]] = json.loads((NOTES / "expected.json").read_text(encoding="utf-8"))


def test_every_fixture_is_expected() -> None:
    assert sorted(p.name for p in NOTES.iterdir() if p.name != "expected.json") == sorted(EXPECTED)
    assert sum(len(v) for v in EXPECTED.values()) == 39


def _read(name: str) -> list[dict]:
    with_summary = bool(EXPECTED[name]) and "summary" in EXPECTED[name][0]
    return [{k: getattr(r, k) for k in FIELDS} | ({"summary": r.summary} if with_summary else {})
            for r in parse_file(NOTES / name, name).records]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_note_gives_exactly_its_papers(name: str) -> None:
    assert _read(name) == EXPECTED[name]


@pytest.mark.parametrize("heading, title", [
    ("1. Auto-Encoding Variational Bayes", "Auto-Encoding Variational Bayes"),
    ("12) Attention Is All You Need", "Attention Is All You Need"),
    ("[3] Deep Residual Learning", "Deep Residual Learning"),
    ("(4) Deep Residual Learning", "Deep Residual Learning"),
    ("**[12]** Deep Residual Learning", "Deep Residual Learning"),
    ("Paper 2: Generative Adversarial Nets", "Generative Adversarial Nets"),
    ("Paper #3 – Wasserstein GAN", "Wasserstein GAN"),
    ("#14: BERT", "BERT"),
    ("1、注意力机制", "注意力机制"),
    ("第3篇：BERT", "BERT"),
    ("Notes on Attention Is All You Need", "Attention Is All You Need"),
    ("Notes de lecture : « Attention Is All You Need »", "Attention Is All You Need"),
    ("Résumé de l'article : BERT", "BERT"),
    ("论文笔记：Attention Is All You Need", "Attention Is All You Need"),
    ("笔记：《Attention Is All You Need》", "Attention Is All You Need"),
    ("Lesenotizen: Attention Is All You Need", "Attention Is All You Need"),
    ("Notizen zu BERT", "BERT"),
    ("Leseprotokoll „Attention Is All You Need“", "Attention Is All You Need"),
    ("Zusammenfassung: »BERT«", "BERT"),
    ("Apuntes: Attention Is All You Need", "Attention Is All You Need"),
    ("Resumen de Attention Is All You Need", "Attention Is All You Need"),
    ("読書メモ: 「Attention Is All You Need」", "Attention Is All You Need"),
    ("『Attention Is All You Need』", "Attention Is All You Need"),
    ("1. Notes on « BERT »", "BERT"),
])
def test_numbering_note_prefixes_and_quotes_are_not_the_title(heading: str, title: str) -> None:
    draft = Draft(1)
    draft.set_heading_title(heading, 1)
    assert draft.title == title
    field = Draft(1)
    field.set_clean_title(heading, 1)
    assert field.title == title


@pytest.mark.parametrize("title", [
    "3D Gaussian Splatting for Real-Time Radiance Field Rendering", "1-bit Adam", "1.58-bit LLMs",
    "2048 Bits of Entropy", "(2+1)D Convolutions", "[1706.03762] Attention Is All You Need",
    '"Why Should I Trust You?": Explaining the Predictions of Any Classifier', "Notes", "Summary",
    '"A" and "B" Are Different'])
def test_a_title_that_only_starts_like_numbering_or_a_prefix_is_kept(title: str) -> None:
    draft = Draft(1)
    draft.set_heading_title(title, 1)
    assert draft.title == title


def test_a_venue_after_the_quoted_title_is_read_and_the_quotes_dropped() -> None:
    draft = Draft(1)
    draft.set_heading_title("Reseña: «BERT» (NAACL 2019)", 1)
    assert (draft.title, draft.venue, draft.year) == ("BERT", "NAACL", 2019)


@pytest.mark.parametrize("line, names, incomplete, venue, year", [
    ("Kingma, Welling — ICLR 2014", ["Kingma", "Welling"], False, "ICLR", 2014),
    ("Kingma & Welling – ICLR 2014", ["Kingma", "Welling"], False, "ICLR", 2014),
    ("Goodfellow et al. — NeurIPS 2014", ["Goodfellow"], True, "NeurIPS", 2014),
    ("Goodfellow et al.", ["Goodfellow"], True, None, None),
    ("van den Oord et al. - arXiv 2016", ["van den Oord"], True, "arXiv", 2016),
    ("Diederik P. Kingma, Max Welling — ICLR 2014", ["Diederik P. Kingma", "Max Welling"], False, "ICLR", 2014),
])
def test_surnames_before_a_venue_or_et_al_are_an_author_line(line: str, names: list[str], incomplete: bool,
                                                              venue: str | None, year: int | None) -> None:
    byline = match_byline(line)
    assert byline is not None
    assert (byline.authors.names, byline.authors.incomplete, byline.venue, byline.year) == (
        names, incomplete, venue, year)


@pytest.mark.parametrize("line", ["Goodfellow — NeurIPS 2014", "ICLR, NeurIPS — ICLR 2014", "TBD et al.",
                                  "Google, Meta — NeurIPS 2020"])
def test_a_lone_surname_a_venue_list_or_a_placeholder_is_no_author_line(line: str) -> None:
    assert match_byline(line) is None


@pytest.mark.parametrize("header, fields", [
    (["#", "Paper", "Authors", "Year", "Presenter"], [None, "title", "authors", "year", "writer"]),
    (["Nr.", "Titel", "Autoren", "Jahr", "Vortragende"], [None, "title", "authors", "year", "writer"]),
    (["序号", "论文", "作者", "年份", "报告人"], [None, "title", "authors", "year", "writer"]),
    (["Name", "Authors", "Venue", "Presented by"], ["title", "authors", "venue", "writer"]),
    (["Título", "Autores", "Año"], ["title", "authors", "year"]),
    (["Title", "Paper", "Authors"], ["title", "link", "authors"]),  # a title column: "Paper" is its link
    (["Name", "Paper", "Authors"], ["title", "link", "authors"]),
])
def test_table_columns(header: list[str], fields: list[str | None]) -> None:
    assert column_fields(header) == fields


@pytest.mark.parametrize("line, chrome", [
    ("Created: November 3, 2023 4:12 PM", True), ("Status: Read", True), ("Type: Paper", True),
    ("Last edited time: November 4, 2023 9:00 AM", True), ("Reviewed: 2023-10-01", True),
    ("> [!abstract]", True), ("[!note]- Summary", True), ("**", True),
    ("Problem: vanishing gradients in very deep networks", False), ("Key idea: residual blocks", False),
    ("Note: the type of layer matters", False), ("Status quo methods fail", False)])
def test_metadata_callout_headers_and_bare_markup_are_chrome(line: str, chrome: bool) -> None:
    assert is_chrome_line(line) is chrome


def test_a_callout_paragraph_is_its_body_without_header_or_quote_marks() -> None:
    lines = ["> [!abstract] Abstract", "> Residual connections **let** very", "> deep networks train."]
    assert clean_paragraph(lines) == "Residual connections **let** very deep networks train."
    assert clean_paragraph(["** Higher learning rates", "become safe."]) == "Higher learning rates become safe."


@pytest.mark.parametrize("line, keyed", [
    ("**Summary:**The standard textbook.", "Summary: The standard textbook."),
    ("__Authors:__A. Person", "Authors: A. Person"),
    ("**bold** words, then text", None), ("Summary: already plain", None)])
def test_a_bold_key_left_as_written_is_read_as_its_key(line: str, keyed: str | None) -> None:
    assert literal_key(line) == keyed
