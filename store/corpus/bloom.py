"""A Bloom filter of strings: whether a value may have been given, in a fixed number of bits.

An import asks the database, batch after batch, whether it already holds a title key or an identifier:
a probe of a large B-tree for each. A filter answers most of those questions in memory. It may answer yes
wrongly (rarely: the value is then asked of the database), never no wrongly. A batch's values are hashed,
tested and added at once (numpy), not bit by bit in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BITS_PER_VALUE = 16  # with two probes: about one wrong yes in 70 at the size it was made for
MOST_BITS_LOG2 = 28  # 32 MB at most: past 16 million values it answers yes wrongly more often, never no wrongly


class Bloom:
    """Values given so far, in 2**`bits_log2` bits (two probes a value, from its `hash`: within a process)."""

    def __init__(self, bits_log2: int = 23) -> None:
        if not 10 <= bits_log2 <= 32:
            raise ValueError(f"bits_log2 must be 10-32, not {bits_log2}")
        self._log2 = bits_log2
        self._bits = np.zeros((1 << bits_log2) // 8, dtype=np.uint8)

    @classmethod
    def for_about(cls, count: int) -> Bloom:
        """A filter sized for about `count` values (`BITS_PER_VALUE` bits each, 128 KiB to 32 MB): more only
        answer yes wrongly more often (at 2.5 times as many, one in fifteen)."""
        return cls(min(MOST_BITS_LOG2, max(20, (BITS_PER_VALUE * max(count, 1) - 1).bit_length())))

    @property
    def nbytes(self) -> int:
        return self._bits.nbytes

    def _places(self, values: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
        h = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
        mask = (1 << self._log2) - 1
        return h & mask, (h >> self._log2) & mask

    def _held(self, places: np.ndarray) -> np.ndarray:
        return (self._bits[places >> 3] >> (places & 7).astype(np.uint8)) & 1

    def _set(self, places: np.ndarray) -> None:
        np.bitwise_or.at(self._bits, places >> 3, np.left_shift(1, places & 7).astype(np.uint8))

    def holds(self, values: Sequence[object]) -> np.ndarray:
        """For each value, whether it may have been given (a bool array)."""
        if not values:
            return np.zeros(0, dtype=bool)
        first, second = self._places(values)
        return (self._held(first) & self._held(second)).astype(bool)

    def add(self, values: Sequence[object]) -> None:
        if values:
            for places in self._places(values):
                self._set(places)

    def given_before(self, groups: Sequence[Sequence[object]]) -> list[bool]:
        """For each group of values, whether any of them may have been given before; then they are."""
        values = [v for group in groups for v in group]
        if not values:
            return [False] * len(groups)
        hit = self.holds(values)
        owners = np.repeat(np.arange(len(groups)), [len(group) for group in groups])
        found = np.zeros(len(groups), dtype=bool)
        found[owners[hit]] = True
        self.add(values)
        return found.tolist()
