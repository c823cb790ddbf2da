"""The contract every record keeps as it leaves a reader, whatever the format: checked here, once.

A record has a non-empty title (clipped to `MAX_TITLE_CHARS`) and a line inside its document; its link is
stored in its checked form (store.text.links) or dropped with a problem line naming the paper's line; its
arXiv id, DOI and OpenReview id are filled from its link where the reader left them empty
(store.text.identifiers). `store.ingest.formats` holds every document's records to it, and
`store.ingest.stream` every streamed line's.
"""

from __future__ import annotations

from store.ingest.records import PaperRecord, Problem
from store.text.identifiers import ARXIV_ABSTRACT, identify, is_arxiv_id
from store.text.links import checked_link

MAX_TITLE_CHARS = 1000


def keeps_contract(record: PaperRecord, line_count: int) -> bool:
    """Whether the record has a title and a line inside the document (its title clipped if overlong)."""
    if not record.title.strip() or not 1 <= record.line <= line_count:
        return False
    if len(record.title) > MAX_TITLE_CHARS:
        record.title = record.title[:MAX_TITLE_CHARS].rstrip()
    return True


def checked_record_link(record: PaperRecord, source: str) -> Problem | None:
    """Store the record's link in its checked form (see store.text.links); a link that cannot be a web link is
    dropped, the paper kept, and the problem names the paper's line."""
    record.link, refused = checked_link(record.link)
    if refused is None:
        return None
    return Problem(source, record.line, f"link dropped: {refused}; the paper is kept without it")


def fill_identity(record: PaperRecord) -> PaperRecord:
    """Fill the record's arXiv id, DOI and OpenReview id from its link where the reader left them empty.

    A link to the arXiv abstract page of the record's own arXiv id (every paper of an arXiv metadata import)
    holds no other identifier (tests/ingest/test_identity.py), so it is not searched for one: the three
    searches were 6% of a bulk import's parsing."""
    if record.arxiv_id and record.link == ARXIV_ABSTRACT + record.arxiv_id and is_arxiv_id(record.arxiv_id):
        return record
    if record.link and not (record.arxiv_id and record.doi and record.openreview_id):
        found = identify(record.link)
        record.arxiv_id = record.arxiv_id or found.arxiv_id
        record.doi = record.doi or found.doi
        record.openreview_id = record.openreview_id or found.openreview_id
    return record
