"""What editors record from the site: their accounts and their reviews of news links; and the
session key and CSRF tokens that guard those changes. The one read-side module that writes
to the catalog (see the README's layout section)."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from archive.catalog import transaction


def set_password(conn, name: str, password: str) -> None:
    """Create an editor or change the password (stored as a salted scrypt hash)."""
    if len(password) < 8:
        raise ValueError("Choose a password of at least 8 characters.")
    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO editors VALUES (?, ?, ?)",
                     (name, generate_password_hash(password),
                      datetime.now(UTC).isoformat(timespec="seconds")))


def check_login(conn, name: str, password: str) -> bool:
    """True when the name and password belong to an editor."""
    row = conn.execute("SELECT password_hash FROM editors WHERE name = ?", (name,)).fetchone()
    if row is None:
        check_password_hash(generate_password_hash("x"), password)  # same time either way
        return False
    return check_password_hash(row[0], password)


def secret_key(var: Path) -> bytes:
    """The site's session key, made once and kept in var/secret_key (mode 600)."""
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def csrf_token(session) -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid(session, token: str | None) -> bool:
    """True when a submitted token matches the session's."""
    return bool(token) and "csrf" in session and hmac.compare_digest(session["csrf"], token)


REVIEWS = ("confirmed", "rejected", "suggested")


def review(conn, news_id: str, doc_id: str, decision: str, editor: str) -> None:
    """Record a journalist's confirmation or rejection of a link (kept across reindexing).
    The document is marked for re-projection, as its coverage may have changed: call
    indexer.news.reproject, or the next index run does it.

    Raises ValueError for an unknown decision.
    """
    if decision not in REVIEWS:
        raise ValueError(f"unknown review {decision!r}")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with transaction(conn):
        conn.execute(
            "INSERT INTO news_links (news_id, doc_id, score, evidence, review, reviewed_by, "
            "reviewed_at, computed_at) VALUES (?, ?, 0, '{}', ?, ?, ?, ?) ON CONFLICT "
            "(news_id, doc_id) DO UPDATE SET review = excluded.review, "
            "reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at",
            (news_id, doc_id, decision, editor, now, now))
        conn.execute("UPDATE documents SET indexed = 0 WHERE doc_id = ?", (doc_id,))
