"""The documents area: the page (the reader) and JSON of a document, similar ones, page images
and thumbnails, originals."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, send_file, url_for

from archive import xref
from archive.documents import checked_page, document_view
from archive.model import document_json
from archive.originals import has_pdf_script, original_path
from archive.previews import PREVIEW_WIDTH, THUMB_WIDTH, can_render, page_png
from archive.reader import Trail, trail_for
from web.guards import checked, local_target
from web.resources import get_catalog, get_index, get_settings

bp = Blueprint("documents", __name__)

# Types a browser could run or render as a page: always served as downloads.
ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                "application/xml", "application/javascript", "text/javascript", "message/rfc822")
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
                "audio/mpeg", "audio/ogg", "audio/x-wav", "video/mp4", "video/webm")


def reading_trail(doc_id: str) -> Trail:
    """The result list this document was opened from (`back`, a local URL only; `rank`)."""
    back = local_target(request.args.get("back"), "")
    return trail_for(get_index(), doc_id, back, url_for("search.results"),
                     request.args.get("rank", type=int), get_settings().page_size)


@bp.get("/d/<doc_id>")
@bp.get("/d/<doc_id>/p/<int:page>")
def show(doc_id: str, page: int | None = None):
    query = request.args.get("q", "")
    catalog = get_catalog()
    doc_id = catalog.document(checked(doc_id)).doc_id  # the trail needs the id it ranks
    trail = reading_trail(doc_id)
    # Marked as the result list searched: its alias widening, less the spellings it left out.
    same = query == trail.query
    terms = get_index().highlight_terms(query, trail.aliases or not same,
                                        trail.without if same else ()) \
        if query else frozenset()
    view = document_view(catalog, doc_id, page, terms, get_settings().archive_name,
                         request.url_root, hit=request.args.get("hit", type=int))
    coverage = xref.coverage_for_document(catalog.conn, view.doc.doc_id)
    # The search box keeps the result list's query; finding in the document is its own form.
    return render_template("document.html", view=view, doc=view.doc, find=query,
                           query=trail.query or query, trail=trail, carry=trail.params(query),
                           coverage=coverage)


@bp.get("/d/<doc_id>/jump")
def jump(doc_id: str):
    """The page-jump form: to the page asked for, the query and the trail kept."""
    doc = get_catalog().document(checked(doc_id))
    page = checked_page(doc, request.args.get("page", type=int))
    carried = {k: v for k, v in request.args.items() if k in ("q", "back", "rank") and v}
    return redirect(url_for("documents.show", doc_id=doc.doc_id, page=page, **carried))


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


def page_picture(doc_id: str, page: int, width: int, types: tuple[str, ...] | None):
    """A page drawn as PNG (a placeholder when it cannot be drawn); 404 for a page the
    document lacks or a type that has no pages to draw."""
    doc = get_catalog().document(checked(doc_id))
    if not can_render(doc.mime) or (types is not None and doc.mime not in types):
        abort(404)
    checked_page(doc, page)
    settings = get_settings()
    path = original_path(settings, get_catalog(), doc)
    image, rendered = page_png(path, doc.mime, doc.sha256, page, width, settings.preview_dir)
    return send_file(image, mimetype="image/png", max_age=86400 if rendered else 300)


@bp.get("/d/<doc_id>/p/<int:page>.png")
def page_image(doc_id: str, page: int):
    return page_picture(doc_id, page, PREVIEW_WIDTH, ("application/pdf",))


@bp.get("/d/<doc_id>/p/<int:page>/thumb.png")
def thumbnail(doc_id: str, page: int):
    return page_picture(doc_id, page, THUMB_WIDTH, None)


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
