"""Hostile text from members and notes through the real bot and the local Discord, which reads every body
as Discord renders it and fails the test on any live link, broken code span or ping the bot did not mean."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import NOW, START, Clock, make_bot, next_tick, search, write
from tests.fakediscord import markdown, running, would_ping

ISSUE = "[the paper](https://arxiv.org/abs/1706.03762) then [Verify your account](https://evil.example/x)"
TITLE = "Wombat `Learning` [Verify](https://evil.example/x) @everyone <@1> ||spoiler||"


async def test_a_hostile_proposal_title_stays_text_from_proposal_to_summary_hint(group_world) -> None:
    fake, library = group_world
    clock = Clock(NOW)
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris")) as bot:
        proposed = await (await fake.slash("propose", user=fake.member, paper=TITLE)).final()
        assert proposed["embeds"][0]["title"] == (
            "📄 Wombat \\`Learning\\` \\[Verify\\]\\(https\\://evil.example/x\\) \\@\u200beveryone \\<\\@1\\> "
            "\\|\\|spoiler\\|\\|")
        assert not would_ping(proposed)
        await (await fake.slash("volunteer", user=fake.other)).final()
        done = await (await fake.slash("session schedule", user=fake.admin, date="2026-12-03", time="19:00",
                                       presenter=str(fake.other.id))).final()
        assert "Wombat \\`Learning\\`" in done["content"]
        [event] = fake.events.values()
        [thread] = fake.threads.values()
        # Names Discord shows as plain text: the title as written, never escaped, within 100 characters
        assert event["name"] == thread["name"] == TITLE
        assert event["description"] == f"Presented by a member. Thread: <#{thread['id']}>"
        clock.now = START + timedelta(hours=1, minutes=1)  # the session ends: the presenter is asked for a summary
        await next_tick(bot, "ReadingGroup")
        await next_tick(bot, "ReadingGroup")
        [hint] = fake.messages[int(thread["id"])]
        assert hint["content"] == (f"<@{fake.other.id}>, thanks for presenting! Please add a summary for the group: "
                                   f"`/summary write paper:Wombat Learning [Verify](https://evil.example/x) "
                                   f"@\u200beveryone <\u200b@1> ||spoiler||`")
        reading = markdown.read(hint["content"])
        assert reading.code_balanced and reading.links == ()
        assert markdown.pings(hint) == (markdown.Mention("user", fake.other.id),)  # the presenter, alone
    assert not fake.live_links and not fake.broken_code


async def test_a_corpus_link_written_as_markdown_never_reaches_a_proposal(group_world) -> None:
    fake, library = group_world
    (library.corpus.corpus_dir / "wombat.md").write_text(
        "---\ntitle: Wombat Burrows at Scale\nauthors: Ada Lovelace\nlink: [Wombat](https://evil.example/x)\n"
        f"---\nBurrows, summarised. {ISSUE}\n", encoding="utf-8")
    await library.reload()
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        proposed = await (await fake.slash("propose", user=fake.member, paper="Wombat Burrows at Scale")).final()
        assert proposed["embeds"][0]["title"] == "📄 Wombat Burrows at Scale"
        assert "evil" not in proposed["embeds"][0]["description"]
        found = await (await fake.slash("paper", user=fake.other, query="wombat burrows")).final()
        assert found["embeds"][0]["description"].endswith(
            "\\[Verify your account\\]\\(https\\://evil.example/x\\)")
        assert "url" not in found["embeds"][0]
    assert not fake.live_links


async def test_a_members_summary_with_two_masked_links_is_text_everywhere(world) -> None:
    fake, _bot, _ = world
    saved = await write(fake, fake.member, {"summary:paper": "Wombat Burrows at Scale", "summary:tldr": ISSUE,
                                            "summary:summary": f"{ISSUE}\n\n# Heading\n- list @everyone"})
    assert "new paper" in saved["content"] and not would_ping(saved)
    found = await search(fake, "wombat burrows")
    assert found["embeds"][0]["title"] == "Wombat Burrows at Scale"
    preview = await (await fake.slash("digest preview", user=fake.member)).final()
    assert preview["embeds"]
    assert not fake.live_links and not fake.broken_code and not any(would_ping(m) for m in (saved, found))
