"""The `paperbot` command: the same answers as the Discord bot, from a terminal or a script.

    paperbot                      run the bot (the console when no DISCORD_TOKEN: see store.library.demo_seeds)
    paperbot run | sync [--force] the Discord bot; register its slash commands
    paperbot console              type /paper, /author, /topic, /ask, /help as in Discord
    paperbot ingest [PATH ...]    read summaries into the database (default: the corpus folder)
    paperbot check FILE ...       show how notes are read (papers, fields, problems); no database
    paperbot export DIR           write the members' summaries as Markdown files
    paperbot papers | stats       every paper; how many papers, authors, topics and members' summaries
    paperbot paper|author|topic|ask QUERY [--limit N]; paperbot similar PAPER: papers like it, by meaning
    paperbot db upgrade | current bring the database schema to this version's; show where it stands
    paperbot config               the effective settings (secrets hidden) and where each came from
    paperbot doctor               check the settings, the database, the corpus folder and Discord, changing nothing

Add --json for one JSON value on stdout (searches and papers: an array; check, export, ingest, stats and doctor:
an object). Errors and an ingest's problems go to
stderr, once; exit code 2 for configuration (usage, settings, database URL, paths), 1 for a failure at
run time, 141 when the reader of stdout closed it (bot.admin_errors). Ctrl-C or SIGTERM: one line, what
was not committed rolls back, exit 128 + the signal (130, 143: as a shell reports a process it stopped),
a second signal forces (bot.interrupts). --debug: DEBUG logs and an unexpected error's traceback. The
commands are the registry's CLI face (bot.commands): `COMMANDS` must hold exactly those (checked at import).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import cli_admin as admin
from bot import commands as registry
from bot.admin_errors import AdminError, checked_database_url, explained, whole_writes_to_a_pipe
from bot.cli_library import banner_subject, library_for, started_library
from bot.commands import Command, Face
from bot.config import ConfigError, Settings
from bot.interrupts import Interrupts
from bot.untrusted import TerminalLogFilter, for_terminal, for_terminal_json
from store.db.engine import redact

if TYPE_CHECKING:
    from store.library import Library
    from store.summaries.service import SummariesService

log = logging.getLogger("paperbot")
SEARCHES = ("paper", "author", "topic", "ask", "similar")  # similar: papers like the best /paper match (bot.similar)

# {on}: what the console runs on (bot.cli_library.banner_subject): the bundled seeds only in the demo.
NO_TOKEN_BANNER = (
    "No DISCORD_TOKEN set: starting the console on {on} instead of connecting to Discord.\n"
    "To run the Discord bot, put DISCORD_TOKEN=... in .env (see .env.example and the README), then run "
    "`paperbot run`."
)
NO_CORPUS = ("paperbot ingest: no corpus folder: give PATH... or set CORPUS_DIR (the bundled seeds are only for "
             "the console demo)")


def _options(default: object) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=default, help="database URL (default: $DATABASE_URL or "
                                                                     "a SQLite file in the per-user data folder)")
    common.add_argument("--corpus", metavar="DIR", type=Path, default=default,
                        help="corpus folder (default: $CORPUS_DIR; without either, the bundled seeds, "
                             "for the console demo only)")
    common.add_argument("--debug", action="store_true", default=default,
                        help="log at DEBUG, and show the traceback of an unexpected error")
    return common


def _add_json(p: argparse.ArgumentParser, *_: object) -> None:
    p.add_argument("--json", action="store_true", help="one JSON value on stdout")


def _add_query(p: argparse.ArgumentParser, c: Command, *_: object) -> None:
    p.add_argument("query", nargs="+", metavar=c.usage)
    p.add_argument("--limit", type=int, default=5 if c.name == "ask" else 10, metavar="N")
    _add_json(p)


def _add_paths(p: argparse.ArgumentParser, c: Command, *_: object) -> None:
    p.add_argument("paths", nargs="*" if c.name == "ingest" else "+", type=Path, metavar=c.usage.strip("[]. "))
    _add_json(p)


def _add_check(p: argparse.ArgumentParser, c: Command, *rest: object) -> None:
    _add_paths(p, c, *rest)
    p.add_argument("--explain", action="store_true",
                   help="also show, per file, the reading chosen, the runner-up and why")


def _add_folder(p: argparse.ArgumentParser, c: Command, *_: object) -> None:
    p.add_argument("folder", type=Path, metavar=c.usage)
    _add_json(p)


def _add_db(p: argparse.ArgumentParser, _c: Command, common: argparse.ArgumentParser) -> None:
    db_sub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="bring the schema to this paperbot's newest revision "
                                                       "(what every start does)")
    db_sub.add_parser("current", parents=[common], help="the schema's revision and this paperbot's newest")


# Each command's own arguments (a command not named here takes none but --db and --corpus).
ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser, Command, argparse.ArgumentParser], None]] = {
    **dict.fromkeys(SEARCHES, _add_query), "ingest": _add_paths, "check": _add_check, "export": _add_folder,
    "papers": _add_json, "stats": _add_json, "db": _add_db, "doctor": _add_json,
    "sync": lambda p, *_: p.add_argument("--force", action="store_true", help="sync even if nothing changed")}


def _parser() -> argparse.ArgumentParser:
    """The commands are the registry's CLI face (bot.commands), each with its own arguments."""
    # --db and --corpus are taken before or after the command; a subcommand's copy has no default of its
    # own, or it would overwrite the value given before it with None.
    top, common = _options(None), _options(argparse.SUPPRESS)
    p = argparse.ArgumentParser(prog="paperbot", description="Answers questions about a reading group's "
                                "paper summaries, on Discord or in a terminal.", parents=[top])
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for c in registry.on(Face.CLI):
        q = sub.add_parser(c.name, parents=[common], help=c.description[0].lower() + c.description[1:])
        ARGUMENTS.get(c.name, lambda *_: None)(q, c, common)
    return p


def _dump(data: Any) -> None:
    """JSON on stdout, the data unchanged, with no character a terminal would act on (written as \\u escapes)."""
    sys.stdout.write(for_terminal_json(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")


async def _search(args: argparse.Namespace, settings: Settings) -> int:
    from bot.similar import papers_like
    from bot.text import render_likeness, render_result, sought

    query = " ".join(args.query).strip()
    if not query:
        print(f"paperbot {args.command}: the query is empty", file=sys.stderr)
        return 2
    if args.limit < 1 or args.limit > 100:
        print(f"paperbot {args.command}: --limit must be between 1 and 100", file=sys.stderr)
        return 2
    library = await started_library(args, settings, meaning=args.command == "similar")
    try:
        likeness = await papers_like(library.search, query, args.limit) if args.command == "similar" else None
        result = likeness.result if likeness else await getattr(library.search, args.command)(query, args.limit)
    finally:
        await library.close()
    if args.json:
        _dump([h.to_json() for h in result.hits])
        if result.note:
            print(for_terminal(f"paperbot {args.command}: {result.note}"), file=sys.stderr)
    else:
        print(render_likeness(likeness, query) if likeness else render_result(result, query, sought(args.command)))
    return 2 if result.note and not result.hits else 0


async def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.progress import terminal_progress
    from bot.text import render_report
    from store.db.claims import IngestRunning
    from store.ingest.report import problem_line

    # The schema and the corpus only: an ingest has no query to answer, so no search index is loaded or built
    # (the next start loads the one for the corpus as it now is).
    missing = [path for path in args.paths if not path.exists()]
    if missing:  # nothing is read: an ingest of what remains would report a partial corpus as done
        print(for_terminal(f"paperbot ingest: no such file or folder: {', '.join(map(str, missing))}"),
              file=sys.stderr)
        return 2
    if not args.paths and not (args.corpus or settings.corpus_dir):  # never the seeds into a database
        print(NO_CORPUS, file=sys.stderr)
        return 2
    library = library_for(args, settings)
    try:
        await library.prepare()
        # Not waiting for another ingest: the admin is told at once (a `/reload` waits its turn instead).
        report = await library.corpus.ingest(args.paths or None, progress=terminal_progress(), wait=False)
    except IngestRunning as exc:  # one line, no traceback: the admin runs it again later
        print(f"paperbot ingest: {exc}", file=sys.stderr)
        return 1
    finally:
        await library.close()
    # Each problem once, on stderr as a diagnostic (as cp or tar say what they skipped): not also in the report.
    if args.json:
        _dump(report.to_json())
    else:
        print(render_report(report).split("\nProblems:\n")[0])
    for problem in report.problems:
        print(for_terminal(f"problem: {problem_line(problem)}"), file=sys.stderr)
    return 0


async def _check(args: argparse.Namespace, settings: Settings) -> int:
    """Read the files as an ingest would, print what was found; the database is never opened."""
    from store.ingest.corpus import explain, find, read
    from store.ingest.report import check_json, render_check

    missing = [path for path in args.paths if not path.exists()]
    if missing:  # a path that is not there is the command line's mistake, not a file's problem: exit 2
        print(for_terminal(f"paperbot check: no such file or folder: {', '.join(map(str, missing))}"),
              file=sys.stderr)
        return 2

    def work() -> tuple[list, list, int, dict[str, list[str]]]:  # type: ignore[type-arg]
        files, _roots, problems = find(args.paths)
        records = []
        explained: dict[str, list[str]] = {}
        for file in files:
            parsed = read(file).parsed
            records.extend(parsed.records)
            problems.extend(parsed.problems)
            if args.explain:
                explained[file.name] = explain(file)
        return records, problems, len(files), explained

    records, problems, count, explained = await asyncio.to_thread(work)
    if args.json:
        _dump(check_json(records, problems) | ({"explained": explained} if args.explain else {}))
        return 0 if records else 1
    for name, lines in explained.items():
        print(for_terminal("\n".join([f"{name}:", *(f"  {line}" for line in lines)])))
    print(for_terminal(render_check(records, problems, count)))
    return 0 if records else 1


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    from store.summaries.export_folder import ExportError, write_export

    if args.folder.exists() and not args.folder.is_dir():  # a path mistake: said before the database is opened
        print(for_terminal(f"paperbot export: {args.folder} is a file, not a folder: name a folder"),
              file=sys.stderr)
        return 2
    library = await started_library(args, settings, seed=False)
    try:
        items = await _summaries(library).everything()
    finally:
        await library.close()
    try:
        result = await asyncio.to_thread(write_export, args.folder, items)
    except ExportError as exc:
        print(for_terminal(f"paperbot export: {exc}"), file=sys.stderr)
        return 1
    if args.json:
        _dump(result.to_json())
    else:
        print(for_terminal(result.describe()))
    return 0


async def _papers(args: argparse.Namespace, settings: Settings) -> int:
    from bot.text import render_papers
    from store.search.results import Hit

    library = await started_library(args, settings)
    try:
        papers = await library.papers()
    finally:
        await library.close()
    if args.json:
        _dump([Hit(p, 0.0).to_json() for p in papers])
    else:
        print(render_papers(papers))
    return 0


async def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot.text import stats_text

    library = await started_library(args, settings)
    try:
        stats = await _summaries(library).stats()
    finally:
        await library.close()
    if args.json:
        _dump(asdict(stats))
    else:
        print(stats_text(stats))
    return 0


def _summaries(library: Library) -> SummariesService:
    from bot.services import summaries_for

    return summaries_for(library)


async def _console(args: argparse.Namespace, settings: Settings, banner: str | None = None) -> int:
    from bot.console import run_console

    library = await started_library(args, settings)
    try:
        return await run_console(library, banner=banner)
    finally:
        await library.close()


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        banner = NO_TOKEN_BANNER.format(on=for_terminal(banner_subject(args, settings)))
        return await _console(args, settings, banner=banner)
    from bot.runner import run_bot

    settings = _override(settings, args)
    await run_bot(settings)
    return 0


async def _sync(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        print("paperbot sync: DISCORD_TOKEN is not set (see .env.example)", file=sys.stderr)
        return 1
    from bot.runner import sync_commands

    await sync_commands(_override(settings, args), force=args.force)
    return 0


def _override(settings: Settings, args: argparse.Namespace) -> Settings:
    return replace(settings, database_url=args.db or settings.database_url,
                   corpus_dir=args.corpus or settings.corpus_dir, log_level="DEBUG" if args.debug else
                   settings.log_level)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], Awaitable[int]]] = {
    "run": _run, "sync": _sync, "console": _console, "ingest": _ingest, "check": _check, "export": _export,
    "papers": _papers, "stats": _stats, **dict.fromkeys(SEARCHES, _search), **admin.COMMANDS}
registry.check_table(Face.CLI, COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()  # the environment and ./.env
    except ConfigError as exc:
        print(f"paperbot: configuration error: {exc}", file=sys.stderr)
        return 2
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TerminalLogFilter())  # log lines quote file names and errors
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", handlers=[handler])
    command, stop = COMMANDS[args.command or "run"], Interrupts()
    if args.command not in (None, "run", "console"):  # one answer on stdout (the console talks as it goes)
        whole_writes_to_a_pipe()
    try:
        if args.corpus is not None and args.command != "doctor" and not args.corpus.expanduser().is_dir():
            raise AdminError(f"--corpus: {str(args.corpus)!r} is not a folder")
        if args.command not in ("check", "config", "doctor"):  # never open the database (doctor: checks it)
            args.db_given = args.db  # before it is normalised: whether a database was named (demo_seeds)
            args.db = checked_database_url(args.db, settings.database_url)
        if args.command in (None, "run", "console"):  # the bot and the console handle their own signals
            code = asyncio.run(command(args, settings))
        else:
            with stop:
                code = asyncio.run(stop.run(command(args, settings)))
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # `paperbot papers | head -1`: the reader has what it wanted; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit's flush must not fail again
        return 141
    except KeyboardInterrupt:
        return stop.code or 130
    except Exception as exc:
        if stop.code is not None:
            return stop.code
        error = explained(exc, args.db or "")
        if error is not None:
            print(for_terminal(f"paperbot: {error}"), file=sys.stderr)
            return error.code
        if args.debug:  # the admin asked for the whole story
            traceback.print_exc()
            return 1
        url = settings.database_url or ""
        message = str(exc).replace(url, redact(url)) if url else str(exc)
        print(for_terminal(f"paperbot: {exc.__class__.__name__}: {message} (--debug shows where)"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
