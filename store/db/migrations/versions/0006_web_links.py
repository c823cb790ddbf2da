"""Stored links mended to web links: every link column holds an http(s) URL well formed per RFC 3986, or NULL.

Revision ID: 0006_web_links
Revises: 0005_corpus_changes
Created: 2026-12-04 14:20:00

Links used to be stored as written (`javascript:alert(1)`, `arxiv.org/abs/...` without a scheme, a URL with
a space), and Discord refuses a whole message whose embed url is not a web URL, so every page showing such a
paper failed. New links are checked where they enter (store.links); this mends the rows stored before, in
papers, entries, contribution_edits and rg_proposals: a bare arxiv.org or doi.org link gets https, the
surrounding `<...>` and sentence punctuation go, scheme and host are lower-cased, an internationalised host is
written in IDNA and other non-ASCII characters percent-encoded; what cannot be a web link becomes NULL (the
paper stays, without a link). The rule below is a frozen copy of store.links as it was at this revision: a
migration must not change with the application.

Downgrade keeps the mended links (they are valid links for the older code too); the refused values are not
restored.
"""

from __future__ import annotations

import re
import unicodedata

import rfc3986
import sqlalchemy as sa
from alembic import op
from rfc3986 import exceptions, validators

revision = "0006_web_links"
down_revision = "0005_corpus_changes"
branch_labels = None
depends_on = None

_TABLES = ("papers", "entries", "contribution_edits", "rg_proposals")  # every table with a `link` column
_BATCH = 5000

# --- frozen copy of store.links at this revision (the link to store, or None) ---

_MAX = 2048
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")
_MENDABLE = re.compile(r"(?:www\.)?arxiv\.org(?=$|[/?#:])|(?:dx\.)?doi\.org(?=$|[/?#:])", re.IGNORECASE)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DNS_NAME = re.compile(r"(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)*(?!-)[a-z0-9_-]{1,63}(?<!-)\.?")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN = re.compile(rf"https?://(?:{_LABEL}\.)*[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?(?:/[A-Za-z0-9_~/.-]*[A-Za-z0-9_~/-])?/?")
_VALIDATOR = (validators.Validator().allow_schemes("http", "https").require_presence_of("scheme", "host")
              .check_validity_of("scheme", "userinfo", "host", "port", "path", "query", "fragment"))


def _without_punctuation(text: str) -> str:
    unopened, end = text.count(")") - text.count("("), len(text)
    while end and (text[end - 1] in ".,;:!?" or (text[end - 1] == ")" and unopened > 0)):
        unopened -= text[end - 1] == ")"
        end -= 1
    return text[:end]


def web_link(raw: str | None) -> str | None:
    if raw is None or (len(raw) <= _MAX and _PLAIN.fullmatch(raw)):
        return raw
    text = _without_punctuation(raw.strip())
    if text[:1] + text[-1:] in {"<>", "()"}:
        text = _without_punctuation(text[1:-1].strip())
    if (not text or len(text) > _MAX or "\\" in text or _BAD_ESCAPE.search(text)
            or any(c.isspace() or unicodedata.category(c) == "Cc" for c in text)):
        return None
    if _MENDABLE.match(text):
        text = f"https://{text}"
    scheme = _SCHEME.match(text)
    if scheme is None or scheme.group(1).lower() not in {"http", "https"}:
        return None
    try:
        iri = rfc3986.iri_reference(text)
        if iri.authority and not iri.host:
            return None
        uri = iri.encode()
        uri = uri.copy_with(scheme=uri.scheme.lower(), authority=(uri.authority or "").lower().removesuffix(":"))
        link = uri.unsplit()
        stored = rfc3986.uri_reference(link)
        if len(link) > _MAX or stored.userinfo is not None or stored.unsplit() != link:
            return None
        _VALIDATOR.validate(stored)
    except (exceptions.RFC3986Exception, ValueError):
        return None
    host = stored.host or ""
    return link if (host.startswith("[") and "%" not in host) or _DNS_NAME.fullmatch(host) else None


# --- the mending ---


def _mend(conn: sa.Connection, name: str) -> None:
    """Every stored link of one table in its checked form, a batch of rows at a time (keyset by id)."""
    table = sa.table(name, sa.column("id", sa.Integer()), sa.column("link", sa.String(2048)))
    last = None
    while True:
        query = sa.select(table.c.id, table.c.link).where(table.c.link.is_not(None)).order_by(table.c.id).limit(_BATCH)
        rows = conn.execute(query if last is None else query.where(table.c.id > last)).all()
        if not rows:
            return
        changed = [{"row_id": row_id, "mended": mended} for row_id, link in rows
                   if (mended := web_link(link)) != link]
        if changed:
            conn.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                         .values(link=sa.bindparam("mended")), changed)
        last = rows[-1][0]


def upgrade() -> None:
    conn = op.get_bind()
    for name in _TABLES:
        _mend(conn, name)


def downgrade() -> None:
    pass  # the mended links are links for the older code too; the refused values are not restored
