"""LinkSource: the one reader of the catalog, the search index and the vector index for
linking. The layers ask it for plain data (ids, pages, counts, vectors), so each layer can be
tested with a small fake instead of an indexed archive."""

from __future__ import annotations

import json
from typing import NamedTuple

import numpy as np

from archive.aliases import AliasTable, default_aliases
from archive.analysis import fold
from archive.bounded import Bounded
from archive.catalog import has_table, page_texts
from archive.embeddings import VectorIndex, document_units, embed, vector_path
from archive.model import SearchRequest
from archive.search import SearchIndex
from archive.xref.listing import (
    DocNames,
    list_names,
    listing_key,
    spellings_from,
)
from archive.xref.scoring import share_rarity
from archive.xref.vocabulary import ngrams, words_of

GRAMS_CHARS = 300_000  # of a document's text read for its word n-grams
GRAMS_PAGES = 200


class DocFacts(NamedTuple):
    """What the layers ask of a candidate document's form."""

    kind: str
    languages: frozenset[str]
    encoding: str  # legacy encoding of a text file, normalised ("cp1256"), or ""
    pages: int


NO_FACTS = DocFacts("", frozenset(), "", 0)


# What is read from a document changes only when its file is extracted again (a retry), so
# these caches outlive one LinkSource, keyed by the state of the archive they were read
# from (its catalog and its latest extraction) and bounded for a long-running server.
_LISTINGS: Bounded = Bounded(5_000)
_NAMES: Bounded = Bounded(50_000)
# The documents naming each name: "letter" is named by a quarter of a generated archive of
# 100,000 documents (25,518), and by most stories.
_NAMING: Bounded = Bounded(256)
NAMING_IDS = 1_000_000  # document ids held by _NAMING at most
_GRAMS: Bounded = Bounded(2_000)
_RARITIES: Bounded = Bounded(1)


class LinkSource:
    """Reads, for linking one or many articles, from an archive's catalog connection, its
    search index and (opened on first use, memory-mapped) its vector index."""

    def __init__(self, conn, index: SearchIndex, vectors: VectorIndex | None = None,
                 aliases: AliasTable | None = None):
        self.conn, self.index, self._vectors = conn, index, vectors
        self.aliases = aliases or default_aliases()
        # A retried file can change form, so facts are read anew by each source.
        self._facts: dict[str, DocFacts] = {}
        self._state: tuple | None = None
        self._stored: bool | None = None  # whether doc_names holds this table's listings
        self._indexed: int | None = None  # documents in the search index

    # documents ------------------------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE doc_id = ?",
                                 (doc_id,)).fetchone() is not None

    def paths_containing(self, stem: str, limit: int = 20) -> list[tuple[str, str]]:
        """(doc_id, path) of paths holding `stem` anywhere."""
        pattern = "%" + stem.replace("%", "\\%").replace("_", "\\_") + "%"
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT doc_id, path FROM paths WHERE path LIKE ? ESCAPE '\\' LIMIT ?",
            (pattern, limit))]

    def find_page(self, doc_id: str, needle: str) -> int | None:
        """The first page of a document holding `needle` (folded, spaces normalised)."""
        target = " ".join(fold(needle).split())
        for n, text in page_texts(self.conn, doc_id):
            if target in " ".join(fold(text).split()):
                return n
        return None

    def facts(self, doc_ids) -> dict[str, DocFacts]:
        """Kind, languages, legacy encoding and page count of the given documents."""
        missing = sorted({d for d in doc_ids if d not in self._facts})
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            for doc_id, kind, languages, metadata, pages in self.conn.execute(
                    f"SELECT doc_id, kind, languages, metadata, page_count FROM documents "
                    f"WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk):
                encoding = str(json.loads(metadata or "{}").get("encoding", ""))
                self._facts[doc_id] = DocFacts(kind, frozenset(json.loads(languages or "[]")),
                                            encoding.lower().replace("-", "_"), pages)
        return {d: self._facts[d] for d in doc_ids if d in self._facts}

    def facts_of(self, doc_id: str) -> DocFacts:
        return self.facts([doc_id]).get(doc_id, NO_FACTS)

    def documents_of_kind(self, kinds: set[str], limit: int) -> list[str]:
        """Readable present documents of the given kinds, at most `limit`."""
        return [r[0] for r in self.conn.execute(
            f"SELECT doc_id FROM documents WHERE present = 1 AND status = 'ok' AND "
            f"kind IN ({','.join('?' * len(kinds))}) LIMIT ?", (*sorted(kinds), limit))]

    def children(self, doc_id: str, limit: int) -> list[str]:
        """Readable present documents found inside this one (attachments, members)."""
        return [r[0] for r in self.conn.execute(
            "SELECT doc_id FROM documents WHERE parent_id = ? AND present = 1 AND "
            "status = 'ok' LIMIT ?", (doc_id, limit))]

    def state(self) -> tuple:
        """What changes when the archive's documents do: its catalog, how many documents
        are present and the latest extraction (a new or retried file). Read once: a source
        links against one state of the archive."""
        if self._state is None:
            self._state = (str(vector_path(self.conn)), *self.conn.execute(
                "SELECT COUNT(*), MAX(extracted_at) FROM documents WHERE present = 1"
            ).fetchone())
        return self._state

    def listing(self, doc_id: str) -> DocNames:
        """The names a document holds (listing.py): its doc_names row, written by the
        indexer, or listed here from its text when it has none."""
        key = (self.state(), listing_key(self.aliases), doc_id)
        if key in _LISTINGS:
            return _LISTINGS[key]
        row = self._stored_row(doc_id)
        if row is not None:
            latin, arabic = spellings_from(row[2])
            listing = DocNames(frozenset(json.loads(row[0])), bool(row[1]), latin, arabic)
        else:
            title = self.conn.execute("SELECT title FROM documents WHERE doc_id = ?",
                                      (doc_id,)).fetchone()
            listing = list_names(title[0] if title else None,
                                 (t for _, t in page_texts(self.conn, doc_id)), self.aliases)
        return _LISTINGS.put(key, listing)

    def _is_stored(self) -> bool:
        """Whether doc_names holds listings of this alias table (not in an older catalog)."""
        if self._stored is None:
            self._stored = has_table(self.conn, "doc_names") and self.conn.execute(
                "SELECT 1 FROM meta WHERE key = 'doc_names' AND value = ?",
                (listing_key(self.aliases),)).fetchone() is not None
        return self._stored

    def _stored_row(self, doc_id: str):
        if not self._is_stored():
            return None
        return self.conn.execute("SELECT names, complete, spellings FROM doc_names "
                                 "WHERE doc_id = ?", (doc_id,)).fetchone()

    def names_in(self, doc_id: str) -> tuple[frozenset[str], bool]:
        """The alias-table entities a document names as whole words (title and text), and
        whether its whole text was read."""
        # Asked of hundreds of documents an article: their spellings are left undecoded.
        key = (self.state(), listing_key(self.aliases), doc_id)
        if key in _NAMES:
            return _NAMES[key]
        if key not in _LISTINGS and self._is_stored():
            row = self.conn.execute("SELECT names, complete FROM doc_names WHERE doc_id = ?",
                                    (doc_id,)).fetchone()
            if row is not None:
                return _NAMES.put(key, (frozenset(json.loads(row[0])), bool(row[1])))
        listing = self.listing(doc_id)
        return _NAMES.put(key, (listing.names, listing.complete))

    def ngrams_of(self, doc_id: str) -> frozenset:
        """The word n-grams of a document's first pages (shared-phrase evidence)."""
        key = (self.state(), doc_id)
        if key not in _GRAMS:
            text = " ".join(t for _, t in page_texts(self.conn, doc_id, GRAMS_PAGES))
            _GRAMS.put(key, frozenset(ngrams(words_of(text[:GRAMS_CHARS]))))
        return _GRAMS[key]

    def spellings_in(self, doc_id: str, latin: bool) -> dict[str, dict[str, str]]:
        """skeleton -> {spelling: word} of a document's first pages: its Latin names (words
        it capitalises and never writes in lower case), or its Arabic-script words
        (skeletons.document_names)."""
        return self.listing(doc_id).spellings(latin)

    def rarities(self) -> tuple[dict[str, float], dict[str, float]]:
        """How rare each document kind and each language is among readable documents
        (share_rarity); computed once per state of the catalog."""
        state = self.state()
        if state not in _RARITIES:
            _RARITIES.put(state, self._count_rarities())
        return _RARITIES[state]

    def _count_rarities(self) -> tuple[dict[str, float], dict[str, float]]:
        readable = "FROM documents WHERE present = 1 AND status = 'ok'"
        total = self.conn.execute(f"SELECT COUNT(*) {readable}").fetchone()[0] or 1
        kinds = {k: share_rarity(n, total) for k, n in self.conn.execute(
            f"SELECT kind, COUNT(*) {readable} GROUP BY kind")}
        languages: dict[str, int] = {}
        for (raw,) in self.conn.execute(f"SELECT languages {readable}"):
            for lang in json.loads(raw or "[]"):
                languages[lang] = languages.get(lang, 0) + 1
        return kinds, {lang: share_rarity(n, total) for lang, n in languages.items()}

    # the search index -----------------------------------------------------------------------
    def doc_count(self) -> int:
        return self.index.doc_count()

    def doc_frequencies(self, words: set[str]) -> dict[str, int]:
        return self.index.doc_frequencies(words)

    def phrase_matches(self, phrase: str, limit: int = 10) -> list[str]:
        """Documents holding a phrase (the index's phrase search; no alias widening)."""
        try:
            result = self.index.search(SearchRequest(f'"{phrase}"', page_size=limit,
                                                     aliases=False, facets=False))
        except Exception:  # noqa: BLE001 - a quote the query parser dislikes is not evidence
            return []
        return [hit.doc_id for hit in result.hits]

    def documents_naming(self, spellings: list[str]) -> list[str]:
        """Every document the index finds for any of these spellings (as phrases), in rank
        order; the same list for the same state of the archive (a fresh copy each time)."""
        query = "(" + " OR ".join(f'"{s}"' for s in spellings) + ")"
        if self._indexed is None:  # the index may catch up on a catalog that did not change
            self._indexed = self.index.doc_count()
        key = (self.state(), self._indexed, query)
        if key not in _NAMING:
            try:
                found = tuple(hit.doc_id for hit in self.index.search_all(
                    SearchRequest(query, aliases=False)))
            except Exception:  # noqa: BLE001 - an unparsable spelling is no evidence
                found = ()
            _NAMING.put(key, found)
            while sum(len(ids) for ids in _NAMING.values()) > NAMING_IDS and len(_NAMING) > 1:
                _NAMING.popitem(last=False)
        return list(_NAMING[key])

    # sentence vectors -----------------------------------------------------------------------
    @property
    def vectors(self) -> VectorIndex:
        if self._vectors is None:
            self._vectors = VectorIndex(vector_path(self.conn), self.conn)
        return self._vectors

    def embed(self, sentences: list[str]) -> np.ndarray:
        return embed(sentences)

    def unit_count(self) -> int:
        return len(self.vectors)

    def nearest_units(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each query vector: the keys of its k nearest units and their cosines."""
        return self.vectors.search(queries, k)

    def unit_owners(self, keys) -> dict[int, str]:
        """The present document of each unit key (keys of removed documents left out)."""
        return self.vectors.present_documents(keys)

    def unit_vectors(self, keys: np.ndarray) -> np.ndarray:
        return self.vectors.vectors(keys)

    def unit_passage(self, doc_id: str, n: int) -> tuple[int, str]:
        """The page and text of a document's unit n, as it was embedded."""
        row = self.conn.execute("SELECT page FROM chunks WHERE doc_id = ? AND n = ?",
                                (doc_id, n)).fetchone()
        units = document_units(self.conn, doc_id)
        return (row[0] if row else 1), (units[n][1] if n < len(units) else "")
