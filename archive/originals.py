"""Where the original bytes of a document are: its collection file, or its blob for members."""

from __future__ import annotations

from pathlib import Path

from archive.catalog import MEMBER_SEP, Catalog
from archive.config import Settings
from archive.errors import DocumentGoneError
from archive.filenames import real_path
from archive.model import Document


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
