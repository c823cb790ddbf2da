"""store.search.heap.keep_work_arrays: a query's score array (a float per paper) is reused from the heap, not
given pages of its own that are faulted in at every query. Counted in page faults of a fresh process (its
allocator as a bot that mapped a snapshot starts), never in time."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
                                reason="glibc's allocator")

_PROBE = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from store.search import heap
    if sys.argv[1] == "keep":
        assert heap.keep_work_arrays()
    faults = []
    for _ in range(20):  # a query at 100,000 papers: a few arrays of a float per paper, touched and dropped
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        arrays = [np.zeros(100_000) for _ in range(4)]
        for scores in arrays:
            scores[::512] = 1.0
        del arrays, scores
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    print(sum(faults[5:]))
""")


def faults_after_warm_up(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_a_query_s_work_array_is_reused_not_faulted_in_again() -> None:
    # Fewer than one fault a query: none at all is what is seen, but a busy machine has been seen to fault
    # a page once (the kernel reclaiming one of the process's pages), and that is not the allocator.
    assert faults_after_warm_up("keep") < 15
    # ... where glibc left alone hands the freed pages back and faults them in again at every query (four
    # arrays of 800 KB freed leave more at the heap's top than its own adjustment keeps)
    assert faults_after_warm_up("default") >= 15 * 4 * (100_000 * 8 // 4096) // 2
