"""store.search.turns: a bulk loop sleeps a moment once every EVERY seconds (so that a thread waiting for the
interpreter lock gets it), and a full build's loops do call it. How late the event loop then is during a real
rebuild is measured by the benchmark (`bench.stalls`, `bench.run`'s serve phase), never asserted here."""

from __future__ import annotations

import sys

import pytest

import store.search.fields as fields_module
from store.search import SearchIndex, turns
from store.search import bm25_batched as bm25_batched_module
from store.search import texts as texts_module
from tests.search.test_overlay import SEEDS


class FakeTime:
    """A clock that moves only when told, and a sleep that records who called it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[str] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert 0 < seconds < 0.001  # a moment: the lock is handed over, the work hardly slowed
        caller = sys._getframe(2)  # let_others_in's caller
        self.sleeps.append(f"{caller.f_code.co_filename.rsplit('/', 1)[-1]}:{caller.f_code.co_name}")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(turns, "time", fake)
    monkeypatch.setattr(turns, "_last", 0.0)
    return fake


def test_it_sleeps_once_every_interval_whoever_calls(clock: FakeTime) -> None:
    turns.let_others_in()
    assert len(clock.sleeps) == 1  # the first call: nobody slept yet
    for step in (0.002, 0.004, 0.0099):
        clock.now = 1000.0 + step
        turns.let_others_in()
    assert len(clock.sleeps) == 1
    clock.now = 1000.0 + turns.EVERY * 1.01
    turns.let_others_in()
    turns.let_others_in()
    assert len(clock.sleeps) == 2
    clock.now += 10 * turns.EVERY  # however long since: one sleep, not one per interval missed
    turns.let_others_in()
    assert len(clock.sleeps) == 3


def test_a_full_build_lets_others_in_from_each_of_its_long_loops(clock: FakeTime,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "EVERY", 0.0)  # every call sleeps: each loop's calls are seen
    monkeypatch.setattr(fields_module, "LAYOUT_BATCH", 16)
    monkeypatch.setattr(texts_module, "_SPAN", 8)
    monkeypatch.setattr(bm25_batched_module, "RANGE_ENTRIES", 64)
    built = SearchIndex.build(SEEDS)
    callers = set(clock.sleeps)
    assert {"fields.py:lay_out", "layout.py:lay_out", "texts.py:__iter__", "bm25_batched.py:_sums",
            "bm25_batched.py:_by_terms"} <= callers, callers
    # ... and at least once a batch of papers, a span of names, a range of terms
    assert clock.sleeps.count("fields.py:lay_out") == -(-len(SEEDS) // 16)
    assert clock.sleeps.count("texts.py:__iter__") >= sum(1 for _ in built.papers.names) // 8
    assert built.paper("lottery ticket").hits  # the build is the same build
