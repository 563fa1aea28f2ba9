"""The search interface (a Protocol) and its Whoosh implementation; no other module knows Whoosh."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from whoosh import index as whoosh_index
from whoosh.qparser import MultifieldParser, QueryParserError

from archive.catalog import MEMBER_SEP
from archive.errors import BadQueryError, IndexMissingError
from archive.model import Hit, IndexRecord, SearchResult
from archive.schema import index_schema

LARGE_BATCH = 500  # below this, one writer process is faster than starting several


class SearchIndex(Protocol):
    """What the rest of Docket needs from a search engine."""

    @classmethod
    def open_for_writing(cls, index_dir: Path) -> tuple[WhooshIndex, bool]:
        """Open or create the index; a damaged one is recreated empty.

        Returns (index, repaired): when repaired, the caller must refill it from the catalog.
        """
        try:
            return cls(index_dir, create=True), False
        except (OSError, EOFError, ValueError, KeyError, whoosh_index.IndexError):
            return cls.recreate(index_dir), True

    def upsert(self, records: Iterable[IndexRecord], procs: int = 1) -> int: ...

    def delete(self, doc_ids: Iterable[str]) -> int: ...

    def search(self, query: str, page: int = 1, page_size: int = 20) -> SearchResult: ...

    def doc_count(self) -> int: ...


def folders_of(paths: Iterable[str]) -> list[str]:
    """Every folder prefix of the given paths ("letters", "letters/2010"), members included."""
    out: set[str] = set()
    for path in paths:
        outer = path.split(MEMBER_SEP, 1)[0]
        parts = outer.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return sorted(out)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for length, fmt in ((19, "%Y-%m-%dT%H:%M:%S"), (10, "%Y-%m-%d"), (7, "%Y-%m"), (4, "%Y")):
        try:
            return datetime.strptime(value[:length], fmt)
        except ValueError:
            continue
    return None


def _fields(rec: IndexRecord) -> dict:
    date = _parse_date(rec.date)
    fields = dict(
        doc_id=rec.doc_id, title=rec.title, content=rec.text,
        path="\n".join(rec.paths), paths="\n".join(rec.paths),
        folder=",".join(folders_of(rec.paths)), mime=rec.mime, kind=rec.kind,
        lang=",".join(rec.languages), author=rec.author or "", pages=rec.page_count,
        status=rec.status, parent=rec.parent_id or "", size=rec.size)
    if date:
        fields["date"] = date
        fields["year"] = date.year
    return fields


class WhooshIndex:
    """The embedded Whoosh index under var/index, a projection of the catalog."""

    def __init__(self, index_dir: Path, create: bool = False):
        self.index_dir = index_dir
        if whoosh_index.exists_in(str(index_dir)):
            self.ix = whoosh_index.open_dir(str(index_dir))
        elif create:
            index_dir.mkdir(parents=True, exist_ok=True)
            self.ix = whoosh_index.create_in(str(index_dir), index_schema())
        else:
            raise IndexMissingError(
                f"No search index in {index_dir}. Build it with: docket index <folder> "
                f"--var {index_dir.parent}")

    @classmethod
    def recreate(cls, index_dir: Path) -> WhooshIndex:
        """Delete the index folder and start an empty index (for rebuilds and repairs)."""
        shutil.rmtree(index_dir, ignore_errors=True)
        return cls(index_dir, create=True)

    @classmethod
    def open_for_writing(cls, index_dir: Path) -> tuple[WhooshIndex, bool]:
        """Open or create the index; a damaged one is recreated empty.

        Returns (index, repaired): when repaired, the caller must refill it from the catalog.
        """
        try:
            return cls(index_dir, create=True), False
        except (OSError, EOFError, ValueError, KeyError, whoosh_index.IndexError):
            return cls.recreate(index_dir), True

    def upsert(self, records: Iterable[IndexRecord], procs: int = 1) -> int:
        """Add or replace documents by doc_id in one commit; returns how many were written."""
        records = list(records)
        if not records:
            return 0
        if procs > 1 and len(records) >= LARGE_BATCH:
            writer = self.ix.writer(procs=procs, multisegment=True, limitmb=128)
        else:
            writer = self.ix.writer(limitmb=128)
        try:
            for rec in records:
                writer.update_document(**_fields(rec))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return len(records)

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id in one commit; returns how many ids were asked for."""
        doc_ids = list(doc_ids)
        if not doc_ids:
            return 0
        with self.ix.writer() as writer:
            for doc_id in doc_ids:
                writer.delete_by_term("doc_id", doc_id)
        return len(doc_ids)

    def doc_count(self) -> int:
        return self.ix.doc_count()

    def doc_ids(self) -> set[str]:
        with self.ix.searcher() as s:
            return {f["doc_id"] for f in s.all_stored_fields()}

    def search(self, query: str, page: int = 1, page_size: int = 20) -> SearchResult:
        """Run a query over titles, text and paths; ranked by BM25 with title hits boosted.

        Raises BadQueryError for an empty or unparsable query.
        """
        if not query.strip():
            raise BadQueryError("Type something to search for.")
        parser = MultifieldParser(["title", "content", "path"], schema=self.ix.schema)
        try:
            q = parser.parse(query)
        except QueryParserError as exc:
            raise BadQueryError(f"Could not understand the query {query!r}: {exc}") from exc
        with self.ix.searcher() as s:
            results = s.search_page(q, max(page, 1), pagelen=page_size)
            hits = tuple(
                Hit(doc_id=h["doc_id"], title=h.get("title", ""),
                    paths=tuple(h.get("paths", "").split("\n")), kind=h.get("kind", ""),
                    languages=tuple(x for x in h.get("lang", "").split(",") if x),
                    date=h["date"].date().isoformat() if h.get("date") else None,
                    page_count=h.get("pages", 0), score=float(h.score or 0.0))
                for h in results)
            return SearchResult(query=query, total=len(results.results), page=page, hits=hits)
