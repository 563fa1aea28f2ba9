"""Request checks shared by the views: editor-only actions and well-formed document ids."""

from __future__ import annotations

from flask import abort, request, session

from archive import editors
from archive.permalinks import is_doc_id


def editor_only() -> None:
    """Editors only, and only with the session's CSRF token: the archive is read-open,
    changes are not. Aborts 403 or 400."""
    if not session.get("editor"):
        abort(403)
    if not editors.csrf_valid(session, request.form.get("csrf_token")):
        abort(400)


def checked(doc_id: str) -> str:
    """`doc_id` when it is shaped like a permalink id; otherwise 404 before any lookup."""
    if not is_doc_id(doc_id):
        abort(404)
    return doc_id
