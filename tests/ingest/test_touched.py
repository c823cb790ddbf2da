"""What a sync keeps of the papers it changed, for the change log: their ids while the log names them, past
that only that there were many; a bulk import no longer holds every id it wrote."""

from __future__ import annotations

from store.corpus.document import Touched
from store.db.changes import MAX_PAPERS


def test_ids_are_kept_while_the_log_would_name_them() -> None:
    touched = Touched()
    assert not touched and touched.ids == set()
    touched.update([])
    assert not touched
    touched.update([3, 1])
    touched.update({1, 2})
    assert touched and touched.ids == {1, 2, 3}


def test_past_the_logs_limit_only_that_there_were_many_is_kept() -> None:
    touched = Touched()
    touched.update(range(MAX_PAPERS))
    assert touched.ids == set(range(MAX_PAPERS))
    touched.update([MAX_PAPERS])
    assert touched and touched.ids is None
    touched.update([1])
    assert touched and touched.ids is None


def test_a_files_papers_are_taken_into_the_syncs() -> None:
    sync, few, many, none = Touched(), Touched(), Touched(), Touched()
    few.update([7])
    many.update(range(MAX_PAPERS + 1))
    sync.take(none)
    assert not sync and sync.ids == set()
    sync.take(few)
    assert sync and sync.ids == {7}
    sync.take(many)
    assert sync and sync.ids is None
    sync.take(few)
    assert sync.ids is None
