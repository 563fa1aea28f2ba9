"""Where the original bytes of a document are: its collection file, or its blob for members."""

from __future__ import annotations

import re
from pathlib import Path

from archive.catalog import MEMBER_SEP, Catalog
from archive.config import Settings
from archive.errors import DocumentGoneError
from archive.filenames import real_path
from archive.model import Document

SCAN_BYTES = 4 * 1024 * 1024  # read from each end of a PDF when looking for scripts
# A PDF name token: a slash, then regular characters up to a delimiter or white space.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Names that run script: a JavaScript action (also what makes an /OpenAction run script)
# and additional actions, fired by opening pages, fields or the document.
SCRIPT_NAMES = frozenset({b"JavaScript", b"JS", b"AA"})


def original_path(settings: Settings, catalog: Catalog, doc: Document) -> Path:
    """A readable file holding the document's bytes, checked against its SHA-256 size.

    Paths come only from the catalog, never from a URL, and must stay inside the collection
    folder or the blob store. Raises DocumentGoneError when no copy is left.
    """
    root = Path(catalog.meta("collection") or ".").resolve()
    candidates = [real_path(root, p) for p in doc.paths if MEMBER_SEP not in p]
    candidates.append(settings.blob_dir / doc.sha256[:2] / doc.sha256)
    for path in candidates:
        resolved = path.resolve()
        inside = resolved.is_relative_to(root) or resolved.is_relative_to(
            settings.blob_dir.resolve())
        if inside and resolved.is_file() and resolved.stat().st_size == doc.size:
            return resolved
    raise DocumentGoneError(f"The original bytes of {doc.doc_id} are no longer on disk.",
                            document=doc)


def has_pdf_script(path: Path) -> bool:
    """True when the PDF's first or last SCAN_BYTES name JavaScript or additional actions
    (`/JavaScript`, `/JS`, `/AA`, also spelled with #xx escapes).

    A cheap byte scan, not a parse: names inside compressed object streams or in the
    middle of a very large file are not seen.
    """
    with path.open("rb") as file:
        data = file.read(SCAN_BYTES)
        size = file.seek(0, 2)
        if size > SCAN_BYTES:
            start = max(SCAN_BYTES, size - SCAN_BYTES)
            file.seek(start)
            data += (b"" if start == SCAN_BYTES else b" ") + file.read(SCAN_BYTES)
    for match in _PDF_NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = _HEX_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1).decode()), name)
        if name in SCRIPT_NAMES:
            return True
    return False
