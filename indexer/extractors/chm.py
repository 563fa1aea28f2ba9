"""Compiled HTML help (.chm): its HTML pages become child documents (extract_chmLib)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.tools import children_from_folder, run_tool

KIND = "archive"
MIME_TYPES = ("application/vnd.ms-htmlhelp", "application/x-chm")
_PAGES = (".htm", ".html", ".xhtml", ".txt")


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Unpack a CHM file; its pages are children, page 1 lists them.

    Raises ExtractionError when the file is damaged or libchm-bin is missing, TooLargeError
    past the container size limit.
    """
    with tempfile.TemporaryDirectory() as tmp:
        proc = run_tool(["extract_chmLib", str(path), tmp], path, options, "libchm-bin")
        children, skipped = children_from_folder(
            Path(tmp), path, options, lambda p: p.suffix.lower() in _PAGES)
    if proc.returncode != 0 and not children:
        raise ExtractionError(f"{path.name}: the CHM file is damaged: "
                              f"{proc.stderr.decode('utf-8', 'replace')[:200]}")
    meta = {"members": len(children), **({"skipped": skipped} if skipped else {})}
    return Extracted(pages=["\n".join(c.name for c in children)], children=children,
                     expects_text=False, metadata=meta)
