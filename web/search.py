"""The search area: the overview (home), results as HTML, JSON and CSV, and the query help."""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, render_template, request, session

from archive.aliases import expansions
from archive.batch import csv_cell
from archive.feeds import FEED_SIZE, atom_time, feed_entries
from archive.findings import search_all_with_tags, search_with_tags
from archive.model import Hit, SearchRequest, spellings_left_out
from archive.permalinks import permalink_for
from archive.search import MATCH_ALL, parse_filters, search_json
from web.resources import get_catalog, get_index, get_settings

bp = Blueprint("search", __name__)

CSV_COLUMNS = ["id", "title", "type", "languages", "date", "pages", "paths", "permalink"]
# A spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection).


def spreadsheet_safe(cell):
    """The cell as a spreadsheet shows it as text: a leading quote before a formula start."""
    return csv_cell(cell) if isinstance(cell, str) else cell


def search_request(page_size: int | None = None, args=None) -> SearchRequest:
    """The search the query string (or the given form) asks for (q, page, sort, f, aliases)."""
    args = request.args if args is None else args
    query = args.get("q", "")
    # An empty query browses the archive: newest first unless another order is asked for.
    sort = args.get("sort") or ("-date" if query.strip() in MATCH_ALL else "relevance")
    return SearchRequest(
        query=query, page=max(1, args.get("page", 1, type=int)),
        page_size=page_size or get_settings().page_size, sort=sort,
        filters=parse_filters(args.getlist("f")), aliases=args.get("aliases") != "off",
        without=spellings_left_out(args.getlist("without")))


def csv_rows(hits: Iterable[Hit], root: str, deadline_seconds: float) -> Iterator[str]:
    """The CSV export streamed hit by hit; the header goes out with the first hit. The
    engine collects every hit before giving the first, and stops at its deadline with the
    hits found so far: an export that took that long ends with a row saying it is cut."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    started = time.monotonic()
    hits = iter(hits)
    first = next(hits, None)
    cut = time.monotonic() - started >= deadline_seconds
    rows = 0
    for h in itertools.chain([first] if first else [], hits):
        writer.writerow([spreadsheet_safe(cell) for cell in (
            h.doc_id, h.title, h.kind, " ".join(h.languages), h.date or "", h.page_count,
            " | ".join(h.paths), root + permalink_for(h.doc_id))])
        rows += 1
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    if cut:
        writer.writerow([f"# incomplete: the search stopped at its {deadline_seconds:g} s "
                         f"limit after {rows} documents; narrow it (a filter, a date range, "
                         f"more words) and export again for the rest"])
    yield buf.getvalue()


def find(search: SearchRequest, snippets: int = 3):
    """Run a search with the tag restriction; signed-in editors also get the tag facet."""
    return search_with_tags(get_index(), get_catalog(), search, bool(session.get("editor")),
                            snippets)


@bp.get("/")
def home():
    return render_template("home.html", counts=get_catalog().counts())


@bp.get("/search")
def results():
    search = search_request()
    result = find(search)
    widened = expansions(search.query, get_index().aliases, search.without) \
        if search.aliases else []
    return render_template("search.html", result=result, query=result.query,
                           widened=[e for e in widened if e.added or e.left_out])


@bp.get("/search.json")
def results_json():
    return jsonify(search_json(find(search_request())))


@bp.get("/search.csv")
def results_csv():
    hits = search_all_with_tags(get_index(), get_catalog().conn, search_request(),
                                bool(session.get("editor")))
    rows = csv_rows(hits, request.url_root.rstrip("/"), get_index().deadline_seconds)
    return Response(rows, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="docket-search.csv"'})


@bp.get("/search.atom")
def results_atom():
    search = replace(search_request(FEED_SIZE), page=1, sort="-date")
    result = find(search, snippets=1)
    now = datetime.now(UTC)
    body = render_template(
        "search_atom.xml", entries=feed_entries(result, request.url_root, now),
        updated=atom_time(None, now), self_url=request.url,
        html_url=request.url.replace("/search.atom", "/search", 1),
        feed_title="newest documents" if search.query.strip() in MATCH_ALL
        else f"search for “{search.query}”")
    return Response(body, mimetype="application/atom+xml")


@bp.get("/help")
def help_page():
    return render_template("help.html")
