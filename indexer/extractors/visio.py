"""Visio drawings: shape text of .vsdx (zip of XML) and of legacy .vsd (via LibreOffice)."""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from indexer.errors import TOO_LARGE, ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors import pdf
from indexer.tools import soffice_convert

KIND = "drawing"
VSDX = ("application/vnd.ms-visio.drawing.main+xml", "application/vnd.ms-visio.drawing",
        "application/vnd.visio2013")
VSD = ("application/vnd.visio", "application/x-visio")
MIME_TYPES = (*VSDX, *VSD)
_PAGE = re.compile(r"visio/pages/page(\d+)\.xml$")
MAX_XML = 64 * 2**20  # one page's XML; a drawing past it is a bomb


def _page_text(data: bytes) -> str:
    root = ElementTree.fromstring(data)
    texts = ["".join(el.itertext()).strip() for el in root.iter()
             if el.tag.rsplit("}", 1)[-1] == "Text"]
    return "\n".join(t for t in texts if t)


def _vsdx(path: Path) -> Extracted:
    pages, title = [], None
    with zipfile.ZipFile(path) as zf:
        names = sorted((int(m.group(1)), n) for n in zf.namelist() if (m := _PAGE.search(n)))
        for _, name in names:
            if zf.getinfo(name).file_size > MAX_XML:
                raise ExtractionError(f"{path.name}: page {name} is too large to read.",
                                      reason=TOO_LARGE)
            pages.append(_page_text(zf.read(name)))
        if "docProps/core.xml" in zf.namelist():
            core = ElementTree.fromstring(zf.read("docProps/core.xml"))
            title = next((el.text for el in core.iter() if el.tag.endswith("}title")), None)
    return Extracted(pages=pages, title=title)


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Shape text per page; a legacy .vsd is converted to PDF with LibreOffice first.

    Raises ExtractionError when the drawing is damaged or LibreOffice is missing.
    """
    try:
        if zipfile.is_zipfile(path):
            return _vsdx(path)
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError) as exc:
        raise ExtractionError(f"{path.name}: the Visio drawing is damaged ({exc}).") from exc
    with tempfile.TemporaryDirectory() as tmp:
        converted = soffice_convert(path, options, "pdf", Path(tmp))
        return pdf.extract(converted, options)
