"""Identity from links: one paper per arXiv id, DOI or OpenReview id, whatever the notes call it."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.ingest import parse_text
from store.ingest.records import PaperRecord
from store.ingest.records.contract import fill_identity
from store.library import Library
from store.text.identifiers import ARXIV_ABSTRACT, Identity, arxiv_id, doi, identify, openreview_id


@pytest.mark.parametrize(("link", "expected"), [
    ("https://arxiv.org/abs/1512.03385", Identity("1512.03385")),
    ("https://arxiv.org/abs/1512.03385v3", Identity("1512.03385")),
    ("http://arxiv.org/pdf/1512.03385v1.pdf", Identity("1512.03385")),
    ("https://arxiv.org/pdf/2106.09685", Identity("2106.09685")),
    ("https://export.arxiv.org/abs/hep-th/9901001v2", Identity("hep-th/9901001")),
    ("https://www.alphaxiv.org/abs/2106.09685v2", Identity("2106.09685")),
    ("https://www.alphaxiv.org/overview/2401.00001", Identity("2401.00001")),
    ("arXiv:1706.03762v5", Identity("1706.03762")),
    ("https://doi.org/10.1109/CVPR.2016.90", Identity(doi="10.1109/cvpr.2016.90")),
    ("http://dx.doi.org/10.1038/nature14539.", Identity(doi="10.1038/nature14539")),
    ("doi:10.18653/v1/N19-1423", Identity(doi="10.18653/v1/n19-1423")),
    ("https://doi.org/10.48550/arXiv.1706.03762", Identity("1706.03762")),
    ("https://openreview.net/forum?id=rJl-b3RcF7", Identity(openreview_id="rJl-b3RcF7")),
    ("https://openreview.net/pdf?id=YicbFdNTTy", Identity(openreview_id="YicbFdNTTy")),
    ("https://openreview.net/forum?id=B1xsqj09Fm&noteId=abc", Identity(openreview_id="B1xsqj09Fm")),
    ("https://example.com/papers/1512.03385", Identity()),
    ("https://github.com/openai/gpt-2", Identity()),
])
def test_identifiers_from_links(link: str, expected: Identity) -> None:
    assert identify(link) == expected


def test_field_helpers() -> None:
    assert arxiv_id("1512.03385v2", bare=True) == "1512.03385"
    assert arxiv_id("1512.03385v2") is None  # a bare number in prose is not an id
    assert doi("10.1145/3292500.3330701") == "10.1145/3292500.3330701"
    assert openreview_id("https://openreview.net/group?id=ICLR.cc") is None


def test_a_note_s_link_fills_its_record() -> None:
    [rec] = parse_text("---\ntitle: ResNet\nlink: https://arxiv.org/abs/1512.03385v2\n---\nSkips.\n", "r.md",
                       ".md").records
    assert (rec.arxiv_id, rec.doi, rec.openreview_id) == ("1512.03385", None, None)


RESNET_NOTE = ("---\ntitle: ResNet\nauthors: Kaiming He\nlink: https://arxiv.org/abs/1512.03385v1\n---\n"
               "Residual connections make very deep networks trainable.\n")
RESNET_LONG = ("---\ntitle: Deep Residual Learning for Image Recognition\nauthors: K. He; X. Zhang\n"
               "link: https://www.alphaxiv.org/abs/1512.03385\n---\nThe identity shortcut.\n")
RESNET_ARXIV = json.dumps({"id": "1512.03385", "title": "Deep Residual Learning for Image\n  Recognition",
                           "authors": "Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun",
                           "abstract": "  Deeper neural networks are more difficult to train.\n",
                           "categories": "cs.CV", "versions": [{"created": "Thu, 10 Dec 2015 19:51:55 GMT"}]})
RESNET_BARE = "---\ntitle: ResNet\n---\nA second note, no link.\n"
FILES = {"a.md": RESNET_NOTE, "b.md": RESNET_LONG, "c.jsonl": RESNET_ARXIV + "\n", "d.md": RESNET_BARE}


def _state(papers: list) -> list[tuple[object, ...]]:
    return sorted((p.title, p.authors, tuple(sorted(s.source for s in p.summaries))) for p in papers)


EXPECTED = [("Deep Residual Learning for Image Recognition",
             ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"), ("a.md", "b.md", "c.jsonl", "d.md"))]


@pytest.mark.parametrize("order", list(itertools.permutations(FILES))[::5])
async def test_one_paper_whatever_the_order_of_ingest(tmp_path: Path, database_url: str, order: tuple[str, ...]
                                                      ) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    lib = Library(database_url, folder)
    await lib.start(ingest_if_empty=False)
    for name in order:  # each file its own ingest, in this order
        (folder / name).write_text(FILES[name], encoding="utf-8")
        await lib.ingest([folder / name])
    assert _state(await lib.papers()) == EXPECTED
    again = await lib.ingest([folder])  # and re-ingesting the folder changes nothing
    assert again.changed is False or not any(f.added or f.updated or f.removed for f in again.files)
    assert _state(await lib.papers()) == EXPECTED
    await lib.close()


async def test_the_note_keeps_its_summary_and_gains_the_arxiv_title(tmp_path: Path, database_url: str) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text(RESNET_NOTE, encoding="utf-8")
    (folder / "c.jsonl").write_text(RESNET_ARXIV + "\n", encoding="utf-8")
    lib = Library(database_url, folder)
    await lib.start()
    [paper] = await lib.papers()
    assert paper.title == "Deep Residual Learning for Image Recognition"
    assert paper.authors == ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun")
    assert [(s.source, s.text) for s in paper.summaries] == [
        ("a.md", "Residual connections make very deep networks trainable."),
        ("c.jsonl", "Deeper neural networks are more difficult to train.")]
    await lib.close()


async def test_different_ids_stay_different_papers(tmp_path: Path, database_url: str) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Survey\nlink: https://arxiv.org/abs/2001.00001\n---\nOne.\n\n"
                                 "---\ntitle: Survey\nlink: https://arxiv.org/abs/2002.00002\n---\nTwo.\n", "utf-8")
    (folder / "b.md").write_text("---\ntitle: A\nlink: https://doi.org/10.1/X\n---\nx\n---\ntitle: B\n"
                                 "link: https://openreview.net/forum?id=abc\n---\ny\n", "utf-8")
    lib = Library(database_url, folder)
    await lib.start()
    assert sorted(p.title for p in await lib.papers()) == ["A", "B", "Survey", "Survey"]
    await lib.close()


async def test_bibtex_exports_of_one_paper_are_one_paper(tmp_path: Path, database_url: str) -> None:
    data = Path(__file__).parent.parent / "data" / "bibtex"
    lib = Library(database_url, data)
    await lib.start()
    papers = await lib.papers()
    assert len(papers) == 13  # 15 entries: Attention (Zotero plain and Better BibTeX) and ResNet (Scholar, Zotero)
    by_title = {p.title: p for p in papers}
    attention = by_title["Attention Is All You Need"]
    assert sorted(s.source for s in attention.summaries) == ["zotero-bbt.bib", "zotero-plain.bib"]
    resnet = by_title["Deep Residual Learning for Image Recognition"]
    assert sorted(s.source for s in resnet.summaries) == ["scholar.bib", "zotero-bbt.bib"]
    again = await lib.ingest([data])
    assert {f.status for f in again.files} == {"unchanged"}
    assert _state(await lib.papers()) == _state(papers)
    await lib.close()


async def test_entries_stored_before_title_keys_make_their_file_read_again(tmp_path: Path, database_url: str) -> None:
    """An upgraded database has entries with no title key yet: the next ingest reads their files again."""
    from sqlalchemy import update

    from store.db.models import Entry

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text(RESNET_NOTE, encoding="utf-8")
    lib = Library(database_url, folder)
    await lib.start()
    async with lib.sessionmaker() as s, s.begin():
        await s.execute(update(Entry).values(key="", writer=None))
    report = await lib.ingest([folder])
    assert [(f.source, f.status, f.updated) for f in report.files] == [("a.md", "changed", 1)]
    again = await lib.ingest([folder])
    assert [(f.source, f.status) for f in again.files] == [("a.md", "unchanged")]
    await lib.close()


async def test_bulk_look_ups_read_the_column_once_and_find_what_the_chunked_look_ups_find(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk import reads a whole column instead of thousands of IN (...) chunks: the same papers."""
    import store.corpus.lookups as lookups
    from store.library import Library
    from tests.corpora import write_arxiv

    results = []
    for whole_column in (10**9, 0):  # chunked look-ups only, then the one-pass read for every look-up
        monkeypatch.setattr(lookups, "WHOLE_COLUMN", whole_column)
        folder = tmp_path / f"corpus-{whole_column}"
        folder.mkdir()
        write_arxiv(folder / "bulk.jsonl", 300, "first")
        (folder / "note.md").write_text("---\ntitle: A renamed study\nlink: https://arxiv.org/abs/2000.00007\n---\n"
                                        "Notes.\n", encoding="utf-8")
        url = database_url if whole_column else f"sqlite+aiosqlite:///{tmp_path / 'chunked.sqlite3'}"
        lib = Library(url, folder)
        await lib.start()
        write_arxiv(folder / "bulk.jsonl", 300, "second")  # same arXiv ids, new titles: found by identifier
        await lib.reload()
        results.append(sorted((p.title, p.authors, len(p.summaries)) for p in lib.catalog))
        await lib.close()
    assert results[0] == results[1] and len(results[0]) == 300  # the note joined its arXiv record's paper
    assert ("Synthetic second study number 7 of sparse attention", ("Ada Lovelace7", "Alan Turing7", "Grace Hopper"),
            2) in results[1]


_NEW_IDS = st.from_regex(r"\A\d{4}\.\d{4,5}\Z")
_OLD_IDS = st.from_regex(r"\A[a-z][a-z-]{0,12}(\.[A-Z]{2})?/\d{7}\Z")


@given(_NEW_IDS | _OLD_IDS, st.sampled_from([None, "10.1109/cvpr.2016.90"]), st.sampled_from([None, "rJl-b3RcF7"]))
def test_an_arxiv_abstract_link_of_the_record_s_own_id_fills_nothing_more(
        paper: str, given_doi: str | None, given_openreview: str | None) -> None:
    """`fill_identity` does not search the link of a record's own arXiv abstract page: what a search finds
    there is that id, and no DOI or OpenReview id."""
    link = ARXIV_ABSTRACT + paper
    assert identify(link) == Identity(paper)
    record = PaperRecord(title="T", arxiv_id=paper, doi=given_doi, openreview_id=given_openreview, link=link)
    assert fill_identity(record) is record
    assert (record.arxiv_id, record.doi, record.openreview_id, record.link) == (paper, given_doi, given_openreview,
                                                                                link)


def test_another_link_of_the_record_is_still_searched() -> None:
    record = fill_identity(PaperRecord(title="T", arxiv_id="1512.03385", link="https://doi.org/10.1109/CVPR.2016.90"))
    assert (record.arxiv_id, record.doi) == ("1512.03385", "10.1109/cvpr.2016.90")
    record = fill_identity(PaperRecord(title="T", arxiv_id="1512.03385", link="https://arxiv.org/abs/1512.03385v2"))
    assert (record.arxiv_id, record.doi, record.openreview_id) == ("1512.03385", None, None)


def test_a_record_s_id_that_is_no_arxiv_id_has_its_abstract_link_searched() -> None:
    """Only a well-formed id is taken at its word: a reader's odd one leaves the link searched as before."""
    odd = "10.1109/cvpr.2016.90"
    record = fill_identity(PaperRecord(title="T", arxiv_id=odd, link=ARXIV_ABSTRACT + odd))
    assert record.doi == odd == identify(ARXIV_ABSTRACT + odd).doi
