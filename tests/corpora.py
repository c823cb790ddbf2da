"""Small corpus folders the tests write, shared across areas: the reading group's four papers (store, e2e) and a
folder planted with links out, a loop and a FIFO (ingest, e2e)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from store.ingest.records import Problem

# The reading group's four papers: file name -> (title, authors, link, summary).
PAPERS = {
    "attention.md": ("Attention Is All You Need", "Ashish Vaswani, Noam Shazeer", "https://arxiv.org/abs/1706.03762",
                     "The transformer: self-attention replaces recurrence for sequence transduction."),
    "bert.md": ("BERT: Pre-training of Deep Bidirectional Transformers", "Jacob Devlin, Ming-Wei Chang",
                "https://arxiv.org/abs/1810.04805",
                "Bidirectional transformer pre-training with masked language modelling and self-attention."),
    "resnet.md": ("Deep Residual Learning for Image Recognition", "Kaiming He, Xiangyu Zhang",
                  "https://arxiv.org/abs/1512.03385",
                  "Residual connections let very deep convolutional networks train."),
    "gan.md": ("Generative Adversarial Nets", "Ian Goodfellow", "https://arxiv.org/abs/1406.2661",
               "A generator and a discriminator play a minimax game."),
}


def note(title: str, authors: str, link: str, summary: str) -> str:
    return f"---\ntitle: {title}\nauthors: {authors}\nlink: {link}\ntopics: deep learning\n---\n{summary}\n"


def reading_group_corpus(tmp_path: Path) -> Path:
    """A corpus folder under `tmp_path` holding the reading group's four papers, one note each."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, fields in PAPERS.items():
        (folder / name).write_text(note(*fields), encoding="utf-8")
    return folder


# --- the planted folder: what a hostile committer to a Git-synced corpus folder could put there ---

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GhIjKl.Zm9vYmFyYmF6cXV4cXV1eA"
PASSWORD = "S3cretPa55w0rd"
SECRETS = f"DISCORD_TOKEN={TOKEN}\nDATABASE_URL=postgresql+asyncpg://bot:{PASSWORD}@db.internal:5432/paperbot\n"
OUTSIDE_NOTE = "Title: Quokka Exfiltration Networks\nAuthors: Eve Mallory\n\nQuokkas carry the payload out.\n"
FOLDER_NOTE = "Title: Wombat Tunnel Routing\nAuthors: Eve Mallory\n\nWombats dig under the boundary.\n"
GOOD_NOTE = "---\ntitle: Attention Is All You Need\nauthors: Ashish Vaswani\n---\nAttention replaces recurrence.\n"
INSIDE_NOTE = "---\ntitle: Numbat Inside Link\nauthors: Ada Lovelace\n---\nA link that stays inside.\n"

OUTSIDE = "a link to a file outside the corpus folder; not read"
LOOP = "a symlink loop; could not be read"
DANGLING = "a link to nothing (a dangling symlink); not read"
FIFO = "not a regular file (a FIFO); not read"
FOLDER_OUT = "a link to a folder outside the corpus folder; not read"

REFUSED = [Problem("dangling.md", 0, DANGLING), Problem("linked-folder", 0, FOLDER_OUT),
           Problem("loop-a.md", 0, LOOP), Problem("loop-b.md", 0, LOOP), Problem("outside-note.md", 0, OUTSIDE),
           Problem("passwd.md", 0, OUTSIDE), Problem("pipe.md", 0, FIFO), Problem("secrets.md", 0, OUTSIDE)]
STATUS = {"dangling.md": "failed", "good.md": "new", "linked-inside.md": "new", "loop-a.md": "failed",
          "loop-b.md": "failed", "outside-note.md": "failed", "passwd.md": "failed", "pipe.md": "failed",
          "secrets.md": "failed"}
LOADED = ["Attention Is All You Need", "Numbat Inside Link"]


def leaked(text: str) -> list[str]:
    """What of the refused files' contents `text` repeats (nothing, or the test fails)."""
    passwd = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()
    pieces = [TOKEN[:4], PASSWORD, "DISCORD_TOKEN", "DATABASE_URL", "asyncpg", "db.internal", "Quokka", "quokka",
              "Eve Mallory", "Wombat", "payload", *(line for line in passwd[:3] if line.strip()), "x:0:0"]
    return [piece for piece in pieces if piece in text]


def plant(tmp_path: Path) -> Path:
    """A corpus folder with every planted thing, and the outside files they point at."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / ".env").write_text(SECRETS, encoding="utf-8")
    (outside / "note.md").write_text(OUTSIDE_NOTE, encoding="utf-8")
    (outside / "folder" / "deep.md").write_text(FOLDER_NOTE, encoding="utf-8")
    corpus = tmp_path / "corpus"
    (corpus / ".drafts").mkdir(parents=True)
    (corpus / "good.md").write_text(GOOD_NOTE, encoding="utf-8")
    (corpus / ".drafts" / "kept.md").write_text(INSIDE_NOTE, encoding="utf-8")  # a dot folder: not walked
    (corpus / "linked-inside.md").symlink_to(Path(".drafts") / "kept.md")
    (corpus / "passwd.md").symlink_to("/etc/passwd")
    (corpus / "secrets.md").symlink_to(outside / ".env")
    (corpus / "outside-note.md").symlink_to(Path("..") / "outside" / "note.md")
    (corpus / "loop-a.md").symlink_to("loop-b.md")
    (corpus / "loop-b.md").symlink_to("loop-a.md")
    (corpus / "dangling.md").symlink_to("nowhere.md")
    (corpus / "linked-folder").symlink_to(outside / "folder", target_is_directory=True)
    os.mkfifo(corpus / "pipe.md")
    return corpus


def write_arxiv(path: Path, n: int, tag: str) -> None:
    """n arXiv-shaped records, each a distinct paper."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({
                "id": f"{2000 + i // 10000}.{i % 10000:05d}",
                "title": f"Synthetic {tag} study number {i} of sparse attention",
                "authors": f"Ada Lovelace{i % 97}, Alan Turing{i % 89} and Grace Hopper",
                "abstract": f"We study sparse attention variant {i} on {tag} benchmarks and report results.",
                "categories": "cs.LG stat.ML",
            }) + "\n")
