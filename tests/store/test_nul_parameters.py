"""store.db.engine drops NUL characters from every write's parameters (PostgreSQL refuses them): the quick
test in C must find every NUL the exact walk finds, and rule out text that only spells a backslash-x00."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from store.db.engine import _holds_nul, _walk_holds_nul, _without_nul

TEXT = st.text(alphabet=st.sampled_from(["a", "\x00", "\\", "x", "0", "é", "\n", "'", '"']), max_size=8)
SCALARS = TEXT | st.integers() | st.none() | st.binary(max_size=4) | st.just(datetime(2026, 1, 1, tzinfo=UTC))
VALUES = st.recursive(SCALARS,
                      lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                      | st.dictionaries(st.sampled_from(["k", "v\x00"]), inner, max_size=2), max_leaves=12)


@given(VALUES)
def test_the_quick_check_agrees_with_the_walk(value: object) -> None:
    assert _holds_nul(value) == _walk_holds_nul(value)
    assert not _holds_nul(_without_nul(value))


def test_spelled_escapes_and_bytes_are_not_nuls() -> None:
    assert not _holds_nul(["a\\x00b", "\\\\x00", b"\x00"])
    assert _holds_nul([{"summary": ("x", ["y\x00"])}])
