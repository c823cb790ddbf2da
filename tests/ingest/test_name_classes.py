"""Classes of author lines the generated corpus found misread (issue 24, item 3: names), each with variants.

- two names that each hold initials beside one surname ("S. Hochreiter, J. Schmidhuber") are two people,
  never one person written "Last, First";
- an initial's full stop right before a venue tail is the initial's ("Adams, C. S. - neurips 2020");
- family names with a lower-case particle or an elision ("N. d'Ambrumenil", "van der Maaten", "dos Santos");
- surnames that are English words, written first ("He Yanzhang, Bao Chengguang"), in a list of names.
The same words alone on a line ("An Overview", "He Said") stay what they are: not authors.
"""

from __future__ import annotations

import pytest

from store.ingest import parse_text
from store.ingest.readings.fields.authors import parse_authors
from store.ingest.readings.fields.byline import match_byline
from store.ingest.readings.fields.namelists import is_person_name, parse_name_list, split_names


def _read(text: str) -> list[tuple[str, list[str]]]:
    return [(r.title, list(r.authors)) for r in parse_text(text, "note.md", ".md").records]


TWO_INITIALLED = [
    ("# Long short-term memory\n\nS. Hochreiter, J. Schmidhuber\n",
     [("Long short-term memory", ["S. Hochreiter", "J. Schmidhuber"])]),
    ("Title: Long short-term memory\nAuthors: S. Hochreiter, J. Schmidhuber\n",
     [("Long short-term memory", ["S. Hochreiter", "J. Schmidhuber"])]),
    ("## Long short-term memory\n\nS. Hochreiter, J. Schmidhuber - Neural Computation 1997\n\nNotes.\n",
     [("Long short-term memory", ["S. Hochreiter", "J. Schmidhuber"])]),
    ("# Auto-Encoding Variational Bayes\n\n*D. P. Kingma, M. Welling* — ICLR 2014\n",
     [("Auto-Encoding Variational Bayes", ["D. P. Kingma", "M. Welling"])]),
    ("Title: Learning phrase representations\nAuthors: C.-H. Chang, T. Kosel\n",
     [("Learning phrase representations", ["C.-H. Chang", "T. Kosel"])]),
    ("# Paper\n\n## Learning to forget\n\nF. A. Gers, J. Schmidhuber\n\nSome notes.\n",
     [("Learning to forget", ["F. A. Gers", "J. Schmidhuber"])]),
    ("Title: Deep residual learning\nAuthors: He K, Zhang X\n", [("Deep residual learning", ["He K", "Zhang X"])]),
]

INITIAL_BEFORE_VENUE = [
    ("# Vortices in Bose-Einstein Condensates: Theory\n\nParker, N. G.; Jackson, B.; Adams, C. S. - neurips 2020\n",
     [("Vortices in Bose-Einstein Condensates: Theory", ["N. G. Parker", "B. Jackson", "C. S. Adams"])]),
    ("# Distilling the Knowledge in a Neural Network\n\n"
     "*Hinton, Geoffrey; Vinyals, Oriol; Dean, Jeff E.* — ICLR 2014\n",
     [("Distilling the Knowledge in a Neural Network", ["Geoffrey Hinton", "Oriol Vinyals", "Jeff E. Dean"])]),
    ("# Sequence to Sequence Learning\n\nSutskever, Ilya; Vinyals, Oriol; Le, Quoc V. (NeurIPS 2014)\n",
     [("Sequence to Sequence Learning", ["Ilya Sutskever", "Oriol Vinyals", "Quoc V. Le"])]),
    ("# Learning representations by back-propagating errors\n\n"
     "Rumelhart, D. E.; Hinton, G. E.; Williams, R. J. | Nature 1986\n",
     [("Learning representations by back-propagating errors", ["D. E. Rumelhart", "G. E. Hinton", "R. J. Williams"])]),
    # a sentence's full stop before the venue is still no initial's
    ("# Attention Is All You Need\n\nAshish Vaswani, Noam Shazeer. NeurIPS 2017\n",
     [("Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer"])]),
]

LOWER_CASE_FAMILY = [
    ("# Tuning correlation effects with electron-phonon interactions\n\nJ. P. Hague, N. d'Ambrumenil\n",
     [("Tuning correlation effects with electron-phonon interactions", ["J. P. Hague", "N. d'Ambrumenil"])]),
    ("# Sparse PCA\n\nAlexandre d'Aspremont, Laurent El Ghaoui\n",
     [("Sparse PCA", ["Alexandre d'Aspremont", "Laurent El Ghaoui"])]),
    ("# Visualizing Data using t-SNE\n\nLaurens van der Maaten, Geoffrey Hinton\n",
     [("Visualizing Data using t-SNE", ["Laurens van der Maaten", "Geoffrey Hinton"])]),
    ("# Visualizing Data using t-SNE\n\nvan der Maaten, Laurens; Hinton, Geoffrey - JMLR 2008\n",
     [("Visualizing Data using t-SNE", ["Laurens van der Maaten", "Geoffrey Hinton"])]),
    ("# Learning to learn\n\nMarcin Andrychowicz, Misha Denil, Nando de Freitas\n",
     [("Learning to learn", ["Marcin Andrychowicz", "Misha Denil", "Nando de Freitas"])]),
    ("# Attentive pooling networks\n\nCicero dos Santos, Ming Tan, Bing Xiang\n",
     [("Attentive pooling networks", ["Cicero dos Santos", "Ming Tan", "Bing Xiang"])]),
    ("# Bright solitons\n\nK. O'Neil and P. T. O'Brien\n", [("Bright solitons", ["K. O'Neil", "P. T. O'Brien"])]),
]

SURNAME_WORD_FIRST = [
    ("# Coincidence of the oscillations in narrow quantum rings\n\nHe Yanzhang, Bao Chengguang\n",
     [("Coincidence of the oscillations in narrow quantum rings", ["He Yanzhang", "Bao Chengguang"])]),
    ("# Coincidence of the oscillations\n\nHe Yanzhang et al.\n",
     [("Coincidence of the oscillations", ["He Yanzhang"])]),
    ("# Coincidence of the oscillations\n\nHe Yanzhang and Bao Chengguang - ICML 2019\n",
     [("Coincidence of the oscillations", ["He Yanzhang", "Bao Chengguang"])]),
    ("# Coincidence of the oscillations\n\nYanzhang, He; Chengguang, Bao\n",
     [("Coincidence of the oscillations", ["He Yanzhang", "Bao Chengguang"])]),
    ("# Quantum walks\n\nMa Jian, Gu Quanquan, An Bo\n", [("Quantum walks", ["Ma Jian", "Gu Quanquan", "An Bo"])]),
    ("# Quantum walks\n\nAn Xiao; Li Ming; Yu Hao\n", [("Quantum walks", ["An Xiao", "Li Ming", "Yu Hao"])]),
]

# The same words where nothing says the line lists names: not authors.
NOT_NAMES = [
    ("# Deep Learning\n\nAn Overview\n\nText.\n", [("Deep Learning", [])]),
    ("# Deep Learning\n\nHe Said\n\nText.\n", [("Deep Learning", [])]),
]


@pytest.mark.parametrize(("text", "expected"),
                         TWO_INITIALLED + INITIAL_BEFORE_VENUE + LOWER_CASE_FAMILY + SURNAME_WORD_FIRST + NOT_NAMES)
def test_each_note_reads_to_its_exact_title_and_authors(text: str, expected: list[tuple[str, list[str]]]) -> None:
    assert _read(text) == expected


@pytest.mark.parametrize(("line", "names"), [
    ("S. Hochreiter, J. Schmidhuber", ["S. Hochreiter", "J. Schmidhuber"]),
    ("S.M. Eslami, D. Rezende", ["S. M. Eslami", "D. Rezende"]),
    ("Hochreiter S, Schmidhuber J", ["Hochreiter S", "Schmidhuber J"]),
    ("Kingma DP, Ba J", ["Kingma DP", "Ba J"]),
    # "Last, First" stays one person
    ("Hinton, G. E.", ["G. E. Hinton"]),
    ("Dean, Jeff E.", ["Jeff E. Dean"]),
    ("Frankle, Jonathan", ["Jonathan Frankle"]),
    ("van der Maaten, L.", ["L. van der Maaten"]),
    ("de la Torre, Fernando", ["Fernando de la Torre"]),
])
def test_names_with_initials_beside_a_surname_are_people_of_their_own(line: str, names: list[str]) -> None:
    assert split_names(line) == names


@pytest.mark.parametrize(("line", "names", "venue"), [
    ("Parker, N. G.; Jackson, B.; Adams, C. S. - neurips 2020", ["N. G. Parker", "B. Jackson", "C. S. Adams"],
     "NeurIPS"),
    ("Hinton, Geoffrey; Vinyals, Oriol; Dean, Jeff E. — ICLR 2014", ["Geoffrey Hinton", "Oriol Vinyals",
                                                                     "Jeff E. Dean"], "ICLR"),
    ("Chang, C.-H.; Kosel, T.-J. - ICML 2019", ["C.-H. Chang", "T.-J. Kosel"], "ICML"),
])
def test_an_initials_full_stop_before_the_venue_stays_with_the_initial(line: str, names: list[str],
                                                                       venue: str) -> None:
    byline = match_byline(line)
    assert byline is not None
    assert (byline.authors.names, byline.venue) == (names, venue)


@pytest.mark.parametrize(("name", "person"), [
    ("N. d'Ambrumenil", True), ("Alexandre d'Aspremont", True), ("Marco dell'Orso", True), ("K. O'Neil", True),
    ("Cícero Nogueira dos Santos", True),
    ("the l'apprentissage", False), ("N. d'ambrumenil", False),  # an elision before a lower-case word is no name
])
def test_a_family_name_after_an_elided_particle_is_a_name(name: str, person: bool) -> None:
    assert is_person_name(name) is person


@pytest.mark.parametrize(("line", "names"), [
    ("He Yanzhang, Bao Chengguang", ["He Yanzhang", "Bao Chengguang"]),
    ("He Yanzhang;; Bao Chengguang", ["He Yanzhang", "Bao Chengguang"]),
    ("He Yanzhang et al.", ["He Yanzhang"]),
    ("An Xiao and Li Ming", ["An Xiao", "Li Ming"]),
    ("An Overview", None),
    ("He Said", None),
    ("So Far, So Good", None),
    ("He Said, She Said", None),
])
def test_a_surname_that_is_an_english_word_leads_a_name_only_in_a_list(line: str, names: list[str] | None) -> None:
    authors = parse_authors(line, strict=True)
    assert (authors.names if authors else None) == names


def test_a_title_line_with_initialled_names_after_it_reads_each_name() -> None:
    assert parse_name_list("S. Hochreiter, J. Schmidhuber") == ["S. Hochreiter", "J. Schmidhuber"]
    assert parse_name_list("J. P. Hague, N. d'Ambrumenil") == ["J. P. Hague", "N. d'Ambrumenil"]
