"""Editors: the people allowed to change the archive from the web, and CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash


def set_password(conn, name: str, password: str) -> None:
    """Create an editor or change the password (stored as a salted scrypt hash)."""
    if len(password) < 8:
        raise ValueError("Choose a password of at least 8 characters.")
    with conn:
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
