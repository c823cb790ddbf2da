"""People's names: display form for showing, person_key for matching across documents."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from store.text.folding import SPECIAL_LETTERS as _SPECIAL
from store.text.folding import fold
from store.text.names import _AND, _may_join, display_name, person_key, split_authors, surname_key


def test_last_first_and_first_last_are_one_person() -> None:
    assert display_name("Sohl-Dickstein, Jascha") == "Jascha Sohl-Dickstein"
    assert person_key("Sohl-Dickstein, Jascha") == person_key("Jascha Sohl-Dickstein")
    assert person_key(display_name("Sohl-Dickstein, Jascha")) == person_key("Jascha N. Sohl-Dickstein")


def test_middle_initials_do_not_split_a_person() -> None:
    assert person_key("Quoc V. Le") == person_key("Quoc Le") == "quoc le"
    assert person_key("Aaron C. Courville") == person_key("Aaron Courville")
    assert person_key("Quoc V. Le") != person_key("Quoc Li")


def test_accents_and_particles() -> None:
    assert person_key("Aäron van den Oord") == person_key("Aaron van den Oord")
    assert surname_key("Aäron van den Oord") == "oord"
    assert person_key("François Fleuret") == person_key("Francois Fleuret")
    assert fold("Alán Aspuru-Guzik") == "alan aspuru-guzik"
    assert display_name("Aspuru-Guzik, Alán") == "Alán Aspuru-Guzik"  # accents kept for display


def test_split_authors_in_every_corpus_shape() -> None:
    assert split_authors("Schulman, John and Levine, Sergey and Jordan, Michael I.") == [
        "John Schulman", "Sergey Levine", "Michael I. Jordan"]
    assert split_authors("Jonathan Frankle and Michael Carbin") == ["Jonathan Frankle", "Michael Carbin"]
    assert split_authors("Alec Radford, Luke Metz, and Soumith Chintala (Facebook AI).") == [
        "Alec Radford", "Luke Metz", "Soumith Chintala"]
    assert split_authors("Jonathan Frankle; Michael Carbin") == ["Jonathan Frankle", "Michael Carbin"]
    assert split_authors("Frankle, Jonathan") == ["Jonathan Frankle"]
    assert split_authors("S.M. Ali Eslami, Yee Whye Teh") == ["S. M. Ali Eslami", "Yee Whye Teh"]


@given(st.text(alphabet=st.sampled_from([*"aZ9 _-.,'\t", "ø", "é", "Ł", "ß", "\u00a0"])) | st.text())
def test_fold_shortcut_for_plain_words_changes_nothing(text: str) -> None:
    """Plain ASCII words skip the punctuation passes: the result must be what those passes give."""
    if text.isascii():
        expected = text.lower()
    else:
        expected = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
        expected = "".join(ch for ch in expected if not unicodedata.combining(ch)).casefold()
    expected = " ".join(re.sub(r"\s*-\s*", "-", re.sub(r"[^\w\s-]", " ", expected)).strip("-").split())
    assert fold(text) == expected
    assert fold("Yoshua  Bengio") == "yoshua bengio"


@given(st.text(alphabet=st.sampled_from(list("aAnNdD &;,.xK\u212a\u0131\u017f")) | st.characters(), max_size=40))
def test_the_regex_is_skipped_only_where_it_finds_no_separator(raw: str) -> None:
    """`_may_join` answers no only for a text `_AND` finds nothing in (the text as split_authors has it)."""
    text = " ".join(raw.split())
    if _AND.search(text):
        assert _may_join(text)
