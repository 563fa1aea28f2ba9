"""What a document page shows: a window of pages, highlights, the preview and the citation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from archive.catalog import Catalog
from archive.errors import DocumentNotFoundError
from archive.model import Document, Page
from archive.permalinks import permalink_for
from archive.snippets import matches

PAGE_WINDOW = 10  # pages sent per view; long documents load the next window on demand
RTL_LANGUAGES = ("ar", "fa", "ur", "ps", "he")
PREVIEW_IMAGE = ("image/png", "image/jpeg", "image/gif", "image/webp")
PREVIEW_AUDIO = ("audio/mpeg", "audio/ogg", "audio/x-wav", "audio/wav", "audio/flac",
                 "audio/mp4")
PREVIEW_VIDEO = ("video/mp4", "video/webm", "video/ogg")


@dataclass(frozen=True)
class ShownPage:
    """A page as displayed: text fragments flagged as hits, direction and language."""

    n: int
    fragments: tuple[tuple[str, bool], ...]
    languages: tuple[str, ...]
    hits: int

    @property
    def direction(self) -> str:
        return "rtl" if self.languages and self.languages[0] in RTL_LANGUAGES else "auto"


@dataclass(frozen=True)
class DocumentView:
    """Everything the document page and its JSON twin need."""

    doc: Document
    pages: tuple[ShownPage, ...]
    page: int
    first: int
    last: int
    preview: str | None  # "pdf", "image", "audio", "video" or None
    citation: str

    @property
    def citation_rest(self) -> str:
        """The citation after its opening quote and title, which the page isolates."""
        return self.citation[1 + len(self.doc.display_title):]


def highlight(page: Page, terms: frozenset[str]) -> ShownPage:
    """Split a page's text into fragments, flagging the words that match `terms`."""
    spans = matches(page.text, terms) if terms else []
    fragments, cursor = [], 0
    for start, end in spans:
        fragments += [(page.text[cursor:start], False), (page.text[start:end], True)]
        cursor = end
    fragments.append((page.text[cursor:], False))
    return ShownPage(page.n, tuple(f for f in fragments if f[0]), page.languages, len(spans))


def preview_kind(doc: Document) -> str | None:
    """How a browser can safely show the original: rendered PDF pages, or a media element."""
    if doc.mime == "application/pdf" and doc.status == "ok":
        return "pdf"
    if doc.mime in PREVIEW_IMAGE:
        return "image"
    if doc.mime in PREVIEW_AUDIO:
        return "audio"
    if doc.mime in PREVIEW_VIDEO:
        return "video"
    return None


def citation(doc: Document, archive_name: str, url_root: str, page: int,
             accessed: date | None = None) -> str:
    """A ready-to-paste citation: title, archive, id, page, permalink, SHA-256, access date."""
    accessed = accessed or date.today()
    link = url_root.rstrip("/") + permalink_for(doc.doc_id, page if page > 1 else None)
    page_part = f", page {page} of {doc.page_count}" if doc.page_count > 1 else ""
    return (f"“{doc.display_title}”, {archive_name}, document {doc.doc_id}{page_part}, "
            f"{link} (SHA-256 {doc.sha256}), accessed {accessed.isoformat()}.")


def document_view(catalog: Catalog, doc_id: str, page: int, terms: frozenset[str],
                  archive_name: str, url_root: str) -> DocumentView:
    """The window of pages holding `page` (a page past the end shows the last), highlighted.

    Raises DocumentNotFoundError for a page number below 1, and DocumentNotFoundError /
    DocumentGoneError from the catalog.
    """
    if page < 1:
        raise DocumentNotFoundError(f"Document {doc_id} has no page {page}: pages are "
                                    "numbered from 1.")
    doc = catalog.document(doc_id)
    page = min(page, max(1, doc.page_count))
    first = (page - 1) // PAGE_WINDOW * PAGE_WINDOW + 1
    pages = catalog.pages(doc.doc_id, start=first, count=PAGE_WINDOW)
    last = pages[-1].n if pages else first
    return DocumentView(doc=doc, pages=tuple(highlight(p, terms) for p in pages), page=page,
                        first=first, last=last, preview=preview_kind(doc),
                        citation=citation(doc, archive_name, url_root, page))
