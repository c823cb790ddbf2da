"""The key names notes give their fields, in the languages members write: data, not code.

`field_of("Autoren")` is "authors", `field_of("标题")` is "title". Keys are compared folded
(no case, accents or surrounding punctuation), so "Título", "TITLE" and "title" are one key.
"""

from __future__ import annotations

import unicodedata

# field -> the key names that carry it (English first, then German, French, Spanish/Portuguese,
# Italian, Chinese, Japanese).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title", "paper title", "titel", "titre", "título", "titulo", "titolo",
              "标题", "题目", "论文", "论文标题", "タイトル", "論文"),
    "authors": ("author", "authors", "by", "writers", "author(s)", "authored by", "autor", "autoren",
                "verfasser", "auteur", "auteurs", "autores", "autor(es)", "autori", "作者", "著者"),
    "venue": ("venue", "conference", "published", "published in", "publication", "journal", "booktitle",
              "proceedings", "proceedings title", "publication title", "conference name", "journal name",
              "container title", "event", "konferenz", "veröffentlicht", "veröffentlicht in", "tagung", "conférence",
              "publié", "publié dans", "revue", "conferencia", "publicado", "publicado en", "revista",
              "会议", "期刊", "发表", "出处", "来源"),
    "year": ("year", "date", "jahr", "datum", "année", "annee", "año", "ano", "fecha", "anno",
             "年份", "年", "时间", "发表时间", "日期"),
    "link": ("link", "links", "url", "paper", "paper link", "arxiv", "pdf", "doi", "openreview",
             "lien", "enlace", "链接", "论文链接", "地址", "リンク"),
    "topics": ("tags", "tag", "keywords", "topics", "topic", "categories", "category", "filetags", "roam_tags",
               "schlagworte", "schlagwörter", "stichworte", "themen", "thema", "mots-clés", "mots clés",
               "étiquettes", "sujets", "etiquetas", "palabras clave", "temas", "tema", "标签", "关键词",
               "关键字", "主题", "领域", "タグ", "キーワード"),
    "writer": ("reviewer", "reviewed by", "summarized by", "summarised by", "summary by", "notes by",
               "note by", "written by", "note taker", "note-taker", "notetaker", "presenter", "presented by",
               "presenters", "discussion lead", "annotator", "vortragende", "vortragender", "vorgetragen von",
               "referent", "referentin", "présentateur", "présentatrice", "présenté par", "presentador",
               "presentadora", "presentado por", "ponente", "relatore", "报告人", "主讲人", "分享人", "汇报人",
               "発表者",
               "zusammengefasst von", "notizen von", "résumé par", "résumé de", "notes de",
               "resumido por", "resumen de", "notas de", "总结人", "笔记作者", "整理", "整理人", "记录人"),
    "summary": ("summary", "tl;dr", "tldr", "abstract", "one-liner", "one line", "zusammenfassung",
                "résumé", "resumen", "resumo", "摘要", "总结", "概要"),
}

# A table's column that holds each row's paper, when no column is keyed "title": "| # | Paper | Authors |".
TITLE_COLUMNS: frozenset[str] = frozenset({
    "paper", "papers", "paper name", "name", "article", "reading", "work", "titel", "titre", "título",
    "titulo", "titolo", "artikel", "aufsatz", "nom", "nombre", "nome", "artículo", "articulo", "articolo", "论文",
    "论文名", "论文名称", "名称", "标题", "題目", "論文", "論文名", "タイトル"})

_TABLE: dict[str, str] = {}
for _field, _names in SYNONYMS.items():
    for _name in _names:
        _TABLE.setdefault(_name, _field)


def fold_key(key: str) -> str:
    """A key as compared: lower case, accents kept only where they distinguish nothing here."""
    key = unicodedata.normalize("NFKC", key).casefold().strip(" \t*_`#+:：-")
    return " ".join(key.split())


def field_of(key: str) -> str | None:
    """The field a key names, or None for any other word."""
    if len(key) > 40:
        return None
    folded = fold_key(key)
    found = _TABLE.get(folded)
    if found is None and folded:
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
        found = _TABLE.get(plain)
    return found


def column_fields(header: list[str]) -> list[str | None]:
    """The field of each column of a table's header. "Paper" or "Name" is the title column when no column
    is keyed "title" (elsewhere "Paper: <url>" is a link); "#", "No." and the like are numbering, no field."""
    columns = [field_of(cell) for cell in header]
    if "title" not in columns:
        for k, cell in enumerate(header):
            if columns[k] in (None, "link") and fold_key(cell) in TITLE_COLUMNS:
                columns[k] = "title"
                break
    return columns


KEY_NAMES: frozenset[str] = frozenset(_TABLE)
