"""The Flask site: thin views over archive/ (search, documents, originals, overview)."""

from __future__ import annotations

import csv
import io

from flask import (
    Flask,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from archive import editors, news, xref
from archive.catalog import Catalog, connect
from archive.config import Settings, load_settings
from archive.documents import document_view
from archive.errors import ArchiveError, DocumentGoneError
from archive.model import SearchRequest
from archive.originals import original_path
from archive.permalinks import is_doc_id, permalink_for
from archive.previews import pdf_page_png
from archive.search import WhooshIndex, parse_filters, search_documents, search_json
from indexer import news as news_writer

# Types a browser could run or render as a page: always served as downloads.
ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                "application/xml", "application/javascript", "text/javascript", "message/rfc822")
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
                "audio/mpeg", "audio/ogg", "audio/x-wav", "video/mp4", "video/webm")
CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; "
       "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the site for the archive in `settings.var` (default: from DOCKET_* variables)."""
    app = Flask(__name__)
    settings = settings or load_settings()
    app.config["DOCKET"] = settings
    app.secret_key = editors.secret_key(settings.var)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      MAX_CONTENT_LENGTH=news.MAX_BYTES)

    def writable():
        if "writable" not in g:
            g.writable = connect(settings.catalog_path)
        return g.writable

    def editor_only():
        """Editors only, and only with the session's CSRF token: the archive is read-open,
        changes are not."""
        if not session.get("editor"):
            abort(403)
        if not editors.csrf_valid(session, request.form.get("csrf_token")):
            abort(400)

    def catalog() -> Catalog:
        if "catalog" not in g:
            g.catalog = Catalog(settings.catalog_path)
        return g.catalog

    def index() -> WhooshIndex:
        return WhooshIndex(settings.index_dir)

    def checked(doc_id: str) -> str:
        if not is_doc_id(doc_id):
            abort(404)
        return doc_id

    @app.teardown_appcontext
    def close_catalog(_exc):
        cat = g.pop("catalog", None)
        if cat is not None:
            cat.close()
        conn = g.pop("writable", None)
        if conn is not None:
            conn.close()

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.errorhandler(ArchiveError)
    def archive_error(exc: ArchiveError):
        doc = exc.document if isinstance(exc, DocumentGoneError) else None
        if request.path.endswith((".json", ".csv")):
            return jsonify(error=str(exc), status=exc.status), exc.status
        return render_template("error.html", error=exc, document=doc), exc.status

    @app.errorhandler(404)
    def not_found(_exc):
        error = ArchiveError("There is nothing at this address. Check the link, or search.")
        error.status = 404
        return archive_error(error)

    @app.errorhandler(403)
    def forbidden(_exc):
        error = ArchiveError("Only editors can change the archive. Sign in first.")
        error.status = 403
        return archive_error(error)

    @app.errorhandler(400)
    def bad_request(_exc):
        error = ArchiveError("The form was stale or incomplete (missing security token). "
                             "Reload the page and try again.")
        error.status = 400
        return archive_error(error)

    @app.context_processor
    def globals_():
        return {"archive_name": settings.archive_name, "permalink_for": permalink_for,
                "editor": session.get("editor"),
                "csrf_token": lambda: editors.csrf_token(session)}

    def search_request(page_size: int | None = None) -> SearchRequest:
        args = request.args
        return SearchRequest(
            query=args.get("q", ""), page=max(1, args.get("page", 1, type=int)),
            page_size=page_size or settings.page_size, sort=args.get("sort", "relevance"),
            filters=parse_filters(args.getlist("f")), aliases=args.get("aliases") != "off")

    @app.get("/")
    def home():
        return render_template("home.html", counts=catalog().counts())

    @app.get("/search")
    def search():
        result = search_documents(index(), catalog(), search_request())
        return render_template("search.html", result=result, query=result.query)

    @app.get("/search.json")
    def search_json_view():
        return jsonify(search_json(search_documents(index(), catalog(), search_request())))

    @app.get("/search.csv")
    def search_csv():
        hits = index().search_all(search_request())
        root = request.url_root.rstrip("/")

        def rows():
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(["id", "title", "type", "languages", "date", "pages", "paths",
                             "permalink"])
            for h in hits:
                writer.writerow([h.doc_id, h.title, h.kind, " ".join(h.languages), h.date or "",
                                 h.page_count, " | ".join(h.paths),
                                 root + permalink_for(h.doc_id)])
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        return Response(rows(), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="docket-search.csv"'})

    @app.get("/help")
    def help_page():
        return render_template("help.html")

    @app.get("/d/<doc_id>")
    @app.get("/d/<doc_id>/p/<int:page>")
    def document(doc_id: str, page: int = 1):
        query = request.args.get("q", "")
        view = document_view(catalog(), checked(doc_id), page,
                             index().highlight_terms(query) if query else frozenset(),
                             settings.archive_name, request.url_root)
        coverage = xref.coverage_for_document(catalog().conn, view.doc.doc_id)
        return render_template("document.html", view=view, doc=view.doc, query=query,
                               coverage=coverage)

    @app.get("/news")
    def news_list():
        conn = catalog().conn
        query = request.args.get("q", "").strip()
        chosen = news.list_articles(conn)
        if query:
            found = WhooshIndex(settings.news_index_dir).search(
                SearchRequest(query, page_size=200))
            order = [h.doc_id for h in found.hits]
            by_id = {a.news_id: a for a in chosen}
            chosen = [by_id[i] for i in order if i in by_id]
        articles = [(a, len(xref.links_for_article(conn, a.news_id))) for a in chosen]
        return render_template("news_list.html", articles=articles, news_query=query)

    @app.get("/n/<news_id>")
    def news_page(news_id: str):
        conn = catalog().conn
        return render_template("news.html", article=news.get_article(conn, news_id),
                               links=xref.links_for_article(conn, news_id))

    @app.get("/n/<news_id>.json")
    def news_json(news_id: str):
        conn = catalog().conn
        links = xref.links_for_article(conn, news_id)
        return jsonify(news.article_json(news.get_article(conn, news_id))
                       | {"links": [xref.link_json(r) for r in links]})

    @app.post("/n/<news_id>/review")
    def news_review(news_id: str):
        editor_only()
        decision = request.form.get("decision", "")
        doc_id = checked(request.form.get("doc_id", ""))
        if decision not in ("confirmed", "rejected", "suggested"):
            abort(400)
        editors.review(writable(), news.get_article(writable(), news_id).news_id, doc_id,
                       decision, session["editor"])
        news_writer.reproject(writable(), index(), {doc_id})
        return redirect(request.form.get("next") or url_for("news_page", news_id=news_id))

    @app.post("/news/add")
    def news_add():
        editor_only()
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            abort(400)
        article = news.parse_article(upload.read(news.MAX_BYTES + 1), source=upload.filename)
        news_writer.add_articles(writable(), index(), [article], settings.news_index_dir,
                          added_by=session["editor"])
        return redirect(url_for("news_page", news_id=article.news_id))

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            if not editors.csrf_valid(session, request.form.get("csrf_token")):
                abort(400)
            name = request.form.get("name", "")
            if editors.check_login(catalog().conn, name, request.form.get("password", "")):
                session.clear()
                session["editor"] = name
                return redirect(url_for("news_list"))
            flash("Wrong name or password.")
        return render_template("login.html")

    @app.post("/logout")
    def logout():
        if editors.csrf_valid(session, request.form.get("csrf_token")):
            session.clear()
        return redirect(url_for("home"))

    @app.get("/d/<doc_id>/similar")
    def similar(doc_id: str):
        doc = catalog().document(checked(doc_id))
        text = "\n".join(p.text for p in catalog().pages(doc.doc_id, count=50))
        hits = index().more_like(doc.doc_id, f"{doc.display_title}\n{text}", limit=10)
        return render_template("similar.html", doc=doc, hits=hits)

    @app.get("/d/<doc_id>.json")
    def document_json(doc_id: str):
        doc = catalog().document(checked(doc_id), allow_gone=True)
        return jsonify(id=doc.doc_id, sha256=doc.sha256, paths=list(doc.paths),
                       former_paths=list(doc.former_paths), present=doc.present,
                       mime=doc.mime, kind=doc.kind, size=doc.size, title=doc.display_title,
                       author=doc.author, created=doc.created, modified=doc.modified,
                       languages=list(doc.languages), page_count=doc.page_count,
                       status=doc.status, reason=doc.reason, metadata=doc.metadata,
                       parent=doc.parent_id, permalink=permalink_for(doc.doc_id),
                       children=[{"id": c, "path": p} for c, p in doc.children],
                       pages=[{"n": p.n, "text": p.text, "languages": list(p.languages)}
                              for p in catalog().pages(doc.doc_id)])

    @app.get("/d/<doc_id>/p/<int:page>.png")
    def page_image(doc_id: str, page: int):
        doc = catalog().document(checked(doc_id))
        if doc.mime != "application/pdf":
            abort(404)
        path = original_path(settings, catalog(), doc)
        return send_file(pdf_page_png(path, doc.sha256, page, settings.preview_dir),
                         mimetype="image/png", max_age=86400)

    @app.get("/d/<doc_id>/original")
    def original(doc_id: str):
        doc = catalog().document(checked(doc_id))
        path = original_path(settings, catalog(), doc)
        inline = doc.mime in INLINE_TYPES and doc.mime not in ACTIVE_TYPES
        name = (doc.paths[0] if doc.paths else doc.doc_id).rsplit("/", 1)[-1]
        return send_file(path, mimetype=doc.mime if inline else "application/octet-stream",
                         as_attachment=not inline, download_name=name, max_age=3600)

    return app
