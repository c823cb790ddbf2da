"""The single-spacing shortcut returns exactly what splitting and joining would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from store.text.spacing import single_spaced


@given(st.text(alphabet=st.sampled_from(list("ab é\t\n\r\x0b\x0c\x1c\x85\u00a0\u2003\u3000")) | st.characters()))
def test_same_as_split_and_join(text: str) -> None:
    assert single_spaced(text) == " ".join(text.split())


def test_tidy_text_is_returned_as_it_is() -> None:
    text = "Deep residual learning for image recognition."
    assert single_spaced(text) is text
    assert single_spaced(" a  b\tc\n") == "a b c"
    assert single_spaced("") == ""
