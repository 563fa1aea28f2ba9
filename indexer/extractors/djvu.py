"""DjVu scans and books: the text layer per page (djvutxt), else OCR of each page (ddjvu)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image, ImageSequence

from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.ocr import ocr_image
from indexer.tools import run_tool

KIND = "image"
MIME_TYPES = ("image/vnd.djvu", "image/vnd.djvu+multipage", "image/x-djvu")
PACKAGE = "djvulibre-bin"


def _ocr_pages(path: Path, options: ExtractOptions) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        tiff = Path(tmp) / "pages.tif"
        last = options.ocr_max_pages
        proc = run_tool(["ddjvu", "-format=tiff", f"-page=1-{last}", "-quality=150", str(path),
                         str(tiff)], path, options, PACKAGE)
        if proc.returncode != 0 or not tiff.exists():
            raise ExtractionError(f"{path.name}: ddjvu could not render the pages: "
                                  f"{proc.stderr.decode('utf-8', 'replace')[:200]}")
        with Image.open(tiff) as img:
            return [ocr_image(frame.copy(), options.ocr_languages)
                    for frame in ImageSequence.Iterator(img)]


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Text of every page of a DjVu file; pages without a text layer go to OCR when enabled.

    Raises ExtractionError when the file is damaged or djvulibre-bin is missing.
    """
    proc = run_tool(["djvutxt", str(path)], path, options, PACKAGE)
    if proc.returncode != 0:
        raise ExtractionError(f"{path.name}: the DjVu file is damaged: "
                              f"{proc.stderr.decode('utf-8', 'replace')[:200]}")
    pages = proc.stdout.decode("utf-8", "replace").split("\f")
    meta = {}
    if not any(p.strip() for p in pages) and options.ocr:
        pages, meta["ocr_pages"] = _ocr_pages(path, options), "all"
    return Extracted(pages=pages, metadata=meta)
