"""The findings area: editors tag, star and annotate documents and keep searches (every
change a CSRF-checked POST); the editor's desk lists them. Also gives the document page its
version chain and, for editors only, its findings (templates/_findings.html)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from archive import findings
from archive.permalinks import permalink_for
from archive.versions import version_chain
from web.guards import checked, editor_only, local_target
from web.resources import get_catalog, get_writable
from web.search import search_request

bp = Blueprint("findings", __name__)


@bp.app_context_processor
def document_extras():
    """Lazy look-ups for the document page's include: nothing is read unless it asks."""
    return {"findings_for": _findings_for, "versions_for": _versions_for,
            "earlier_findings_for": _earlier_findings_for}


def _findings_for(doc_id: str) -> findings.Findings | None:
    editor = session.get("editor")  # readers see nothing of what editors keep
    return findings.document_findings(get_catalog().conn, doc_id, editor) if editor else None


def _earlier_findings_for(chain) -> list:
    editor = session.get("editor")
    return findings.earlier_findings(get_catalog().conn, [v.doc_id for v in chain.earlier],
                                     editor) if editor and chain else []


def _versions_for(doc_id: str):
    return version_chain(get_catalog().conn, doc_id)


def _back(doc_id: str, page: int | None = None):
    return redirect(local_target(request.form.get("next"),
                                 permalink_for(doc_id, page) + "#findings"))


@bp.post("/d/<doc_id>/tags")
def add_tags(doc_id: str):
    editor_only()
    findings.add_tags(get_writable(), checked(doc_id),
                      request.form.get("tags", "").split(","), session["editor"])
    return _back(doc_id)


@bp.post("/d/<doc_id>/tags/remove")
def remove_tag(doc_id: str):
    editor_only()
    findings.remove_tag(get_writable(), checked(doc_id), request.form.get("tag", ""))
    return _back(doc_id)


@bp.post("/d/<doc_id>/star")
def star(doc_id: str):
    editor_only()
    findings.set_star(get_writable(), checked(doc_id), session["editor"],
                      request.form.get("star") != "off")
    return _back(doc_id)


@bp.post("/d/<doc_id>/notes")
def add_note(doc_id: str):
    editor_only()
    page = request.form.get("page", type=int) or None  # empty or 0: the whole document
    findings.add_note(get_writable(), checked(doc_id), page, request.form.get("text", ""),
                      session["editor"])
    return _back(doc_id, page)


@bp.post("/d/<doc_id>/notes/<int:note_id>/delete")
def delete_note(doc_id: str, note_id: int):
    editor_only()
    findings.delete_note(get_writable(), checked(doc_id), note_id)
    return _back(doc_id)


@bp.get("/desk")
def desk():
    if not session.get("editor"):
        abort(403)
    conn = get_catalog().conn
    return render_template("desk.html", searches=findings.saved_searches(conn),
                           stars=findings.starred_documents(conn, session["editor"]),
                           tags=findings.tag_counts(conn), notes=findings.recent_notes(conn))


@bp.post("/searches")
def save_search():
    editor_only()
    saved = findings.save_search(get_writable(), request.form.get("name", ""),
                                 search_request(args=request.form), session["editor"])
    flash(f"Saved the search “{saved.name}”.")
    return redirect(url_for("findings.desk"))


@bp.post("/searches/delete")
def delete_search():
    editor_only()
    findings.delete_search(get_writable(), request.form.get("name", ""))
    return redirect(url_for("findings.desk"))
