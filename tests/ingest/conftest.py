"""Fixtures of the ingest tests."""

from __future__ import annotations

import pytest

from store.ingest import stream


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of two records: every chunked path of the bulk import runs on a small file."""
    monkeypatch.setattr(stream, "BATCH_RECORDS", 2)
