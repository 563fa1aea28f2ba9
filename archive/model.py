"""Documents and pages as frozen dataclasses shared by the indexer and the site."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archive.permalinks import permalink_for


@dataclass(frozen=True)
class Page:
    """One page of a document's text (1-based `n`) with its ISO 639-1 language tags."""

    n: int
    text: str
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """One document of the archive: unique content, found at one or more paths."""

    doc_id: str
    sha256: str
    size: int
    mime: str
    kind: str
    title: str | None = None
    author: str | None = None
    created: str | None = None
    modified: str | None = None
    page_count: int = 0
    languages: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"
    reason: str | None = None
    error: str | None = None
    parent_id: str | None = None
    paths: tuple[str, ...] = ()
    former_paths: tuple[str, ...] = ()
    children: tuple[tuple[str, str], ...] = ()  # (doc_id, member path)
    present: bool = True

    @property
    def display_title(self) -> str:
        """The title, or else the file name of the first path, or else the id."""
        if self.title:
            return self.title
        for path in self.paths + self.former_paths:
            return path.rsplit("/", 1)[-1].rsplit("!/", 1)[-1]
        return self.doc_id


def document_json(doc: Document, pages: list[Page] | None) -> dict:
    """The JSON form of a document, shared by /d/<id>.json and `docket show --json`.

    `title` is the display title (never empty); `pages` is left out when `pages` is None.
    """
    data = {
        "id": doc.doc_id, "sha256": doc.sha256, "paths": list(doc.paths),
        "former_paths": list(doc.former_paths), "present": doc.present, "mime": doc.mime,
        "kind": doc.kind, "size": doc.size, "title": doc.display_title, "author": doc.author,
        "created": doc.created, "modified": doc.modified, "languages": list(doc.languages),
        "page_count": doc.page_count, "status": doc.status, "reason": doc.reason,
        "error": doc.error, "metadata": doc.metadata, "parent": doc.parent_id,
        "permalink": permalink_for(doc.doc_id),
        "children": [{"id": c, "path": p} for c, p in doc.children],
    }
    if pages is not None:
        data["pages"] = [{"n": p.n, "text": p.text, "languages": list(p.languages)}
                         for p in pages]
    return data


@dataclass(frozen=True)
class IndexRecord:
    """What the search index holds for one document: a projection of its catalog row."""

    doc_id: str
    sha256: str
    title: str
    text: str
    paths: tuple[str, ...]
    mime: str
    kind: str
    languages: tuple[str, ...]
    author: str | None
    date: str | None
    page_count: int
    status: str
    parent_id: str | None
    size: int
    covered: bool = False  # some news article discusses it


MAX_WITHOUT = 50  # alias spellings one search may leave out


def spellings_left_out(values) -> tuple[str, ...]:
    """The `without=` values of a search URL: distinct, not blank, at most MAX_WITHOUT."""
    return tuple(dict.fromkeys(v for v in values if v.strip()))[:MAX_WITHOUT]


@dataclass(frozen=True)
class SearchRequest:
    """A query with its options: page, sort ("relevance", "date", "-date"), facet filters."""

    query: str
    page: int = 1
    page_size: int = 20
    sort: str = "relevance"
    filters: tuple[tuple[str, str], ...] = ()  # (facet, value), e.g. ("lang", "ar")
    aliases: bool = True
    without: tuple[str, ...] = ()  # alias spellings the reader took out of the widening
    # Only these documents (a restriction the catalog made: tags); None: no restriction.
    doc_ids: frozenset[str] | None = None
    # Count the facets of the whole result set; news linking asks only for the hits (the
    # facet arrays take 2.1 s to build at 100,000 documents).
    facets: bool = True


@dataclass(frozen=True)
class Hit:
    """One search result, with keyword-in-context snippets (see archive.snippets)."""

    doc_id: str
    title: str
    paths: tuple[str, ...]
    kind: str
    mime: str
    languages: tuple[str, ...]
    date: str | None
    page_count: int
    score: float
    snippets: tuple = ()

    @property
    def first_page(self) -> int:
        """The page of the first snippet: where a reader arriving from the search starts."""
        return self.snippets[0].page if self.snippets else 1


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the exact total, and facet counts over the whole result set."""

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    expanded: tuple[str, ...] = ()  # alias-table entities the query was widened with
    partial: bool = False  # the deadline stopped the search: counts are lower bounds
    terms: frozenset[str] = frozenset()  # index terms that matched, for highlighting
    notice: str | None = None  # why the answer is partial (a search shard did not answer)

    @property
    def query(self) -> str:
        return self.request.query

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.page_size))
