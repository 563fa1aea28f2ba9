"""Other word-processor and publishing files LibreOffice reads: WordPerfect, Works, Write,
Publisher, StarOffice. Converted to text headless, within the file's time limit."""

from __future__ import annotations

import tempfile
from pathlib import Path

import olefile

from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors import pdf
from indexer.extractors.text import paginate
from indexer.tools import soffice_convert

KIND = "word"
PUBLISHER = "application/x-mspublisher"
WORKS = "application/vnd.ms-works"
TEXT_TYPES = ("application/vnd.wordperfect", "application/x-wordperfect",
              "application/wordperfect", "application/x-mswrite", WORKS,
              "application/vnd.sun.xml.writer")
MIME_TYPES = (*TEXT_TYPES, PUBLISHER)


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Text of the document; Publisher pages go through PDF (one page per page).

    Raises ExtractionError when LibreOffice is missing or cannot read the file.
    """
    with tempfile.TemporaryDirectory() as tmp:
        if _is_publisher(path):
            return pdf.extract(soffice_convert(path, options, "pdf", Path(tmp)), options)
        converted = soffice_convert(path, options, "txt:Text (encoded):UTF8", Path(tmp))
        return Extracted(pages=paginate(converted.read_text("utf-8-sig", "replace")),
                         metadata={"converted_with": "LibreOffice"})


def _is_publisher(path: Path) -> bool:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("Quill")
    except (OSError, ValueError):  # not OLE2: WordPerfect, Write, StarOffice
        return False
