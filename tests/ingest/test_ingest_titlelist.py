"""Title lines with authors after a dash (seeds/004), under bare topic headings."""

from __future__ import annotations

import re
from pathlib import Path

from store.ingest import parse_text
from store.ingest.readings.shapes.titlelist import match_title_line

SEED = Path(__file__).parent.parent.parent / "seeds" / "004_c8575dca960cf108.txt"
TEXT = SEED.read_text(encoding="utf-8")
LINES = TEXT.split("\n")
PARSED = parse_text(TEXT, SEED.name)


def _single_line_paragraphs() -> list[tuple[int, str]]:
    return [(n, LINES[n - 1].strip()) for n in range(1, len(LINES) + 1)
            if LINES[n - 1].strip() and (n == 1 or not LINES[n - 2].strip())
            and (n == len(LINES) or not LINES[n].strip())]


def _expected_papers() -> list[tuple[int, str, list[str]]]:
    out = []
    for n, line in _single_line_paragraphs():
        if "–" in line and not line.endswith("."):
            title, _, authors = line.rpartition("–")
            out.append((n, title.strip(), [a.strip() for a in authors.split(",")]))
    return out


def test_every_dash_line_is_a_record_with_title_authors_and_line() -> None:
    expected = _expected_papers()
    assert len(expected) == 10
    assert [(r.line, r.title, r.authors) for r in PARSED.records] == expected
    assert PARSED.problems == []


def test_topics_are_the_bare_headings_above_and_venue_year_the_document_heading() -> None:
    headings = [(n, line) for n, line in _single_line_paragraphs()[1:]
                if "–" not in line and not line.endswith(".") and len(line.split()) <= 6]
    m = re.match(r"^(ICML|ICLR|NeurIPS) (\d{4})", LINES[0])
    assert m is not None
    for rec in PARSED.records:
        above = [h for n, h in headings if n < rec.line]
        assert rec.topics == above[-1:], rec.title
        assert (rec.venue, rec.year) == (m.group(1), int(m.group(2)))
    assert {t for r in PARSED.records for t in r.topics} == {
        "Generative Adversarial Networks (GANs)", "Reinforcement Learning", "Theory and Optimization"}


def test_intro_disclaimer_and_related_articles_are_not_papers_or_summaries() -> None:
    titles = {r.title for r in PARSED.records}
    assert "Related Articles" not in titles
    last = PARSED.records[-1]
    assert "not an endorsement" not in last.summary
    assert "This section links out" not in last.summary
    assert last.summary.endswith("greater levels of noise.")
    assert all("Two Sigma researchers and engineers" not in r.summary for r in PARSED.records)


def test_summary_is_the_following_paragraphs_with_list_items_kept_on_their_own_lines() -> None:
    first = PARSED.records[0]
    paragraphs = first.summary.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0] == LINES[first.line + 1].strip()
    assert "\n2. Stochastic gradients" in first.summary


def test_title_line_shapes() -> None:
    m = match_title_line("Efficient Search via Parameter Sharing–Hieu Pham, Quoc V. Le, Jeff Dean")
    assert m is not None and m.title == "Efficient Search via Parameter Sharing"
    assert m.authors == ["Hieu Pham", "Quoc V. Le", "Jeff Dean"]
    m = match_title_line("Multi-Scale Video Prediction - Michael Mathieu and Yann LeCun")
    assert m is not None and m.title == "Multi-Scale Video Prediction"
    m = match_title_line("- [Deep Sets](https://arxiv.org/abs/1703.06114) — Manzil Zaheer, Satwik Kottur")
    assert m is not None and (m.title, m.link) == ("Deep Sets", "https://arxiv.org/abs/1703.06114")
    assert match_title_line("Generative Models – Theory and Practice") is None
    assert match_title_line("Deep Learning – The Next Big Thing") is None
    assert match_title_line("It rained all day – John Smith said so.") is None
