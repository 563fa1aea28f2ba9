"""PDF pages rendered to PNG on the server, cached under var/previews, for safe previews."""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2 as pdfium

from archive.errors import DocumentNotFoundError

PREVIEW_WIDTH = 900  # pixels


def pdf_page_png(pdf_path: Path, sha256: str, page: int, cache_dir: Path) -> Path:
    """A PNG of one PDF page (1-based), rendered once and then served from the cache.

    Raises DocumentNotFoundError when the page does not exist or cannot be rendered.
    """
    target = cache_dir / sha256[:2] / sha256 / f"{page}.png"
    if target.exists():
        return target
    try:
        pdf = pdfium.PdfDocument(pdf_path)
    except pdfium.PdfiumError as exc:
        raise DocumentNotFoundError(f"The PDF cannot be rendered: {exc}") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise DocumentNotFoundError(f"The document has no page {page}.")
        pdf_page = pdf[page - 1]
        scale = PREVIEW_WIDTH / max(pdf_page.get_width(), 1)
        image = pdf_page.render(scale=min(scale, 4)).to_pil()
        pdf_page.close()
    finally:
        pdf.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{page}.{os.getpid()}.png")
    image.save(tmp, "PNG", optimize=True)
    os.replace(tmp, target)
    return target
