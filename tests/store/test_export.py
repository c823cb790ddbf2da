"""`paperbot export DIR`: members' summaries as front-matter Markdown; importing the export changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from store.db.models import Contribution, Document, Entry, Paper
from store.ingest import parse_text
from store.ingest.readings.gate import refuse_title
from store.library import Library
from store.summaries import contributions as C
from store.summaries.export import file_name, slug, to_markdown
from store.summaries.export_folder import (
    MANIFEST,
    ExportError,
    ExportResult,
    Owned,
    encode_manifest,
    sha256,
    write_export,
)

ROOT = Path(__file__).resolve().parent.parent.parent
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
    async with lib.sessionmaker() as s:
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
    files = sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    assert {p.name for p in out.iterdir()} - set(files) == {MANIFEST}  # and no temporary file left
    assert len(files) == len(HOSTILE) + 1 == len(set(files)) and all(p.parent == out for p in out.iterdir())
    assert "writer: \"Writer 0\"" in (out / files[0]).read_text(encoding="utf-8") or any(
        "writer: \"Writer 0\"" in (out / f).read_text(encoding="utf-8") for f in files)
    assert all("written: 2" in (out / f).read_text(encoding="utf-8") for f in files)
    again = cli("ingest", str(out), "--json", db=database_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert '"added": 0' in again.stdout and '"updated": 0' in again.stdout and "unknown key" not in again.stdout
    assert MANIFEST not in again.stdout + again.stderr  # a dot file: the corpus reader never opens it
    lib = Library(database_url)
    await lib.start()
    try:
        assert await counts(lib) == before
        trpo = (await lib.search.paper("trust region policy optimization", 1)).hits[0].paper
        assert len(trpo.summaries) == 2
        async with lib.sessionmaker() as s:
            docs = (await s.scalars(select(Document.name).where(Document.root != "discord:"))).all()
        assert set(files) <= set(docs)
    finally:
        await lib.close()
    # A second export writes the same files, byte for byte.
    first = {f: (out / f).read_bytes() for f in files}
    assert cli("export", str(out), db=database_url, cwd=tmp_path).returncode == 0
    assert {f: (out / f).read_bytes() for f in sorted(p.name for p in out.iterdir() if p.name != MANIFEST)} == first


# Writing into DIR: a folder others write to as well. ---------------------------------------------------------

async def store_summaries(database_url: str, titles: list[str], delete: tuple[int, ...] = ()
                          ) -> list[C.ContributionView]:
    """Add members' summaries of `titles` (or, with `delete`, remove those summaries) through the store, as
    /summary does; the summaries stored afterwards."""
    lib = Library(database_url)
    await lib.start(ingest_if_empty=False)
    try:
        for i, title in enumerate(titles):
            await lib.write(lambda s, i=i, title=title: C.add(s, 100 + i, f"Writer {i}", C.Draft(
                paper=title, tldr=f"Point {i}.", summary=f"Body of summary {i}.")), lambda r: r.changed)
        for cid in delete:
            await lib.write(lambda s, cid=cid: C.remove(s, cid, 1, True), lambda r: r)
        async with lib.sessionmaker() as s:
            return await C.everything(s)
    finally:
        await lib.close()


def export_json(out: Path, db: str, cwd: Path) -> dict:  # type: ignore[type-arg]
    done = cli("export", str(out), "--json", db=db, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def snapshot(folder: Path) -> dict[str, str | bytes]:
    """Everything under `folder`, symlinks as their target (never followed): equal snapshots, nothing changed."""
    out: dict[str, str | bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = path.relative_to(folder).as_posix()
            out[key] = ("-> " + os.readlink(path) if path.is_symlink() else "folder" if path.is_dir()
                        else "fifo" if stat.S_ISFIFO(path.lstat().st_mode) else path.read_bytes())
    return out


def beside(name: str, n: int = 1) -> str:
    return name.removesuffix(".md") + f".{n}.md"


def left(file: str, reason: str, summary: int, instead: str | None) -> dict:  # type: ignore[type-arg]
    return {"file": file, "reason": reason, "summary": summary, "instead": instead}


async def test_planted_symlinks_in_the_folder_lead_nowhere_outside(database_url: str, tmp_path: Path) -> None:
    a, b = await store_summaries(database_url, ["Attention Is All You Need", "Deep Residual Learning"])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "authorized_keys").write_text("ssh-ed25519 AAAA admin\n", encoding="utf-8")
    (outside / "crontab").write_text("0 * * * * backup\n", encoding="utf-8")
    real = tmp_path / "real-export"
    real.mkdir()
    (real / f".{file_name(a)}.tmp").symlink_to(outside / "authorized_keys")  # where the export used to write
    (real / file_name(b)).symlink_to(outside / "crontab")
    out = tmp_path / "export"  # DIR itself may be a symlink: the admin chose where it points
    out.symlink_to(real, target_is_directory=True)
    before = snapshot(outside)

    result = export_json(out, database_url, tmp_path)

    assert snapshot(outside) == before
    assert os.readlink(real / f".{file_name(a)}.tmp") == str(outside / "authorized_keys")
    assert os.readlink(real / file_name(b)) == str(outside / "crontab")
    assert (real / file_name(a)).read_text(encoding="utf-8") == to_markdown(a)
    assert (real / beside(file_name(b))).read_text(encoding="utf-8") == to_markdown(b)
    assert result["files"] == result["written"] == [file_name(a), beside(file_name(b))]
    assert result["refused"] == [left(file_name(b), "a symbolic link, not written by paperbot", b.id,
                                      beside(file_name(b)))]
    assert sorted(p.name for p in real.iterdir()) == sorted(
        [f".{file_name(a)}.tmp", file_name(a), file_name(b), beside(file_name(b)), MANIFEST])


async def test_a_file_paperbot_did_not_write_is_never_overwritten(database_url: str, tmp_path: Path) -> None:
    [a] = await store_summaries(database_url, ["Attention Is All You Need"])
    out = tmp_path / "export"
    out.mkdir()
    (out / file_name(a)).write_text("My own notes on attention.\n", encoding="utf-8")

    result = export_json(out, database_url, tmp_path)
    again = cli("export", str(out), db=database_url, cwd=tmp_path)  # and again, as the terminal shows it

    assert (out / file_name(a)).read_text(encoding="utf-8") == "My own notes on attention.\n"
    assert (out / beside(file_name(a))).read_text(encoding="utf-8") == to_markdown(a)
    assert result["written"] == result["files"] == [beside(file_name(a))]
    assert result["refused"] == [left(file_name(a), "a file paperbot did not write", a.id, beside(file_name(a)))]
    assert again.returncode == 0 and again.stdout == (
        f"1 member summary in {out}\n"
        f"did not overwrite {file_name(a)}: a file paperbot did not write; "
        f"summary #{a.id} is in {beside(file_name(a))}\n")


async def test_a_deleted_summarys_file_goes_and_a_restore_does_not_bring_it_back(database_url: str,
                                                                                  tmp_path: Path) -> None:
    titles = ["Attention Is All You Need", "Deep Residual Learning", "Trust Region Policy Optimization"]
    a, b, c = await store_summaries(database_url, titles)
    out = tmp_path / "export"
    assert cli("export", str(out), db=database_url, cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == sorted(map(file_name, (a, b, c)))
    current = await store_summaries(database_url, [], delete=(b.id,))

    result = export_json(out, database_url, tmp_path)

    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == sorted([file_name(a), file_name(c)])
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'restored.sqlite3'}"
    restore = cli("ingest", str(out), "--json", db=fresh, cwd=tmp_path)
    assert restore.returncode == 0, restore.stderr
    assert json.loads(restore.stdout)["problems"] == []
    lib = Library(fresh)
    await lib.start(ingest_if_empty=False)
    try:
        async with lib.sessionmaker() as s:
            restored = (await s.execute(select(Paper.title, Entry.writer).join(Entry, Entry.paper_id == Paper.id)
                                        )).all()
    finally:
        await lib.close()
    assert sorted(restored) == sorted((v.title, v.writer) for v in current) == [
        ("Attention Is All You Need", "Writer 0"), ("Trust Region Policy Optimization", "Writer 2")]
    assert result["removed"] == [file_name(b)] and result["written"] == [] and result["kept"] == []
    assert result["files"] == result["unchanged"] == [file_name(a), file_name(c)]
    assert set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]) == {file_name(a), file_name(c)}


async def test_an_exported_file_edited_since_is_kept(database_url: str, tmp_path: Path) -> None:
    a, b = await store_summaries(database_url, ["Attention Is All You Need", "Deep Residual Learning"])
    out = tmp_path / "export"
    export_json(out, database_url, tmp_path)
    for name in (file_name(a), file_name(b)):
        with (out / name).open("a", encoding="utf-8") as fh:
            fh.write("An admin's remark.\n")
    edited = snapshot(out)
    await store_summaries(database_url, [], delete=(b.id,))

    result = export_json(out, database_url, tmp_path)
    again = cli("export", str(out), db=database_url, cwd=tmp_path)

    assert {k: snapshot(out)[k] for k in edited if k != MANIFEST} == {k: v for k, v in edited.items() if k != MANIFEST}
    assert (out / beside(file_name(a))).read_text(encoding="utf-8") == to_markdown(a)
    assert result["files"] == result["written"] == [beside(file_name(a))] and result["removed"] == []
    assert result["kept"] == [left(file_name(a), "edited since paperbot wrote it", a.id, beside(file_name(a))),
                              left(file_name(b), "edited since paperbot wrote it", b.id, None)]
    assert again.stdout == (
        f"1 member summary in {out}\n"
        f"kept {file_name(a)}: edited since paperbot wrote it; summary #{a.id} is in {beside(file_name(a))}\n"
        f"kept {file_name(b)}: edited since paperbot wrote it; summary #{b.id} was deleted, so a restore from "
        f"this folder would bring this file back\n")


async def test_a_repeated_export_rewrites_nothing(database_url: str, tmp_path: Path) -> None:
    views = await store_summaries(database_url, ["Attention Is All You Need", "Deep Residual Learning"])
    out = tmp_path / "export"
    first = export_json(out, database_url, tmp_path)
    seen = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()}

    second = export_json(out, database_url, tmp_path)

    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()} == seen
    assert first["written"] == second["unchanged"] == second["files"] == [file_name(v) for v in views]
    assert second["written"] == second["removed"] == second["kept"] == second["refused"] == []
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"] == {
        file_name(v): {"summary": v.id, "sha256": hashlib.sha256(to_markdown(v).encode()).hexdigest()}
        for v in views}


@pytest.mark.parametrize(("manifest", "why"), [
    ("a symlink", "is a symbolic link, not the manifest paperbot writes"),
    ("not json", "was not written by paperbot (Expecting value: line 1 column 1 (char 0))"),
    ("../victim.md", "was not written by paperbot (it names '../victim.md', not a file paperbot writes)"),
])
def test_a_manifest_paperbot_did_not_write_stops_the_export_before_anything_changes(
        tmp_path: Path, manifest: str, why: str) -> None:
    out = tmp_path / "export"
    out.mkdir()
    victim = tmp_path / "victim.md"
    victim.write_bytes(b"precious\n")
    if manifest == "a symlink":
        (out / MANIFEST).symlink_to(victim)
    elif manifest == "not json":
        (out / MANIFEST).write_text(manifest, encoding="utf-8")
    else:  # a forged line: the victim's very bytes, so only its name gives it away
        (out / MANIFEST).write_bytes(encode_manifest({manifest: Owned(7, sha256(b"precious\n"))}))
    before = snapshot(tmp_path)
    with pytest.raises(ExportError) as caught:
        write_export(out, [view("Attention")])
    assert str(caught.value).startswith(f"{out / MANIFEST} {why}: move {out / MANIFEST} away and export again")
    assert snapshot(tmp_path) == before


FREE = ("nothing", "tmp symlink out")  # what leaves a summary's own file name free
PLANTS = st.sampled_from(["nothing", "symlink out", "dangling symlink", "foreign file", "folder", "fifo",
                          "tmp symlink out"])


@given(st.lists(st.tuples(PLANTS, PLANTS), min_size=1, max_size=4), st.sets(st.integers(0, 3)))
def test_whatever_is_planted_nothing_outside_or_planted_changes_and_every_summary_is_exported(
        plants: list[tuple[str, str]], deleted: set[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        outside, out = root / "outside", root / "export"
        outside.mkdir()
        out.mkdir()
        (outside / "secret").write_bytes(b"TOKEN=1\n")
        views = [view(f"Paper {i}", cid=i + 1, body=f"Body {i}.") for i in range(len(plants))]
        for v, (at_name, beside_it) in zip(views, plants, strict=True):
            for name, plant in ((file_name(v), at_name), (beside(file_name(v)), beside_it)):
                target = out / (f".{name}.tmp" if plant == "tmp symlink out" else name)
                {"nothing": lambda p: None, "symlink out": lambda p: p.symlink_to(outside / "secret"),
                 "tmp symlink out": lambda p: p.symlink_to(outside / "secret"),
                 "dangling symlink": lambda p: p.symlink_to(outside / "missing"),
                 "foreign file": lambda p: p.write_bytes(b"mine\n"), "folder": lambda p: p.mkdir(),
                 "fifo": lambda p: os.mkfifo(p)}[plant](target)
        planted, before = snapshot(out), snapshot(outside)

        first = write_export(out, views)
        kept = [v for i, v in enumerate(views) if i not in deleted]
        second = write_export(out, kept)
        third = write_export(out, kept)

        assert snapshot(outside) == before
        now = snapshot(out)
        assert {k: now.get(k) for k in planted} == planted
        assert [(out / f).read_bytes() for f in second.files] == [to_markdown(v).encode() for v in kept]
        assert set(now) == set(planted) | set(second.files) | {MANIFEST}  # no temporary file, no deleted one
        assert second.files == [f for i, f in enumerate(first.files) if i not in deleted]
        blocks = [(at_name not in FREE, at_name not in FREE and beside_it not in FREE) for at_name, beside_it in plants]
        assert [r.summary for r in first.refused] == [v.id for v, b in zip(views, blocks, strict=True) for x in b if x]
        assert third.written == third.removed == [] and third.unchanged == third.files == second.files
        assert third.refused == second.refused and third.kept == second.kept == []


def test_the_terminal_report_names_what_was_written_and_removed_and_counts_the_rest() -> None:
    result = ExportResult(Path("out"), files=[f"p-{i}.md" for i in range(12)], written=[f"p-{i}.md" for i in range(12)],
                          removed=["gone-40.md"])
    assert result.describe() == ("12 member summaries in out\n"
                                 "wrote 12: p-0.md, p-1.md, p-2.md, p-3.md, p-4.md, p-5.md, p-6.md, p-7.md, p-8.md, "
                                 "p-9.md and 2 more\n"
                                 "removed (no longer a summary's file) 1: gone-40.md")
