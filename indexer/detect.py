"""MIME types from file content with python-magic, plus a few content checks libmagic lacks."""

from __future__ import annotations

import email.parser
import email.policy
import re
import threading
import zipfile
from pathlib import Path

import magic
import olefile

from archive.encodings import decode, utf16_without_bom
from indexer.extractors.archives import BROTLI as BROTLI_MIME
from indexer.extractors.archives import is_brotli
from indexer.extractors.ebcdic import MIME_TYPE as EBCDIC_MIME
from indexer.extractors.ebcdic import is_ebcdic
from indexer.extractors.mailbox import mail_type
from indexer.extractors.pst import MIME_TYPE as PST_MIME
from indexer.extractors.pst import SIGNATURE as PST_SIGNATURE
from indexer.extractors.signed import MIME_TYPE as PKCS7_MIME
from indexer.extractors.webarchive import MIME_TYPE as WEBARCHIVE_MIME
from indexer.extractors.webarchive import is_webarchive
from indexer.extractors.xps import MIME_TYPE as XPS_MIME
from indexer.extractors.xps import is_xps

_local = threading.local()  # a Magic object is not thread-safe: one per thread
_MAIL_HEADERS = (b"from:", b"received:", b"return-path:", b"message-id:", b"subject:",
                 b"mime-version:", b"delivered-to:", b"x-mailer:", b"date:", b"to:")
_OLE_TYPES = ("application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office",
              "application/octet-stream")
# libmagic's guesses that plain prose gets too: a line starting with "import" or "function",
# a run of capitals and semicolons read as plotter commands, bytes it cannot place. Such a
# type is a hint; bytes that read as text are text (see reads_as_text).
HINT_TYPES = frozenset({
    "application/octet-stream", "application/javascript", "application/x-javascript",
    "text/javascript", "application/vnd.hp-HPGL", "application/vnd.hp-PCL",
    "application/x-sh", "application/x-shellscript", "application/x-perl", "application/x-php",
    "application/x-ruby", "application/x-awk", "application/x-tcl", "application/x-m4"})
# text/x-* is program code or unknown to libmagic, except these formats of their own.
_TEXT_FORMATS = ("text/x-markdown", "text/x-log", "text/x-vcard", "text/x-vcalendar",
                 EBCDIC_MIME)
# Types libmagic gives mailboxes: PST/OST as .msg, an mbox as text, mail or even HTML.
_SNIFFED = ("application/vnd.ms-outlook", "text/plain", "text/html", "message/rfc822",
            "application/mbox", "application/octet-stream")
_MAIL_TYPES = ("message/rfc822", "message/news")
_HTML_START = re.compile(rb"\s*(<!doctype html|<html[\s>])", re.I)
TEXT_SAMPLE = 65_536  # bytes judged by reads_as_text
MAX_CONTROLS = 0.01  # share of control or replacement characters text may hold
# C0 and C1 controls but tab, line ends, vertical tab, form feed and DOS end-of-file (^Z),
# and the replacement character a wrong guess of the encoding leaves.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ufffd]")


def _magic() -> magic.Magic:
    if not hasattr(_local, "magic"):
        _local.magic = magic.Magic(mime=True)
    return _local.magic


def _description(path: Path) -> str:
    if not hasattr(_local, "describe"):
        _local.describe = magic.Magic()
    return _local.describe.from_file(str(path))


def _is_xps_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return is_xps(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _unnamed_type(path: Path, head: bytes) -> str | None:
    """Types libmagic describes but gives no MIME type for (application/octet-stream)."""
    if head.startswith(b"PK"):
        return XPS_MIME if _is_xps_zip(path) else None
    if head.startswith(b"bplist00"):
        return WEBARCHIVE_MIME if is_webarchive(path) else None
    description = _description(path)
    if description.startswith("PGP") and "encrypted" in description:
        return "application/pgp-encrypted"
    if "PKCS#7 Signed Data" in description:
        return PKCS7_MIME
    if is_brotli(path, head):
        return BROTLI_MIME
    if head.startswith(b"ID3"):
        return "audio/mpeg"  # a recording cut short: libmagic finds no audio after the tag
    return None


def _looks_like_mail(head: bytes) -> bool:
    lines = [line.strip().lower() for line in head.splitlines()[:12] if line.strip()]
    hits = sum(1 for line in lines if line.startswith(_MAIL_HEADERS))
    return bool(lines) and lines[0].startswith(_MAIL_HEADERS) and hits >= 3


def _parses_as_mail(head: bytes) -> bool:
    """Whether bytes begin with mail headers as the e-mail reader parses them (a prose
    line libmagic reads as "saved news", like one starting with "Article", does not)."""
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    return bool(parsed.keys())


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
    if "VisioDocument" in streams:
        return "application/vnd.visio"
    if "Quill/QuillSub/CONTENTS" in streams:
        return "application/x-mspublisher"
    if "CONTENTS" in streams and "SPELLING" in streams or "MatOST/MatOST" in streams:
        return "application/vnd.ms-works"
    return None


def detect_mime(path: Path) -> str:
    """The MIME type of a file judged by its bytes, never by its extension.

    Empty files are `inode/x-empty`; unreadable ones raise OSError.
    """
    mime = _magic().from_file(str(path))
    if mime in _SNIFFED:
        with path.open("rb") as fh:
            head = fh.read(4096)
        if head.startswith(PST_SIGNATURE):
            return PST_MIME  # libmagic calls PST/OST the MIME type of single .msg messages
        mail = mail_type(path, head)
        if mail:
            return mail
    if mime in _MAIL_TYPES:
        with path.open("rb") as fh:
            if not _parses_as_mail(fh.read(4096)):
                mime = "text/plain"  # judged as text below and by reads_as_text
    if mime == "application/zip" and _is_xps_zip(path):
        return XPS_MIME  # libmagic names a hand-made XPS package a plain zip
    if mime in _OLE_TYPES:
        mime = _ole_type(path) or mime
    if mime in ("text/plain", "application/octet-stream"):
        with path.open("rb") as fh:
            head = fh.read(4096)
        if mime == "application/octet-stream" and utf16_without_bom(head):
            return "text/plain"
        if is_ebcdic(head):
            return EBCDIC_MIME
        if mime == "application/octet-stream" and _HTML_START.match(head):
            return "text/html"  # markup with a few stray binary bytes libmagic gives up on
        if mime == "application/octet-stream":
            return _unnamed_type(path, head) or mime
        if _looks_like_mail(head):
            return "message/rfc822"
    return mime


def is_hint_only(mime: str) -> bool:
    """True for a libmagic type that says code, data or unknown rather than a document format."""
    return mime in HINT_TYPES or (mime.startswith("text/x-") and mime not in _TEXT_FORMATS)


def is_text(data: bytes) -> bool:
    """True when bytes decode as text in a known encoding with few control characters.

    Whitespace alone is text too: there is nothing else to read it as.
    """
    if not data:
        return False
    text, _ = decode(data)
    if not text:
        return False
    return len(_CONTROLS.findall(text)) <= len(text) * MAX_CONTROLS


def reads_as_text(path: Path) -> bool:
    """True when the file's first 64 KiB are text (is_text); raises OSError when unreadable."""
    with path.open("rb") as fh:
        head = fh.read(TEXT_SAMPLE + 1)
    if len(head) > TEXT_SAMPLE:  # end the sample at a line end, so no character is cut
        cut = head.rfind(b"\n", 0, TEXT_SAMPLE)
        head = head[:cut + 1] if cut > 0 else head[:TEXT_SAMPLE]
    return is_text(head)
