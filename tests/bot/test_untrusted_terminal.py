"""Untrusted text on the terminal: log lines, reports and `paperbot check`, `ingest`, `paper` and the console
print no escape sequence and no control character (judged by Unicode category), and still say what was read."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.untrusted import TerminalLogFilter
from tests.bot.untrusted_checks import no_control
from tests.cli import run


def test_log_lines_lose_escape_sequences_in_message_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TerminalLogFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log = logging.getLogger("tests.untrusted")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("could not read %s", "evil\x1b[2J.md")
        try:
            raise ValueError("bad \x1b]0;pwned\x07name")
        except ValueError:
            log.exception("failed on %s", "a\x9b2Jb")
        log.warning("%s %s", "one argument too few")  # logging reports it; the filter does not raise
    finally:
        log.removeHandler(handler)
    lines = clean(stream.getvalue().replace("\n", " ")).split(" ")
    assert lines[:6] == ["WARNING", "could", "not", "read", "evil.md", "ERROR"]
    assert "ValueError: bad name" in stream.getvalue() and "failed on ab" in stream.getvalue()


# --- the terminal: paperbot check, ingest, paper and the console print no escape sequence ---

TITLE = "Evil \x1b]8;;http://x.example\x07Attention\x1b[2J Title\x9b \u202etxt"
NOTE = (f"---\ntitle: {TITLE}\nauthors: Ada \x1b[31mLovelace\nyear: 2017\ntopics: attention\n---\n"
        "The summary \x1b[1;31mred\x1b[0m with \x1b]0;pwned\x07 a title change and \x9b2J.\n")


def clean(out: str) -> str:
    assert no_control(out), repr(out)
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    return out


@pytest.fixture
def hostile_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "evil\x1b[2J.md").write_text(NOTE, encoding="utf-8")
    (corpus / "bad\x1b]0;x\x07.txt").write_bytes(b"\x00\x00\x00")
    return corpus


def test_check_prints_the_note_without_its_escape_sequences(tmp_path: Path, hostile_corpus: Path) -> None:
    out = run(tmp_path, "check", str(hostile_corpus))
    assert out.returncode == 0, out.stderr
    lines = clean(out.stdout).splitlines()
    assert lines[0] == "evil.md:2: Evil Attention Title txt"
    assert lines[1] == "    authors: Ada Lovelace"
    assert any(line.startswith("  bad.txt") for line in lines)
    raw = json.loads(clean(run(tmp_path, "check", str(hostile_corpus), "--json").stdout))
    assert raw["papers"][0]["title"] == TITLE  # --json: the data as read, every character escaped


def test_ingest_paper_and_console_print_no_escape_sequence(tmp_path: Path, hostile_corpus: Path) -> None:
    ingest = run(tmp_path, "ingest", str(hostile_corpus))
    assert ingest.returncode == 0, ingest.stderr
    assert "evil.md: new, 1 papers" in clean(ingest.stdout)
    assert "problem: bad.txt" in clean(ingest.stderr)
    found = run(tmp_path, "paper", "attention")
    assert found.returncode == 0, found.stderr
    assert clean(found.stdout).splitlines()[:2] == ["1. Evil Attention Title txt",
                                                    "   Ada Lovelace · 2017 · attention"]
    assert "   The summary red with  a title change and ." in found.stdout.splitlines()  # the sequences gone
    console = run(tmp_path, "console", stdin="/paper attention\n/papers\n/nonsense\x1b[2J\n/quit\n")
    assert console.returncode == 0, console.stderr
    assert "1. Evil Attention Title txt" in clean(console.stdout)
    assert "Unknown command /nonsense." in console.stdout


def test_a_file_name_with_a_line_break_cannot_forge_a_line_of_a_report() -> None:
    """A committer names a file "x\\n  evil.md: new, 9 papers": every report shows it on its own line."""
    from bot.text import render_report
    from store.ingest.records import Problem
    from store.ingest.report import FileChange, IngestReport

    forged = "x.md: failed\n  evil.md: new, 9 papers (+9 added, ~0 updated, -0 removed)\x1b[2K"
    report = IngestReport([FileChange(forged, "new", added=1, papers=1)], [Problem(forged, 3, "a problem")])
    shown = render_report(report).split("\n")
    assert shown[1] == ("  x.md: failed   evil.md: new, 9 papers (+9 added, ~0 updated, -0 removed):"
                        " new, 1 papers (+1 added, ~0 updated, -0 removed)")
    assert shown[3] == "  x.md: failed   evil.md: new, 9 papers (+9 added, ~0 updated, -0 removed):3: a problem"
    assert not any(line.startswith("  evil.md") for line in shown)


def test_check_shows_a_file_name_with_a_line_break_on_one_line() -> None:
    from store.ingest.records import PaperRecord, Problem
    from store.ingest.report import render_check

    name = "a.md\nforged: 1 paper(s)"
    shown = render_check([PaperRecord(title="Real Title", source=name, line=2)], [Problem(name, 0, "odd")], 1)
    assert shown.split("\n") == ["a.md forged: 1 paper(s):2: Real Title", "    authors: none given", "Problems:",
                                 "  a.md forged: 1 paper(s): odd", "1 paper(s) in 1 file(s), 1 problem(s)"]
