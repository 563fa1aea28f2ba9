"""PDF: text per page (PDFium), metadata (pypdf), OCR for pages without a text layer."""

from __future__ import annotations

import logging
import time
import unicodedata
import zlib
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from archive.analysis import has_lam_alef_damage, repair_lam_alef
from indexer.errors import ENCRYPTED, ExtractionError, TooLargeError
from indexer.extracted import Extracted, ExtractOptions
from indexer.ocr import ocr_image
from indexer.tools import run_tool

KIND = "pdf"
MIME_TYPES = ("application/pdf", "application/x-pdf")

# Inflated drawing instructions one page may hold. PDFium needs some 15 times their size in
# memory (measured: 64 MiB of content streams peak at 1 GB and 17 s, 128 MiB at 1.9 GB and
# 41 s, 200 MiB abort PDFium under the 3 GiB default limit), so a flate bomb is refused here,
# before PDFium reads it, instead of crashing its worker.
MAX_PAGE_CONTENT_BYTES = 64 * 2**20
INFLATE_STEP = 2**20  # bytes inflated at a time while measuring: memory stays flat
MIN_PAGE_CHARS = 8  # a page with fewer letters than this is taken as a scan
OCR_SHARE_OF_TIME_LIMIT = 0.75  # stop OCR in time to keep the pages already read

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes would flood the terminal

# pypdf raises a wide range of built-in errors on malformed files; metadata is optional,
# so these only cost us the metadata, never the text.
_PYPDF_FAILURES = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
                   RecursionError, AssertionError, OSError, NotImplementedError)


def _pdf_date(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    raw = str(value)
    if raw.startswith("D:"):
        raw = raw[2:]
    digits = "".join(ch for ch in raw[:14] if ch.isdigit())
    if len(digits) >= 8:
        out = f"{digits[0:4]}-{digits[4:6]}-{digits[6:8]}"
        if len(digits) >= 14:
            out += f"T{digits[8:10]}:{digits[10:12]}:{digits[12:14]}"
        return out
    return None


def _inflated_size(stream, budget: int) -> int:
    """Bytes a Flate stream inflates to, counted up to just past `budget` (0 for others)."""
    filters = stream.get("/Filter")
    first = filters[0] if isinstance(filters, list) and filters else filters
    data = getattr(stream, "_data", None)
    if first not in ("/FlateDecode", "/Fl") or not isinstance(data, bytes):
        return 0
    inflater, size = zlib.decompressobj(), 0
    try:
        while size <= budget:
            out = inflater.decompress(data, INFLATE_STEP)
            size += len(out)
            data = inflater.unconsumed_tail
            if not out and not data:
                break
    except zlib.error:
        pass  # damaged data: PDFium decides what it can read of it
    return size


def _resolved(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _page_streams(page) -> list:
    """The content streams of a page and of the form XObjects it draws (one level down)."""
    contents = _resolved(page.get("/Contents"))
    streams = [_resolved(c) for c in contents] if isinstance(contents, list) else [contents]
    resources = _resolved(page.get("/Resources")) or {}
    for ref in (_resolved(resources.get("/XObject")) or {}).values():
        obj = _resolved(ref)
        if obj.get("/Subtype") == "/Form":
            streams.append(obj)
    return [s for s in streams if hasattr(s, "get")]


def _refuse_bombs(reader: PdfReader, name: str) -> None:
    """Raise TooLargeError when a page's drawing instructions inflate past the limit."""
    for n, page in enumerate(reader.pages, 1):
        left = MAX_PAGE_CONTENT_BYTES
        try:
            for stream in _page_streams(page):
                left -= _inflated_size(stream, left)
                if left < 0:
                    break
        except _PYPDF_FAILURES:
            continue  # a malformed page: PDFium decides what it can read of it
        if left < 0:
            raise TooLargeError(
                f"{name}: page {n} inflates to more than {MAX_PAGE_CONTENT_BYTES // 2**20} "
                f"MiB of drawing instructions (a compression bomb, or a page no reader can "
                f"hold in memory); not read.")


def _metadata(path: Path) -> dict:
    """Title, author and dates from pypdf; raises ExtractionError for encryption and
    TooLargeError for a page that inflates past MAX_PAGE_CONTENT_BYTES."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError(
                f"{path.name}: the PDF is password-protected; ask the source for the password "
                f"or an unlocked copy.", reason=ENCRYPTED)
        _refuse_bombs(reader, path.name)
        info = reader.metadata or {}
        out = {
            "title": (info.get("/Title") or "").strip() or None,
            "author": (info.get("/Author") or "").strip() or None,
            "created": _pdf_date(info.get("/CreationDate")),
            "modified": _pdf_date(info.get("/ModDate")),
            "producer": (info.get("/Producer") or "").strip() or None,
            "creator": (info.get("/Creator") or "").strip() or None,
            "encrypted": bool(reader.is_encrypted),
        }
        return {k: str(v) if isinstance(v, str) else v for k, v in out.items()}
    except FileNotDecryptedError as exc:
        raise ExtractionError(f"{path.name}: the PDF is password-protected.",
                              reason=ENCRYPTED) from exc
    except _PYPDF_FAILURES as exc:
        return {"metadata_error": f"{type(exc).__name__}: {exc}"[:300]}


def is_garbled(text: str) -> bool:
    """True when a text layer is mostly control or private-use characters, as PDFs with
    broken font encodings (often Urdu Nastaliq) produce; such pages are read by OCR."""
    chars = [ch for ch in text if not ch.isspace()]
    if len(chars) < MIN_PAGE_CHARS:
        return False
    bad = sum(1 for ch in chars if unicodedata.category(ch) in ("Cc", "Co", "Cn")
              or ch == "\ufffd")
    return bad / len(chars) > 0.05


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionError(f"{path.name}: the PDF is password-protected.",
                                  reason=ENCRYPTED) from exc
        raise ExtractionError(f"{path.name}: the PDF is damaged and cannot be opened "
                              f"({exc}).") from exc


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    # NFKC folds Arabic presentation forms and ligatures back to ordinary letters.
    return unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _poppler(path: Path, options: ExtractOptions, refused: ExtractionError) -> Extracted:
    """The pages of an encrypted PDF that pypdf or PDFium will not open without a password,
    read by Poppler's pdftotext, which opens some of them (AES-256 files whose text needs no
    user password); re-raises `refused` when it cannot either."""
    try:
        proc = run_tool(["pdftotext", "-enc", "UTF-8", str(path), "-"], path, options,
                        "poppler-utils")
    except ExtractionError:
        raise refused from None
    pages = [unicodedata.normalize("NFKC", p).strip("\n")
             for p in proc.stdout.decode("utf-8", "replace").split("\f")]
    while pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed
    if proc.returncode != 0 or not any(p.strip() for p in pages):
        raise refused
    return Extracted(pages=pages, metadata={"encrypted": True,
                                            "read_by": "pdftotext (Poppler): PDFium and pypdf "
                                                       "asked for a password"})


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Text of every page; scanned pages go to OCR when enabled.

    Raises ExtractionError (encrypted, corrupt) when the file cannot be opened.
    """
    started = time.monotonic()
    try:
        meta = _metadata(path)
        pdf = _open(path)
    except ExtractionError as exc:
        if exc.reason != ENCRYPTED:
            raise
        return _poppler(path, options, exc)
    pages: list[str] = []
    ocr_pages: list[int] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                text = _page_text(page)
                letters = sum(ch.isalnum() for ch in text)
                budget_left = (time.monotonic() - started
                               < options.time_limit * OCR_SHARE_OF_TIME_LIMIT)
                if ((letters < MIN_PAGE_CHARS or is_garbled(text)) and options.ocr
                        and len(ocr_pages) < options.ocr_max_pages):
                    if budget_left:
                        image = page.render(scale=options.ocr_dpi / 72).to_pil()
                        left = options.time_limit * OCR_SHARE_OF_TIME_LIMIT - (
                            time.monotonic() - started)
                        ocr_text = ocr_image(
                            image, options.ocr_languages, max(1.0, left), dpi=options.ocr_dpi,
                            sharper=lambda p=page: p.render(
                                scale=2 * options.ocr_dpi / 72).to_pil())
                        # A short text layer ("A B C" on a drawing) beats OCR finding less.
                        if is_garbled(text) or sum(ch.isalnum() for ch in ocr_text) >= letters:
                            text = ocr_text
                        ocr_pages.append(i + 1)
                    else:
                        meta["ocr_stopped_at_page"] = meta.get("ocr_stopped_at_page", i + 1)
                pages.append(text)
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"{path.name}: the PDF is damaged ({exc}).") from exc
    finally:
        pdf.close()
    if ocr_pages:
        meta["ocr_pages"] = ocr_pages
    if has_lam_alef_damage("\n".join(pages)):
        pages = [repair_lam_alef(p) for p in pages]
        meta["repaired"] = "lam-alef order of the text layer"
    return Extracted(pages=pages, title=meta.pop("title", None), author=meta.pop("author", None),
                     created=meta.pop("created", None), modified=meta.pop("modified", None),
                     metadata={k: v for k, v in meta.items() if v not in (None, "")})
