"""The README's command-line claims, held to the CLI: its command table against `bot.cli._parser()`, what it says
`--json` prints against what the commands print, its list of schema revisions against the revision files, its
one list of readable file types against the reader's, and the console's commands against its /help.

The README is the admin's manual: a command, an option or a revision added without it (or a claim left behind
when the code changes) fails here.
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cache
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.console import HANDLERS
from store.ingest import SUPPORTED_SUFFIXES
from store.ingest.upload import UPLOAD_SUFFIXES
from tests.cli import run

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
VERSIONS = ROOT / "store" / "db" / "migrations" / "versions"
COMMANDS, JSON_TABLE = "command | what it does", "command | `--json` prints"  # the two tables' headers
COMMON = {"-h", "--help", "--db", "--corpus", "--debug"}  # every command's: the table's `paperbot ...` row
NOTE = """---
title: The Lottery Ticket Hypothesis
authors: Jonathan Frankle; Michael Carbin
venue: ICLR
year: 2019
topics: pruning, sparsity
link: https://arxiv.org/abs/1803.03635
---
Dense networks contain sparse subnetworks, winning tickets, that train to full accuracy when reset to their
initialisation. Pruning finds them.
"""
OTHER = """---
title: "Deep Compression: Compressing Deep Neural Networks with Pruning, Trained Quantization and Huffman Coding"
authors: Song Han; Huizi Mao; William J. Dally
year: 2016
topics: pruning, compression
---
Pruning removes most weights of a trained network, quantization shares the rest, and Huffman coding stores them.
"""
# What each placeholder of the command table stands for when the test runs a command as the table writes it.
PLACEHOLDERS = {"QUERY": "lottery ticket", "PAPER": "lottery ticket", "NAME": "Frankle", "TOPIC": "pruning",
                "QUESTION": "what are winning tickets", "FILE...": "{corpus}", "DIR": "{export}"}


def section(title: str, text: str | None = None) -> str:
    """The README's text under a heading (any level), up to the next heading of the same or a higher level."""
    text = README.read_text(encoding="utf-8") if text is None else text
    match = re.search(rf"^(#+) {re.escape(title)}\n", text, re.M)
    assert match, f"README.md has no heading {title!r}"
    level = len(match[1])
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, match.end())
    return text[match.end():end.start() if end else len(text)]


def table_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header row is `| header |`, as lists of cells."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line == f"| {header} |"), None)
    assert start is not None, f"README.md: no table headed | {header} |"
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"the command cell {cell!r} is not one code span"
    return match[1]


@cache
def command_table() -> dict[tuple[str, ...], str]:
    """The README's command table: the words naming the command ("db", "upgrade"; ("...",) for the row of options
    every command takes) -> the cell as written."""
    out = {}
    for cells in table_rows(section("Command line"), COMMANDS):
        written = code(cells[0])
        words = written.split()
        assert words[0] == "paperbot", written
        path = ("...",) if words[1:2] == ["..."] else tuple(w for w in words[1:] if re.fullmatch(r"[a-z]+", w))
        assert path not in out, f"two rows for paperbot {' '.join(path)}"
        out[path] = written
    return out


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


Parsers = dict[tuple[str, ...], argparse.ArgumentParser]


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Parsers:
    """Every command the CLI runs, by its words: ("paper",), ("db", "upgrade"), ..."""
    subs = subcommands(parser)
    if not subs:
        return {path: parser}
    out = {}
    for name, sub in subs.items():
        out.update(leaves(sub, (*path, name)))
    return out


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for action in parser._actions for s in action.option_strings}


def test_every_cli_command_is_in_the_table_and_every_row_is_a_command() -> None:
    table = {path for path in command_table() if path not in {(), ("...",)}}
    assert table == set(leaves(_parser()))
    assert () in command_table()  # bare `paperbot`: the bot, or the console


@pytest.mark.parametrize("path", sorted(command_table()), ids=lambda p: " ".join(p) or "paperbot")
def test_each_rows_options_are_the_commands(path: tuple[str, ...]) -> None:
    written = command_table()[path]
    shown = set(re.findall(r"--[a-z][a-z-]*", written))
    top = _parser()
    if path == ("...",):  # the options every command takes, before or after it
        assert shown == COMMON - {"-h", "--help"}
        for parser in [top, *leaves(top).values()]:
            assert shown <= options(parser), f"{parser.prog} does not take {sorted(shown - options(parser))}"
        return
    parser = leaves(top).get(path, top)
    assert shown <= options(parser), f"README shows {sorted(shown - options(parser))} that {written!r} refuses"
    unshown = options(parser) - COMMON - shown
    assert not unshown, f"{written!r}: the README does not show {sorted(unshown)}, which the command takes"


def json_claims() -> dict[str, str]:
    """The README's table of what `--json` prints: command -> "array" or "object"."""
    out = {}
    for cells in table_rows(section("Command line"), JSON_TABLE):
        if not cells[1].startswith(("an array", "an object")):
            continue
        kind = "array" if cells[1].startswith("an array") else "object"
        for name in re.findall(r"`paperbot ([a-z]+)`", cells[0]):
            out[name] = kind
    return out


def test_the_json_table_names_every_command_that_takes_json() -> None:
    with_json = {" ".join(path) for path, parser in leaves(_parser()).items() if "--json" in options(parser)}
    assert set(json_claims()) == with_json


def _argv(written: str, corpus: Path, export: Path) -> list[str]:
    """A command line as the table writes it: optional parts dropped, placeholders filled."""
    words = re.sub(r"\[[^\]]*\]", " ", written).split()[1:]
    out = []
    for word in words:
        value = PLACEHOLDERS.get(word, word).format(corpus=corpus, export=export)
        out.append(value)
    return out


def test_json_prints_what_the_readme_says(tmp_path: Path) -> None:
    corpus, export = tmp_path / "corpus", tmp_path / "export"
    corpus.mkdir()
    (corpus / "lottery.md").write_text(NOTE, encoding="utf-8")
    (corpus / "compression.md").write_text(OTHER, encoding="utf-8")  # a paper for `similar` to find
    claims = json_claims()
    assert claims, "README.md: no table of what --json prints"
    for name, kind in claims.items():
        argv = _argv(command_table()[(name,)], corpus, export)
        done = run(tmp_path, "--corpus", str(corpus), *argv, "--json")
        assert done.returncode in (0, 1), f"paperbot {' '.join(argv)} --json: {done.returncode} {done.stderr}"
        value = json.loads(done.stdout)
        assert isinstance(value, list if kind == "array" else dict), f"paperbot {name} --json: {done.stdout[:200]}"
        if kind == "array":  # a real answer, not an empty list that any shape would pass
            assert value and all(isinstance(v, dict) and "title" in v for v in value), name


def _revisions() -> list[str]:
    found = []
    for path in sorted(VERSIONS.glob("[0-9]*.py")):
        match = re.search(r'^revision = ["\']([^"\']+)["\']', path.read_text(encoding="utf-8"), re.M)
        assert match, path
        found.append(match[1])
    return found


def test_the_revision_list_names_every_revision_in_order() -> None:
    text = section("Upgrading")
    listed = text[text.index("Revisions so far"):]
    named = re.findall(r"^- `(\d{4}_\w+)`:", listed, re.M)
    assert named == _revisions()


def test_the_readable_file_types_are_listed_once_and_are_the_readers() -> None:
    text = README.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("**Readable file types:**")]
    assert len(lines) == 1
    assert set(re.findall(r"`(\.[a-z]+)`", lines[0])) == set(SUPPORTED_SUFFIXES) == set(UPLOAD_SUFFIXES)
    # Nowhere else a list of them: a line naming three or more of the types is a second list.
    spans = [set(re.findall(r"`(\.[a-z]+)`", line)) & set(SUPPORTED_SUFFIXES) for line in text.splitlines()]
    assert sum(len(s) >= 3 for s in spans) == 1


def test_the_console_help_and_the_readme_list_every_console_command(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lottery.md").write_text(NOTE, encoding="utf-8")
    done = run(tmp_path, "--corpus", str(corpus), "console", stdin="/help\n")
    assert done.returncode == 0, done.stderr
    helped = set(re.findall(r"^\s+/([a-z]+)\b", done.stdout, re.M))
    assert helped == set(HANDLERS)
    row = command_table()[("console",)]
    described = next(cells[1] for cells in table_rows(section("Command line"), COMMANDS) if code(cells[0]) == row)
    assert set(re.findall(r"`/([a-z]+)", described)) == set(HANDLERS)
