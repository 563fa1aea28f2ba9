"""The documents area: the page and JSON of a document, similar ones, page images, originals."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, send_file

from archive import xref
from archive.documents import document_view
from archive.model import document_json
from archive.originals import has_pdf_script, original_path
from archive.previews import pdf_page_png
from web.guards import checked
from web.resources import get_catalog, get_index, get_settings

bp = Blueprint("documents", __name__)

# Types a browser could run or render as a page: always served as downloads.
ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                "application/xml", "application/javascript", "text/javascript", "message/rfc822")
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
                "audio/mpeg", "audio/ogg", "audio/x-wav", "video/mp4", "video/webm")


@bp.get("/d/<doc_id>")
@bp.get("/d/<doc_id>/p/<int:page>")
def show(doc_id: str, page: int = 1):
    query = request.args.get("q", "")
    catalog, doc_id = get_catalog(), checked(doc_id)
    terms = get_index().highlight_terms(query) if query else frozenset()
    view = document_view(catalog, doc_id, page, terms, get_settings().archive_name,
                         request.url_root)
    coverage = xref.coverage_for_document(catalog.conn, view.doc.doc_id)
    return render_template("document.html", view=view, doc=view.doc, query=query,
                           coverage=coverage)


@bp.get("/d/<doc_id>.json")
def show_json(doc_id: str):
    doc = get_catalog().document(checked(doc_id), allow_gone=True)
    return jsonify(document_json(doc, get_catalog().pages(doc.doc_id)))


@bp.get("/d/<doc_id>/similar")
def similar(doc_id: str):
    doc = get_catalog().document(checked(doc_id))
    text = "\n".join(p.text for p in get_catalog().pages(doc.doc_id, count=50))
    hits = get_index().more_like(doc.doc_id, f"{doc.display_title}\n{text}", limit=10)
    return render_template("similar.html", doc=doc, hits=hits)


@bp.get("/d/<doc_id>/p/<int:page>.png")
def page_image(doc_id: str, page: int):
    doc = get_catalog().document(checked(doc_id))
    if doc.mime != "application/pdf":
        abort(404)
    settings = get_settings()
    path = original_path(settings, get_catalog(), doc)
    return send_file(pdf_page_png(path, doc.sha256, page, settings.preview_dir),
                     mimetype="image/png", max_age=86400)


@bp.get("/d/<doc_id>/original")
def original(doc_id: str):
    doc = get_catalog().document(checked(doc_id))
    path = original_path(get_settings(), get_catalog(), doc)
    inline = doc.mime in INLINE_TYPES and doc.mime not in ACTIVE_TYPES and not (
        doc.mime == "application/pdf" and has_pdf_script(path))
    name = (doc.paths[0] if doc.paths else doc.doc_id).rsplit("/", 1)[-1]
    # An open file and the content hash as the ETag: werkzeug's own ETag encodes the path,
    # which fails for names that are not UTF-8.
    return send_file(path.open("rb"), mimetype=doc.mime if inline else "application/octet-stream",
                     as_attachment=not inline, download_name=name, max_age=3600,
                     etag=doc.sha256)
