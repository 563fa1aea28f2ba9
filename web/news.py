"""The news area: articles, their linked documents, and the editors' upload and review."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for

from archive import editors, news, xref
from indexer import news as news_writer
from web.guards import checked, editor_only, local_target
from web.resources import get_catalog, get_index, get_news_index, get_settings, get_writable

bp = Blueprint("news", __name__)

DECISIONS = ("confirmed", "rejected", "suggested")


@bp.get("/news")
def index():
    query = request.args.get("q", "").strip()
    conn = get_catalog().conn
    articles = [(a, len(xref.links_for_article(conn, a.news_id)))
                for a in news.find_articles(get_catalog().conn, get_news_index(), query)]
    return render_template("news_list.html", articles=articles, news_query=query)


@bp.get("/n/<news_id>")
def page(news_id: str):
    conn = get_catalog().conn
    return render_template("news.html", article=news.get_article(conn, news_id),
                           links=xref.links_for_article(conn, news_id),
                           near=xref.near_misses(conn, news_id))


@bp.get("/n/<news_id>.json")
def page_json(news_id: str):
    conn = get_catalog().conn
    links = xref.links_for_article(conn, news_id)
    return jsonify(news.article_json(news.get_article(conn, news_id))
                   | {"links": [xref.link_json(r) for r in links],
                      "near_misses": [xref.link_json(r) for r in xref.near_misses(conn, news_id)]})


@bp.post("/n/<news_id>/review")
def review(news_id: str):
    editor_only()
    decision = request.form.get("decision", "")
    doc_id = checked(request.form.get("doc_id", ""))
    if decision not in DECISIONS:
        abort(400)
    editors.review(get_writable(), news.get_article(get_writable(), news_id).news_id, doc_id,
                   decision, session["editor"])
    news_writer.reproject(get_writable(), get_index(), {doc_id})
    return redirect(local_target(request.form.get("next"),
                                 url_for("news.page", news_id=news_id)))


@bp.post("/n/<news_id>/link")
def add_link(news_id: str):
    """An editor links a document the machine missed, with a note saying why."""
    editor_only()
    article = news.get_article(get_writable(), news_id)
    doc_id = get_catalog().resolve(request.form.get("document", ""))
    try:
        editors.add_link(get_writable(), article.news_id, doc_id, session["editor"],
                         request.form.get("note", ""))
    except ValueError as exc:
        abort(400, description=str(exc))
    news_writer.reproject(get_writable(), get_index(), {doc_id})
    return redirect(url_for("news.page", news_id=news_id))


@bp.post("/news/add")
def add():
    editor_only()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400)
    article = news.parse_article(upload.read(news.MAX_BYTES + 1), source=upload.filename)
    news_writer.add_articles(get_writable(), get_index(), [article],
                             get_settings().news_index_dir, added_by=session["editor"])
    return redirect(url_for("news.page", news_id=article.news_id))
