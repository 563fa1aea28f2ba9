"""XPS and OpenXPS documents (zip of XML pages): the glyph text of every page."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from indexer.errors import TOO_LARGE, ExtractionError
from indexer.extracted import Extracted, ExtractOptions

KIND = "pdf"
MIME_TYPE = "application/vnd.ms-xpsdocument"
MIME_TYPES = (MIME_TYPE, "application/oxps")
_PAGE = re.compile(r"Pages/(\d+)\.fpage$", re.I)
MAX_XML = 64 * 2**20


def is_xps(names: list[str]) -> bool:
    """True for the member names of an XPS package (a fixed-document sequence)."""
    return any(n.lower().endswith(".fdseq") for n in names)


def _page_text(data: bytes) -> str:
    root = ElementTree.fromstring(data)
    return "\n".join(el.get("UnicodeString", "").strip() for el in root.iter()
                     if el.tag.rsplit("}", 1)[-1] == "Glyphs" and el.get("UnicodeString"))


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Text per page, in page order. Raises ExtractionError when the package is damaged."""
    try:
        with zipfile.ZipFile(path) as zf:
            pages = sorted((m.group(1).zfill(6), n) for n in zf.namelist()
                           if (m := _PAGE.search(n)))
            texts = []
            for _, name in pages:
                if zf.getinfo(name).file_size > MAX_XML:
                    raise ExtractionError(f"{path.name}: page {name} is too large to read.",
                                          reason=TOO_LARGE)
                texts.append(_page_text(zf.read(name)))
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError) as exc:
        raise ExtractionError(f"{path.name}: the XPS document is damaged ({exc}).") from exc
    return Extracted(pages=texts)
