"""The single-spacing shortcut returns exactly what splitting and joining would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from store.text.spacing import _printable, single_spaced


@given(st.text(alphabet=st.sampled_from(list("ab é\t\n\r\x0b\x0c\x1c\x85\u00a0\u2003\u3000")) | st.characters()))
def test_same_as_split_and_join(text: str) -> None:
    assert single_spaced(text) == " ".join(text.split())


def test_tidy_text_is_returned_as_it_is() -> None:
    text = "Deep residual learning for image recognition."
    assert single_spaced(text) is text
    assert single_spaced(" a  b\tc\n") == "a b c"
    assert single_spaced("") == ""


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_the_ascii_shortcut_for_printable_text_answers_as_str_isprintable(text: str) -> None:
    assert _printable(text) == text.isprintable()


def test_every_ascii_character_is_printable_as_str_isprintable_says() -> None:
    for code in range(0x80):
        assert _printable(f"ab{chr(code)}c") == chr(code).isprintable(), code
