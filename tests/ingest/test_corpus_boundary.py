"""The corpus folder is a boundary: a planted link, loop or FIFO is refused by name and quotes nothing.

A folder is built the way a hostile committer to a Git-synced corpus would: links to /etc/passwd, to a
file outside holding the bot's token and database password, to an outside note that would read as a
paper, to a folder outside; a symlink loop, a dangling link and a FIFO. Beside them sit a good note and
a link to a file inside the folder. The real `Library`, the real `paperbot` command and a real database
read it: the good files load, each refused file is named with why, and not one character of what the
refused files hold appears in the report, its JSON, the /reload text, stdout or stderr.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render import report_message
from bot.text import render_report
from store.ingest.corpus import find, sha256_of
from store.ingest.formats import parse_file
from store.ingest.readings.document import QUOTE_CHARS, RUN_CHARS, opening
from store.ingest.records import Problem
from store.ingest.report import IngestReport
from store.ingest.text import files
from store.ingest.text.files import open_regular
from store.library import Library
from tests.cli import run
from tests.corpora import (
    DANGLING,
    FIFO,
    FOLDER_OUT,
    GOOD_NOTE,
    INSIDE_NOTE,
    LOADED,
    LOOP,
    OUTSIDE,
    OUTSIDE_NOTE,
    REFUSED,
    SECRETS,
    STATUS,
    leaked,
    plant,
)


def everything_said(report: IngestReport) -> str:
    return "\n".join([json.dumps(report.to_json()), render_report(report), report_message(report),
                      *(str(p) for p in report.problems)])


pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/etc/passwd").is_file(),
                                reason="needs named pipes and /etc/passwd")


@pytest.mark.timeout(60)
async def test_reload_refuses_every_planted_file_by_name_and_loads_the_rest(database_url: str,
                                                                           tmp_path: Path) -> None:
    corpus = plant(tmp_path)
    lib = Library(database_url, corpus)
    await lib.start(ingest_if_empty=False)
    try:
        report = await lib.reload()
        titles = sorted(p.title for p in await lib.papers())
    finally:
        await lib.close()
    assert sorted(report.problems, key=lambda p: p.source) == REFUSED
    assert {f.source: f.status for f in report.files} == STATUS
    assert titles == LOADED and report.papers_total == 2
    assert leaked(everything_said(report)) == []
    shown = report_message(report)
    assert all(p.source in shown for p in REFUSED)


@pytest.mark.timeout(60)
async def test_a_link_out_of_the_folder_takes_what_was_stored_from_it(database_url: str, tmp_path: Path) -> None:
    """A file once read, now a link to a file outside (even one with the very same bytes), is treated as
    removed: what is stored under its name may be the outside file's, and must not stay searchable."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "note.md").write_text(OUTSIDE_NOTE, encoding="utf-8")
    (corpus / "good.md").write_text(GOOD_NOTE, encoding="utf-8")
    (corpus / "note.md").write_text(OUTSIDE_NOTE, encoding="utf-8")
    lib = Library(database_url, corpus)
    await lib.start(ingest_if_empty=False)
    try:
        first = await lib.reload()
        assert [(f.source, f.status, f.papers) for f in first.files] == [("good.md", "new", 1), ("note.md", "new", 1)]
        (corpus / "note.md").unlink()
        (corpus / "note.md").symlink_to(tmp_path / "note.md")
        refused = await lib.reload()
        assert [(f.source, f.status, f.removed) for f in refused.files] == [("good.md", "unchanged", 0),
                                                                           ("note.md", "removed", 1)]
        assert refused.problems == [Problem("note.md", 0, OUTSIDE)]
        assert [p.title for p in await lib.papers()] == ["Attention Is All You Need"]
        assert [h.paper.title for h in (await lib.search.paper("quokka exfiltration")).hits] == []
        again = await lib.reload()  # nothing stored under the name any more: refused, nothing to remove
        assert [(f.source, f.status) for f in again.files] == [("good.md", "unchanged"), ("note.md", "failed")]
        assert again.problems == [Problem("note.md", 0, OUTSIDE)] and not again.changed
        (corpus / "note.md").unlink()
        (corpus / "note.md").write_text(OUTSIDE_NOTE, encoding="utf-8")  # the folder's own file again
        back = await lib.reload()
        assert [(f.source, f.status) for f in back.files] == [("good.md", "unchanged"), ("note.md", "new")]
        assert sorted(p.title for p in await lib.papers()) == ["Attention Is All You Need",
                                                               "Quokka Exfiltration Networks"]
    finally:
        await lib.close()


@pytest.mark.timeout(60)
async def test_a_subfolder_reloaded_alone_may_link_across_the_corpus_folder(database_url: str,
                                                                            tmp_path: Path) -> None:
    """The boundary is the corpus folder, not the subfolder given: the same file reads the same either way."""
    corpus = tmp_path / "corpus"
    (corpus / "week1").mkdir(parents=True)
    (corpus / "week2").mkdir()
    (corpus / "week2" / "talk.md").write_text(INSIDE_NOTE, encoding="utf-8")
    (corpus / "week1" / "talk.md").symlink_to(Path("..") / "week2" / "talk.md")
    (tmp_path / "elsewhere.md").write_text(OUTSIDE_NOTE, encoding="utf-8")
    (corpus / "week1" / "elsewhere.md").symlink_to(tmp_path / "elsewhere.md")
    lib = Library(database_url, corpus)
    await lib.start(ingest_if_empty=False)
    try:
        report = await lib.reload([corpus / "week1"])
    finally:
        await lib.close()
    assert {f.source: f.status for f in report.files} == {"week1/elsewhere.md": "failed", "week1/talk.md": "new"}
    assert report.problems == [Problem("week1/elsewhere.md", 0, OUTSIDE)]


@pytest.mark.timeout(60)
async def test_a_file_named_on_its_own_is_read_wherever_it_lies_but_a_fifo_never(database_url: str,
                                                                                 tmp_path: Path) -> None:
    corpus = plant(tmp_path)
    lib = Library(database_url, tmp_path / "unrelated")
    await lib.start(ingest_if_empty=False)
    try:
        report = await lib.reload([corpus / "outside-note.md", corpus / "pipe.md"])
        titles = [p.title for p in await lib.papers()]
    finally:
        await lib.close()
    assert {f.source: f.status for f in report.files} == {"outside-note.md": "new", "pipe.md": "failed"}
    assert report.problems == [Problem("pipe.md", 0, FIFO)]
    assert titles == ["Quokka Exfiltration Networks"]  # the admin named it: their choice


@pytest.mark.timeout(120)
def test_paperbot_ingest_and_check_name_the_refused_files_and_quote_none(tmp_path: Path) -> None:
    corpus = plant(tmp_path)
    ingested = run(tmp_path, "ingest", str(corpus), "--json")
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    assert sorted((p["source"], p["line"], p["message"]) for p in report["problems"]) == [
        (p.source, p.line, p.message) for p in REFUSED]
    assert {f["source"]: f["status"] for f in report["files"]} == STATUS
    assert (report["added"], report["papers"]) == (2, 2)
    text = run(tmp_path, "ingest", str(corpus))  # the same folder again, as a person reads it
    checked = run(tmp_path, "check", str(corpus))
    for out in (ingested, text, checked):
        assert leaked(out.stdout + out.stderr) == [], out
    assert all(f"problem: {p}" in text.stderr for p in REFUSED)
    assert all(str(p) in checked.stdout for p in REFUSED) and "2 paper(s) in 9 file(s)" in checked.stdout
    listed = run(tmp_path, "papers", "--json")
    assert sorted(p["title"] for p in json.loads(listed.stdout)) == LOADED


# --- open_regular: the one way a corpus file is opened ---

def test_open_regular_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dir").mkdir()
    (tmp_path / "self").symlink_to("self")
    (tmp_path / "nothing").symlink_to("missing")
    assert open_regular(tmp_path / "pipe", "pipe") == Problem("pipe", 0, FIFO)  # returns: never waits for a writer
    assert open_regular(tmp_path / "dir", "dir") == Problem("dir", 0, "not a regular file (a folder); not read")
    assert open_regular(Path("/dev/null"), "null") == Problem("null", 0, "not a regular file (a device); not read")
    assert open_regular(tmp_path / "self", "self") == Problem("self", 0, LOOP)
    assert open_regular(tmp_path / "nothing", "nothing") == Problem("nothing", 0, DANGLING)
    assert open_regular(tmp_path / "missing", "missing") == Problem("missing", 0,
                                                                    "could not be read: No such file or directory")


def test_open_regular_keeps_to_the_folder_only_when_given_one(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "out.md").write_text("outside", encoding="utf-8")
    (folder / "in.md").write_text("inside", encoding="utf-8")
    (folder / "link-in.md").symlink_to("in.md")
    (folder / "link-out.md").symlink_to(tmp_path / "out.md")
    inside = folder.resolve()
    linked_in = open_regular(folder / "link-in.md", "link-in.md", inside)
    assert not isinstance(linked_in, Problem)
    with linked_in:
        assert linked_in.read() == b"inside"
    assert open_regular(folder / "link-out.md", "link-out.md", inside) == Problem("link-out.md", 0, OUTSIDE)
    named = open_regular(folder / "link-out.md", "link-out.md")  # no folder given: a file named on its own
    assert not isinstance(named, Problem)
    with named:
        assert named.read() == b"outside"
    assert sha256_of(folder / "link-out.md", inside) is None
    assert sha256_of(folder / "link-in.md", inside) == sha256_of(folder / "in.md")
    assert parse_file(folder / "link-out.md", "link-out.md", inside).problems == [Problem("link-out.md", 0, OUTSIDE)]


def test_a_link_swapped_between_the_check_and_the_open_is_refused(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The check passes on the file inside; by the open the link points outside, or at a FIFO."""
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "in.md").write_text("inside", encoding="utf-8")
    (tmp_path / "out.md").write_text(SECRETS, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe")
    inside = folder.resolve()
    monkeypatch.setattr(files, "refused", lambda path, inside: inside / "in.md")  # what the check saw
    (folder / "note.md").symlink_to(tmp_path / "out.md")  # what the open finds
    assert open_regular(folder / "note.md", "note.md", inside) == Problem(
        "note.md", 0, "changed while it was opened; not read")
    (folder / "piped.md").symlink_to(tmp_path / "pipe")
    assert open_regular(folder / "piped.md", "piped.md", inside) == Problem("piped.md", 0, FIFO)


def test_find_names_a_link_to_a_folder_outside_and_passes_the_boundary_on(tmp_path: Path) -> None:
    corpus = plant(tmp_path)
    found, roots, problems = find([corpus])
    assert problems == [Problem("linked-folder", 0, FOLDER_OUT)] and roots == [str(corpus.resolve())]
    assert {f.name for f in found} == set(STATUS) and {f.inside for f in found} == {corpus.resolve()}
    direct, _, _ = find([corpus / "secrets.md"])
    assert [(f.name, f.inside) for f in direct] == [("secrets.md", None)]


# --- the start of a file, quoted in "no papers found" ---

@pytest.mark.parametrize(("text", "quoted"), [
    (SECRETS, "'DISCORD_TO…'"),
    ("password: hunter2\nmore\n", "'password:…'"),
    ("  \n\n# Paper notes\n", "'# Paper…'"),
    ("\x1b]0;owned\x07\x1b[2J Clear the screen\n", "'?]0;owned? C…'"),
    ("Attention Is All You Need, and what it means for the field of machine learning\n",
     "'Attention Is All You Need, and…'"),
])
def test_the_quoted_start_of_a_file_is_short_and_never_a_secret(text: str, quoted: str) -> None:
    assert opening(text) == quoted


def test_no_papers_found_in_a_secrets_file_in_the_folder_quotes_no_secret(tmp_path: Path) -> None:
    (tmp_path / "env.md").write_text(SECRETS, encoding="utf-8")
    problems = parse_file(tmp_path / "env.md", "env.md").problems
    assert [p.message.rsplit("; the file begins ", 1)[1] for p in problems] == ["'DISCORD_TO…'"]
    assert leaked(str(problems).replace("DISCORD_TO…", "")) == []


@given(st.text(max_size=400))
def test_a_quote_is_never_long_never_a_whole_line_and_never_raw_control(text: str) -> None:
    inner = ast.literal_eval(opening(text))
    assert len(inner) <= QUOTE_CHARS + 1 and all(c.isprintable() for c in inner)
    assert all(len(run.rstrip("…")) <= RUN_CHARS for run in inner.split(" "))
    line = next((" ".join(x.split()) for x in text.split("\n") if x.strip()), "")
    if len(line) > 1:
        assert inner.endswith("…") and len(inner) - 1 <= (len(line) + 1) // 2
