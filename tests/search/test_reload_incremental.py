"""A /reload that changes a few papers: unchanged files are not parsed again (their problem lines are still
reported, as kept), and the changed papers reach the index through the overlay, as members' writes do,
the answers then being a full build's on the same database.

On the bundled seeds (fewer papers than OVERLAY_FROM: the index takes the change by an exact build in
memory) and on the benchmark's corpus at a small size with the overlay threshold lowered, so the
`OverlayIndex` serves the answers compared.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import null, update

from bench.corpus import generate, queries
from store.corpus import service
from store.db.models import Document
from store.ingest import stream
from store.ingest.report import problem_line
from store.library import BUNDLED_SEEDS, Library
from store.search.overlay import OverlayIndex

SEED_FILES = sorted(BUNDLED_SEEDS.glob("*.txt"))
BROKEN = "broken.jsonl"  # a bulk file with lines that are not papers: its problem lines


def note(title: str, authors: str, summary: str) -> str:
    return f"---\ntitle: {title}\nauthors: {authors}\n---\n{summary}\n"


def answers(lib: Library, qs: dict[str, list[str]]) -> dict[str, list[tuple[int, str, tuple[str, ...], str | None]]]:
    """Every command's hits: the paper, its title and authors as shown, and /ask's passage."""
    index = lib.index
    out = {}
    for cmd in ("paper", "topic", "ask", "author"):
        for q in qs[cmd]:
            hits = getattr(index, cmd)(q).hits
            out[f"{cmd}:{q}"] = [(h.paper.id, h.paper.title, tuple(h.paper.authors), h.passage) for h in hits]
    return out


async def rebuilt_answers(database_url: str, corpus: Path, qs: dict[str, list[str]], *, scored: bool = False
                          ) -> dict:
    """The answers of an index freshly built from the same database; `scored`: with each answer, the full
    build's score of every paper in its top 100 for that query."""
    fresh = Library(database_url, corpus)
    try:
        await fresh.prepare()
        await fresh.live.refresh(rebuild=True)
        assert fresh.live.index_source == "rebuilt"
        found = answers(fresh, qs)
        if not scored:
            return found
        index = fresh.index
        return {key: (hits, {h.paper.id: h.score for h in getattr(index, key.split(":", 1)[0])(
                    key.split(":", 1)[1], 100).hits}) for key, hits in found.items()}
    finally:
        await fresh.close()


@pytest.fixture
def parsed_files(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The names of the files each ingest handed to the parser."""
    calls: list[list[str]] = []
    real = service.parsed

    def spy(files):  # type: ignore[no-untyped-def]
        calls.append([f.name for f in files])
        return real(files)

    monkeypatch.setattr(service, "parsed", spy)
    return calls


def broken_lines() -> str:
    good = {"id": "2101.00001", "title": "A kept study of broken lines", "authors": "Ada Lovelace",
            "abstract": "Lines that are not papers are reported, every time the file is read."}
    return json.dumps(good) + "\n{not json\n" + json.dumps({"title": ""}) + "\n" + "[1, 2]\n" * 4


async def test_an_unchanged_file_is_not_parsed_again_and_its_problems_are_still_reported(
        database_url: str, tmp_path: Path, parsed_files: list[list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "PROBLEMS_PER_FILE", 3)  # the lines past it stand as one "... and N more"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in SEED_FILES:
        shutil.copy(f, corpus / f.name)
    (corpus / BROKEN).write_text(broken_lines(), encoding="utf-8")
    (corpus / "mine.md").write_text(note("A kept study", "Ada Lovelace", "Read once."), encoding="utf-8")
    lib = Library(database_url, corpus)
    try:
        first = await lib.start()
        assert first is not None
        said = [problem_line(p) for p in first.problems if p.source == BROKEN]
        assert len(said) == 4 and "more problem line" in said[-1] and first.problem_count > 4
        assert sorted(parsed_files[-1]) == sorted([f.name for f in SEED_FILES] + [BROKEN, "mine.md"])

        (corpus / "mine.md").write_text(note("A kept study", "Ada Lovelace", "Read once.") + "\n" + note(
            "An added study of reloads", "Grace Hopper", "A reload reads the changed file only."), encoding="utf-8")
        report = await lib.reload()
        assert parsed_files[-1] == ["mine.md"]  # the others were judged by their bytes, unread
        statuses = {f.source: f.status for f in report.files}
        assert statuses.pop("mine.md") == "changed" and set(statuses.values()) == {"unchanged"}
        assert [problem_line(p) for p in report.problems if p.source == BROKEN] == said  # as last reported
        assert report.problem_count == first.problem_count
        assert report.added == 1 and len(lib.index) == report.papers_total
        assert lib.index.paper("added study of reloads").hits[0].paper.title == "An added study of reloads"

        again = await lib.reload()  # nothing changed: nothing parsed, the same report of problems
        assert parsed_files[-1] == []
        assert [problem_line(p) for p in again.problems if p.source == BROKEN] == said
        assert {f.source: f.papers for f in again.files} == {f.source: f.papers for f in report.files}
        assert not again.changed
    finally:
        await lib.close()


async def test_a_document_stored_before_its_problems_were_kept_is_read_once_more(
        database_url: str, tmp_path: Path, parsed_files: list[list[str]]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / BROKEN).write_text(broken_lines(), encoding="utf-8")
    lib = Library(database_url, corpus)
    try:
        first = await lib.start()
        assert first is not None
        said = [problem_line(p) for p in first.problems]
        async with lib.sessionmaker() as s, s.begin():
            await s.execute(update(Document).values(problems=null()))  # as revision 0008 leaves older documents
        report = await lib.reload()
        assert parsed_files[-1] == [BROKEN]
        assert [f.status for f in report.files] == ["unchanged"]
        assert [problem_line(p) for p in report.problems] == said
        report = await lib.reload()
        assert parsed_files[-1] == []  # kept this time
        assert [problem_line(p) for p in report.problems] == said
    finally:
        await lib.close()


async def test_a_reload_on_the_seeds_answers_as_a_full_build(database_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in SEED_FILES:
        shutil.copy(f, corpus / f.name)
    lib = Library(database_url, corpus)
    try:
        await lib.start()
        views = await lib.papers()
        qs = {"paper": [" ".join(v.title.split()[:3]) for v in views[:15]] + ["reload study"],
              "topic": sorted({t for v in views for t in v.topics})[:10],
              "ask": [f"how does {' '.join(v.summary.split()[3:7])} work?" for v in views[:15]],
              "author": [*sorted({a.split()[-1] for v in views for a in v.authors})[:15], "Hopper"]}
        held = lib.live.generation
        (corpus / SEED_FILES[1].name).unlink()
        (corpus / "new.md").write_text(note("A new reload study", "Grace Hopper, Alan Turing",
                                            "A new file of one paper, found by a reload."), encoding="utf-8")
        report = await lib.reload()
        assert report.added >= 1 and report.removed >= 1
        assert lib.live.generation > held and len(lib.index) == report.papers_total
        assert answers(lib, qs) == await rebuilt_answers(database_url, corpus, qs)
    finally:
        await lib.close()


async def test_a_reload_of_a_few_bulk_papers_goes_through_the_overlay_and_answers_as_a_full_build(
        database_url: str, tmp_path: Path, parsed_files: list[list[str]]) -> None:
    corpus = tmp_path / "corpus"
    records = generate(1_200, corpus, per_file=300)
    qs = queries(records, 25)
    lib = Library(database_url, corpus)
    lib.live.overlay_from = 500  # the overlay, as a large index takes a change
    lib.live.quiet_seconds = 0.0  # the quiet-period rebuild at once (awaited below)
    try:
        await lib.start()
        assert len(lib.index) == 1_200 and lib.live.index_source == "rebuilt"
        # In the second file: papers changed, one removed, one added; the other files as they were.
        path = corpus / "bulk-001.jsonl"
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for k in (0, 7, 150):
            lines[k]["abstract"] += " This version adds zqxchanged and a learning result."
        lines[42]["title"] = "A retitled evolutionary study of reloads"
        gone = lines.pop(99)
        lines.append({"id": "2201.00001", "title": "An added robotics study of reloads", "authors": "Grace Hopper",
                      "abstract": "A paper added by a reload, on learning and robotics.", "categories": "cs.RO"})
        path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
        qs["paper"] += ["zqxchanged", "retitled evolutionary study", "added robotics study", gone["title"]]
        qs["author"] += ["Hopper", gone["authors"].split(",")[0].split()[-1]]

        report = await lib.reload()
        assert parsed_files[-1] == ["bulk-001.jsonl"]
        assert (report.added, report.removed) == (1, 1) and report.updated >= 4
        assert isinstance(lib.index, OverlayIndex) and lib.live.index_source == "overlay"
        assert len(lib.index) == report.papers_total == 1_200
        assert lib.index.paper("added robotics study").hits[0].paper.title == "An added robotics study of reloads"
        mine, theirs = answers(lib, qs), await rebuilt_answers(database_url, corpus, qs, scored=True)
        for key, hits in mine.items():
            # The overlay's scores are a full build's within its stated bounds (store.search.overlay: the base's
            # mean field lengths, /ask's mean sentence length, /topic's feedback weighing words by the base's
            # frequencies): the same hits in the same order, but where the full build's scores of the two
            # papers are a near tie (here one /topic answer's tenth hit; at 20,000 papers, 1 of 150 answers).
            full = theirs[key]
            assert len(hits) == len(full[0]), key
            for mine_hit, their_hit in zip(hits, full[0], strict=True):
                if mine_hit != their_hit:
                    a, b = full[1].get(mine_hit[0]), full[1][their_hit[0]]
                    assert a is not None, (key, mine_hit, "not in the full build's top 100")
                    assert abs(a - b) <= 1e-3 * b, (key, a, b)
        # The quiet-period full build, as after members' writes: then every answer is a full build's.
        assert lib.live.rebuild_task is not None
        await lib.live.rebuild_task
        assert lib.live.index_source == "rebuilt" and not isinstance(lib.index, OverlayIndex)
        assert answers(lib, qs) == {k: v[0] for k, v in theirs.items()}
    finally:
        await lib.close()


async def test_a_reload_past_the_overlay_rebuilds_in_full(database_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from store.search import live

    corpus = tmp_path / "corpus"
    generate(600, corpus, per_file=300)
    lib = Library(database_url, corpus)
    lib.live.overlay_from = 100
    monkeypatch.setattr(live, "OVERLAY_MAX", 50)
    try:
        await lib.start()
        path = corpus / "bulk-000.jsonl"
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for r in lines[:80]:
            r["abstract"] += " This version adds zqxmany."
        path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
        report = await lib.reload()
        assert report.updated == 80
        assert lib.live.index_source == "rebuilt" and not isinstance(lib.index, OverlayIndex)
        assert len(lib.index.paper("zqxmany", limit=100).hits) == 80
    finally:
        await lib.close()


async def test_a_reload_that_also_changes_the_glossary_rebuilds_in_full(database_url: str, tmp_path: Path) -> None:
    """The glossary is not in the database: a reload whose folder has a new one takes it, as a full load does."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(note("Learning to hold a cup", "Ada Lovelace", "Robot learning for grasping."),
                                 encoding="utf-8")
    lib = Library(database_url, corpus)
    try:
        await lib.start()
        assert not lib.index.paper("RBL").hits
        (corpus / "glossary.tsv").write_text("RBL\trobot learning\n", encoding="utf-8")
        (corpus / "b.md").write_text(note("Learning to pour", "Alan Turing", "Robot learning for pouring."),
                                     encoding="utf-8")
        report = await lib.reload()
        assert report.added == 1 and lib.live.index_source in ("rebuilt", "snapshot")
        assert sorted(h.paper.title for h in lib.index.paper("RBL").hits) == ["Learning to hold a cup",
                                                                              "Learning to pour"]
    finally:
        await lib.close()


async def test_a_reload_takes_what_an_earlier_ingest_changed_even_past_a_follower(database_url: str,
                                                                                 tmp_path: Path) -> None:
    """`ingest` leaves the index alone; a follower skips this process's own change (it takes others'); the
    next reload, though it changes nothing itself, brings the index up to date with that ingest."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(note("A study of cups", "Ada Lovelace", "Cups."), encoding="utf-8")
    lib = Library(database_url, corpus)
    try:
        await lib.start()
        (corpus / "b.md").write_text(note("A study of saucers", "Alan Turing", "Saucers."), encoding="utf-8")
        assert (await lib.ingest()).added == 1
        assert not lib.index.paper("saucers").hits
        assert await lib.live.catch_up() == "current"  # its own change: skipped, and stepped over
        report = await lib.reload()
        assert not report.changed
        assert [h.paper.title for h in lib.index.paper("saucers").hits] == ["A study of saucers"]
        generation = lib.live.generation
        await lib.reload()  # nothing left to take
        assert lib.live.generation == generation
    finally:
        await lib.close()
