"""The reading group's state on a real database (SQLite file, or PostgreSQL with PAPERBOT_TEST_POSTGRES)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from store import readinggroup as rg
from store.db.claims import LEASE
from store.db.models import Meeting, Proposal, Reminder, Vote
from store.library import Library
from store.readinggroup.service import ReadingGroupService
from tests.corpora import reading_group_corpus

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUILD, OTHER = 111, 222
ALICE, BOB, CAROL, DAVE = 1001, 1002, 1003, 1004


@pytest.fixture
async def lib(database_url: str, tmp_path: Path):
    library = Library(database_url, reading_group_corpus(tmp_path))
    await library.start()
    assert len(library.index) == 4
    yield library
    await library.close()


def pid(lib: Library, title: str) -> int:
    return next(p.id for p in lib.catalog if p.title == title)


@pytest.mark.parametrize(("typed", "found"), [
    ("Lottery 1803.03635", "1803.03635"),  # an id among other words
    ("https://example.org/paper/1803.03635v2", "1803.03635"),  # a mirror's link holding the id
    ("arXiv:1706.03762", "1706.03762"),
    ("https://arxiv.org/pdf/1706.03762v5", "1706.03762"),
    ("hep-th/9901001", "hep-th/9901001"),  # an old-style id, alone
    ("10.48550/arXiv.2106.09685", "2106.09685"),  # arXiv's own DOI
    ("12345.678901", None),  # digits run on both sides: not an id
    ("Attention Is All You Need", None),
])
def test_a_proposal_names_an_arxiv_paper_however_it_is_typed(typed: str, found: str | None) -> None:
    assert rg.arxiv_id(typed) == found


async def test_resolve_by_id_arxiv_id_link_and_title(lib: Library) -> None:
    att = pid(lib, "Attention Is All You Need")
    assert rg.resolve(lib.index, str(att)).id == att
    assert rg.resolve(lib.index, "1706.03762").id == att
    assert rg.resolve(lib.index, "arXiv:1706.03762v5").id == att
    assert rg.resolve(lib.index, "https://arxiv.org/pdf/1706.03762").id == att
    assert rg.resolve(lib.index, "attention is all you need").id == att
    assert rg.resolve(lib.index, "2101.00001") is None
    assert rg.resolve(lib.index, "A paper nobody wrote") is None
    assert rg.arxiv_id("see arxiv.org/abs/2312.12345v2 please") == "2312.12345"
    assert rg.arxiv_id("no id here") is None
    assert rg.plausible_title("Scaling Laws for Neural Language Models")
    for junk in ("lol", "asdfghjkl", "12 34 56", "?? !!", "a b"):
        assert not rg.plausible_title(junk), junk


async def _discuss(lib: Library, title: str, presenter: int, when: datetime) -> rg.SessionView:
    async with lib.sessionmaker() as s, s.begin():
        m = await rg.schedule(s, GUILD, title, presenter, when, ALICE, paper_id=pid(lib, title))
        return await rg.done(s, m.id, when + timedelta(hours=1))


async def test_propose_new_then_again_returns_the_open_one(lib: Library) -> None:
    async with lib.sessionmaker() as s, s.begin():
        first = await rg.propose(s, GUILD, ALICE, "Generative Adversarial Nets", NOW,
                                 paper_id=pid(lib, "Generative Adversarial Nets"), index=lib.index)
        again = await rg.propose(s, GUILD, BOB, "generative  adversarial nets", NOW + timedelta(minutes=5),
                                 index=lib.index)
        elsewhere = await rg.propose(s, OTHER, BOB, "Generative Adversarial Nets", NOW, index=lib.index)
    assert first.new and not again.new and elsewhere.new
    assert again.proposal.id == first.proposal.id and again.proposal.proposer_id == ALICE
    assert elsewhere.proposal.id != first.proposal.id
    assert (first.discussed, first.similar) == (None, [])
    assert first.proposal.expires_at == NOW + rg.DEFAULT_EXPIRY
    with pytest.raises(ValueError, match="title"):
        async with lib.sessionmaker() as s, s.begin():
            await rg.propose(s, GUILD, ALICE, "   ", NOW)


async def test_propose_reports_already_discussed_and_similar(lib: Library) -> None:
    march = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)
    await _discuss(lib, "Attention Is All You Need", CAROL, march)
    async with lib.sessionmaker() as s, s.begin():
        same = await rg.propose(s, GUILD, BOB, "Attention Is All You Need", NOW, index=lib.index)
        close = await rg.propose(s, GUILD, BOB, "BERT: Pre-training of Deep Bidirectional Transformers", NOW,
                                 index=lib.index)
        far = await rg.propose(s, GUILD, BOB, "Generative Adversarial Nets", NOW, index=lib.index)
        other_server = await rg.propose(s, OTHER, BOB, "Attention Is All You Need", NOW, index=lib.index)
    assert same.discussed is not None
    assert (same.discussed.presenter_id, same.discussed.on, same.discussed.title) == (
        CAROL, march, "Attention Is All You Need")
    assert close.discussed is None
    assert [d.title for d in close.similar] == ["Attention Is All You Need"]  # shares "transformer(s)"
    assert far.similar == [] and far.discussed is None
    assert other_server.discussed is None  # another server's history is its own


async def test_votes_one_per_member_changeable_and_withdrawable(lib: Library) -> None:
    async with lib.sessionmaker() as s, s.begin():
        p = (await rg.propose(s, GUILD, ALICE, "Generative Adversarial Nets", NOW)).proposal
        assert await rg.vote(s, p.id, BOB, 1, NOW) == 1
        assert await rg.vote(s, p.id, CAROL, 1, NOW) == 1
        assert await rg.vote(s, p.id, DAVE, -1, NOW) == -1
        assert (await rg.proposal(s, p.id)).score == 1
        assert await rg.vote(s, p.id, DAVE, 1, NOW) == 1  # changed
        assert (await rg.proposal(s, p.id)).score == 3
        assert await rg.vote(s, p.id, BOB, 1, NOW) is None  # the same button again withdraws
        view = await rg.proposal(s, p.id)
        assert (view.score, view.voters) == (2, 2)
        with pytest.raises(ValueError):
            await rg.vote(s, p.id, BOB, 2, NOW)
    async with lib.sessionmaker() as s:
        assert sorted((await s.execute(select(Vote.member_id, Vote.value))).all()) == [(CAROL, 1), (DAVE, 1)]
    with pytest.raises(IntegrityError):  # the schema itself refuses a second vote by the same member
        async with lib.sessionmaker() as s, s.begin():
            await s.execute(insert(Vote).values(proposal_id=p.id, member_id=CAROL, value=-1, voted_at=NOW))


async def test_open_proposals_by_votes_then_age_and_expiry(lib: Library) -> None:
    async with lib.sessionmaker() as s, s.begin():
        a = (await rg.propose(s, GUILD, ALICE, "Paper A", NOW)).proposal
        b = (await rg.propose(s, GUILD, ALICE, "Paper B", NOW + timedelta(hours=1))).proposal
        c = (await rg.propose(s, GUILD, ALICE, "Paper C", NOW + timedelta(hours=2))).proposal
        d = (await rg.propose(s, GUILD, ALICE, "Paper D", NOW + timedelta(hours=3),
                              expiry=timedelta(days=1))).proposal
        for member in (BOB, CAROL):
            await rg.vote(s, c.id, member, 1, NOW)
        await rg.vote(s, b.id, BOB, 1, NOW)
        await rg.vote(s, a.id, BOB, -1, NOW)
        order = [p.title for p in await rg.open_proposals(s, GUILD, NOW + timedelta(hours=4))]
        assert order == ["Paper C", "Paper B", "Paper D", "Paper A"]
        later = NOW + timedelta(days=2)
        assert [p.title for p in await rg.open_proposals(s, GUILD, later)] == ["Paper C", "Paper B", "Paper A"]
        assert await rg.expire(s, GUILD, later) == 1
        assert (await rg.proposal(s, d.id)).status == "expired"
        with pytest.raises(LookupError, match="closed"):
            await rg.vote(s, d.id, BOB, 1, later)
        # An expired paper can be proposed afresh.
        again = await rg.propose(s, GUILD, BOB, "Paper D", later)
        assert again.new and again.proposal.id != d.id


async def test_schedule_move_cancel_done(lib: Library) -> None:
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    async with lib.sessionmaker() as s, s.begin():
        p = (await rg.propose(s, GUILD, ALICE, "Generative Adversarial Nets", NOW)).proposal
        other = (await rg.propose(s, GUILD, BOB, "Paper B", NOW)).proposal
        m = await rg.schedule(s, GUILD, p.title, BOB, start, ALICE, proposal_id=p.id, roles={"critic": CAROL})
        assert (m.ends_at - m.starts_at, m.status, m.roles) == (rg.SESSION_LENGTH, "scheduled", {"critic": CAROL})
        assert [x.id for x in await rg.open_proposals(s, GUILD, NOW)] == [other.id]
        await rg.attach(s, m.id, event_id=9, thread_id=8, announcement_id=7, channel_id=6)
        assert await rg.thread_for(s, GUILD, "generative adversarial nets") == 8  # a later session continues it
        assert await rg.thread_for(s, GUILD, p.title, exclude=m.id) is None
        assert await rg.thread_for(s, OTHER, p.title) is None
        moved = await rg.move(s, m.id, start + timedelta(days=1))
        assert (moved.starts_at, moved.ends_at, moved.event_id) == (start + timedelta(days=1),
                                                                   start + timedelta(days=1, hours=1), 9)
        with pytest.raises(ValueError):
            await rg.attach(s, m.id, status="done")
        cancelled = await rg.cancel(s, m.id)
        assert cancelled.status == "cancelled"
        assert {x.id for x in await rg.open_proposals(s, GUILD, NOW)} == {p.id, other.id}  # back in the list
        with pytest.raises(LookupError, match="cancelled"):
            await rg.move(s, m.id, start)
        m2 = await rg.schedule(s, GUILD, p.title, BOB, start, ALICE, proposal_id=p.id)
        assert [u.id for u in await rg.upcoming(s, GUILD, NOW)] == [m2.id]
        assert [u.id for u in await rg.overdue(s, start + timedelta(hours=1))] == [m2.id]
        finished = await rg.done(s, m2.id, start + timedelta(hours=1))
        assert (finished.status, finished.done_at) == ("done", start + timedelta(hours=1))
        assert (await rg.proposal(s, p.id)).status == "discussed"
        with pytest.raises(LookupError, match="done"):
            await rg.done(s, m2.id, start)
        with pytest.raises(ValueError):
            await rg.schedule(s, GUILD, "x", BOB, datetime(2026, 12, 10, 18), ALICE)
    with pytest.raises(IntegrityError):  # the schema refuses a session that ends before it starts
        async with lib.sessionmaker() as s, s.begin():
            await s.execute(insert(Meeting).values(guild_id=GUILD, paper_key="x", title="x", presenter_id=BOB,
                                                   starts_at=start, ends_at=start, status="scheduled",
                                                   created_by=ALICE, roles={}))


async def test_history_newest_first_filtered_and_paged(lib: Library) -> None:
    titles = ["Generative Adversarial Nets", "Deep Residual Learning for Image Recognition",
              "Attention Is All You Need", "BERT: Pre-training of Deep Bidirectional Transformers"]
    for i, title in enumerate(titles):
        await _discuss(lib, title, BOB if i % 2 else CAROL, datetime(2026, 1 + i, 5, 18, tzinfo=UTC))
    async with lib.sessionmaker() as s:
        page = await rg.history(s, GUILD, per_page=3)
        assert [m.title for m in page.sessions] == titles[::-1][:3] and (page.total, page.pages) == (4, 2)
        page2 = await rg.history(s, GUILD, per_page=3, page=1)
        assert [m.title for m in page2.sessions] == [titles[0]]
        assert (await rg.history(s, GUILD, per_page=3, page=9)).page == 1  # clamped to the last page
        assert [m.title for m in (await rg.history(s, GUILD, presenter_id=BOB)).sessions] == [titles[3], titles[1]]
        assert (await rg.history(s, GUILD, topic="Deep Learning")).total == 4
        assert (await rg.history(s, GUILD, topic="astronomy")).total == 0
        assert (await rg.history(s, OTHER)).total == 0
        discussed = await rg.discussed_papers(s, GUILD)
        assert discussed[pid(lib, titles[2])].presenter_id == CAROL


async def test_rotation_prefers_who_presented_least_recently(lib: Library) -> None:
    async with lib.sessionmaker() as s, s.begin():
        for i, member in enumerate((ALICE, BOB, CAROL)):
            assert await rg.volunteer(s, GUILD, member, NOW + timedelta(minutes=i))
        assert not await rg.volunteer(s, GUILD, ALICE, NOW)
        assert await rg.rotation(s, GUILD) == [ALICE, BOB, CAROL]  # nobody presented: earliest volunteer
        await rg.schedule(s, GUILD, "Paper A", ALICE, datetime(2026, 6, 1, tzinfo=UTC), DAVE)
        await rg.schedule(s, GUILD, "Paper B", CAROL, datetime(2026, 5, 1, tzinfo=UTC), DAVE)
        assert await rg.rotation(s, GUILD) == [BOB, CAROL, ALICE]
        bob = await rg.schedule(s, GUILD, "Paper C", BOB, datetime(2026, 7, 1, tzinfo=UTC), DAVE)
        assert await rg.rotation(s, GUILD) == [CAROL, ALICE, BOB]
        await rg.cancel(s, bob.id)  # a cancelled session does not count as presenting
        assert await rg.rotation(s, GUILD) == [BOB, CAROL, ALICE]
        assert await rg.withdraw(s, GUILD, BOB) and not await rg.withdraw(s, GUILD, BOB)
        assert await rg.rotation(s, GUILD) == [CAROL, ALICE]
        assert await rg.rotation(s, OTHER) == []


def _view(starts_at: datetime, status: str = "scheduled") -> rg.SessionView:
    return rg.SessionView(1, GUILD, "t", None, None, BOB, starts_at, starts_at + timedelta(hours=1), status, None,
                          None, None, None, None, {})


def test_due_reminders() -> None:
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    assert rg.due_reminders(_view(start), start - timedelta(days=2)) == []
    assert rg.due_reminders(_view(start), start - timedelta(days=1)) == [1440]
    assert rg.due_reminders(_view(start), start - timedelta(minutes=61)) == [1440]
    assert rg.due_reminders(_view(start), start - timedelta(minutes=60)) == [60]  # only the latest due
    assert rg.due_reminders(_view(start), start) == []
    assert rg.due_reminders(_view(start, "cancelled"), start - timedelta(minutes=30)) == []
    assert rg.reminder_kind(60, start) != rg.reminder_kind(60, start + timedelta(days=1))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-5000, max_value=5000),
       st.lists(st.integers(min_value=1, max_value=10080), min_size=1, max_size=4, unique=True))
def test_due_reminders_never_after_start_and_at_most_one(minutes: int, offsets: list[int]) -> None:
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    now = start + timedelta(minutes=minutes)
    due = rg.due_reminders(_view(start), now, tuple(offsets))
    assert len(due) <= 1
    if due:
        assert now < start and now >= start - timedelta(minutes=due[0]) and due[0] in offsets


async def test_reminder_claim_once_and_stale_takeover(lib: Library) -> None:
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    async with lib.sessionmaker() as s, s.begin():
        m = await rg.schedule(s, GUILD, "Paper A", BOB, start, ALICE)
    kind = rg.reminder_kind(60, start)
    async with lib.sessionmaker() as s, s.begin():
        first = await rg.claim_reminder(s, m.id, kind, "a", NOW)
    assert first is not None
    async with lib.sessionmaker() as s, s.begin():
        assert await rg.claim_reminder(s, m.id, kind, "b", NOW + timedelta(minutes=1)) is None  # live claim
        taken = await rg.claim_reminder(s, m.id, kind, "b", NOW + LEASE + timedelta(seconds=1))
    assert taken == first  # the abandoned claim was taken over, not duplicated
    async with lib.sessionmaker() as s, s.begin():
        await rg.mark_reminded(s, first, 555, NOW)
    async with lib.sessionmaker() as s, s.begin():
        assert await rg.claim_reminder(s, m.id, kind, "c", NOW + timedelta(days=1)) is None  # posted: never again
        assert await rg.reminders_posted(s, m.id) == [(kind, 555)]
        claims = (await s.execute(select(Reminder.claimed_by))).scalars().all()
    assert claims == ["b"]


async def test_concurrent_claims_one_winner(lib: Library) -> None:
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    async with lib.sessionmaker() as s, s.begin():
        m = await rg.schedule(s, GUILD, "Paper A", BOB, start, ALICE)
    kind = rg.reminder_kind(1440, start)

    async def one(worker: str) -> int | None:
        async with lib.sessionmaker() as s, s.begin():
            return await rg.claim_reminder(s, m.id, kind, worker, NOW)

    results = await asyncio.gather(*(one(f"w{i}") for i in range(6)))
    assert sum(r is not None for r in results) == 1


async def test_one_open_proposal_per_paper_is_in_the_schema(lib: Library) -> None:
    async with lib.sessionmaker() as s, s.begin():
        await rg.propose(s, GUILD, ALICE, "Paper A", NOW)
    with pytest.raises(IntegrityError):
        async with lib.sessionmaker() as s, s.begin():
            await s.execute(insert(Proposal).values(guild_id=GUILD, paper_key="paper a", title="Paper A",
                                                    proposer_id=BOB, created_at=NOW,
                                                    expires_at=NOW + timedelta(days=1), status="open"))


async def test_a_local_time_is_stored_as_its_utc_instant(lib: Library) -> None:
    from zoneinfo import ZoneInfo

    paris = datetime(2026, 12, 3, 19, 0, tzinfo=ZoneInfo("Europe/Paris"))
    async with lib.sessionmaker() as s, s.begin():
        m = await rg.schedule(s, GUILD, "Paper A", BOB, paris, ALICE)
        moved = await rg.move(s, m.id, datetime(2026, 7, 3, 19, 0, tzinfo=ZoneInfo("Europe/Paris")))
    assert moved.starts_at == datetime(2026, 7, 3, 17, 0, tzinfo=UTC)  # summer time: UTC+2
    async with lib.sessionmaker() as s:
        assert (await rg.get_session(s, m.id)).starts_at == datetime(2026, 7, 3, 17, 0, tzinfo=UTC)
        assert [u.id for u in await rg.upcoming(s, GUILD, datetime(2026, 7, 3, 17, 59, tzinfo=UTC))] == [m.id]
        assert await rg.upcoming(s, GUILD, datetime(2026, 7, 3, 18, 0, tzinfo=UTC)) == []


def test_reading_group_settings_from_the_environment() -> None:
    from bot.config import ConfigError, Settings

    assert Settings.from_env({}).reminder_minutes == (1440, 60)
    loaded = Settings.from_env({"REMINDER_MINUTES": "60, 1440,30", "PROPOSAL_DAYS": "14",
                                "ORGANISER_ROLE_IDS": "123456789012345678"})
    assert (loaded.reminder_minutes, loaded.proposal_days, loaded.organiser_role_ids) == (
        (1440, 60, 30), 14, frozenset({123456789012345678}))
    for name, raw in (("REMINDER_MINUTES", "soon"), ("REMINDER_MINUTES", "0"), ("PROPOSAL_DAYS", "400"),
                      ("ORGANISER_ROLE_IDS", "admins")):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: raw})


async def test_closing_a_session_twice_at_once_has_one_winner(lib: Library) -> None:
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    async with lib.sessionmaker() as s, s.begin():
        m = await rg.schedule(s, GUILD, "Paper A", BOB, start, ALICE)

    async def close() -> str:
        try:
            async with lib.sessionmaker() as s, s.begin():
                return (await rg.done(s, m.id, start + timedelta(hours=1))).status
        except LookupError as exc:
            return str(exc)

    assert sorted(await asyncio.gather(close(), close(), close())) == [
        "done", "this session is already done", "this session is already done"]


async def test_the_loop_finds_its_servers_meetings_behind_two_hundred_of_other_servers(lib: Library) -> None:
    """A shard's reminders and ended meetings are picked in SQL by its servers, before the limit."""
    soon = NOW + timedelta(minutes=30)  # the hour's reminder is due
    async with lib.sessionmaker() as s, s.begin():
        for i in range(210):  # other shards' servers, all sooner than ours
            await rg.schedule(s, 5000 + i, f"Elsewhere {i}", BOB, soon, ALICE)
        ours = await rg.schedule(s, GUILD, "Ours", BOB, soon + timedelta(minutes=1), ALICE)
        ended = await rg.schedule(s, OTHER, "Ours, ended", BOB, NOW - timedelta(hours=2), ALICE)
        await rg.schedule(s, 4999, "Elsewhere, ended", BOB, NOW - timedelta(hours=3), ALICE)
    due = await ReadingGroupService(lib, lambda: NOW, "test").due([GUILD, OTHER])
    assert [(m.id, minutes) for m, minutes in due.reminders] == [(ours.id, 60)]
    assert [m.id for m in due.ended] == [ended.id]


_EXAMPLES = itertools.count()  # each example votes on a proposal of its own


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([ALICE, BOB, CAROL, DAVE]), st.sampled_from([1, -1])), max_size=20))
async def test_any_click_sequence_leaves_one_vote_per_member_matching_the_last_click(
        lib: Library, clicks: list[tuple[int, int]]) -> None:
    model: dict[int, int] = {}
    async with lib.sessionmaker() as s, s.begin():
        p = (await rg.propose(s, GUILD, ALICE, f"Property paper {next(_EXAMPLES)}", NOW)).proposal
        for member, value in clicks:
            mine = await rg.vote(s, p.id, member, value, NOW)
            if model.get(member) == value:
                del model[member]
            else:
                model[member] = value
            assert mine == model.get(member)
    async with lib.sessionmaker() as s:
        rows = (await s.execute(select(Vote.member_id, Vote.value).where(Vote.proposal_id == p.id))).all()
        view = await rg.proposal(s, p.id)
    assert dict(rows) == model and len(rows) == len({m for m, _ in rows})
    assert (view.score, view.voters) == (sum(model.values()), len(model))
