"""What editors keep while they work: tags, stars, notes on a document or a page, saved
searches; and the `tag:` restriction of a search, read from the catalog. Beside
archive/editors.py, the one other read-side module that writes to the catalog (the README's
layout section). Everything here is keyed by document id, which comes from the content, so
it survives reindexing as link reviews do."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from archive.catalog import Catalog, transaction
from archive.errors import ArchiveError, BadQueryError, DocumentNotFoundError
from archive.model import Hit, SearchRequest, SearchResult
from archive.query import split_catalog_terms
from archive.search import SearchIndex, search_documents

MAX_TAG = 40  # characters of a tag name
MAX_NOTE = 10_000  # characters of a note
MAX_NAME = 100  # characters of a saved search's name
_TAG = re.compile(r"^[\w-]+$")
TAGS_ARE_PRIVATE = ("Tags are kept by editors and shown only to them: sign in to search "
                    "with tag:NAME.")


class FindingError(ArchiveError):
    """Raised when a tag, note or saved search an editor sends is malformed."""

    status = 400


@dataclass(frozen=True)
class Tag:
    name: str
    tagged_by: str
    tagged_at: str


@dataclass(frozen=True)
class Note:
    note_id: int
    page: int | None  # None: on the whole document
    text: str
    written_by: str
    written_at: str


@dataclass(frozen=True)
class Findings:
    """What editors keep on one document, as the editor asking sees it."""

    tags: tuple[Tag, ...]
    starred: bool  # by the editor asking
    starred_by: tuple[str, ...]  # every editor who starred it
    notes: tuple[Note, ...]  # document notes first, then page by page, oldest first


@dataclass(frozen=True)
class SavedSearch:
    """A search an editor named: query, facet filters, sort and the alias setting."""

    name: str
    query: str
    filters: tuple[tuple[str, str], ...]
    sort: str
    aliases: bool
    saved_by: str
    saved_at: str

    @property
    def filter_args(self) -> list[str]:
        """The filters as the search page's `f` arguments ("lang:ar")."""
        return [f"{facet}:{value}" for facet, value in self.filters]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def tag_name(text: str) -> str:
    """A tag as stored: trimmed, case-folded, spaces as hyphens ("Courier letters" is
    "courier-letters"). Raises FindingError when it is empty, too long or holds other
    characters than letters, digits, "_" and "-"."""
    name = re.sub(r"\s+", "-", text.strip()).casefold()
    if not name or len(name) > MAX_TAG or not _TAG.match(name):
        raise FindingError(f"{text[:60]!r} is not a tag: use up to {MAX_TAG} letters, digits, "
                           "hyphens or underscores (spaces become hyphens).")
    return name


def _known(conn: sqlite3.Connection, doc_id: str) -> int:
    """The document's page count. Raises DocumentNotFoundError for an unknown id."""
    row = conn.execute("SELECT page_count FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is None:
        raise DocumentNotFoundError(f"No document with id {doc_id!r} in this archive.")
    return row[0]


# writing ------------------------------------------------------------------------------------
def add_tags(conn: sqlite3.Connection, doc_id: str, names: Iterable[str],
             editor: str) -> list[str]:
    """Tag a document (blank names are skipped; a tag it has already is kept as it was);
    returns the tags as stored. Raises FindingError, DocumentNotFoundError."""
    _known(conn, doc_id)
    tags = list(dict.fromkeys(tag_name(n) for n in names if n.strip()))
    if not tags:
        raise FindingError("Give a tag name, e.g. courier-letters.")
    with transaction(conn):
        conn.executemany("INSERT OR IGNORE INTO doc_tags VALUES (?, ?, ?, ?)",
                         [(doc_id, tag, editor, _now()) for tag in tags])
    return tags


def remove_tag(conn: sqlite3.Connection, doc_id: str, name: str) -> None:
    """Take a tag off a document (nothing happens when it does not carry it)."""
    with transaction(conn):
        conn.execute("DELETE FROM doc_tags WHERE doc_id = ? AND tag = ?",
                     (doc_id, tag_name(name)))


def set_star(conn: sqlite3.Connection, doc_id: str, editor: str, starred: bool) -> None:
    """Star a document for an editor, or take the star away. Raises DocumentNotFoundError."""
    _known(conn, doc_id)
    with transaction(conn):
        if starred:
            conn.execute("INSERT OR IGNORE INTO doc_stars VALUES (?, ?, ?)",
                         (doc_id, editor, _now()))
        else:
            conn.execute("DELETE FROM doc_stars WHERE doc_id = ? AND editor = ?",
                         (doc_id, editor))


def add_note(conn: sqlite3.Connection, doc_id: str, page: int | None, text: str,
             editor: str) -> int:
    """Write a note on a document, or on one of its pages (1-based); returns its id.
    Raises FindingError for an empty or too long note or a page the document lacks."""
    pages = _known(conn, doc_id)
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise FindingError(f"A note holds 1 to {MAX_NOTE} characters; this one has {len(text)}.")
    if page is not None and not 1 <= page <= max(1, pages):
        raise FindingError(f"Document {doc_id} has no page {page}; it has {pages}.")
    with transaction(conn):
        cur = conn.execute("INSERT INTO doc_notes (doc_id, page, text, written_by, written_at) "
                           "VALUES (?, ?, ?, ?, ?)", (doc_id, page, text, editor, _now()))
    return int(cur.lastrowid)


def delete_note(conn: sqlite3.Connection, doc_id: str, note_id: int) -> None:
    """Delete a note of the document (nothing happens for another document's note)."""
    with transaction(conn):
        conn.execute("DELETE FROM doc_notes WHERE note_id = ? AND doc_id = ?", (note_id, doc_id))


def save_search(conn: sqlite3.Connection, name: str, request: SearchRequest,
                editor: str) -> SavedSearch:
    """Keep a search under a name (the same name again replaces it). Raises FindingError
    for an empty or too long name."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise FindingError(f"Name the search in 1 to {MAX_NAME} characters.")
    saved = SavedSearch(name, request.query, request.filters, request.sort, request.aliases,
                        editor, _now())
    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO saved_searches VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (name, saved.query, json.dumps([list(f) for f in saved.filters]),
                      saved.sort, int(saved.aliases), editor, saved.saved_at))
    return saved


def delete_search(conn: sqlite3.Connection, name: str) -> None:
    """Forget a saved search."""
    with transaction(conn):
        conn.execute("DELETE FROM saved_searches WHERE name = ?", (name,))


# reading ------------------------------------------------------------------------------------
def document_findings(conn: sqlite3.Connection, doc_id: str, editor: str) -> Findings:
    """The tags, stars and notes of a document, for the editor `editor`."""
    tags = tuple(Tag(*r) for r in conn.execute(
        "SELECT tag, tagged_by, tagged_at FROM doc_tags WHERE doc_id = ? ORDER BY tag",
        (doc_id,)))
    stars = tuple(r[0] for r in conn.execute(
        "SELECT editor FROM doc_stars WHERE doc_id = ? ORDER BY editor", (doc_id,)))
    notes = tuple(Note(*r) for r in conn.execute(
        "SELECT note_id, page, text, written_by, written_at FROM doc_notes WHERE doc_id = ? "
        "ORDER BY page IS NOT NULL, page, note_id", (doc_id,)))
    return Findings(tags, editor in stars, stars, notes)


def earlier_findings(conn: sqlite3.Connection, doc_ids: Iterable[str],
                     editor: str) -> list[tuple[str, Findings]]:
    """(doc id, findings) of those of `doc_ids` (a document's earlier versions) that carry
    tags or notes: what editors kept on a file before it changed stays in view."""
    out = []
    for doc_id in doc_ids:
        found = document_findings(conn, doc_id, editor)
        if found.tags or found.notes:
            out.append((doc_id, found))
    return out


def tag_counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Every tag with the number of documents carrying it, most used first."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT tag, COUNT(*) FROM doc_tags GROUP BY tag ORDER BY 2 DESC, 1")]


def tagged_ids(conn: sqlite3.Connection, name: str) -> frozenset[str]:
    """The ids of the documents carrying a tag."""
    return frozenset(r[0] for r in conn.execute("SELECT doc_id FROM doc_tags WHERE tag = ?",
                                                (name,)))


def saved_searches(conn: sqlite3.Connection) -> list[SavedSearch]:
    """Every saved search, by name."""
    return [SavedSearch(r[0], r[1], tuple(tuple(f) for f in json.loads(r[2])), r[3],
                        bool(r[4]), r[5], r[6])
            for r in conn.execute("SELECT * FROM saved_searches ORDER BY name COLLATE NOCASE")]


def starred_documents(conn: sqlite3.Connection, editor: str) -> list[tuple[str, str, bool]]:
    """(doc id, title or file name, still in the archive) of an editor's stars, newest first."""
    return [(r[0], r[1] or r[0], bool(r[2])) for r in conn.execute(
        "SELECT s.doc_id, COALESCE(d.title, (SELECT MIN(path) FROM paths p "
        "WHERE p.doc_id = s.doc_id), (SELECT MIN(path) FROM former_paths f "
        "WHERE f.doc_id = s.doc_id)), d.present FROM doc_stars s "
        "LEFT JOIN documents d ON d.doc_id = s.doc_id WHERE s.editor = ? "
        "ORDER BY s.starred_at DESC, s.doc_id", (editor,))]


def recent_notes(conn: sqlite3.Connection, limit: int = 20) -> list[tuple[str, Note]]:
    """(doc id, note) of the newest notes over the whole archive."""
    return [(r[0], Note(*r[1:])) for r in conn.execute(
        "SELECT doc_id, note_id, page, text, written_by, written_at FROM doc_notes "
        "ORDER BY note_id DESC LIMIT ?", (limit,))]


# searching by tag ---------------------------------------------------------------------------
def restrict(conn: sqlite3.Connection, request: SearchRequest, editor: bool) -> SearchRequest:
    """The request as an engine runs it: the `tag:NAME` terms of its query and its tag
    filters taken out and turned into a document-id restriction (the documents carrying
    every tag named), read from the catalog, so Whoosh and Xapian answer it alike.

    Raises BadQueryError when tags are asked for and `editor` is false (readers see no
    tags, not even by guessing their names), or for a malformed tag name.
    """
    query, terms = split_catalog_terms(request.query)
    tags = [value for facet, value in (*terms, *request.filters) if facet == "tag"]
    if not tags:
        return request
    if not editor:
        raise BadQueryError(TAGS_ARE_PRIVATE)
    ids = request.doc_ids
    for tag in tags:
        try:
            carrying = tagged_ids(conn, tag_name(tag))
        except FindingError as exc:
            raise BadQueryError(str(exc)) from exc
        ids = carrying if ids is None else ids & carrying
    return replace(request, query=query, doc_ids=frozenset(ids or ()),
                   filters=tuple(f for f in request.filters if f[0] != "tag"))


def tag_facet(index: SearchIndex, conn: sqlite3.Connection,
              request: SearchRequest) -> list[tuple[str, int]]:
    """Tag counts over the whole result set of an (already restricted) request: one more
    engine query, limited to the tagged documents."""
    by_doc: dict[str, list[str]] = {}
    for doc_id, tag in conn.execute("SELECT doc_id, tag FROM doc_tags"):
        by_doc.setdefault(doc_id, []).append(tag)
    ids = frozenset(by_doc) if request.doc_ids is None else request.doc_ids & by_doc.keys()
    if not ids:
        return []
    counts: Counter[str] = Counter()
    for hit in index.search_all(replace(request, doc_ids=ids)):
        counts.update(by_doc.get(hit.doc_id, ()))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def search_with_tags(index: SearchIndex, catalog: Catalog, request: SearchRequest,
                     editor: bool, snippets: int = 3) -> SearchResult:
    """search_documents with the tag restriction, and for editors a "tag" facet. The
    result carries the request as asked (its tag terms and filters kept), so the page
    shows them chosen. Raises BadQueryError."""
    narrowed = restrict(catalog.conn, request, editor)
    if narrowed.doc_ids is not None and not narrowed.doc_ids:
        result = SearchResult(request=narrowed, total=0, hits=())  # no engine call needed
    else:
        result = search_documents(index, catalog, narrowed, snippets)
    facets = dict(result.facets)
    if editor:
        facets["tag"] = tag_facet(index, catalog.conn, narrowed)
    return replace(result, request=request, facets=facets)


def search_all_with_tags(index: SearchIndex, conn: sqlite3.Connection,
                         request: SearchRequest, editor: bool) -> Iterator[Hit]:
    """Every hit of a search (the CSV export), with the tag restriction."""
    narrowed = restrict(conn, request, editor)
    if narrowed.doc_ids is not None and not narrowed.doc_ids:
        return iter(())
    return index.search_all(narrowed)
