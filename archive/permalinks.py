"""Document ids from content hashes, and the permalinks built from them."""

from __future__ import annotations

import re

ID_LENGTH = 16  # hex digits of SHA-256 kept in ids: 64 bits, no collision in a billion files
_ID_RE = re.compile(rf"^[0-9a-f]{{{ID_LENGTH}}}$")


def doc_id_for(sha256: str) -> str:
    """Return the permalink id of the document whose bytes hash to `sha256` (hex)."""
    return sha256[:ID_LENGTH].lower()


def is_doc_id(text: str) -> bool:
    """True when `text` has the shape of a document id."""
    return bool(_ID_RE.match(text))


def permalink_for(doc_id: str, page: int | None = None) -> str:
    """Site-relative permalink of a document, or of one of its pages (1-based)."""
    return f"/d/{doc_id}" if page is None else f"/d/{doc_id}/p/{page}"
