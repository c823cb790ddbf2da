"""What a paper's link may be (store.text.links), and that every way a link enters keeps to it.

A link is sent as an embed's url: Discord refuses a message with a malformed or non-web one, so a single
bad link breaks every page that shows its paper. Each case below is exact: the link stored, or the
reason given for refusing it.
"""

from __future__ import annotations

import json
import string
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import rfc3986
from hypothesis import example, given
from hypothesis import strategies as st
from rfc3986 import validators
from sqlalchemy import select

from store import readinggroup as rg
from store.db.models import Entry, Paper
from store.ingest import parse_text
from store.ingest.upload import read_upload
from store.library import Library
from store.summaries import contributions as C
from store.text import links
from store.text.links import checked_link, web_link
from tests.ingest.link_cases import KEPT, REFUSED

URI_FORMAT = jsonschema.FormatChecker(["uri"])


@pytest.mark.parametrize(("written", "stored"), KEPT)
def test_a_web_link_is_stored_in_its_checked_form(written: str, stored: str) -> None:
    assert checked_link(written) == (stored, None)
    assert web_link(written) == stored
    assert checked_link(stored) == (stored, None)  # the stored form is kept as it is
    assert _is_stored_form(stored)


@pytest.mark.parametrize(("written", "reason"), REFUSED)
def test_anything_else_is_refused_with_a_short_quote_and_the_reason(written: str, reason: str) -> None:
    assert checked_link(written) == (None, reason)
    assert web_link(written) is None


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\t", "<>", "< >", ".", "),"])
def test_an_empty_value_is_no_link_and_no_problem(empty: str | None) -> None:
    assert checked_link(empty) == (None, None)


def test_the_quote_is_short_and_printable_whatever_was_written() -> None:
    written = "javascript:" + "\x1b]0;pwned\x07" + "A" * 5000
    link, reason = checked_link(written)
    assert link is None and reason == (
        r"'javascript:\x1b]0;pwned\x07AAAAAAAAAAAAAAAAAA…' holds a control character")
    assert reason.isprintable() and len(reason) < 120


# --- properties: what must never be stored, whatever is written ---

_URLISH = st.text(alphabet=string.ascii_letters + string.digits + ":/?#[]@!$&'()*+,;=-._~%<> \\\"{}|^`\tä論\u202e",
                  max_size=60)
_PREFIXES = st.sampled_from(["", "http://", "https://", "HTTPS://", "arxiv.org/", "doi.org", "<https://", "javascript:",
                             "https://[", "https://user@", "www.arxiv.org", "http:"])


def _is_stored_form(link: str) -> bool:
    """An absolute http(s) URL with a host, well formed per RFC 3986, holding nothing a link may not."""
    uri = rfc3986.uri_reference(link)
    validators.Validator().allow_schemes("http", "https").require_presence_of("scheme", "host").check_validity_of(
        "scheme", "userinfo", "host", "port", "path", "query", "fragment").validate(uri)
    return (uri.unsplit() == link and uri.userinfo is None and link.isascii() and len(link) <= links.MAX_LINK_CHARS
            and not any(c.isspace() or unicodedata.category(c) == "Cc" for c in link)
            and URI_FORMAT.conforms(link, "uri"))  # as the local Discord checks an embed's url


@given(st.one_of(st.text(), st.builds(str.__add__, _PREFIXES, _URLISH)))
@example("https://arxiv.org\\@evil.example/")
@example("https://x.org%5C@evil.example/")
@example("https://999.1.1.1/")
@example("https://x.org/%C3%A4%zz")
def test_any_text_gives_no_link_or_a_well_formed_web_link(text: str) -> None:
    link, reason = checked_link(text)
    assert (link is None) or (reason is None)
    if link is not None:
        assert _is_stored_form(link), link
        assert checked_link(link) == (link, None)  # checking the stored form changes nothing
    if reason is not None:
        assert reason.isprintable() and len(reason) < 200


@given(st.from_regex(links._PLAIN, fullmatch=True))
def test_the_quick_answer_for_plain_links_is_the_full_checks(text: str) -> None:
    assert links._full_check(text) == (text, None)
    assert _is_stored_form(text)


# --- where links enter: files ---


def test_a_note_with_a_javascript_link_loads_without_it_and_says_where() -> None:
    note = "---\ntitle: Attention Is All You Need\nauthors: Ashish Vaswani\nlink: javascript:alert(1)\n---\nBody.\n"
    parsed = parse_text(note, "notes/attention.md", ".md")
    [rec] = parsed.records
    assert (rec.title, rec.authors, rec.link, rec.summary) == ("Attention Is All You Need", ["Ashish Vaswani"], None,
                                                              "Body.")
    assert [str(p) for p in parsed.problems] == [
        "notes/attention.md:2: link dropped: 'javascript:alert(1)' uses javascript:, and a link must start with "
        "http:// or https://; the paper is kept without it"]


def test_a_bare_arxiv_link_in_a_note_is_stored_with_https_and_its_id() -> None:
    note = "---\ntitle: Attention Is All You Need\nlink: arxiv.org/abs/1706.03762\n---\nBody.\n"
    parsed = parse_text(note, "attention.md", ".md")
    [rec] = parsed.records
    assert parsed.problems == []
    assert (rec.link, rec.arxiv_id) == ("https://arxiv.org/abs/1706.03762", "1706.03762")


def test_a_bibtex_url_with_a_space_is_dropped_and_the_entry_kept() -> None:
    bib = ("@article{vaswani2017,\n  title = {Attention Is All You Need},\n  author = {Vaswani, Ashish},\n"
           "  year = {2017},\n  url = {www.example.com/x y}\n}\n")
    parsed = parse_text(bib, "refs.bib", ".bib")
    [rec] = parsed.records
    assert (rec.title, rec.authors, rec.year, rec.link) == ("Attention Is All You Need", ["Ashish Vaswani"], 2017,
                                                           None)
    assert [str(p) for p in parsed.problems] == [
        "refs.bib:1: link dropped: 'www.example.com/x y' holds a space: a link is one address; "
        "the paper is kept without it"]


def test_a_bibtex_doi_becomes_a_doi_link() -> None:
    bib = "@article{k,\n  title = {Some Paper Title},\n  doi = {10.1145/3065386}\n}\n"
    [rec] = parse_text(bib, "refs.bib", ".bib").records
    assert (rec.link, rec.doi) == ("https://doi.org/10.1145/3065386", "10.1145/3065386")


def test_markdown_and_key_value_links_in_notes_are_checked_too() -> None:
    note = ("## [Deep Residual Learning](www.example.com/resnet)\nAuthors: Kaiming He\n\nResidual blocks.\n\n"
            "## Attention Is All You Need\nAuthors: Ashish Vaswani\nURL: <arxiv.org/abs/1706.03762>\n\n"
            "Attention only.\n")
    parsed = parse_text(note, "two.md", ".md")
    assert [(r.title, r.line, r.link, r.arxiv_id) for r in parsed.records] == [
        ("Deep Residual Learning", 1, None, None),
        ("Attention Is All You Need", 6, "https://arxiv.org/abs/1706.03762", "1706.03762")]
    assert [str(p) for p in parsed.problems] == [
        "two.md:1: link dropped: 'www.example.com/resnet' does not start with http:// or https:// (only arxiv.org "
        "and doi.org links are completed); the paper is kept without it"]


def test_arxiv_metadata_links_are_built_from_the_id_and_checked() -> None:
    lines = [{"id": "1706.03762", "title": "Attention Is All You Need"},
             {"id": "hep-th/9901001", "title": "An Old Style Identifier"},
             {"id": "bad id<>", "title": "A Broken Identifier"}]
    parsed = parse_text("\n".join(json.dumps(x) for x in lines) + "\n", "meta.jsonl", ".jsonl")
    assert [r.link for r in parsed.records] == ["https://arxiv.org/abs/1706.03762",
                                                "https://arxiv.org/abs/hep-th/9901001", None]


def test_an_upload_is_checked_like_a_corpus_file() -> None:
    parsed = read_upload("mine.md", b"---\ntitle: A Paper Of Mine\nlink: data:text/html,hi\n---\nBody.\n")
    [rec] = parsed.records
    assert rec.link is None
    assert [str(p) for p in parsed.problems] == [
        "mine.md:2: link dropped: 'data:text/html,hi' uses data:, and a link must start with http:// or https://; "
        "the paper is kept without it"]


async def test_a_corpus_note_with_bad_links_is_stored_without_them(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Attention Is All You Need\nlink: javascript:alert(1)\n---\nBody.\n"
                                 "---\ntitle: Deep Residual Learning\nlink: arxiv.org/abs/1512.03385\n---\nBody.\n",
                                 encoding="utf-8")
    library = Library(database_url, folder)
    try:
        report = await library.start()
        assert report is not None
        assert [str(p) for p in report.problems] == [
            "a.md:2: link dropped: 'javascript:alert(1)' uses javascript:, and a link must start with http:// or "
            "https://; the paper is kept without it"]
        async with library.sessionmaker() as s:
            papers = sorted(tuple(r) for r in await s.execute(select(Paper.title, Paper.link)))
            entries = sorted(tuple(r) for r in await s.execute(select(Entry.title, Entry.link)))
        assert papers == entries == [("Attention Is All You Need", None),
                                     ("Deep Residual Learning", "https://arxiv.org/abs/1512.03385")]
    finally:
        await library.close()


# --- where links enter: a member's summary in Discord ---


async def test_a_members_summary_link_is_refused_with_the_reason(database_url: str, tmp_path: Path) -> None:
    library = Library(database_url, tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    try:
        await library.start()
        refused = [("javascript:alert(1)", "The link was refused: 'javascript:alert(1)' uses javascript:, and a "
                                           "link must start with http:// or https://."),
                   ("www.example.com/x y", "The link was refused: 'www.example.com/x y' holds a space: a link is "
                                           "one address."),
                   ("https://arxiv.org@evil.example/", "The link was refused: 'https://arxiv.org@evil.example/' has "
                                                       "a name before its host (name@host), which hides where it "
                                                       "leads.")]
        for link, message in refused:
            draft = C.Draft(paper="Attention Is All You Need", tldr="Attention only.", link=link)
            with pytest.raises(C.ContributionError) as caught:
                await library.write(lambda s, d=draft: C.add(s, 1001, "Ada", d), lambda r: r.changed)
            assert str(caught.value) == message
        with pytest.raises(C.ContributionError) as caught:  # a link in the paper field is held to the same rules
            draft = C.Draft(paper="https://exa!mple.com/paper", tldr="x")
            await library.write(lambda s: C.add(s, 1001, "Ada", draft), lambda r: r.changed)
        assert str(caught.value) == "The paper's link was refused: 'https://exa!mple.com/paper' has no valid host name."
        async with library.sessionmaker() as s:
            assert (await s.scalars(select(Paper.title))).all() == []

        draft = C.Draft(paper="Attention Is All You Need", tldr="Attention only.", link="arxiv.org/abs/1706.03762")
        saved = await library.write(lambda s: C.add(s, 1001, "Ada", draft), lambda r: r.changed)
        assert saved.contribution.link == "https://arxiv.org/abs/1706.03762"
        cid = saved.contribution.id
        edit = C.Draft(paper="", tldr="Still attention.", link="file:///etc/passwd")
        with pytest.raises(C.ContributionError, match=r"^The link was refused: 'file:///etc/passwd' uses file:"):
            await library.write(lambda s: C.edit(s, cid, 1001, False, edit), lambda r: r.changed)
        async with library.sessionmaker() as s:
            assert (await s.get(Entry, (await s.get(C.Contribution, cid)).entry_id)).link == (
                "https://arxiv.org/abs/1706.03762")
    finally:
        await library.close()


async def test_a_proposals_link_is_stored_checked(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    library = Library(database_url, tmp_path / "empty")
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    try:
        await library.start()
        stored = []
        for i, link in enumerate(["https://Example.com:/a.", "https://exa!mple.com/", "arxiv.org/abs/1706.03762"]):
            async with library.sessionmaker() as s, s.begin():
                stored.append((await rg.propose(s, 1, 7, f"Proposal {i}", now, link=link)).proposal.link)
        assert stored == ["https://example.com/a", None, "https://arxiv.org/abs/1706.03762"]
    finally:
        await library.close()
