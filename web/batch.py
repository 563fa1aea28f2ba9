"""The batch area: many searches at once (a form, GET or POST: it changes nothing), as a
table, CSV or JSON."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, session

from archive.batch import DEFAULT_LIMIT, batch_csv, batch_json, read_queries, run_batch
from archive.search import parse_filters
from web.resources import get_catalog, get_index

bp = Blueprint("batch", __name__)

MAX_QUERIES = 100  # one request runs at most this many searches (2 s deadline each)


def batch_context() -> dict:
    """The batch the form asks for (queries, f, aliases, limit), run: for every twin."""
    args = request.values
    text = args.get("queries", "")
    queries = read_queries(text)
    filters = parse_filters(args.getlist("f"))
    aliases = args.get("aliases") != "off"
    limit = min(max(1, args.get("limit", DEFAULT_LIMIT, type=int)), 50)
    entries = run_batch(get_index(), get_catalog(), queries[:MAX_QUERIES], filters, aliases,
                        limit, editor=bool(session.get("editor"))) if queries else []
    return dict(text=text, entries=entries, filters=filters, aliases=aliases, limit=limit,
                skipped=max(0, len(queries) - MAX_QUERIES), cap=MAX_QUERIES)


@bp.route("/batch", methods=["GET", "POST"])
def page():
    return render_template("batch.html", **batch_context())


@bp.route("/batch.json", methods=["GET", "POST"])
def page_json():
    context = batch_context()
    return jsonify(batch_json(context["entries"]) | {"skipped": context["skipped"]})


@bp.route("/batch.csv", methods=["GET", "POST"])
def page_csv():
    body = batch_csv(batch_context()["entries"], request.url_root)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="docket-batch.csv"'})
