"""Request checks shared by the views: editor-only actions, well-formed document ids, local
redirect targets."""

from __future__ import annotations

import urllib.parse

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


def local_target(target: str | None, fallback: str) -> str:
    """`target` (a form's or query's `next`) when it is a path on this site, else `fallback`:
    a redirect never leads off-site ("//host", "/\\host" and "scheme:" are not local)."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return fallback
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):  # browsers drop tabs, newlines
        return fallback
    parts = urllib.parse.urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target
