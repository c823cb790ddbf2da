"""The built index on disk, so a restart loads it in about a second instead of rebuilding it.

A snapshot is stamped with the corpus version the database held when its papers were read: a random
token that every ingest which changes a paper renews, in the same transaction (store.corpus.sync).
A snapshot with another stamp, or one that cannot be read, is ignored and rebuilt: it is a cache,
never the source of truth. It is a pickle, written and read only by paperbot, beside its own data.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path

from sqlalchemy.engine import make_url

from store.db.engine import default_data_dir, in_memory, redact
from store.search.index import SearchIndex

log = logging.getLogger(__name__)

FORMAT = 6  # bump whenever SearchIndex's layout or PaperView's fields change (the views are pickled too): old
# snapshots are then rebuilt (6: acronyms, writers, identifiers, mean field lengths)
CHUNK = 5_000  # papers per pickle: each dump or load holds the GIL only briefly (a reload runs in a
# thread beside the event loop that keeps the gateway alive)
_REBUILT_ON_USE = ("_pos", "_folded_titles", "_title_words_by_initial", "_query_expander")


def snapshot_path(url: str) -> Path | None:
    """Beside a SQLite file; in the data folder for a server database; nowhere for an in-memory one."""
    if in_memory(url):
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return Path(f"{Path(parsed.database).expanduser()}.index")
    digest = hashlib.sha256(redact(url).encode()).hexdigest()[:16]
    return default_data_dir() / f"index-{digest}.pickle"


def save(index: SearchIndex, path: Path, version: str) -> None:
    """Write atomically: a crash mid-write leaves the previous snapshot, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        state = {k: v for k, v in index.__dict__.items() if k not in _REBUILT_ON_USE}
        papers, people = state.pop("papers"), state.pop("people")
        with tmp.open("wb") as fh:
            pickle.dump((FORMAT, version), fh)
            pickle.dump(len(papers), fh)
            for start in range(0, len(papers), CHUNK):
                pickle.dump(papers[start : start + CHUNK], fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(people, fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not save the index snapshot %s: %s", path, exc)
        tmp.unlink(missing_ok=True)


def load(path: Path, version: str) -> SearchIndex | None:
    """The snapshot's index if it was built from this corpus version, else None."""
    try:
        with path.open("rb") as fh:
            if pickle.load(fh) != (FORMAT, version):
                return None
            count = pickle.load(fh)
            papers: list = []
            for _ in range(0, count, CHUNK):
                papers.extend(pickle.load(fh))
            if len(papers) != count:
                raise ValueError(f"{len(papers)} papers where the header says {count}")
            people = pickle.load(fh)
            state = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: rebuild, and say so
        log.warning("ignoring the index snapshot %s: %s", path, exc)
        return None
    index = SearchIndex.__new__(SearchIndex)
    index.__dict__.update(state, papers=tuple(papers), people=people)
    return index
