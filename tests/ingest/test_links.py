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

URI_FORMAT = jsonschema.FormatChecker(["uri"])

# (written, stored): mended or kept as written, in the form stored
KEPT = [
    # plain links, kept exactly
    ("https://arxiv.org/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
    ("http://example.com", "http://example.com"),
    ("https://example.com/", "https://example.com/"),
    ("https://proceedings.neurips.cc/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf",
     "https://proceedings.neurips.cc/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf"),
    ("https://doi.org/10.1016/0370-2693(94)00512-R", "https://doi.org/10.1016/0370-2693(94)00512-R"),
    ("https://openreview.net/forum?id=rJl-b3RcF7", "https://openreview.net/forum?id=rJl-b3RcF7"),
    ("https://arxiv.org/abs/1706.03762v5#section-3", "https://arxiv.org/abs/1706.03762v5#section-3"),
    ("https://example.com/a?q=1&r=two%20words#frag", "https://example.com/a?q=1&r=two%20words#frag"),
    ("https://example.com/%C3%A4%2F", "https://example.com/%C3%A4%2F"),  # escapes kept as written
    ("https://a_b.example.com/", "https://a_b.example.com/"),
    ("https://localhost/x", "https://localhost/x"),
    ("http://example.com./a", "http://example.com./a"),
    # ports
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("http://example.com:65535/", "http://example.com:65535/"),
    ("https://example.com:/x", "https://example.com/x"),  # an empty port says nothing
    # IP addresses
    ("https://192.0.2.1/paper.pdf", "https://192.0.2.1/paper.pdf"),
    ("https://[2001:db8::1]:8443/a?b=c#d", "https://[2001:db8::1]:8443/a?b=c#d"),
    ("http://[::1]/", "http://[::1]/"),
    # case: scheme and host are case-insensitive, the rest is not
    ("HTTPS://ArXiv.ORG/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
    ("Http://Example.com/CaseKept", "http://example.com/CaseKept"),
    # a bare arXiv or DOI address gets https
    ("arxiv.org/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
    ("ArXiv.org/pdf/1706.03762v2", "https://arxiv.org/pdf/1706.03762v2"),
    ("www.arxiv.org/abs/1706.03762", "https://www.arxiv.org/abs/1706.03762"),
    ("doi.org/10.1000/182", "https://doi.org/10.1000/182"),
    ("dx.doi.org/10.1145/3065386", "https://dx.doi.org/10.1145/3065386"),
    ("DOI.ORG/10.1000/182", "https://doi.org/10.1000/182"),
    ("arxiv.org/abs/1706.03762.", "https://arxiv.org/abs/1706.03762"),
    # what surrounds a link in a sentence is trimmed
    ("  https://arxiv.org/abs/1706.03762\n", "https://arxiv.org/abs/1706.03762"),
    ("<https://arxiv.org/abs/1706.03762>", "https://arxiv.org/abs/1706.03762"),
    ("< https://arxiv.org/abs/1706.03762 >", "https://arxiv.org/abs/1706.03762"),
    ("<arxiv.org/abs/1706.03762>", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762.", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762,", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762);", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762).", "https://arxiv.org/abs/1706.03762"),
    ("https://example.com/a?", "https://example.com/a"),
    ("<https://arxiv.org/abs/1706.03762>.", "https://arxiv.org/abs/1706.03762"),
    ("(https://arxiv.org/abs/1706.03762).", "https://arxiv.org/abs/1706.03762"),
    ("(https://en.wikipedia.org/wiki/Transformer_(deep_learning))",
     "https://en.wikipedia.org/wiki/Transformer_(deep_learning)"),
    ("https://en.wikipedia.org/wiki/Transformer_(deep_learning)",  # a balanced ")" is part of the link
     "https://en.wikipedia.org/wiki/Transformer_(deep_learning)"),
    ("https://en.wikipedia.org/wiki/Transformer_(deep_learning)).",
     "https://en.wikipedia.org/wiki/Transformer_(deep_learning)"),
    ("https://example.com/a)b)", "https://example.com/a)b"),
    # internationalised hosts are written in IDNA (a look-alike host shows as xn--)
    ("https://münchen.de/", "https://xn--mnchen-3ya.de/"),
    ("https://MÜNCHEN.de/a", "https://xn--mnchen-3ya.de/a"),
    ("https://xn--mnchen-3ya.de/", "https://xn--mnchen-3ya.de/"),
    ("https://аpple.com/login", "https://xn--pple-43d.com/login"),  # Cyrillic а
    # other non-ASCII characters and characters a URI may not hold are percent-encoded
    ("https://example.com/Schrödinger", "https://example.com/Schr%C3%B6dinger"),
    ("https://example.com/ä?q=ü#ß", "https://example.com/%C3%A4?q=%C3%BC#%C3%9F"),
    ("https://example.com/论文", "https://example.com/%E8%AE%BA%E6%96%87"),
    ('https://example.com/a"b{c}|d^e`f', "https://example.com/a%22b%7Bc%7D%7Cd%5Ee%60f"),
    ("https://example.com/\u202egnp.exe", "https://example.com/%E2%80%AEgnp.exe"),  # a bidi override, inert
]

# (written, reason): refused, with the reason shown to whoever wrote it
REFUSED = [
    ("javascript:alert(1)",
     "'javascript:alert(1)' uses javascript:, and a link must start with http:// or https://"),
    ("JavaScript:alert(document.cookie)",
     "'JavaScript:alert(document.cookie)' uses javascript:, and a link must start with http:// or https://"),
    ("<javascript:alert(1)>", "'javascript:alert(1)' uses javascript:, and a link must start with http:// or https://"),
    ("data:text/html,<script>alert(1)</script>",
     "'data:text/html,<script>alert(1)</script>' uses data:, and a link must start with http:// or https://"),
    ("file:///etc/passwd", "'file:///etc/passwd' uses file:, and a link must start with http:// or https://"),
    ("ftp://ftp.example.com/paper.ps",
     "'ftp://ftp.example.com/paper.ps' uses ftp:, and a link must start with http:// or https://"),
    ("mailto:author@example.com",
     "'mailto:author@example.com' uses mailto:, and a link must start with http:// or https://"),
    ("www.example.com/x y", "'www.example.com/x y' holds a space: a link is one address"),
    ("www.example.com/x", "'www.example.com/x' does not start with http:// or https:// (only arxiv.org and "
                          "doi.org links are completed)"),
    ("example.com", "'example.com' does not start with http:// or https:// (only arxiv.org and doi.org links "
                    "are completed)"),
    ("example.com:8080/x", "'example.com:8080/x' does not start with http:// or https:// (only arxiv.org and "
                           "doi.org links are completed)"),
    ("arxiv.org.evil.example/abs/1", "'arxiv.org.evil.example/abs/1' does not start with http:// or https:// "
                                     "(only arxiv.org and doi.org links are completed)"),
    ("//example.com/a", "'//example.com/a' does not start with http:// or https:// (only arxiv.org and doi.org "
                        "links are completed)"),
    ("((https://example.com/a))", "'(https://example.com/a)' does not start with http:// or https:// (only "
                                  "arxiv.org and doi.org links are completed)"),  # one pair is taken off
    ("1706.03762", "'1706.03762' does not start with http:// or https:// (only arxiv.org and doi.org links are "
                   "completed)"),
    ("http://", "'http://' names no host"),
    ("https:///a", "'https:///a' names no host"),
    ("http:example.com", "'http:example.com' names no host"),
    ("https://exa mple.com/", "'https://exa mple.com/' holds a space: a link is one address"),
    ("https://arxiv.org/abs/1706.03762 (v2)", "'https://arxiv.org/abs/1706.03762 (v2)' holds a space: a link is "
                                              "one address"),
    ("https://example.com/a\tb", "'https://example.com/a\\tb' holds a space: a link is one address"),
    ("https://example.com/a\u00a0b", "'https://example.com/a\\xa0b' holds a space: a link is one address"),
    ("https://example.com/\x1b[31mred", "'https://example.com/\\x1b[31mred' holds a control character"),
    ("https://example.com/\x00", "'https://example.com/\\x00' holds a control character"),
    ("https://example.com:99999/", "'https://example.com:99999/' has an invalid port"),
    ("https://example.com:80:80/", "'https://example.com:80:80/' has no valid host name"),
    ("https://999.1.1.1/", "'https://999.1.1.1/' has no valid host name"),
    ("https://[::1/", "'https://[::1/' has no valid host name"),
    ("https://[fe80::1%25eth0]/", "'https://[fe80::1%25eth0]/' has no valid host name"),
    ("https://-example.com/", "'https://-example.com/' has no valid host name"),
    ("https://exa!mple.com/", "'https://exa!mple.com/' has no valid host name"),
    ("https://exa%6dple.com/", "'https://exa%6dple.com/' has no valid host name"),
    ("https://a..b/", "'https://a..b/' has no valid host name"),
    ("https://user:pass@example.com/", "'https://user:pass@example.com/' has a name before its host (name@host), "
                                       "which hides where it leads"),
    ("https://arxiv.org@evil.example/abs/1", "'https://arxiv.org@evil.example/abs/1' has a name before its host "
                                             "(name@host), which hides where it leads"),
    ("https://arxiv.org%2F@evil.example/", "'https://arxiv.org%2F@evil.example/' has a name before its host "
                                           "(name@host), which hides where it leads"),
    ("https://arxiv.org\\@evil.example/", "'https://arxiv.org\\\\@evil.example/' holds a backslash"),
    ("https://example.com/a\\b", "'https://example.com/a\\\\b' holds a backslash"),
    ("https://example.com/100%", "'https://example.com/100%' has a % not followed by two hexadecimal digits"),
    ("https://example.com/%zz", "'https://example.com/%zz' has a % not followed by two hexadecimal digits"),
    ("https://example.com/a#b#c", "'https://example.com/a#b#c' has a malformed fragment (RFC 3986)"),
    ("https://example.com/" + "a" * 3000, "'https://example.com/aaaaaaaaaaaaaaaaaaa…' is 3,020 characters long, "
                                          "over the 2,048 a link may have"),
    ("https://example.com/" + "ä" * 1000, "'https://example.com/äääääääääääääääääää…' is 6,020 characters long "
                                          "once encoded, over the 2,048 a link may have"),
]


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
        async with library.session() as s:
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
        async with library.session() as s:
            assert (await s.scalars(select(Paper.title))).all() == []

        draft = C.Draft(paper="Attention Is All You Need", tldr="Attention only.", link="arxiv.org/abs/1706.03762")
        saved = await library.write(lambda s: C.add(s, 1001, "Ada", draft), lambda r: r.changed)
        assert saved.contribution.link == "https://arxiv.org/abs/1706.03762"
        cid = saved.contribution.id
        edit = C.Draft(paper="", tldr="Still attention.", link="file:///etc/passwd")
        with pytest.raises(C.ContributionError, match=r"^The link was refused: 'file:///etc/passwd' uses file:"):
            await library.write(lambda s: C.edit(s, cid, 1001, False, edit), lambda r: r.changed)
        async with library.session() as s:
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
            async with library.session() as s, s.begin():
                stored.append((await rg.propose(s, 1, 7, f"Proposal {i}", now, link=link)).proposal.link)
        assert stored == ["https://example.com/a", None, "https://arxiv.org/abs/1706.03762"]
    finally:
        await library.close()
