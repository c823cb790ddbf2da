"""BibTeX exports (Zotero plain and Better BibTeX, Google Scholar, JabRef, by hand) to paper records."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from store.ingest import SUPPORTED_SUFFIXES, parse_file, parse_text
from store.ingest.readings.bibtex import bibtex_authors, looks_like_bibtex, parse_bibtex
from store.text.folding import fold

DATA = Path(__file__).parent.parent / "data" / "bibtex"

VASWANI = ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones", "Aidan N. Gomez"]
HE = ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]


def _rows(name: str) -> list[tuple[object, ...]]:
    parsed = parse_file(DATA / name, name)
    return [(r.line, r.title, r.authors, r.authors_incomplete, r.venue, r.year, r.topics, r.link, r.arxiv_id, r.doi)
            for r in parsed.records]


def test_bib_is_a_corpus_suffix() -> None:
    assert ".bib" in SUPPORTED_SUFFIXES
    assert not {".tsv", ".toml", ".csv"} & SUPPORTED_SUFFIXES


def test_zotero_better_bibtex() -> None:
    assert _rows("zotero-bbt.bib") == [
        (1, "Deep Residual Learning for Image Recognition", HE, False, "CVPR", 2016,
         ["residual networks", "image classification"], "https://doi.org/10.1109/cvpr.2016.90", None,
         "10.1109/cvpr.2016.90"),
        (17, "Attention Is All You Need", [*VASWANI, "Łukasz Kaiser", "Illia Polosukhin"], False, "arXiv", 2017,
         ["Computation and Language", "Machine Learning"], "https://arxiv.org/abs/1706.03762", "1706.03762", None),
        (31, "Generative Adversarial Nets", ["Ian Goodfellow", "Jean Pouget-Abadie", "Mehdi Mirza", "Bing Xu",
                                             "David Warde-Farley", "Sherjil Ozair", "Aaron Courville", "Yoshua Bengio"],
         False, "NeurIPS", 2014, [], "https://papers.nips.cc/paper/5423-generative-adversarial-nets", None, None),
    ]
    summary = parse_file(DATA / "zotero-bbt.bib", "z.bib").records[1].summary
    # The abstract is the summary; Zotero's "Comment: 15 pages" annote is metadata, not a summary.
    assert summary == ("The dominant sequence transduction models are based on complex recurrent or convolutional "
                       "neural networks that include an encoder and a decoder.")


def test_zotero_plain() -> None:
    assert _rows("zotero-plain.bib") == [
        (2, "Attention Is All You Need", [*VASWANI, "Lukasz Kaiser", "Illia Polosukhin"], False, "arXiv", 2017,
         ["Computation and Language", "Machine Learning"], "http://arxiv.org/abs/1706.03762", "1706.03762", None),
        (19, "Adam: A Method for Stochastic Optimization", ["Diederik P. Kingma", "Jimmy Ba"], False, "ICLR", 2015,
         [], "http://arxiv.org/abs/1412.6980", "1412.6980", None),
        (30, "Deep learning", ["Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton"], False, "Nature", 2015, [],
         "https://www.nature.com/articles/nature14539", None, "10.1038/nature14539"),
    ]
    records = parse_file(DATA / "zotero-plain.bib", "p.bib").records
    assert records[0].summary == ("The dominant sequence transduction models are based on complex recurrent or "
                                  "convolutional neural networks.\n\nWe propose a new simple network architecture, "
                                  "the Transformer.")  # the note "arXiv:1706.03762 [cs]" is not part of it
    assert records[1].summary == ("Adaptive learning rates from estimates of the first and second moments of the "
                                  "gradients.")


def test_google_scholar() -> None:
    assert _rows("scholar.bib") == [
        (1, "Deep residual learning for image recognition", HE, False, "arXiv", 2015, [],
         "https://arxiv.org/abs/1512.03385", "1512.03385", None),
        (8, "U-net: Convolutional networks for biomedical image segmentation",
         ["Olaf Ronneberger", "Philipp Fischer", "Thomas Brox"], False, "MICCAI", 2015, [], None, None, None),
        (17, "Language models are few-shot learners",
         ["Tom Brown", "Benjamin Mann", "Nick Ryder", "Melanie Subbiah", "Jared D Kaplan", "Prafulla Dhariwal"],
         True, "NeurIPS", 2020, [], None, None, None),
        (26, "Structure-from-motion revisited", ["Johannes L Schönberger", "Jan-Michael Frahm"], False, "CVPR", 2016,
         [], None, None, None),
    ]


def test_jabref_with_string_macros_preamble_and_comments() -> None:
    parsed = parse_file(DATA / "jabref.bib", "jabref.bib")
    assert parsed.problems == []
    assert _rows("jabref.bib") == [
        (9, "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks",
         ["Jonathan Frankle", "Michael Carbin"], False, "ICLR", 2019, ["pruning", "sparsity"],
         "https://openreview.net/forum?id=rJl-b3RcF7", None, None),
        (21, "Deep Unsupervised Learning using Nonequilibrium Thermodynamics",
         ["Jascha Sohl-Dickstein", "Eric A. Weiss", "Niru Maheswaranathan", "Surya Ganguli"], False, "ICML", 2015,
         [], "https://arxiv.org/abs/1503.03585", "1503.03585", None),
        (32, "Denoising Diffusion Probabilistic Models", ["Jonathan Ho", "Ajay Jain", "Pieter Abbeel"], False,
         "NeurIPS", 2020, [], None, None, None),
    ]
    assert parsed.records[0].openreview_id == "rJl-b3RcF7"
    assert parsed.records[2].summary == ("Diffusion models trained with a weighted variational bound; samples rival "
                                         "GANs on CIFAR10 & LSUN.")


def test_a_broken_entry_is_a_problem_with_its_line_and_the_rest_load() -> None:
    parsed = parse_file(DATA / "handwritten.bib", "handwritten.bib")
    assert [(r.line, r.title) for r in parsed.records] == [
        (3, "On the Evolution of Random Graphs: Erdős–Rényi and Müller's O(n log n) Bound"),
        (21, "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"),
    ]
    assert [(p.source, p.line) for p in parsed.problems] == [("handwritten.bib", 11), ("handwritten.bib", 16)]
    assert "could not be read" in parsed.problems[0].message
    assert "no title" in parsed.problems[1].message
    erdos, bert = parsed.records
    assert erdos.authors == ["Paul Erdős", "Alfréd Rényi", "Jörg Müller", "Jan van der Berg", "John Smith Jr.",
                             "Google DeepMind"]
    assert erdos.summary == "We study random graphs in which 50% of edges survive."
    assert (erdos.venue, erdos.year) == ("Publ. Math. Inst. Hung. Acad. Sci", 1960)
    assert bert.authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    assert (bert.venue, bert.year, bert.doi) == ("NAACL", 2019, "10.18653/v1/n19-1423")


def test_a_block_inside_a_note_keeps_the_note_s_line_numbers() -> None:
    block = "@article{a,\n  title = {First},\n}\n\n@article{b,\n  title = {Second}, author = {Doe, Jane},\n}\n"
    parsed = parse_bibtex(block, "note.md", first_line=40)
    assert [(r.source, r.line, r.title, r.authors) for r in parsed.records] == [
        ("note.md", 40, "First", []), ("note.md", 44, "Second", ["Jane Doe"])]
    assert looks_like_bibtex(block)
    assert not looks_like_bibtex("@comment{nothing here}\nEmail me @ home {today}.")


def test_a_bib_file_with_no_entries_says_what_was_looked_for() -> None:
    parsed = parse_text("Just some text, no entries.\n", "empty.bib", ".bib")
    assert parsed.records == []
    assert [p.message for p in parsed.problems] == [
        "no papers found: BibTeX entries (@article{key, title = {...}, ...})"]


def test_undefined_macro_is_a_problem_for_that_entry_only() -> None:
    text = "@article{a, title = {One}, journal = undefinedmacro}\n@article{b, title = {Two}}\n"
    parsed = parse_bibtex(text, "m.bib")
    assert [r.title for r in parsed.records] == ["Two"]
    assert [p.line for p in parsed.problems] == [1]


def test_author_fields() -> None:
    assert bibtex_authors("He, Kaiming and Zhang, Xiangyu") == (["Kaiming He", "Xiangyu Zhang"], False)
    assert bibtex_authors("Kaiming He and Xiangyu Zhang and others") == (["Kaiming He", "Xiangyu Zhang"], True)
    assert bibtex_authors("{Barnes and Noble, Inc.} and Doe, J.") == (["Barnes and Noble, Inc.", "J. Doe"], False)
    assert bibtex_authors("de la Fuente, Ana AND Ludwig van Beethoven") == (
        ["Ana de la Fuente", "Ludwig van Beethoven"], False)
    assert bibtex_authors("King, Jr., Martin Luther") == (["Martin Luther King Jr.", ], False)
    assert bibtex_authors(r"M{\"u}ller, J{\"o}rg and Gir{\'o}-i-Nieto, Xavier") == (
        ["Jörg Müller", "Xavier Giró-i-Nieto"], False)
    assert bibtex_authors("") == ([], False)


_word = (st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéñ", min_size=2, max_size=8).map(str.capitalize)
         .filter(lambda w: w.casefold() not in {"jr", "sr", "ii", "iii", "iv", "and"}))
_person = st.tuples(_word, _word)


@given(st.lists(_person, min_size=1, max_size=8), st.booleans(), st.booleans())
def test_an_author_field_never_yields_an_invented_or_dropped_name(people: list[tuple[str, str]],
                                                                  last_first: bool, others: bool) -> None:
    written = [f"{last}, {first}" if last_first else f"{first} {last}" for first, last in people]
    field = " and ".join([*written, *(["others"] if others else [])])
    names, incomplete = bibtex_authors(field)
    assert names == [f"{first} {last}" for first, last in people]
    assert incomplete is others


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120))
@example("0,0-:")  # reordered, "0-: 0": fold() mends "0- 0" into one hyphenated word, letters unchanged
def test_arbitrary_author_text_gives_only_words_it_contains(field: str) -> None:
    names, _ = bibtex_authors(field)
    source = fold(field.replace("{", "").replace("}", ""))  # braces group letters: "0{0}" is "00"
    words = source.replace("-", " ")  # hyphens join or part words; the letters are what must come from the field
    for name in names:
        assert name.strip()
        for word in fold(name).replace("-", " ").split():
            assert word in words or "\\" in field  # a LaTeX command may decode to new letters


@given(st.text(max_size=300))
def test_parse_bibtex_never_raises(text: str) -> None:
    parsed = parse_bibtex("@article{k,\n title = {" + text, "x.bib")
    for record in parsed.records:
        assert record.title.strip()
