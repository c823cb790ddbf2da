"""/summary through the local Discord: modals, uploads, edits and deletions, as members send them."""

from __future__ import annotations

import asyncio
import re
import sys

import pytest

from tests.e2e.harness import search, write
from tests.e2e.pings import assert_cannot_ping, pinged

NOTE = "---\ntitle: {title}\nauthors: Ada Lovelace\ntopics: {topics}\n---\n{summary}\n"


def fields(message: dict) -> dict[str, str]:
    """The fields of the first embed (the best hit)."""
    return {f["name"]: f["value"] for f in (message.get("embeds") or [{}])[0].get("fields") or []}


async def confirmed(rec, ask: dict) -> str:  # type: ignore[no-untyped-def]
    """The confirmation as the member sees it once "Delete" is done: edited in place, at once (type 7) or
    after a deferred update (type 6, then an edit of the message)."""
    await rec.wait(lambda: rec.response is not None and not ask["content"].startswith("Delete summary"))
    return ask["content"]


async def seen(fake, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles another member sees for /paper `query`: its results, or none when the bot says it found
    nothing (an error reply is neither, and fails)."""
    found = await search(fake, query)
    if found.get("embeds"):
        assert re.fullmatch(r"\d+ results? for “.*”", found["content"]), found["content"]
        return [e["title"] for e in found["embeds"]]
    assert found["flags"] & 64 and found["content"].startswith("No paper matches “"), found["content"]
    return []


async def test_write_opens_a_modal_and_the_summary_is_found_at_once(world) -> None:
    fake, _bot, _ = world
    command = next(c for c in fake.commands[str(fake.guild_id)] if c["name"] == "summary")
    assert {o["name"] for o in command["options"]} == {"write", "upload", "edit", "delete", "mine", "recent"}
    assert command.get("dm_permission") is False or command.get("contexts") == [0]  # servers only
    choices = await fake.autocomplete("summary write", "paper", "trust region")  # autocomplete from the corpus
    rec = await fake.slash("summary write", user=fake.member, paper=choices[0]["value"])
    modal = await rec.modal()
    assert rec.response["type"] == 9 and not rec.rejected
    inputs = {row["components"][0]["custom_id"]: row["components"][0] for row in modal["components"]}
    assert list(inputs) == ["summary:paper", "summary:tldr", "summary:summary", "summary:topics", "summary:link"]
    assert inputs["summary:paper"]["value"] == "Trust Region Policy Optimization"
    assert inputs["summary:summary"]["style"] == 2 and inputs["summary:summary"]["max_length"] == 4000
    with pytest.raises(KeyError):  # only the modal's own fields can be sent
        await fake.submit_modal(rec, {"summary:writer_id": "1"}, user=fake.member)
    with pytest.raises(PermissionError):
        await fake.submit_modal(rec, {"summary:tldr": "x"}, user=fake.other)
    submitted = await fake.submit_modal(rec, {"summary:tldr": "Quokkas bound the KL step.",
                                              "summary:summary": "Each update stays in a trust region."},
                                        user=fake.member)
    saved = await submitted.final()
    assert saved["flags"] & 64 and "Saved as summary #" in saved["content"]
    assert "paper in the corpus" in saved["content"]
    found = await search(fake, "quokkas")
    assert found["embeds"][0]["title"] == "Trust Region Policy Optimization"
    assert fields(found)["Summary by"] == "member"
    assert not fake.unknown_routes and all(not r.rejected for r in fake.interactions.values())


async def test_a_new_paper_with_a_link_and_hostile_text(world) -> None:
    fake, _bot, _ = world
    saved = await write(fake, fake.member, {
        "summary:paper": "Wombat *Attention* @everyone", "summary:tldr": "<@123456789012345678> and @here read this",
        "summary:summary": "Wombats *attend* to cubes. <@&9>", "summary:topics": "cs.LG, wombats",
        "summary:link": "https://example.org/wombat"})
    assert "new paper" in saved["content"]
    assert_cannot_ping(saved)
    found = await search(fake, "wombats attend cubes")
    embed = found["embeds"][0]
    assert embed["url"] == "https://example.org/wombat"  # the link on the title
    assert embed["title"] == "Wombat \\*Attention\\* \\@\u200beveryone"
    assert "<@123456789012345678>" not in embed["description"]
    assert "Machine Learning" in fields(found)["Topics"]
    # The member's words are in the embed, where nothing pings; what could ping is the content (the header)
    # and the allowed_mentions sent with it.
    assert re.fullmatch(r"\d+ results? for “wombats attend cubes”", found["content"])
    assert_cannot_ping(found)
    # The same words where they could ping: typed as the query, echoed in the content.
    echoed = await search(fake, "Wombat *Attention* @everyone <@123456789012345678> @here")
    assert echoed["embeds"][0]["title"] == embed["title"]
    assert echoed["content"].endswith("“Wombat \\*Attention\\* \\@\u200beveryone \\<\\@123456789012345678\\> "
                                      "\\@\u200bhere”")
    assert_cannot_ping(echoed)
    assert pinged(fake) == []  # the local Discord's record: no body the bot sent notified anyone


async def test_refusals_are_ephemeral_and_store_nothing(world) -> None:
    fake, _bot, _ = world
    msg = await write(fake, fake.member, {"summary:paper": "https://arxiv.org/abs/9999.99999", "summary:tldr": "x"})
    assert msg["flags"] & 64 and "No paper in the corpus has that link" in msg["content"]
    msg = await write(fake, fake.member, {"summary:paper": "Empty Words"})
    assert "nothing to save" in msg["content"]
    msg = await write(fake, fake.member, {"summary:paper": "**Title**: Wombat Attention", "summary:tldr": "x"})
    assert msg["flags"] & 64 and "does not look like a paper's title" in msg["content"]
    for query in ("Empty Words", "Wombat Attention", "9999.99999"):  # what a member would look for: not there
        assert not any("Empty Words" in t or "Wombat" in t for t in await seen(fake, query))


async def test_edit_and_delete_by_writer_and_admin_refused_for_another_member(world) -> None:
    fake, _bot, _ = world
    saved = await write(fake, fake.member, {"summary:paper": "Echidna Embeddings", "summary:tldr": "Spiny vectors."})
    number = int(saved["content"].split("#")[1].split()[0])
    # Another member, guessing the number: refused before any form opens, and nothing changes.
    for command in ("summary edit", "summary delete"):
        refused = await (await fake.slash(command, user=fake.other, summary=number)).final()
        assert refused["flags"] & 64 and "only its writer and admins" in refused["content"]
    # The writer edits: the form is prefilled with what they wrote.
    rec = await fake.slash("summary edit", user=fake.member, summary=number)
    modal = await rec.modal()
    values = {row["components"][0]["custom_id"]: row["components"][0].get("value") for row in modal["components"]}
    assert values["summary:tldr"] == "Spiny vectors." and "summary:paper" not in values
    done = await (await fake.submit_modal(rec, {"summary:tldr": "Spiny, sparse vectors."})).final()
    assert "updated" in done["content"]
    assert (await search(fake, "spiny sparse"))["embeds"][0]["title"] == "Echidna Embeddings"
    # An admin edits too.
    rec = await fake.slash("summary edit", user=fake.admin, summary=number)
    await (await fake.submit_modal(rec, {"summary:summary": "Moderated by an admin."})).final()
    assert "Moderated by an admin." in (await search(fake, "echidna"))["embeds"][0]["description"]
    # The writer deletes, with a confirmation only they can press.
    rec = await fake.slash("summary delete", user=fake.member, summary=number)
    ask = await rec.final()
    assert "cannot be undone" in ask["content"]
    intruder = await (await fake.click(ask, "summary:delete:yes", user=fake.other)).response_()
    assert intruder["data"]["flags"] & 64 and (await seen(fake, "echidna spiny"))[0] == "Echidna Embeddings"
    confirm = await fake.click(ask, "summary:delete:yes", user=fake.member)
    assert await confirmed(confirm, ask) == f"Summary #{number} deleted."
    assert "Echidna Embeddings" not in await seen(fake, "echidna spiny")


async def test_admin_deletes_and_members_list_their_own(world) -> None:
    fake, _bot, _ = world
    for title in ("Koala Kernels", "Dingo Dropout"):
        await write(fake, fake.member, {"summary:paper": title, "summary:tldr": f"{title} in short."})
    mine = await (await fake.slash("summary mine", user=fake.member)).final()
    assert mine["content"].index("Dingo Dropout") < mine["content"].index("Koala Kernels")
    assert "not written" in (await (await fake.slash("summary mine", user=fake.other)).final())["content"]
    refused = await (await fake.slash("summary recent", user=fake.member)).final()
    assert "Only server admins" in refused["content"]
    recent = await (await fake.slash("summary recent", user=fake.admin)).final()
    assert "Koala Kernels" in recent["content"] and "by **member**" in recent["content"]
    number = int(mine["content"].split("`#")[1].split("`")[0])
    ask = await (await fake.slash("summary delete", user=fake.admin, summary=number)).final()
    assert await confirmed(await fake.click(ask, "summary:delete:yes", user=fake.admin), ask) == (
        f"Summary #{number} deleted.")
    assert "Dingo Dropout" not in await seen(fake, "dingo dropout")  # the newest, listed first: deleted
    assert (await seen(fake, "koala kernels"))[0] == "Koala Kernels"
    mine = await (await fake.slash("summary mine", user=fake.member)).final()
    assert "Koala Kernels" in mine["content"] and "Dingo Dropout" not in mine["content"]


async def test_upload_good_bad_oversized_and_foreign_files(world) -> None:
    fake, _bot, _ = world
    good = fake.attach("notes.md", NOTE.format(title="Pangolin Pruning", topics="pruning",
                                               summary="Scales prune weights.").encode())
    bad = fake.attach("broken.txt", b"\xff\xfe\x00 not text")
    big = fake.attach("huge.md", b"x" * (5 * 1024 * 1024 + 1))
    rec = await fake.slash("summary upload", user=fake.member, file=good, file2=bad, file3=big)
    report = (await rec.final())["content"]
    assert "1 summary stored" in report and "Pangolin Pruning" in report
    assert "broken.txt" in report and "binary" in report and "huge.md" in report and "limit" in report
    assert not any("huge.md" in d for d in fake.downloads)  # refused by its size before any download
    found = await search(fake, "pangolin scales")
    assert found["embeds"][0]["title"] == "Pangolin Pruning" and fields(found)["Summary by"] == "member"
    assert "Ada Lovelace" in fields(found)["Authors"]
    foreign = fake.attach("elsewhere.md", b"---\ntitle: Foreign\n---\nx\n", url="https://evil.example/a/elsewhere.md")
    pdf = fake.attach("paper.pdf", b"%PDF-1.7")
    report = (await (await fake.slash("summary upload", user=fake.member, file=foreign, file2=pdf)).final())["content"]
    assert "0 summaries stored" in report and "not on Discord's attachment host" in report
    assert "not a summary file type" in report
    assert "Foreign" not in await seen(fake, "foreign")
    # The same file again: refused paper by paper, nothing stored twice.
    again = fake.attach("notes.md", NOTE.format(title="Pangolin Pruning", topics="x", summary="Again.").encode())
    report = (await (await fake.slash("summary upload", user=fake.member, file=again)).final())["content"]
    assert "0 summaries stored, 1 refused" in report and "already wrote" in report


async def test_reload_after_member_summaries_keeps_them(world) -> None:
    fake, _bot, corpus = world
    await write(fake, fake.member, {"summary:paper": "Numbat Normalisation", "summary:tldr": "Termite batches."})
    (corpus / "new.md").write_text(NOTE.format(title="Fresh From The Folder", topics="x", summary="Folder text."),
                                   encoding="utf-8")
    reloaded = await (await fake.slash("reload", user=fake.admin)).final()
    assert "new.md" in reloaded["content"] and "0 removed" in reloaded["content"]
    assert (await search(fake, "numbat termite"))["embeds"][0]["title"] == "Numbat Normalisation"
    assert (await search(fake, "fresh from the folder"))["embeds"][0]["title"] == "Fresh From The Folder"


async def test_an_upload_of_too_many_papers_stores_none(world) -> None:
    fake, _bot, _ = world
    lines = "".join(f'{{"id": "2301.{i:05d}", "title": "Bulk Paper {i}", "abstract": "x", "categories": "cs.LG"}}\n'
                    for i in range(201))
    bulk = fake.attach("bulk.jsonl", lines.encode(), "application/jsonl")
    report = (await (await fake.slash("summary upload", user=fake.member, file=bulk)).final())["content"]
    assert "201 papers in one upload" in report and "0 summaries stored" in report
    assert not any(t.startswith("Bulk Paper") for t in await seen(fake, "bulk paper 7"))


async def test_a_delete_confirmation_left_alone_shows_its_buttons_disabled(world, monkeypatch) -> None:
    """Neither Delete nor Cancel pressed before the view's time is up: the buttons show disabled (an edit of
    the ephemeral message through its token), and nothing was deleted."""
    fake, _bot, _ = world
    monkeypatch.setattr(sys.modules["bot.cogs.summaries"], "CONFIRM_SECONDS", 0.5)  # the module the bot loaded
    saved = await write(fake, fake.member, {"summary:paper": "Numbat Normalisation", "summary:tldr": "Stripes."})
    number = int(saved["content"].split("#")[1].split()[0])
    ask = await (await fake.slash("summary delete", user=fake.member, summary=number)).final()
    buttons = [c for row in ask["components"] for c in row["components"]]
    assert [b.get("disabled", False) for b in buttons] == [False, False]
    async with asyncio.timeout(10):
        while not all(c.get("disabled") for row in ask["components"] for c in row["components"]):
            await asyncio.sleep(0.05)
    with pytest.raises(ValueError, match="disabled"):
        await fake.click(ask, "summary:delete:yes", user=fake.member)
    assert "Numbat Normalisation" in await seen(fake, "numbat stripes")
