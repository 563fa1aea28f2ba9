"""The extractor registry: MIME type -> extractor module, from one explicit list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from indexer.errors import ExtractionError, UnsupportedTypeError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors import (
    archives,
    chm,
    djvu,
    ebcdic,
    email,
    encrypted,
    html,
    image,
    mailbox,
    media,
    msg,
    msoffice,
    office,
    pdf,
    pst,
    rar,
    rtf,
    signed,
    tables,
    text,
    tnef,
    visio,
    warc,
    webarchive,
    writer,
    xps,
)

MODULES: tuple[ModuleType, ...] = (archives, chm, djvu, ebcdic, email, encrypted, html, image,
                                   mailbox, media, msg, msoffice, office, pdf, pst, rar, rtf,
                                   signed, tables, text, tnef, visio, warc, webarchive,
                                   writer, xps)

Extractor = Callable[[Path, ExtractOptions], Extracted]

REGISTRY: dict[str, ModuleType] = {mime: module for module in MODULES
                                   for mime in module.MIME_TYPES}

# Families matched by prefix when no exact type is listed (audio/x-whatever, image/x-...).
PREFIXES: tuple[tuple[str, ModuleType], ...] = (("audio/", media), ("video/", media),
                                                ("image/", image), ("text/", text))


# What a file's name promises, used only to explain unreadable bytes, never to pick a reader.
EXPECTED_BY_SUFFIX = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".xls": "Excel",
                      ".xlsx": "Excel", ".ppt": "PowerPoint", ".pptx": "PowerPoint",
                      ".odt": "OpenDocument", ".rtf": "RTF", ".zip": "zip", ".7z": "7z",
                      ".eml": "e-mail", ".msg": "Outlook", ".jpg": "JPEG", ".png": "PNG",
                      ".mp3": "MP3", ".mp4": "MP4"}


def extractor_for(mime: str, path: Path) -> Extractor:
    """The extract function for a MIME type.

    Raises UnsupportedTypeError naming the type and the file when none handles it, and
    ExtractionError (corrupt) when the name promises a format the bytes do not hold.
    """
    expected = EXPECTED_BY_SUFFIX.get(path.suffix.lower())
    if mime == "application/octet-stream" and expected:
        raise ExtractionError(f"{path.name}: named like a {expected} file, but its bytes are "
                              f"not any known format; the file is probably damaged.")
    module = REGISTRY.get(mime)
    if module is None:
        module = next((m for prefix, m in PREFIXES if mime.startswith(prefix)), None)
    if module is None:
        raise UnsupportedTypeError(f"{path.name}: no extractor for type {mime}; the file is "
                                   f"catalogued without text.")
    return module.extract


def kind_of(mime: str) -> str:
    """A short family name for a MIME type (pdf, text, html, word, email, archive, ...)."""
    module = REGISTRY.get(mime) or next(
        (m for prefix, m in PREFIXES if mime.startswith(prefix)), None)
    if module is media:
        return "video" if mime.startswith("video/") else "audio"
    if module is None:
        return "other"
    return getattr(module, "KINDS", {}).get(mime, module.KIND)
