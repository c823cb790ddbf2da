"""A note with a BibTeX block: the note's paper and the entry's are one paper, merged by the one record merge.

`fill_missing` gives the note's paper what the entry knows and the note does not (ids, venue, year, writer);
the authors pair keeps the note reader's own rule: a paper without authors takes the entry's list and its
"and others", even when the entry names nobody.
"""

from __future__ import annotations

from store.ingest import parse_text

FENCE = "```"


def _note(entry_fields: str) -> str:
    return (f"# Deep Nets Are Great\n\nLink: https://arxiv.org/abs/1706.03762\n\nA short note of ours.\n\n"
            f"{FENCE}bibtex\n@inproceedings{{doe2018,\n  title = {{Deep Nets Are Great}},\n{entry_fields}}}\n{FENCE}\n")


def test_an_arxiv_link_in_the_note_and_an_openreview_url_in_its_entry_give_one_paper_with_both_ids() -> None:
    text = _note("  author = {Doe, Jane and Roe, Richard},\n  url = {https://openreview.net/forum?id=AbC123xyz},\n"
                 "  booktitle = {International Conference on Learning Representations},\n  year = {2018},\n")
    parsed = parse_text(text, "note.md", ".md")
    assert parsed.problems == []
    [paper] = parsed.records
    assert (paper.title, paper.authors, paper.venue, paper.year) == (
        "Deep Nets Are Great", ["Jane Doe", "Richard Roe"], "ICLR", 2018)
    assert (paper.link, paper.arxiv_id, paper.openreview_id) == (
        "https://arxiv.org/abs/1706.03762", "1706.03762", "AbC123xyz")
    assert (paper.line, paper.summary) == (1, "A short note of ours.")


def test_a_paper_without_authors_takes_the_entry_s_and_others_even_when_it_names_nobody() -> None:
    [paper] = parse_text(_note("  author = {others},\n"), "note.md", ".md").records
    assert (paper.authors, paper.authors_incomplete) == ([], True)
