"""Safari web archives (.webarchive, a binary property list): the page and its text
resources become child documents."""

from __future__ import annotations

import plistlib
from pathlib import Path

from indexer.errors import ExtractionError
from indexer.extracted import Child, Extracted, ExtractOptions

KIND = "archive"
MIME_TYPE = "application/x-webarchive"
MIME_TYPES = (MIME_TYPE,)
_SUFFIX = {"text/html": ".html", "text/plain": ".txt", "application/xhtml+xml": ".xhtml"}


def is_webarchive(path: Path) -> bool:
    """True when a property list holds a WebMainResource."""
    try:
        with path.open("rb") as fh:
            return "WebMainResource" in plistlib.load(fh)
    except (plistlib.InvalidFileException, OSError, ValueError, TypeError, KeyError):
        return False


def _child(resource: dict, n: int) -> Child | None:
    mime = str(resource.get("WebResourceMIMEType", ""))
    data = resource.get("WebResourceData")
    if mime not in _SUFFIX or not isinstance(data, bytes):
        return None
    name = str(resource.get("WebResourceURL", "")).rstrip("/").rsplit("/", 1)[-1] or "page"
    return Child(f"{n:03d}-{name[:80]}{_SUFFIX[mime]}", data)


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """The main page and text subresources as children; page 1 lists them.

    Raises ExtractionError when the archive is damaged.
    """
    try:
        with path.open("rb") as fh:
            plist = plistlib.load(fh)
    except (plistlib.InvalidFileException, OSError, ValueError) as exc:
        raise ExtractionError(f"{path.name}: the web archive is damaged ({exc}).") from exc
    resources = [plist.get("WebMainResource") or {}, *(plist.get("WebSubresources") or [])]
    children = [c for n, r in enumerate(resources[:options.max_members])
                if isinstance(r, dict) and (c := _child(r, n))]
    return Extracted(pages=["\n".join(c.name for c in children)], children=children,
                     expects_text=False, metadata={"members": len(children)})
