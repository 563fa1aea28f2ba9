"""Plain text in any common encoding: UTF-8/16/32 with or without BOM, Arabic and Latin pages."""

from __future__ import annotations

from pathlib import Path

from archive.encodings import decode
from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions

KIND = "text"
MIME_TYPES = ("text/plain", "text/csv", "text/markdown", "text/x-markdown",
              "text/tab-separated-values",
              "application/json", "text/xml", "application/xml", "text/x-log", "application/csv",
              "text/x-python", "text/x-c", "text/troff", "text/calendar", "text/vcard",
              "application/x-ndjson", "application/x-subrip", "text/vtt")

PAGE_CHARS = 20_000  # long text files are split into pages of about this size


def paginate(text: str, size: int = PAGE_CHARS) -> list[str]:
    """Split long text into pages at form feeds, else at paragraph breaks near `size`."""
    if "\f" in text:
        return text.split("\f")
    pages, start = [], 0
    while len(text) - start > size:
        cut = text.rfind("\n\n", start, start + size)
        if cut <= start:
            cut = text.rfind("\n", start, start + size)
        if cut <= start:
            cut = start + size
        pages.append(text[start:cut])
        start = cut
    pages.append(text[start:])
    return pages


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Read a text file, detecting its encoding; pages split at form feeds or every ~20k chars."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"{path.name}: cannot read the file: {exc}") from exc
    text, encoding = decode(data)
    return Extracted(pages=paginate(text.replace("\r\n", "\n")), metadata={"encoding": encoding})
