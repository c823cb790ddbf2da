"""Whole-column steps done a slice at a time (store/search/texts.py): the same result as the one call."""

import numpy as np
import pytest

from store.search import spill, texts


@pytest.mark.parametrize("cut", [1, 2, 3, 7, 1 << 16])
def test_repeat_in_slices_equals_numpys_repeat(monkeypatch: pytest.MonkeyPatch, cut: int) -> None:
    monkeypatch.setattr(texts, "SLICE", cut)
    counts = np.array([2, 0, 1, 3, 0, 0, 4], dtype=np.int64)
    got = texts.repeat(np.arange(7, dtype=np.int64), counts)
    assert got.tolist() == [0, 0, 2, 3, 3, 3, 6, 6, 6, 6]
    assert got.dtype == np.int64
    floats = np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
    assert texts.repeat(floats, counts).tolist() == np.repeat(floats, counts).tolist()


def test_repeat_of_nothing() -> None:
    assert texts.repeat(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("cut", [1, 3, 1 << 16])
def test_drop_empties_a_list_in_place(monkeypatch: pytest.MonkeyPatch, cut: int) -> None:
    monkeypatch.setattr(texts, "SLICE", cut)
    items = [f"name {i}" for i in range(10)]
    same = items
    texts.drop(items)
    assert same == [] and items is same
    texts.drop(items)  # an empty list stays empty
    assert items == []


@pytest.mark.parametrize("cut", [1, 3, 1 << 16])
def test_sorted_order_a_slice_at_a_time_of_a_spilled_column(monkeypatch: pytest.MonkeyPatch, cut: int) -> None:
    """The column's pages are let go after each slice (spill.release) and read again as needed: same order."""
    monkeypatch.setattr(texts, "SLICE", cut)
    strings = ["banana split", "apple", "banana", "", "apple pie à la mode", "apple", "bananas", "zeta", "Apple"]
    blob, ends = texts.utf8_column(strings)
    file = spill.temporary()
    file.write(blob)
    column = texts.Texts.spilled(file, np.concatenate([[0], ends]))
    assert texts.sorted_order(column).tolist() == sorted(range(len(strings)), key=strings.__getitem__)
    assert list(column) == strings
    file.close()
