"""`pipes.Reader`: the messages a process writes with `pipes.put`, read on the event loop straight into their
own buffers, whole and in order, however the bytes arrive; no further ahead than asked; and a stream that
ends, or is cut short, says so."""

from __future__ import annotations

import asyncio
import os
import pickle
import threading
import time

import pytest

from store.ingest.pipes import LENGTH, Reader


def _framed(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(LENGTH, "big") + data


def _write_slowly(fd: int, data: bytes, piece: int, pause: float = 0.0) -> threading.Thread:
    """`data` written to `fd` `piece` bytes at a time from a thread, then the write end closed."""
    def run() -> None:
        try:
            for at in range(0, len(data), piece):
                view = memoryview(data)[at : at + piece]
                done = 0
                while done < len(view):
                    done += os.write(fd, view[done:])
                if pause:
                    time.sleep(pause)
        except BrokenPipeError:
            pass
        finally:
            os.close(fd)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("piece", [1, 3, 8, 9, 4096, 1 << 20])
async def test_messages_arrive_whole_and_in_order_however_the_bytes_come(piece: int) -> None:
    values = [{"n": i, "text": "é" * (i * 997 % 5000)} for i in range(40)]
    values.append(b"x" * 300_000)  # larger than one read
    read_end, write_end = os.pipe()
    writer = _write_slowly(write_end, b"".join(map(_framed, values)), piece)
    reader = Reader(read_end, 1 << 20)
    try:
        got = [pickle.loads(await reader.get()) for _ in values]
        assert got == values
        with pytest.raises(EOFError, match="ended"):
            await reader.get()
    finally:
        reader.close()
        writer.join()


@pytest.mark.parametrize(("stream", "why"), [
    (_framed("first") + _framed("second" * 100)[:-5], "cut short"),  # a message cut short: an error, not a message
    (_framed("first") + bytes(LENGTH) + _framed(2), "ended"),  # a zero length ends the stream
    (_framed("first") + bytes(3), "cut short"),  # a length cut short
])
async def test_a_stream_ended_or_cut_short_says_so_after_its_whole_messages(stream: bytes, why: str) -> None:
    read_end, write_end = os.pipe()
    writer = _write_slowly(write_end, stream, 7)
    reader = Reader(read_end, 1 << 20)
    try:
        assert pickle.loads(await reader.get()) == "first"
        with pytest.raises(EOFError, match=why):
            await reader.get()
    finally:
        reader.close()
        writer.join()


async def test_it_reads_ahead_up_to_its_limit_and_no_further() -> None:
    """Whole messages are read before they are asked for up to `ahead` bytes; then the writer waits (the pipe
    full) until one is taken."""
    read_end, write_end = os.pipe()
    message = _framed(b"m" * 100_000)
    total = 30
    writer = _write_slowly(write_end, message * total, len(message))
    reader = Reader(read_end, 350_000)  # three messages and a half
    try:
        for _ in range(100):
            await asyncio.sleep(0.02)
            if reader._held >= 350_000 - len(message):
                break
        await asyncio.sleep(0.2)
        assert 3 * 100_000 <= reader._held < 350_000 + len(message)  # read ahead, then stopped
        assert writer.is_alive()  # waiting for room in the pipe
        got = [await reader.get() for _ in range(total)]
        assert all(len(pickle.loads(g)) == 100_000 for g in got)
    finally:
        reader.close()
        writer.join()


async def test_closing_it_stops_a_writer_that_waits() -> None:
    read_end, write_end = os.pipe()
    writer = _write_slowly(write_end, _framed(b"z" * 200_000) * 50, 1 << 16)
    reader = Reader(read_end, 1 << 16)
    await reader.get()
    reader.close()
    writer.join(timeout=10)
    assert not writer.is_alive()  # its write failed (EPIPE) once the read end was closed
    with pytest.raises(EOFError):
        await reader.get()
