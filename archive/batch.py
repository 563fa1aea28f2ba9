"""Batch search: a list of queries run with the same options, one result record per query."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from archive.catalog import Catalog
from archive.errors import BadQueryError
from archive.findings import search_with_tags
from archive.model import Hit, SearchRequest
from archive.permalinks import permalink_for
from archive.search import SearchIndex, hit_json

DEFAULT_LIMIT = 5  # top documents kept per query
CSV_COLUMNS = ["query", "total", "error", "rank", "id", "title", "type", "languages", "date",
               "permalink"]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class BatchEntry:
    """One query of a batch: its total, its top hits, or the error that refused it."""

    query: str
    total: int = 0
    hits: tuple[Hit, ...] = ()
    error: str | None = None
    partial: bool = False  # the deadline stopped this query: the total is a lower bound


def read_queries(text: str) -> list[str]:
    """The queries of a list: one per line, or a CSV whose header has a `query` column.

    Blank lines and lines starting with # are skipped either way."""
    lines = [line for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return []
    header = [cell.strip().lower() for cell in next(csv.reader([lines[0]]))]
    if "query" not in header or (len(header) == 1 and lines[0].strip().lower() != "query"):
        return [line.strip() for line in lines]
    column = header.index("query")
    rows = csv.reader(lines[1:])
    return [row[column].strip() for row in rows
            if len(row) > column and row[column].strip()
            and not row[column].lstrip().startswith("#")]


def run_batch(index: SearchIndex, catalog: Catalog, queries: Iterable[str],
              filters: tuple[tuple[str, str], ...] = (), aliases: bool = True,
              limit: int = DEFAULT_LIMIT, editor: bool = False) -> list[BatchEntry]:
    """Run every query with the same filters and alias setting, keeping `limit` hits each;
    `tag:` terms and filters are answered for an `editor` only (archive.findings).

    A malformed or refused query gets an entry with its `error`; the others still run.
    Other archive errors (no index, say) are raised."""
    entries = []
    for query in queries:
        request = SearchRequest(query, page_size=limit, filters=filters, aliases=aliases)
        try:
            result = search_with_tags(index, catalog, request, editor, snippets=1)
        except BadQueryError as exc:
            entries.append(BatchEntry(query, error=str(exc)))
            continue
        entries.append(BatchEntry(query, total=result.total, hits=result.hits,
                                  partial=result.partial))
    return entries


def batch_json(entries: Iterable[BatchEntry]) -> dict:
    """The JSON form of a batch, shared by `docket batch-search --json` and /batch.json."""
    out = []
    for e in entries:
        item = {"query": e.query, "total": e.total, "partial": e.partial,
                "hits": [hit_json(h) for h in e.hits]}
        if e.error:
            item["error"] = e.error
        out.append(item)
    return {"queries": out}


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading quote defuses formula starts."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def batch_csv(entries: Iterable[BatchEntry], url_root: str) -> str:
    """The CSV form of a batch: one row per query and hit (one row for a query without
    hits), each with the query's total; `url_root` makes the permalinks absolute."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    root = url_root.rstrip("/")
    for e in entries:
        head = [e.query, e.total, e.error or ""]
        if not e.hits:
            writer.writerow([csv_cell(v) for v in head + [""] * 7])
        for rank, h in enumerate(e.hits, 1):
            row = head + [rank, h.doc_id, h.title, h.kind, " ".join(h.languages), h.date or "",
                          root + permalink_for(h.doc_id)]
            writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()
