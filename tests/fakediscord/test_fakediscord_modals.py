"""The local Discord's modal rules (interaction response type 9) and modal submissions, as Discord has them."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.fakediscord import FakeDiscord


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


def text_input(custom_id: str = "a", **kw) -> dict:  # type: ignore[no-untyped-def]
    return {"type": 1, "components": [{"type": 4, "custom_id": custom_id, "style": 1, "label": "A", **kw}]}


def modal(*rows: dict, custom_id: str = "m", title: str = "Form") -> dict:
    return {"type": 9, "data": {"custom_id": custom_id, "title": title, "components": list(rows)}}


async def callback(fake: FakeDiscord, kind: int, body: dict) -> tuple[int, dict]:
    rec = await fake._send_detached()
    rec.kind = kind
    url = f"{fake.api_base}/interactions/{rec.id}/{rec.token}/callback"
    async with aiohttp.ClientSession() as s, s.post(url, json=body) as r:
        return r.status, json.loads(await r.read() or b"{}")


async def test_a_valid_modal_answers_a_command_or_a_component(fake: FakeDiscord) -> None:
    for kind in (2, 3):
        status, body = await callback(fake, kind, modal(text_input("a"), text_input("b", style=2, max_length=4000)))
        assert status == 200 and body["interaction"]["type"] == kind and "resource" not in body


@pytest.mark.parametrize("kind", [4, 5])  # autocomplete, and a modal submission itself
async def test_a_modal_cannot_answer_other_interactions(fake: FakeDiscord, kind: int) -> None:
    status, body = await callback(fake, kind, modal(text_input()))
    assert status == 400 and body["code"] == 50035
    assert fake.take_violations()


@pytest.mark.parametrize("body", [
    modal(),  # no rows
    modal(*(text_input(str(i)) for i in range(6))),  # six rows
    modal(text_input(), custom_id=""),
    modal(text_input(), title="T" * 46),
    modal(text_input("same"), text_input("same")),
    modal(text_input(label="L" * 46)),
    modal(text_input(style=3)),
    modal(text_input(max_length=4001)),
    modal(text_input(value="v" * 11, max_length=10)),
    modal({"type": 1, "components": [{"type": 2, "custom_id": "button", "label": "B", "style": 1}]}),
    modal({"type": 1, "components": []}),
])
async def test_modal_shapes_discord_refuses(fake: FakeDiscord, body: dict) -> None:
    status, answer = await callback(fake, 2, body)
    assert status == 400 and answer["code"] == 50035
    assert fake.take_violations()  # sent on purpose: the run must not fail on them


async def test_submitting_needs_the_modal_and_its_own_fields(fake: FakeDiscord) -> None:
    rec = await fake._send_detached()
    rec.user_id = fake.member.id
    rec.response = modal(text_input("a", required=True), text_input("b", required=False, value="pre"))
    with pytest.raises(KeyError):
        await fake.submit_modal(rec, {"c": "x"}, user=fake.member)
    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(rec, {"b": "x"}, user=fake.member)
    with pytest.raises(PermissionError):
        await fake.submit_modal(rec, {"a": "x"}, user=fake.other)
    not_a_modal = await fake._send_detached()
    not_a_modal.response = {"type": 4, "data": {"content": "hi"}}
    with pytest.raises(AssertionError, match="expected a modal"):
        await fake.submit_modal(not_a_modal, {"a": "x"}, user=fake.member)


async def test_attachments_are_served_on_the_loopback_host(fake: FakeDiscord) -> None:
    aid = fake.attach("notes.md", b"hello")
    item = fake.attachments[aid]
    assert item["size"] == 5 and item["filename"] == "notes.md" and fake.attachment_host in item["url"]
    async with aiohttp.ClientSession() as s:
        async with s.get(item["url"]) as r:
            assert r.status == 200 and await r.read() == b"hello"
        async with s.get(item["url"] + "x") as r:
            assert r.status == 404
