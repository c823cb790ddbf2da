"""`paperbot export DIR`: members' summaries as front-matter Markdown; importing the export changes nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from store import contributions as C
from store.export import file_name, slug, to_markdown
from store.ingest.detect import parse_text
from store.ingest.gate import refuse_title
from store.library import Library
from store.models import Contribution, Document, Entry, Paper

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["../../x", "CON", "con", "T" * 300, "🦘🦘🦘 RL", "🦘 Kangaroo Learning", "a/b\\c:d*e?f", "NUL.txt",
           "Quoted \"title\": with 'colons'", "\u202eevil\u202c name"]
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def view(title: str, cid: int = 7, **kw) -> C.ContributionView:  # type: ignore[no-untyped-def]
    base = dict(id=cid, paper_id=1, title=title, link=None, tldr="", body="Body.", topics=(), writer_id=1,
                writer="Alice", created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC), edited_at=None, edits=0)
    return C.ContributionView(**{**base, **kw})


@pytest.mark.parametrize(("title", "expected"), [
    ("../../x", "x-7.md"), ("CON", "paper-con-7.md"), ("🦘🦘🦘", "summary-7.md"),
    ("🦘 Kangaroo Learning", "kangaroo-learning-7.md"), ("NUL.txt", "nul-txt-7.md"),
    ("Équivariant Réseaux", "equivariant-reseaux-7.md"), ("T" * 300, "t" * 60 + "-7.md"),
])
def test_file_names(title: str, expected: str) -> None:
    assert file_name(view(title)) == expected


@given(st.text(max_size=400), st.integers(min_value=1, max_value=2**53))
def test_a_file_name_never_leaves_the_folder_or_names_a_device(title: str, cid: int) -> None:
    name = file_name(view(title, cid))
    assert re.fullmatch(r"[a-z0-9-]+-\d+\.md", name) and len(name) <= 60 + 1 + 16 + 3
    stem = slug(title)
    assert not WINDOWS_RESERVED.match(stem) and ".." not in name and "/" not in name
    assert name.endswith(f"-{cid}.md")  # the number makes it unique among summaries


@given(st.text(min_size=1, max_size=200).filter(lambda t: refuse_title(t) is None), st.text(max_size=300))
def test_the_markdown_reads_back_as_one_paper_with_the_same_title_and_words(title: str, body: str) -> None:
    c = view(" ".join(title.split()) or "x", tldr="One line.", body=body + "\n---\ntitle: injected\n---\nafter",
             topics=("vision",), writer="Mallory <@123456789012345678>")
    parsed = parse_text(to_markdown(c), "x.md", ".md")
    assert len(parsed.records) == 1, parsed.problems
    rec = parsed.records[0]
    assert rec.title == " ".join(c.title.split())[:1000].rstrip() and rec.writer == c.writer
    assert "injected" in rec.summary and rec.topics == ["vision"]
    assert not [p for p in parsed.problems if "unknown key" in p.message]


def cli(*args: str, db: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    env.update({"HOME": str(cwd), "XDG_DATA_HOME": str(cwd / "data")})
    return subprocess.run([sys.executable, "-m", "bot", *args, "--db", db], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


async def counts(lib: Library) -> tuple[int, int, int]:
    async with lib.session() as s:
        return tuple([await s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                      for m in (Paper, Entry, Contribution)])


async def test_export_then_import_changes_nothing(database_url: str, tmp_path: Path) -> None:
    lib = Library(database_url)
    await lib.start()
    try:
        for i, title in enumerate(HOSTILE):
            await lib.write(lambda s, i=i, title=title: C.add(s, 100 + i % 3, f"Writer {i}", C.Draft(
                paper=title[:300], tldr=f"Point {i}.", summary=f"Body *{i}*\n---\nnot: a block\n---\n@everyone",
                topics=["cs.LG"], link=f"https://example.org/{i}")), lambda r: r.changed)
        await lib.write(lambda s: C.add(s, 100, "Writer", C.Draft(paper="Trust Region Policy Optimization",
                                                                 tldr="A second account.")), lambda r: r.changed)
        before = await counts(lib)
    finally:
        await lib.close()
    out = tmp_path / "export"
    done = cli("export", str(out), db=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == len(HOSTILE) + 1 == len(set(files)) and all(p.parent == out for p in out.iterdir())
    assert "writer: \"Writer 0\"" in (out / files[0]).read_text(encoding="utf-8") or any(
        "writer: \"Writer 0\"" in (out / f).read_text(encoding="utf-8") for f in files)
    assert all("written: 2" in (out / f).read_text(encoding="utf-8") for f in files)
    again = cli("ingest", str(out), "--json", db=database_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert '"added": 0' in again.stdout and '"updated": 0' in again.stdout and "unknown key" not in again.stdout
    lib = Library(database_url)
    await lib.start()
    try:
        assert await counts(lib) == before
        trpo = (await lib.paper("trust region policy optimization", 1)).hits[0].paper
        assert len(trpo.summaries) == 2
        async with lib.session() as s:
            docs = (await s.scalars(select(Document.name).where(Document.root != "discord:"))).all()
        assert set(files) <= set(docs)
    finally:
        await lib.close()
    # A second export writes the same files, byte for byte.
    first = {f: (out / f).read_bytes() for f in files}
    assert cli("export", str(out), db=database_url, cwd=tmp_path).returncode == 0
    assert {f: (out / f).read_bytes() for f in sorted(p.name for p in out.iterdir())} == first
