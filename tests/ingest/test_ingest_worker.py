"""Bulk imports are parsed by a worker process while the database takes the files already parsed.

The worker must give exactly what parsing in-process gives, in order; and an import must survive a
worker that cannot start or dies, parsing the rest itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from store.ingest import corpus
from store.ingest.corpus import find, parsed, read
from store.ingest.records import Parsed, ParsedFile, StreamedFile
from store.ingest.stream import Ended
from store.library import BUNDLED_SEEDS, Library


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for seed in BUNDLED_SEEDS.glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    (folder / "broken.txt").write_bytes(b"\xff\xfe\x00 not text")
    with (folder / "bulk.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(300):
            fh.write(json.dumps({"id": f"2401.{i:05d}", "title": f"Sparse Attention Number {i}",
                                 "authors": "Ada Lovelace and Alan Turing", "abstract": "We study sparsity.",
                                 "categories": "cs.LG"}) + "\n")
        fh.write("{not json\n")
    return folder


async def _whole(stream: StreamedFile) -> ParsedFile:
    """A streamed file's batches put together, as `read` gives the file."""
    whole = Parsed([], list(stream.problems))
    async for batch in stream.batches:
        whole.records.extend(batch.records)
        whole.problems.extend(batch.problems)
    return ParsedFile(stream.name, stream.root, stream.sha256, whole, stream.failed, stream.refused)


async def _all(folder: Path) -> list:
    files, _roots, _problems = find([folder])
    return [await _whole(stream) async for stream in parsed(files)]


async def test_the_worker_gives_what_parsing_here_gives_in_order(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _corpus(tmp_path / "corpus")
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    started = []
    real_exec = corpus.asyncio.create_subprocess_exec

    async def spy(*args, **kwargs):
        started.append(args)
        return await real_exec(*args, **kwargs)

    monkeypatch.setattr(corpus.asyncio, "create_subprocess_exec", spy)
    by_worker = await _all(folder)
    assert started and started[0][1:4] == ("-P", "-m", "store.ingest.worker")
    files, _, _ = find([folder])
    assert by_worker == [read(f) for f in files]
    assert [pf.name for pf in by_worker] == sorted(p.name for p in folder.iterdir())
    bulk = next(pf for pf in by_worker if pf.name == "bulk.jsonl")
    assert len(bulk.parsed.records) == 300 and [p.line for p in bulk.parsed.problems] == [301]
    assert next(pf for pf in by_worker if pf.name == "broken.txt").failed


async def test_the_worker_imports_this_store_wherever_the_bot_was_started(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Started from a folder holding another `store` package (a checkout of something else, an older copy),
    the parsing process still imports the bot's own, and does not fall back to parsing in the bot's process."""
    folder = _corpus(tmp_path / "corpus")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "store").mkdir(parents=True)
    (elsewhere / "store" / "__init__.py").write_text("raise ImportError('not the bot's store')\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    by_worker = await _all(folder)
    assert [r.getMessage() for r in caplog.records if "parsing" in r.getMessage()] == []
    files, _, _ = find([folder])
    assert by_worker == [read(f) for f in files]


@pytest.mark.parametrize("worker", ["cannot start", "dies at once", "sends a damaged message"])
async def test_an_import_survives_its_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture, database_url: str,
                                             worker: str) -> None:
    folder = _corpus(tmp_path / "corpus")
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    if worker == "cannot start":
        monkeypatch.setattr(corpus.sys, "executable", str(tmp_path / "no-such-python"))
    elif worker == "dies at once":
        monkeypatch.setattr(corpus.sys, "executable", shutil.which("false") or "/bin/false")
    else:  # a length, then a pickle whose text is not UTF-8: unpickling raises UnicodeDecodeError, not its own
        damaged = tmp_path / "damaged-worker"
        damaged.write_text("#!/bin/sh\nprintf '\\0\\0\\0\\0\\0\\0\\0\\10\\200\\005\\214\\002\\371\\371\\224.'\n"
                           "exec sleep 30\n")
        damaged.chmod(0o755)
        monkeypatch.setattr(corpus.sys, "executable", str(damaged))
    library = Library(database_url, folder)
    try:
        report = await library.start()
        assert report is not None
        assert {f.source: f.status for f in report.files}["bulk.jsonl"] == "new"
        assert len(library.index) >= 300
        assert library.index.paper("Sparse Attention Number 7").hits[0].paper.title == "Sparse Attention Number 7"
    finally:
        await library.close()
    said = [r.getMessage() for r in caplog.records if r.name == corpus.__name__]
    assert said and ("no parsing process" if worker == "cannot start" else "the parsing process stopped") in said[0]


def _bulk(folder: Path, papers: int) -> list:
    folder.mkdir()
    abstract = "We study how sparse attention keeps long contexts cheap. " * 8
    with (folder / "bulk.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(papers):
            fh.write(json.dumps({"id": f"2401.{i:05d}", "title": f"Sparse Attention Number {i}",
                                 "authors": "Ada Lovelace and Alan Turing", "abstract": abstract,
                                 "categories": "cs.LG"}) + "\n")
    files, _roots, _problems = find([folder])
    return files


async def _ended(worker: corpus._Worker, seconds: float) -> int | None:
    """The worker's exit code once it has ended by itself, or None after `seconds` (it waits to be read)."""
    for _ in range(int(seconds * 20)):
        if worker.proc.returncode is not None:
            return worker.proc.returncode
        await asyncio.sleep(0.05)
    return None


async def test_the_worker_parses_on_while_the_import_is_busy(tmp_path: Path) -> None:
    """The import takes in what the worker sends while it writes (up to `AHEAD_BYTES`), so a worker whose
    batches fit there parses the whole file and ends though the import has taken only the first message.
    With the pipe's own buffer alone (1 MB) it would wait at its first batch."""
    files = _bulk(tmp_path / "corpus", 6_000)  # three batches, some 3 MB: past those buffers, inside AHEAD_BYTES
    worker = await corpus._Worker.start(files)
    assert worker is not None
    try:
        first = await worker.receive()
        assert first.failed is False and first.sha256  # what the file is; no batch taken yet
        if sys.platform == "linux":  # the pipe widened, for fewer reads a batch
            import fcntl

            assert fcntl.fcntl(worker.messages._fd, fcntl.F_GETPIPE_SZ) == corpus.PIPE_BYTES
        assert await _ended(worker, 60) == 0  # it parsed and sent it all meanwhile
        batches = []
        while not isinstance(message := await worker.receive(), Ended):
            batches.append(message)
        assert [len(b.records) for b in batches] == [2_000, 2_000, 2_000]
        assert batches[-1].records[-1].title == "Sparse Attention Number 5999"
    finally:
        await worker.stop()


async def test_a_worker_waiting_to_be_read_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import that fails mid-file stops its worker while the worker waits for the import to read on (its
    buffer full): the stop returns, and the process is gone."""
    monkeypatch.setattr(corpus, "AHEAD_BYTES", 1 << 16)
    worker = await corpus._Worker.start(_bulk(tmp_path / "corpus", 6_000))
    assert worker is not None
    await worker.receive()
    assert await _ended(worker, 2) is None  # waiting for the import to read on
    await asyncio.wait_for(worker.stop(), timeout=30)
    assert worker.proc.returncode is not None and worker.proc.returncode < 0  # killed


async def test_the_next_batch_is_received_while_the_caller_writes_this_one(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """From the worker, the batch after the one just given is received (unpickled) while the caller is busy
    with it, and what arrives is still every batch, once, in order."""
    files = _bulk(tmp_path / "corpus", 6_000)
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    received = 0
    real_receive = corpus._Worker.receive

    async def counted(self: corpus._Worker) -> object:
        nonlocal received
        message = await real_receive(self)
        received += 1
        return message

    monkeypatch.setattr(corpus._Worker, "receive", counted)
    titles: list[str] = []
    async for stream in parsed(files):
        assert received == 1  # what the file is
        async for batch in stream.batches:
            taken = received
            for _ in range(400):  # the caller writing: the loop free for whatever else is due
                if received > taken:
                    break
                await asyncio.sleep(0.01)
            assert received == taken + 1  # the next message (a batch, or the file's end) is in meanwhile
            titles.extend(r.title for r in batch.records)
    assert titles == [f"Sparse Attention Number {i}" for i in range(6_000)]
    assert received == 5  # opened, three batches, ended: none received twice


async def test_parsing_here_reads_no_batch_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a worker the batches are parsed on a thread, which would hold the GIL the database's writes
    need back after every row: the next batch is parsed only when it is asked for."""
    files = _bulk(tmp_path / "corpus", 6_000)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 1)
    asked = 0
    real_to_thread = corpus.asyncio.to_thread

    async def counted(*args: object, **kwargs: object) -> object:
        nonlocal asked
        asked += 1
        return await real_to_thread(*args, **kwargs)

    monkeypatch.setattr(corpus.asyncio, "to_thread", counted)
    count = 0
    async for stream in parsed(files):
        async for batch in stream.batches:
            taken = asked
            await asyncio.sleep(0.2)
            assert asked == taken
            count += len(batch.records)
    assert count == 6_000


async def test_an_import_stopped_mid_file_stops_receiving_and_its_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The caller fails while a batch is being received ahead: that receiving stops with the worker, and
    nothing is parsed here after it (no "parsing the rest here")."""
    files = _bulk(tmp_path / "corpus", 6_000)
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    started: list[corpus._Worker] = []
    real_start = corpus._Worker.start.__func__  # type: ignore[attr-defined]

    async def spy(cls: type[corpus._Worker], given: list) -> corpus._Worker | None:
        worker = await real_start(cls, given)
        started.append(worker)
        return worker

    monkeypatch.setattr(corpus._Worker, "start", classmethod(spy))
    streams = parsed(files)
    with pytest.raises(RuntimeError, match="the database failed"):
        async for stream in streams:
            async for _batch in stream.batches:
                raise RuntimeError("the database failed")
    await streams.aclose()
    assert started and started[0].proc.returncode is not None  # stopped
    await asyncio.sleep(0.2)
    assert not [r for r in caplog.records if r.name == corpus.__name__]
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="no pidfd here: a signal could reach a reused pid")
@pytest.mark.parametrize("unbuffered", ["1", None])
async def test_a_worker_stopped_and_continued_mid_message_sends_every_byte(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unbuffered: str | None) -> None:
    """A write to a full pipe that a stop signal interrupts returns having written part of the message
    (Ctrl-Z then fg, `docker pause`, a profiler). Under PYTHONUNBUFFERED (set by many container images) the
    worker's stdout was unbuffered and the rest of that message was lost: the next length read from the middle
    of a pickle. Every batch must still arrive whole and in order."""
    if unbuffered is None:
        monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    else:
        monkeypatch.setenv("PYTHONUNBUFFERED", unbuffered)
    monkeypatch.setattr(corpus, "AHEAD_BYTES", 1 << 16)  # little read ahead: the worker waits on a full pipe
    worker = await corpus._Worker.start(_bulk(tmp_path / "corpus", 20_000))  # batches of about 1 MB, as the pipe
    assert worker is not None
    process = os.pidfd_open(worker.proc.pid)  # signals go to this process, never to one given its pid later
    done = threading.Event()
    pauses = 0

    def stop_and_continue() -> None:
        nonlocal pauses
        while not done.is_set():
            try:
                signal.pidfd_send_signal(process, signal.SIGSTOP)
            except ProcessLookupError:  # it has ended
                return
            time.sleep(0.002)
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(process, signal.SIGCONT)
            pauses += 1
            time.sleep(0.005)

    pauser = threading.Thread(target=stop_and_continue, daemon=True)
    pauser.start()
    titles: list[str] = []
    try:
        assert (await worker.receive()).failed is False
        while not isinstance(message := await worker.receive(), Ended):
            titles.extend(r.title for r in message.records)
            await asyncio.sleep(0.1)  # a slow import: the worker is blocked mid-write when it is stopped
    finally:
        done.set()
        pauser.join()
        os.close(process)
        await worker.stop()
    assert pauses > 10
    assert titles == [f"Sparse Attention Number {i}" for i in range(20_000)]
