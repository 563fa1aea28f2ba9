"""MIME types from file content with python-magic, plus a few content checks libmagic lacks."""

from __future__ import annotations

import threading
from pathlib import Path

import magic
import olefile

from archive.encodings import utf16_without_bom

_local = threading.local()  # a Magic object is not thread-safe: one per thread
_MAIL_HEADERS = (b"from:", b"received:", b"return-path:", b"message-id:", b"subject:",
                 b"mime-version:", b"delivered-to:", b"x-mailer:", b"date:", b"to:")
_OLE_TYPES = ("application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office",
              "application/octet-stream")


def _magic() -> magic.Magic:
    if not hasattr(_local, "magic"):
        _local.magic = magic.Magic(mime=True)
    return _local.magic


def _looks_like_mail(head: bytes) -> bool:
    lines = [line.strip().lower() for line in head.splitlines()[:12] if line.strip()]
    hits = sum(1 for line in lines if line.startswith(_MAIL_HEADERS))
    return bool(lines) and lines[0].startswith(_MAIL_HEADERS) and hits >= 3


def _ole_type(path: Path) -> str | None:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except (OSError, ValueError):
        return None
    if any(s.startswith("__substg1.0_") for s in streams):
        return "application/vnd.ms-outlook"
    if "WordDocument" in streams:
        return "application/msword"
    if "Workbook" in streams or "Book" in streams:
        return "application/vnd.ms-excel"
    if "PowerPoint Document" in streams:
        return "application/vnd.ms-powerpoint"
    return None


def detect_mime(path: Path) -> str:
    """The MIME type of a file judged by its bytes, never by its extension.

    Empty files are `inode/x-empty`; unreadable ones raise OSError.
    """
    mime = _magic().from_file(str(path))
    if mime in _OLE_TYPES:
        mime = _ole_type(path) or mime
    if mime in ("text/plain", "application/octet-stream"):
        with path.open("rb") as fh:
            head = fh.read(4096)
        if mime == "application/octet-stream" and utf16_without_bom(head):
            return "text/plain"
        if _looks_like_mail(head):
            return "message/rfc822"
    return mime
