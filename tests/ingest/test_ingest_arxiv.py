"""arXiv metadata JSON Lines: one paper per line, TeX accents decoded, bad lines reported."""

from __future__ import annotations

import json
from pathlib import Path

from store.ingest import parse_file, parse_text
from store.ingest.text.latex import decode_latex

SAMPLE = Path(__file__).parent.parent / "data" / "arxiv" / "arxiv-metadata-62.jsonl"


def test_every_line_of_the_sample_is_a_record_with_its_line_link_and_year() -> None:
    parsed = parse_file(SAMPLE, SAMPLE.name)
    items = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert parsed.problems == [] and len(parsed.records) == len(items) == 62
    for number, (rec, item) in enumerate(zip(parsed.records, items, strict=True), 1):
        assert rec.line == number
        assert rec.venue == "arXiv" and rec.link == f"https://arxiv.org/abs/{item['id']}"
        assert rec.year == int(item["versions"][0]["created"].split()[3])
        assert "\n" not in rec.title and "  " not in rec.title
        if "\\" not in item["title"] and "{" not in item["title"] and "$" not in item["title"]:
            assert rec.title == " ".join(item["title"].split())
        assert len(rec.authors) == len(item["authors_parsed"])
        assert rec.topics and all("." not in t or t.count(" ") for t in rec.topics)


def test_accents_decoded_and_titles_unwrapped() -> None:
    records = {r.link.rsplit("/", 1)[1]: r for r in parse_file(SAMPLE, SAMPLE.name).records}
    first = records["0704.0001"]
    assert first.authors[0] == "C. Balázs" and first.authors[-1] == "C.-P. Yuan"
    assert first.title.endswith("at Tevatron and LHC energies")
    assert first.topics == ["High Energy Physics - Phenomenology"]
    assert records["0704.0049"].authors == ["Mikkel Øbro"]
    assert records["0704.0062"].authors == ["Rastislav Šrámek", "Broňa Brejová", "Tomáš Vinař"]
    assert "\n" not in first.summary and first.summary.startswith("A fully differential calculation")


def test_bad_json_line_is_reported_with_its_line_and_the_rest_load() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:3]
    text = "\n".join([lines[0], '{"title": "broken', lines[1], "[1, 2]", "", lines[2]])
    parsed = parse_text(text, "s.jsonl", ".jsonl")
    assert [r.line for r in parsed.records] == [1, 3, 6]
    assert [(p.source, p.line) for p in parsed.problems] == [("s.jsonl", 2), ("s.jsonl", 4)]


def test_string_authors_id_year_and_categories_without_authors_parsed() -> None:
    item = {"id": "1803.03635", "title": "The Lottery Ticket\n  Hypothesis",
            "authors": "J. Frankle and M. Carbin (MIT)", "categories": "cs.LG stat.ML cs.NE",
            "abstract": "  Pruning works.\n  New paragraph here.\n"}
    [rec] = parse_text(json.dumps(item), "x.jsonl", ".jsonl").records
    assert (rec.title, rec.year) == ("The Lottery Ticket Hypothesis", 2018)
    assert rec.authors == ["J. Frankle", "M. Carbin"]
    assert rec.topics == ["Machine Learning", "Neural and Evolutionary Computing"]
    assert rec.summary == "Pruning works.\n\nNew paragraph here."


def test_latex_decoding() -> None:
    raw = r"Bal\'azs \"o {\"u} \c{c} \~n \v{s} Koll\'ar {\O}bro \ss"
    assert decode_latex(raw) == "Balázs ö ü ç ñ š Kollár Øbro ß"
    # Math is made readable: symbols become Unicode, unknown macros keep their names inside math.
    assert decode_latex(r"over $\Q(\sqrt{5})$ via") == "over Q(√(5)) via"


def test_papers_of_one_category_list_have_their_own_topics_and_names() -> None:
    """The labels of a category list and the display form of a name are worked out once (cached): each record
    still gets a list of its own, so a merge that changes one paper's topics leaves the others' alone."""
    from store.ingest.readings.arxiv_jsonl import parse_line

    first, second = (parse_line(json.dumps({"id": f"2401.0000{i}", "title": f"Paper {i}", "abstract": "A.",
                                            "authors": "Bengio, Yoshua", "categories": "cs.LG stat.ML"}), "a", i)
                     for i in (1, 2))
    assert first.topics == second.topics == ["Machine Learning"] and first.topics is not second.topics
    first.topics.append("Changed")
    assert second.topics == ["Machine Learning"]
    assert first.authors == second.authors == ["Yoshua Bengio"]
