"""Sessions in two servers at once: every setting that names a channel is the server's own. The default
channel (DIGEST_CHANNEL_ID) is the first server's; a second server's session never goes there, its event
and thread stay in their own server, and its reminders and end touch nothing of the other's."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import NOW, START, Clock, make_bot
from tests.e2e.sessions import announcements, passes, reminders, session
from tests.fakediscord import running

GAN = "Generative Adversarial Nets"
RESNET = "Deep Residual Learning for Image Recognition"


async def test_a_second_servers_session_stays_in_its_own_server(group_world) -> None:
    fake, library = group_world
    second = fake.add_guild("Second Group")  # before the bot connects: GUILD_CREATE announces both
    first_group, second_group = fake.channels["reading-group"], second.channels["reading-group"]
    clock = Clock(NOW)
    # Commands registered globally (no GUILD_ID): both servers have them; DIGEST_CHANNEL_ID is the first's.
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris", guild_id=None)) as bot:
        await (await fake.slash("propose", user=fake.member, guild=second, paper=GAN)).final()
        refused = await session(fake, "schedule", guild=second, date="2026-12-03", time="19:00",
                                presenter=str(fake.member.id))
        assert refused["content"] == ("Not scheduled: this server has no reading-group channel yet: an admin "
                                      "chooses one with /digest channel.")
        assert announcements(fake, first_group) == [] and fake.events == {} and fake.threads == {}

        chosen = await (await fake.slash("digest channel", user=fake.admin, guild=second,
                                         channel=str(second_group))).final()
        assert f"<#{second_group}>" in chosen["content"]
        reply = await session(fake, "schedule", guild=second, date="2026-12-03", time="19:00",
                              presenter=str(fake.member.id))
        assert f"Announced in <#{second_group}>." in reply["content"] and "Not published" not in reply["content"]
        [announcement] = announcements(fake, second_group)
        assert announcements(fake, first_group) == []
        thread = fake.threads[int(announcement["id"])]
        assert (thread["guild_id"], thread["parent_id"]) == (str(second.id), str(second_group))
        [event] = fake.events.values()
        assert event["guild_id"] == str(second.id)

        # The first server, on its default channel, has its own session beside it.
        await (await fake.slash("propose", user=fake.member, paper=RESNET)).final()
        ours = await session(fake, "schedule", date="2026-12-03", time="20:00", presenter=str(fake.other.id))
        assert f"Announced in <#{first_group}>." in ours["content"]
        [mine] = announcements(fake, first_group)
        assert RESNET in mine["content"] and len(announcements(fake, second_group)) == 1

        clock.now = START - timedelta(minutes=30)
        await passes(bot)
        [there] = reminders(fake, second_group)
        [here] = reminders(fake, first_group)
        assert GAN in there["content"] and RESNET in here["content"]

        # /session done in the second server closes its own session and event only.
        done = await session(fake, "done", guild=second)
        assert done["content"] == f"**{GAN}** is marked discussed."
        statuses = {e["guild_id"]: e["status"] for e in fake.events.values()}
        assert statuses == {str(second.id): 3, str(fake.guild_id): 1}
        assert announcements(fake, second_group)[0]["content"].startswith("✅ Discussed")
        assert mine["content"].startswith("📅")
        assert (await session(fake, "cancel", guild=second))["content"] == "No such scheduled session."
        cancelled = await session(fake, "cancel")
        assert cancelled["content"].startswith(f"Cancelled **{RESNET}**")
        assert [e["guild_id"] for e in fake.events.values()] == [str(second.id)]


async def test_a_stored_channel_of_another_server_is_refused_too(group_world) -> None:
    fake, library = group_world
    second = fake.add_guild("Second Group")
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris", guild_id=None)) as bot:
        # The second server's stored setting names the first server's channel (set before a move, say).
        await bot.services.servers.change(second.id, channel_id=fake.channels["reading-group"])
        await (await fake.slash("propose", user=fake.member, guild=second, paper=GAN)).final()
        refused = await session(fake, "schedule", guild=second, date="2026-12-03", time="19:00",
                                presenter=str(fake.member.id))
        assert refused["content"].startswith("Not scheduled: this server has no reading-group channel yet")
        assert fake.events == {} and announcements(fake, fake.channels["reading-group"]) == []
