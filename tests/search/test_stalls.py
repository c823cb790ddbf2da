"""bench.stalls reads a faulthandler dump as the busy threads' innermost frames (the rebuild's stalls)."""

from bench.stalls import busy_frames

DUMP = '''Timeout (0:00:00.050000)!
Thread 0x00007f01 (most recent call first):
  File "/usr/lib/python3.11/concurrent/futures/thread.py", line 81 in _worker
  File "/usr/lib/python3.11/threading.py", line 982 in run

Thread 0x00007f02 (most recent call first):
  File "/repo/store/search/people.py", line 94 in _build
  File "/repo/store/search/people.py", line 60 in from_bylines

Thread 0x00007f03 (most recent call first):
  File "/usr/lib/python3.11/selectors.py", line 468 in select
  File "/usr/lib/python3.11/asyncio/base_events.py", line 1884 in _run_once
Timeout (0:00:00.050000)!
Thread 0x00007f02 (most recent call first):
  File "/repo/store/search/people.py", line 94 in _build

Thread 0x00007f04 (most recent call first):
  File "/repo/store/search/bm25.py", line 147 in _summed
Timeout (0:00:00.050000)!
Thread 0x00007f03 (most recent call first):
  File "/usr/lib/python3.11/selectors.py", line 468 in select
'''


def test_each_stall_is_named_by_its_busy_threads_innermost_frames() -> None:
    assert busy_frames(DUMP) == {
        "people.py:94 _build": 1,
        "people.py:94 _build | bm25.py:147 _summed": 1,
        "(every thread waiting: the machine's other work)": 1,
    }


def test_no_stall_no_entry() -> None:
    assert busy_frames("") == {}
