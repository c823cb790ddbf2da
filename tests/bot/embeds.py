"""What every page of embeds the bot sends must respect: Discord's limits, checked field by field."""

from __future__ import annotations

from bot import render


def within_limits(embeds: list) -> None:
    assert len(embeds) <= render.EMBEDS_PER_MESSAGE
    assert sum(len(e) for e in embeds) <= render.EMBED_TOTAL_MAX
    for e in embeds:
        assert len(e.title or "") <= render.EMBED_TITLE_MAX
        assert len(e.description or "") <= render.EMBED_DESCRIPTION_MAX
        assert len(e.fields) <= render.EMBED_FIELDS_MAX
        for f in e.fields:
            assert 0 < len(f.value) <= render.EMBED_FIELD_VALUE_MAX and len(f.name) <= render.EMBED_FIELD_NAME_MAX
        assert len(e.footer.text or "") <= render.EMBED_FOOTER_MAX
