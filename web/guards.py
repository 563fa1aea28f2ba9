"""Request checks shared by the views: same-origin changes, editor-only actions, well-formed
document ids, local redirect targets."""

from __future__ import annotations

import urllib.parse

from flask import abort, request, session

from archive import editors
from archive.permalinks import is_doc_id

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _host(url: str) -> str | None:
    """"host[:port]" of an http(s) URL, lower case, default ports dropped; None otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.hostname + (f":{port}" if port not in (None, 80, 443) else "")


def same_origin_only() -> None:
    """Refuse a changing request (403) whose Origin header, or lacking it Referer, names
    another site than this one: a page elsewhere cannot submit our forms. Requests with
    neither header pass (the CSRF token still guards them). Registered before every request.
    """
    if request.method in SAFE_METHODS:
        return
    claimed = request.headers.get("Origin", request.headers.get("Referer"))
    if claimed is None or _host(claimed) == _host(f"http://{request.host}"):
        return
    abort(403, description=f"This form was sent from another site ({claimed[:100]}), not "
                           f"from {request.host}; it was refused. Open {request.host} and "
                           "send it from there.")


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
