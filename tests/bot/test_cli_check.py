"""`paperbot check` shows how notes are read without a database; ingest ends with the same problem lines;
a terminal ingest shows progress and a piped one stays quiet."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from bot.progress import TerminalProgress
from tests.cli import database, run

NOTES = Path(__file__).parent.parent / "data" / "notes"


def test_check_prints_every_field_and_the_problems_and_never_opens_a_database(tmp_path: Path) -> None:
    files = [str(NOTES / n) for n in ("etal-gpt3.md", "gh-adam.md", "junk-bold-cut.md")]
    out = run(tmp_path, "check", *files)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "etal-gpt3.md:1: Language Models are Few-Shot Learners" in text
    assert "authors: Tom B. Brown, Benjamin Mann, Nick Ryder, Melanie Subbiah (incomplete" in text
    assert "writer: Priya Raman" in text and "venue: ICLR" in text and "year: 2015" in text
    assert "link: https://arxiv.org/abs/1412.6980" in text
    assert "junk-bold-cut.md:1: not a paper title" in text and "junk-bold-cut.md: no papers found" in text
    assert "2 paper(s) in 3 file(s)" in text
    assert not database(tmp_path).exists() and not (tmp_path / "data").exists()  # no database opened


def test_check_json_gives_the_papers_and_problems(tmp_path: Path) -> None:
    out = run(tmp_path, "check", "--json", str(NOTES / "only-title-writer.md"), str(NOTES / "junk-readme.md"))
    data = json.loads(out.stdout)
    assert data["papers"] == [{"title": "Wasserstein GAN", "authors": [], "authors_incomplete": False,
                               "writer": "Arjun Mehta", "venue": None, "year": None, "topics": [], "link": None,
                               "source": "only-title-writer.md", "line": 1}]
    assert [p["source"] for p in data["problems"]] == ["junk-readme.md"]


def test_check_of_files_with_no_paper_fails(tmp_path: Path) -> None:
    out = run(tmp_path, "check", str(NOTES / "junk-template.md"))
    assert out.returncode == 1 and "no papers found" in out.stdout


def test_ingest_ends_with_the_same_problem_lines_as_check_and_is_quiet_when_piped(tmp_path: Path) -> None:
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for name in ("gh-adam.md", "junk-bold-cut.md"):
        (corpus / name).write_text((NOTES / name).read_text(encoding="utf-8"), encoding="utf-8")
    checked = run(tmp_path, "check", str(corpus)).stdout
    problems = [line.strip() for line in checked.split("Problems:\n")[1].splitlines()[:-1]]
    ingested = run(tmp_path, "ingest", str(corpus))
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stderr.splitlines() == [f"problem: {p}" for p in problems]  # once, as diagnostics
    assert "papers/s" not in ingested.stderr  # not a terminal: no progress display


def test_terminal_progress_shows_files_papers_rate_and_time_left() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(Console(file=stream, force_terminal=True, width=120))
    progress.start(2, 2000)
    progress.advance("a.md", 1000, 3)
    progress.advance("b.jsonl", 1000, 40)
    progress.stop()
    shown = stream.getvalue()
    assert "2/2 files" in shown and "43 papers" in shown and "papers/s" in shown


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []  # type: ignore[type-arg]

    def start(self, files: int, size: int) -> None:
        self.calls.append(("start", files, size > 0))

    def advance(self, name: str, size: int, papers: int) -> None:
        self.calls.append(("advance", name, papers))

    def stop(self) -> None:
        self.calls.append(("stop",))


async def test_an_ingest_tells_its_progress_file_by_file(database_url: str, tmp_path: Path) -> None:
    from store.library import Library

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("multi-bylines.md", "gh-adam.md"):
        (corpus / name).write_text((NOTES / name).read_text(encoding="utf-8"), encoding="utf-8")
    library = Library(database_url, corpus)
    try:
        await library.start(ingest_if_empty=False)
        recorder = _Recorder()
        report = await library.ingest(progress=recorder)
    finally:
        await library.close()
    assert report.papers_total == 4
    assert recorder.calls == [("start", 2, True), ("advance", "gh-adam.md", 1), ("advance", "multi-bylines.md", 3),
                              ("stop",)]


EXAMPLES = Path(__file__).parent.parent / "data" / "examples24"


def test_check_explain_shows_the_reading_chosen_the_runner_up_and_why(tmp_path: Path) -> None:
    post, paper_heading = EXAMPLES / "i4-jekyll-post.md", EXAMPLES / "i1-paper-heading.md"
    out = run(tmp_path, "check", "--explain", str(post), str(paper_heading))
    assert out.returncode == 0, out.stderr
    explained = out.stdout.split("i4-jekyll-post.md:\n", 1)[1].split("\n\n")[0]
    lines = explained.splitlines()
    assert lines[0].strip() == "format: front matter"
    assert lines[1].strip().startswith("chosen: page shapes: 1 paper(s)")
    assert any(line.strip().startswith(("runner-up: front matter: 1 paper(s)", "runner-up: note fields: 1 paper(s)"))
               for line in lines)
    assert any("inside a longer phrase: the file's own title, not a paper" in line for line in lines)
    assert any(line.strip().startswith("why: the first reading that found papers without a flaw") for line in lines)
    heading = out.stdout.split("i1-paper-heading.md:\n", 1)[1]
    assert "read as a section heading, not as the key 'title': the paragraph below holds fields of its own" in heading
    # the papers themselves are listed as without --explain
    assert "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale" in out.stdout
    data = json.loads(run(tmp_path, "check", "--json", "--explain", str(post)).stdout)
    assert data["explained"]["i4-jekyll-post.md"][1].startswith("chosen: page shapes")
    assert "explained" not in json.loads(run(tmp_path, "check", "--json", str(post)).stdout)
