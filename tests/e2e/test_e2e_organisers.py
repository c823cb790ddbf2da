"""Organisers are admins or the members holding a role in ORGANISER_ROLE_IDS, checked in the code."""

from __future__ import annotations

import dataclasses

from tests.e2e.harness import NOW, Clock, make_bot, propose
from tests.fakediscord import running


async def test_a_member_with_the_organiser_role_schedules_and_one_without_is_refused(group_world) -> None:
    fake, library = group_world
    bot = make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")
    role = fake.admin_role  # a role the server knows; `other` holds it without Manage Server
    bot.settings = dataclasses.replace(bot.settings, organiser_role_ids=frozenset({role}))
    fake.members[fake.other.id].roles = [role]
    async with running(bot):
        await propose(fake, fake.member, "Attention Is All You Need")
        refused = await (await fake.slash("session schedule", user=fake.member, date="2026-12-03",
                                          time="19:00", presenter=str(fake.member.id))).final()
        assert "Only organisers" in refused["content"] and refused["flags"] & 64 and not fake.events
        done = await (await fake.slash("session schedule", user=fake.other, date="2026-12-03", time="19:00",
                                       presenter=str(fake.member.id))).final()
        assert len(fake.events) == 1, done
        assert "Attention Is All You Need" in str(done)
