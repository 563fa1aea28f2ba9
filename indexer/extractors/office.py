"""Office Open XML and OpenDocument files: Word, PowerPoint, Excel (also binary .xlsb),
Writer, Impress, Calc."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from indexer.errors import ENCRYPTED, ExtractionError, TooLargeError
from indexer.extracted import Child, Extracted, ExtractOptions
from indexer.extractors.xlsb import xlsb_pages

KIND = "word"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODP = "application/vnd.oasis.opendocument.presentation"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
XLSB = "application/vnd.ms-excel.sheet.binary.macroenabled.12"
MIME_TYPES = (DOCX, PPTX, XLSX, ODT, ODP, ODS, XLSB)
KINDS = {PPTX: "slides", ODP: "slides", XLSX: "spreadsheet", ODS: "spreadsheet",
         XLSB: "spreadsheet"}

MAX_XML_BYTES = 100 * 1024 * 1024  # one XML part, uncompressed
# Pictures pasted into a document (a scan in a Word file, a slide that is one photo) become
# child documents, read by OCR like any image; bullets and rules under MIN_PICTURE_BYTES
# are left out. The same picture in many documents is one document (ids are content hashes).
PICTURE_FOLDERS = ("word/media/", "ppt/media/", "xl/media/", "Pictures/")
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp")
MIN_PICTURE_BYTES = 2048

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _read(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML_BYTES:
        raise TooLargeError(f"part {name} unpacks to {info.file_size} bytes; limit "
                            f"{MAX_XML_BYTES}.")
    with zf.open(info) as fh:
        data = fh.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise TooLargeError(f"part {name} unpacks past {MAX_XML_BYTES} bytes.")
    return data


def _xml(zf: zipfile.ZipFile, name: str) -> ET.Element | None:
    data = _read(zf, name)
    return None if data is None else ET.fromstring(data)


def _docx_pages(zf: zipfile.ZipFile) -> list[str]:
    root = _xml(zf, "word/document.xml")
    if root is None:
        raise ExtractionError("no word/document.xml: not a Word document")
    pages, lines = [], []
    for para in root.iter(_W + "p"):
        parts = []
        for node in para.iter():
            if node.tag == _W + "t" and node.text:
                parts.append(node.text)
            elif node.tag == _W + "tab":
                parts.append("\t")
            elif node.tag == _W + "br" and node.get(_W + "type") == "page":
                lines.append("".join(parts))
                pages.append("\n".join(lines))
                parts, lines = [], []
        lines.append("".join(parts))
    pages.append("\n".join(lines))
    return [p.strip("\n") for p in pages]


def _pptx_pages(zf: zipfile.ZipFile) -> list[str]:
    names = sorted((n for n in zf.namelist() if re.match(r"ppt/slides/slide\d+\.xml$", n)),
                   key=lambda n: int(re.findall(r"\d+", n)[-1]))
    pages = []
    for name in names:
        root = _xml(zf, name)
        paras = ["".join(t.text or "" for t in p.iter(_A + "t")) for p in root.iter(_A + "p")]
        pages.append("\n".join(p for p in paras if p))
    return pages


def _xlsx_pages(zf: zipfile.ZipFile) -> list[str]:
    shared: list[str] = []
    root = _xml(zf, "xl/sharedStrings.xml")
    if root is not None:
        shared = ["".join(t.text or "" for t in si.iter(_S + "t")) for si in root.iter(_S + "si")]
    names = sorted((n for n in zf.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)),
                   key=lambda n: int(re.findall(r"\d+", n)[-1]))
    pages = []
    for name in names:
        rows = []
        for row in _xml(zf, name).iter(_S + "row"):
            cells = []
            for c in row.iter(_S + "c"):
                v = c.find(_S + "v")
                if c.get("t") == "s" and v is not None and v.text and v.text.isdigit():
                    idx = int(v.text)
                    cells.append(shared[idx] if idx < len(shared) else "")
                elif c.get("t") == "inlineStr":
                    cells.append("".join(t.text or "" for t in c.iter(_S + "t")))
                elif v is not None and v.text:
                    cells.append(v.text)
            rows.append("\t".join(cells))
        pages.append("\n".join(rows))
    return pages


def _odf_pages(zf: zipfile.ZipFile, mime: str) -> list[str]:
    root = _xml(zf, "content.xml")
    if root is None:
        raise ExtractionError("no content.xml: not an OpenDocument file")

    def text_of(el: ET.Element) -> str:
        out = [el.text or ""]
        for child in el:
            if child.tag == _TEXT + "s":
                out.append(" " * int(child.get(_TEXT + "c", "1")))
            elif child.tag == _TEXT + "tab":
                out.append("\t")
            elif child.tag == _TEXT + "line-break":
                out.append("\n")
            else:
                out.append(text_of(child))
            out.append(child.tail or "")
        return "".join(out)

    blocks = (_DRAW + "page",) if mime == ODP else (_TABLE + "table",) if mime == ODS else ()
    if blocks:
        return ["\n".join(text_of(p) for p in block.iter() if p.tag in (_TEXT + "p", _TEXT + "h"))
                for block in root.iter(blocks[0])]
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        return [""]
    return ["\n".join(text_of(p) for p in body.iter() if p.tag in (_TEXT + "p", _TEXT + "h"))]


def _core_metadata(zf: zipfile.ZipFile) -> dict:
    meta: dict = {}
    for name in ("docProps/core.xml", "meta.xml"):
        root = _xml(zf, name)
        if root is None:
            continue
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if el.text and el.text.strip() and tag in (
                    "title", "creator", "initial-creator", "created", "modified", "date",
                    "creation-date", "subject", "description", "lastModifiedBy", "keywords"):
                meta.setdefault(tag, el.text.strip())
    return meta


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Text of a DOCX/PPTX/XLSX/ODT/ODP/ODS file (pages: page breaks, slides, sheets)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            manifest = _read(zf, "META-INF/manifest.xml") or b""
            if "EncryptedPackage" in names or b"encryption-data" in manifest:
                raise ExtractionError(f"{path.name}: the document is password-protected.",
                                      reason=ENCRYPTED)
            mime = _mime_of(zf, names)
            if mime == DOCX:
                pages = _docx_pages(zf)
            elif mime == PPTX:
                pages = _pptx_pages(zf)
            elif mime == XLSX:
                pages = _xlsx_pages(zf)
            elif mime == XLSB:
                pages = xlsb_pages(zf, _read)
            else:
                pages = _odf_pages(zf, mime)
            meta = _core_metadata(zf)
            pictures = _pictures(zf, options)
    except TooLargeError as exc:
        raise TooLargeError(f"{path.name}: {exc}") from exc
    except (zipfile.BadZipFile, ET.ParseError, EOFError, zipfile.LargeZipFile, struct.error,
            ValueError) as exc:
        raise ExtractionError(f"{path.name}: the document is damaged ({exc}).") from exc
    except RuntimeError as exc:  # zipfile: encrypted member
        raise ExtractionError(f"{path.name}: the document is encrypted ({exc}).",
                              reason=ENCRYPTED) from exc
    return Extracted(
        pages=pages or [""], title=meta.pop("title", None),
        author=meta.pop("creator", None) or meta.pop("initial-creator", None),
        created=meta.pop("created", None) or meta.pop("creation-date", None),
        modified=meta.pop("modified", None) or meta.pop("date", None), children=pictures,
        metadata={**meta, **({"pictures": len(pictures)} if pictures else {})})


def _pictures(zf: zipfile.ZipFile, options: ExtractOptions) -> list[Child]:
    pictures, total = [], 0
    for info in sorted(zf.infolist(), key=lambda i: i.filename):
        name = info.filename
        if (not name.startswith(PICTURE_FOLDERS) or not name.lower().endswith(PICTURE_SUFFIXES)
                or info.file_size < MIN_PICTURE_BYTES):
            continue
        if len(pictures) >= options.max_members:
            break
        total += info.file_size
        if total > options.max_container_bytes:
            raise TooLargeError(f"its pictures unpack to more than "
                                f"{options.max_container_bytes // 2**20} MiB (limit).")
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
        if len(data) > info.file_size:  # the zip's directory understates the member
            raise TooLargeError(f"picture {name} is larger than its zip entry says.")
        pictures.append(Child(name.rsplit("/", 1)[-1], data))
    return pictures


def _mime_of(zf: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        declared = (_read(zf, "mimetype") or b"").decode("ascii", "replace").strip()
        if declared in (ODT, ODP, ODS):
            return declared
        if declared.startswith("application/vnd.oasis.opendocument.text"):
            return ODT
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    if "xl/workbook.xml" in names:
        return XLSX
    if "xl/workbook.bin" in names:
        return XLSB
    if "content.xml" in names:
        return ODT
    raise ExtractionError("not an Office Open XML or OpenDocument package")
