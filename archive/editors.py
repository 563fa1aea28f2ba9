"""What editors record from the site: their accounts and their reviews of news links; and the
session key, CSRF tokens and sign-in throttle that guard those changes. The one read-side
module that writes to the catalog (see the README's layout section)."""

from __future__ import annotations

import hmac
import math
import secrets
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from archive.catalog import transaction
from archive.errors import ArchiveError

FAILURES_ALLOWED = 5  # failed sign-ins per account and per address ...
FAILURE_WINDOW = 15 * 60.0  # ... within this many seconds; then refused until it passes


class LoginThrottledError(ArchiveError):
    """Raised when an account or address failed to sign in too often in the last window."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


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


def sign_in(conn, name: str, password: str, address: str, now: float) -> bool:
    """True when the name and password belong to an editor, under a throttle kept in the
    catalog (so it holds across threads, processes and restarts): after FAILURES_ALLOWED
    failures within FAILURE_WINDOW seconds, attempts for that account or from that address
    are refused without checking the password. A success clears the account's failures.
    `now` is the time in seconds (time.time(), or a test's clock).

    Raises LoginThrottledError saying when to try again. Needs a writable connection.
    """
    subjects = (f"account:{name[:200]}", f"address:{address[:200]}")
    with transaction(conn):
        conn.execute("DELETE FROM login_failures WHERE at <= ?", (now - FAILURE_WINDOW,))
        retry_at = _refused_until(conn, subjects, now)
        # The attempt counts as a failure before the password is checked, in the same
        # transaction as the count: parallel guesses cannot slip past the limit.
        rows = [] if retry_at else [
            conn.execute("INSERT INTO login_failures VALUES (?, ?)", (s, now)).lastrowid
            for s in subjects]
    if retry_at:
        wait = max(1, math.ceil(retry_at - now))
        raise LoginThrottledError(
            f"Too many failed sign-ins for this account or from this address. Try again in "
            f"{math.ceil(wait / 60)} minute{'s' if wait > 60 else ''} (at "
            f"{datetime.fromtimestamp(retry_at, UTC):%H:%M} UTC).", retry_after=wait)
    if not check_login(conn, name, password):
        return False
    with transaction(conn):
        conn.execute("DELETE FROM login_failures WHERE subject = ?", (subjects[0],))
        conn.execute("DELETE FROM login_failures WHERE rowid = ?", (rows[1],))
    return True


def _refused_until(conn, subjects, now: float) -> float | None:
    """When the last of `subjects` over the limit falls back under it, or None."""
    until = None
    for subject in subjects:
        times = [r[0] for r in conn.execute(
            "SELECT at FROM login_failures WHERE subject = ? AND at > ? ORDER BY at",
            (subject, now - FAILURE_WINDOW))]
        if len(times) >= FAILURES_ALLOWED:
            # Under the limit again once all but FAILURES_ALLOWED - 1 have aged out.
            at = times[len(times) - FAILURES_ALLOWED] + FAILURE_WINDOW
            until = max(until or at, at)
    return until


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


MAX_LINK_NOTE = 2000  # characters of an editor's note on a link


def add_link(conn, news_id: str, doc_id: str, editor: str, note: str) -> None:
    """An editor's link the machine missed (or one it scored low): confirmed, with the
    editor's note saying why, both kept across relinking and reindexing.

    Raises ValueError for an empty or too long note.
    """
    note = note.strip()
    if not note or len(note) > MAX_LINK_NOTE:
        raise ValueError(f"Say in a note (up to {MAX_LINK_NOTE} characters) why the article "
                         "discusses this document.")
    with transaction(conn):  # the link and its note together, or neither
        review(conn, news_id, doc_id, "confirmed", editor)
        conn.execute("INSERT INTO link_notes VALUES (?, ?, ?, ?, ?) ON CONFLICT (news_id, "
                     "doc_id) DO UPDATE SET note = excluded.note, written_by = "
                     "excluded.written_by, written_at = excluded.written_at",
                     (news_id, doc_id, note, editor, datetime.now(UTC).isoformat(
                         timespec="seconds")))


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
