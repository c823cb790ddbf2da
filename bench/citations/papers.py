"""Paper metadata as CSL-JSON items: the arXiv sample, the seeds as the reader reads them, a hand-written list.

An item carries what a citation needs (`id`, `type`, `title`, `author` as given/family, `issued`, and where
known `container-title`, `DOI`, `URL`, `number` for an arXiv id). Papers the judge cannot state exactly are
left out, never guessed: a title still holding LaTeX math after decoding, an author without a family name, a
seed paper without authors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from store.ingest import parse_file
from store.ingest.text.latex import decode_latex
from store.text.names import name_parts

ROOT = Path(__file__).resolve().parent.parent.parent
ARXIV = ROOT / "bench" / "data" / "arxiv-sample" / "arxiv-metadata-200.jsonl"
SEEDS = ROOT / "seeds"
_LEFTOVER_TEX = re.compile(r"[\\$^_{}]")

Item = dict[str, Any]


def _person(given: str, family: str) -> dict[str, str]:
    return {"given": given, "family": family} if given else {"family": family}


def _clean(text: str) -> str:
    return " ".join(decode_latex(text).split())


def arxiv_items(path: Path = ARXIV) -> list[Item]:
    """The arXiv sample's records: `authors_parsed` gives family and given names; LaTeX accents decoded."""
    items: list[Item] = []
    if not path.is_file():
        return items
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        title = _clean(raw["title"])
        people = [(_clean(given), _clean(family)) for family, given, *_ in raw.get("authors_parsed", [])]
        if _LEFTOVER_TEX.search(title) or not people or any(not f or _LEFTOVER_TEX.search(f + g) for g, f in people):
            continue
        year = int(raw["versions"][0]["created"].split()[3]) if raw.get("versions") else None
        item: Item = {"id": f"arxiv-{raw['id']}", "type": "article", "title": title,
                      "author": [_person(g, f) for g, f in people], "publisher": "arXiv",
                      "number": f"arXiv:{raw['id']}", "URL": f"https://arxiv.org/abs/{raw['id']}"}
        if year:
            item["issued"] = {"date-parts": [[year]]}
        if raw.get("doi"):
            item["DOI"] = raw["doi"].split()[0]
        items.append(item)
    return items


def _split(display: str) -> dict[str, str]:
    first, middles, surname = name_parts(display)
    return _person(" ".join([first, *middles]).strip(), surname)


def seed_items(folder: Path = SEEDS) -> list[Item]:
    """The seeds' papers as `store.ingest.parse_file` reads them (those with authors), as conference papers."""
    items: list[Item] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        for i, rec in enumerate(parse_file(path, path.name).records):
            if not rec.authors or rec.authors_incomplete:
                continue
            item: Item = {"id": f"seed-{path.stem[:3]}-{i}", "type": "paper-conference", "title": rec.title,
                          "author": [_split(a) for a in rec.authors]}
            if rec.venue:
                item["container-title"] = rec.venue
            if rec.year:
                item["issued"] = {"date-parts": [[rec.year]]}
            if rec.link:
                item["URL"] = rec.link
            items.append(item)
    return items


def _hand(key: str, kind: str, title: str, names: str, year: int, venue: str | None = None, **more: str) -> Item:
    people = [dict(zip(("given", "family"), p.split("|"), strict=True)) for p in names.split("; ")]
    item: Item = {"id": f"hand-{key}", "type": kind, "title": title, "author": people,
                  "issued": {"date-parts": [[year]]}}
    if venue:
        item["container-title"] = venue
    item.update(more)
    return item


def handwritten_items() -> list[Item]:
    """Well-known papers written down by hand: journals, proceedings, a book, preprints; particles, hyphens,
    non-ASCII letters, a two-letter family name, long author lists."""
    return [
        _hand("resnet", "paper-conference", "Deep residual learning for image recognition",
              "Kaiming|He; Xiangyu|Zhang; Shaoqing|Ren; Jian|Sun", 2016,
              "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition", page="770-778",
              DOI="10.1109/CVPR.2016.90"),
        _hand("attention", "paper-conference", "Attention is all you need",
              "Ashish|Vaswani; Noam|Shazeer; Niki|Parmar; Jakob|Uszkoreit; Llion|Jones; Aidan N.|Gomez; "
              "Łukasz|Kaiser; Illia|Polosukhin", 2017, "Advances in Neural Information Processing Systems",
              volume="30", page="5998-6008"),
        _hand("dl", "article-journal", "Deep learning", "Yann|LeCun; Yoshua|Bengio; Geoffrey|Hinton", 2015,
              "Nature", volume="521", issue="7553", page="436-444", DOI="10.1038/nature14539"),
        _hand("adam", "article", "Adam: A method for stochastic optimization", "Diederik P.|Kingma; Jimmy|Ba",
              2014, publisher="arXiv", number="arXiv:1412.6980", URL="https://arxiv.org/abs/1412.6980"),
        _hand("wavenet", "article", "WaveNet: A generative model for raw audio",
              "Aäron|van den Oord; Sander|Dieleman; Heiga|Zen; Karen|Simonyan; Oriol|Vinyals; Alex|Graves; "
              "Nal|Kalchbrenner; Andrew|Senior; Koray|Kavukcuoglu", 2016, publisher="arXiv",
              number="arXiv:1609.03499", URL="https://arxiv.org/abs/1609.03499"),
        _hand("rl", "book", "Reinforcement learning: An introduction", "Richard S.|Sutton; Andrew G.|Barto", 2018,
              publisher="MIT Press", edition="2"),
        _hand("gan", "paper-conference", "Generative adversarial nets",
              "Ian|Goodfellow; Jean|Pouget-Abadie; Mehdi|Mirza; Bing|Xu; David|Warde-Farley; Sherjil|Ozair; "
              "Aaron|Courville; Yoshua|Bengio", 2014, "Advances in Neural Information Processing Systems",
              volume="27", page="2672-2680"),
        _hand("lstm", "article-journal", "Long short-term memory", "Sepp|Hochreiter; Jürgen|Schmidhuber", 1997,
              "Neural Computation", volume="9", issue="8", page="1735-1780", DOI="10.1162/neco.1997.9.8.1735"),
        _hand("bert", "paper-conference",
              "BERT: Pre-training of deep bidirectional transformers for language understanding",
              "Jacob|Devlin; Ming-Wei|Chang; Kenton|Lee; Kristina|Toutanova", 2019,
              "Proceedings of NAACL-HLT", page="4171-4186", DOI="10.18653/v1/N19-1423"),
        _hand("vae", "paper-conference", "Auto-encoding variational Bayes", "Diederik P.|Kingma; Max|Welling", 2014,
              "International Conference on Learning Representations", URL="https://arxiv.org/abs/1312.6114"),
        _hand("dropout", "article-journal", "Dropout: A simple way to prevent neural networks from overfitting",
              "Nitish|Srivastava; Geoffrey|Hinton; Alex|Krizhevsky; Ilya|Sutskever; Ruslan|Salakhutdinov", 2014,
              "Journal of Machine Learning Research", volume="15", issue="56", page="1929-1958"),
        _hand("alphago", "article-journal", "Mastering the game of Go with deep neural networks and tree search",
              "David|Silver; Aja|Huang; Chris J.|Maddison; Arthur|Guez; Laurent|Sifre; George|van den Driessche; "
              "Julian|Schrittwieser; Ioannis|Antonoglou; Veda|Panneershelvam; Marc|Lanctot", 2016, "Nature",
              volume="529", issue="7587", page="484-489", DOI="10.1038/nature16961"),
        _hand("batchnorm", "paper-conference",
              "Batch normalization: Accelerating deep network training by reducing internal covariate shift",
              "Sergey|Ioffe; Christian|Szegedy", 2015, "Proceedings of the 32nd International Conference on "
              "Machine Learning", page="448-456"),
        _hand("word2vec", "paper-conference", "Distributed representations of words and phrases and their "
              "compositionality", "Tomas|Mikolov; Ilya|Sutskever; Kai|Chen; Greg S.|Corrado; Jeff|Dean", 2013,
              "Advances in Neural Information Processing Systems", volume="26"),
        _hand("vit", "paper-conference", "An image is worth 16x16 words: Transformers for image recognition at scale",
              "Alexey|Dosovitskiy; Lucas|Beyer; Alexander|Kolesnikov; Dirk|Weissenborn; Xiaohua|Zhai; "
              "Thomas|Unterthiner; Mostafa|Dehghani; Matthias|Minderer; Georg|Heigold; Sylvain|Gelly; "
              "Jakob|Uszkoreit; Neil|Houlsby", 2021, "International Conference on Learning Representations"),
    ]


def all_items() -> list[Item]:
    """Every source, hand-written first (the fast tests use those), then the seeds, then the arXiv sample."""
    return handwritten_items() + seed_items() + arxiv_items()
