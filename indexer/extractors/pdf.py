"""PDF: text per page (PDFium), metadata (pypdf), OCR for pages without a text layer."""

from __future__ import annotations

import logging
import time
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from archive.analysis import has_lam_alef_damage, repair_lam_alef
from indexer.errors import ENCRYPTED, ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.ocr import ocr_image

KIND = "pdf"
MIME_TYPES = ("application/pdf", "application/x-pdf")

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


def _metadata(path: Path) -> dict:
    """Title, author and dates from pypdf; raises ExtractionError only for encryption."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError(
                f"{path.name}: the PDF is password-protected; ask the source for the password "
                f"or an unlocked copy.", reason=ENCRYPTED)
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


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    # NFKC folds Arabic presentation forms and ligatures back to ordinary letters.
    return unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Text of every page; scanned pages go to OCR when enabled.

    Raises ExtractionError (encrypted, corrupt) when the file cannot be opened.
    """
    started = time.monotonic()
    meta = _metadata(path)
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionError(f"{path.name}: the PDF is password-protected.",
                                  reason=ENCRYPTED) from exc
        raise ExtractionError(f"{path.name}: the PDF is damaged and cannot be opened "
                              f"({exc}).") from exc
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
                        ocr_text = ocr_image(image, options.ocr_languages, max(1.0, left))
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
