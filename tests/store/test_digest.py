"""The weekly digest's schedule, rotation and claims, without Discord."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.db.claims import LEASE
from store.db.engine import make_engine, make_sessionmaker
from store.db.migrate import upgrade
from store.db.models import Paper
from store.digest import plan as d
from store.search.results import PaperView, SummaryView

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def paper(i: int, topics: tuple[str, ...] = (), added: datetime = T0) -> PaperView:
    return PaperView(id=i, title=f"Paper {i}", authors=(f"Author {i}",), venue=None, year=None, topics=topics,
                     link=None, summaries=(SummaryView("x.md", i, f"Summary {i}."),), added_at=added)


def test_due_slot_is_the_latest_scheduled_time_in_the_servers_zone() -> None:
    monday_9_paris = (0, 9, 0, "Europe/Paris")
    week, slot = d.due_slot(datetime(2026, 11, 23, 8, 0, tzinfo=UTC), *monday_9_paris)  # Mon 09:00 Paris
    assert slot == datetime(2026, 11, 23, 8, 0, tzinfo=UTC) and week == "2026-W48"
    week, slot = d.due_slot(datetime(2026, 11, 23, 7, 59, tzinfo=UTC), *monday_9_paris)  # a minute early
    assert slot.astimezone(UTC) == datetime(2026, 11, 16, 8, 0, tzinfo=UTC) and week == "2026-W47"
    # Across the spring DST change the slot stays 09:00 local (07:00 UTC in summer).
    _, slot = d.due_slot(datetime(2026, 3, 30, 12, 0, tzinfo=UTC), *monday_9_paris)
    assert slot.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert d.next_slot(datetime(2026, 11, 23, 8, 0, tzinfo=UTC), *monday_9_paris) == datetime(
        2026, 11, 30, 8, 0, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(now=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
       weekday=st.integers(0, 6), hour=st.integers(0, 23), minute=st.integers(0, 59),
       tz=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]))
def test_due_slot_properties(now, weekday, hour, minute, tz) -> None:
    _week, slot = d.due_slot(now, weekday, hour, minute, tz)
    assert slot <= now < slot + timedelta(days=7, hours=2)
    assert (slot.weekday() == weekday and (slot.hour, slot.minute) == (hour, minute)) or slot.fold


def test_rotation_never_repeats_before_the_whole_corpus_was_featured() -> None:
    papers = [paper(i, ("GANs",) if i % 3 == 0 else ("RL",)) for i in range(1, 23)]
    featured: set[int] = set()
    cycle, seen_in_cycle = 1, []
    for week in range(30):
        plan = d.plan_digest(papers, featured, cycle, T0, f"2026-W{week:02d}")
        assert plan and plan.picks and len({p.paper.id for p in plan.items}) == len(plan.items)
        if plan.cycle != cycle:
            assert set(seen_in_cycle) == {p.id for p in papers}  # the whole corpus had its turn
            cycle, featured, seen_in_cycle = plan.cycle, set(), []
        ids = [p.paper.id for p in plan.items]
        assert not set(ids) & featured
        featured |= set(ids)
        seen_in_cycle += ids
        reasons = {p.reason for p in plan.picks}
        assert reasons <= {f"topic of the week: {plan.topic}", "not yet discussed"}
    assert cycle >= 3


def test_new_papers_come_first_and_an_empty_corpus_gives_no_digest() -> None:
    old = [paper(i) for i in range(1, 5)]
    new = paper(9, added=T0 + timedelta(days=3))
    plan = d.plan_digest([*old, new], set(), 1, T0 + timedelta(days=1), "2026-W02")
    assert [p.paper.id for p in plan.new] == [9] and plan.new[0].reason == "new since the last digest"
    assert 9 not in {p.paper.id for p in plan.picks}
    assert not d.plan_digest([], set(), 1, None, "2026-W02")


@pytest.fixture
async def sessions(database_url: str):
    engine = make_engine(database_url)
    await upgrade(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_two_claimers_exactly_one_wins(sessions) -> None:
    async def try_claim(who: str) -> int | None:
        async with sessions() as s, s.begin():
            return await d.claim(s, 42, "2026-W48", who, T0)

    results = await asyncio.gather(*(try_claim(f"worker{i}") for i in range(8)), return_exceptions=True)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results


async def test_an_abandoned_claim_is_taken_over_after_the_lease_and_a_posted_one_never(sessions) -> None:
    async with sessions() as s, s.begin():
        first = await d.claim(s, 7, "2026-W48", "crashed", T0)
    assert first is not None
    async with sessions() as s, s.begin():
        assert await d.claim(s, 7, "2026-W48", "early", T0 + LEASE / 2) is None  # still leased
    async with sessions() as s, s.begin():
        retry = await d.claim(s, 7, "2026-W48", "survivor", T0 + LEASE * 2)
    assert retry == first
    async with sessions() as s, s.begin():
        s.add(Paper(id=1, key="paper 1", title="Paper 1", added_at=T0))
        await s.flush()
        await d.mark_posted(s, retry, 7, d.plan_digest([paper(1)], set(), 1, None, "2026-W48"), 123, T0)
    async with sessions() as s, s.begin():
        assert await d.is_posted(s, 7, "2026-W48")
        assert await d.claim(s, 7, "2026-W48", "late", T0 + LEASE * 10) is None
        cycle, featured, last = await d.history(s, 7)
    assert (cycle, featured) == (1, {1}) and last is not None


async def test_a_schedule_moved_earlier_in_the_week_does_not_post_the_week_before_again(sessions) -> None:
    """Posted Friday for the Monday slot; the admin then moves the digest to Friday 17:30 in Paris. The
    slot now due is last week's Friday, whose week key was never posted, but members had a digest since."""
    posted_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # Friday, the missed Monday W47 slot caught up
    monday = d.due_slot(posted_at, 0, 9, 0, "UTC")
    assert monday[0] == "2026-W47"
    async with sessions() as s, s.begin():
        s.add(Paper(id=1, key="paper 1", title="Paper 1", added_at=T0))
        await s.flush()
        run = await d.claim(s, 7, monday[0], "me", posted_at)
        assert run is not None
        await d.mark_posted(s, run, 7, d.plan_digest([paper(1)], set(), 1, None, monday[0]), 123, posted_at)
    friday = (4, 17, 30, "Europe/Paris")
    week, slot = d.due_slot(posted_at + timedelta(minutes=1), *friday)
    assert week == "2026-W46" and slot.astimezone(UTC) == datetime(2026, 11, 13, 16, 30, tzinfo=UTC)
    async with sessions() as s:
        assert not await d.is_posted(s, 7, week)  # the week key alone says "due"...
        assert await d.is_posted(s, 7, week, slot)  # ...but a digest went out after that slot
        assert not await d.is_posted(s, 8, week, slot)  # another server's digest covers nothing here
        week, slot = d.due_slot(datetime(2026, 11, 27, 16, 31, tzinfo=UTC), *friday)
        assert week == "2026-W48" and not await d.is_posted(s, 7, week, slot)  # the next Friday is due
        week, slot = d.due_slot(datetime(2026, 11, 27, 16, 29, tzinfo=UTC), *friday)
        assert week == "2026-W47" and await d.is_posted(s, 7, week, slot)  # a minute before it is not
