"""The Flask site: thin views over archive/ (search, documents, originals, overview)."""

from __future__ import annotations

import mimetypes

from flask import Flask, abort, g, jsonify, render_template, request, send_file

from archive.catalog import Catalog
from archive.config import Settings, load_settings
from archive.errors import ArchiveError, DocumentGoneError
from archive.model import SearchRequest
from archive.originals import original_path
from archive.permalinks import is_doc_id, permalink_for
from archive.search import WhooshIndex, parse_filters, search_documents, search_json

# Types a browser could run or render as a page: always served as downloads.
ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                "application/xml", "application/javascript", "text/javascript")
CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; "
       "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the site for the archive in `settings.var` (default: from DOCKET_* variables)."""
    app = Flask(__name__)
    settings = settings or load_settings()
    app.config["DOCKET"] = settings

    def catalog() -> Catalog:
        if "catalog" not in g:
            g.catalog = Catalog(settings.catalog_path)
        return g.catalog

    @app.teardown_appcontext
    def close_catalog(_exc):
        cat = g.pop("catalog", None)
        if cat is not None:
            cat.close()

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
        if request.path.endswith(".json"):
            return jsonify(error=str(exc), status=exc.status), exc.status
        return render_template("error.html", error=exc, document=doc), exc.status

    @app.context_processor
    def globals_():
        return {"archive_name": settings.archive_name, "permalink_for": permalink_for}

    @app.get("/")
    def home():
        return render_template("home.html", counts=catalog().counts())

    def run_search():
        args = request.args
        search_request = SearchRequest(
            query=args.get("q", ""), page=max(1, args.get("page", 1, type=int)),
            page_size=settings.page_size, sort=args.get("sort", "relevance"),
            filters=parse_filters(args.getlist("f")), aliases=args.get("aliases") != "off")
        return search_documents(WhooshIndex(settings.index_dir), catalog(), search_request)

    @app.get("/search")
    def search():
        return render_template("search.html", result=run_search(), query=request.args.get("q"))

    @app.get("/search.json")
    def search_json_view():
        return jsonify(search_json(run_search()))

    @app.get("/help")
    def help_page():
        return render_template("help.html")

    @app.get("/d/<doc_id>.json")
    def document_json(doc_id: str):
        doc = catalog().document(_checked(doc_id), allow_gone=True)
        pages = catalog().pages(doc.doc_id)
        return jsonify(id=doc.doc_id, sha256=doc.sha256, paths=list(doc.paths),
                       mime=doc.mime, title=doc.display_title, languages=list(doc.languages),
                       present=doc.present, status=doc.status, reason=doc.reason,
                       metadata=doc.metadata, pages=[{"n": p.n, "text": p.text,
                                                      "languages": list(p.languages)}
                                                     for p in pages])

    @app.get("/d/<doc_id>")
    @app.get("/d/<doc_id>/p/<int:page>")
    def document(doc_id: str, page: int = 1):
        doc = catalog().document(_checked(doc_id))
        pages = catalog().pages(doc.doc_id)
        return render_template("document.html", doc=doc, pages=pages, page=page)

    @app.get("/d/<doc_id>/original")
    def original(doc_id: str):
        doc = catalog().document(_checked(doc_id))
        path = original_path(settings, catalog(), doc)
        active = doc.mime in ACTIVE_TYPES or not doc.mime.count("/")
        name = doc.display_title if "." in doc.display_title else (
            doc.paths[0].rsplit("/", 1)[-1] if doc.paths else doc.doc_id)
        return send_file(path, mimetype="application/octet-stream" if active else doc.mime,
                         as_attachment=active or doc.mime not in _INLINE,
                         download_name=name.rsplit("!/", 1)[-1] or
                         f"{doc.doc_id}{mimetypes.guess_extension(doc.mime) or ''}")

    return app


_INLINE = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
           "audio/mpeg", "audio/ogg", "video/mp4", "text/plain")


def _checked(doc_id: str) -> str:
    if not is_doc_id(doc_id):
        abort(404)
    return doc_id
