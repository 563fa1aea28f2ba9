"""What a document page shows: a window of pages, highlights and hits, thumbnails, the
preview and the citation."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import date

from archive.catalog import Catalog
from archive.errors import DocumentNotFoundError
from archive.model import Document, Page
from archive.permalinks import permalink_for
from archive.previews import can_render
from archive.reader import DocumentHits, HitPosition, find_hits, hit_position
from archive.snippets import matches

PAGE_WINDOW = 10  # pages sent per view; long documents load the next window on demand
THUMB_WINDOW = 30  # page thumbnails listed around the current page
RTL_LANGUAGES = ("ar", "fa", "ur", "ps", "he")
PREVIEW_IMAGE = ("image/png", "image/jpeg", "image/gif", "image/webp")
PREVIEW_AUDIO = ("audio/mpeg", "audio/ogg", "audio/x-wav", "audio/wav", "audio/flac",
                 "audio/mp4")
PREVIEW_VIDEO = ("video/mp4", "video/webm", "video/ogg")


@dataclass(frozen=True)
class ShownPage:
    """A page as displayed: text fragments flagged as hits (with the hit's number in the
    document, None when it was not counted), direction and language."""

    n: int
    fragments: tuple[tuple[str, bool, int | None], ...]
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
    hits: DocumentHits = field(default_factory=DocumentHits)
    position: HitPosition = field(default_factory=HitPosition)
    thumbnails: tuple[int, ...] = ()  # pages whose thumbnails are listed

    @property
    def citation_rest(self) -> str:
        """The citation after its opening quote and title, which the page isolates."""
        return self.citation[1 + len(self.doc.display_title):]


def highlight(page: Page, terms: frozenset[str], first_hit: int | None = None) -> ShownPage:
    """Split a page's text into fragments, flagging the words that match `terms`, numbered
    from `first_hit` when it is given."""
    spans = matches(page.text, terms) if terms else []
    fragments, cursor = [], 0
    for i, (start, end) in enumerate(spans):
        number = first_hit + i if first_hit is not None else None
        fragments += [(page.text[cursor:start], False, None), (page.text[start:end], True, number)]
        cursor = end
    fragments.append((page.text[cursor:], False, None))
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


def checked_page(doc: Document, page: int | None) -> int:
    """`page` when the document has it (a document without text has a page 1).

    Raises DocumentNotFoundError naming the pages it has.
    """
    pages = max(1, doc.page_count)
    if page is None or not 1 <= page <= pages:
        raise DocumentNotFoundError(
            f"Document {doc.doc_id} has no page {page if page is not None else '(none given)'}"
            f": its pages are numbered 1 to {pages}.")
    return page


def thumbnail_pages(doc: Document, page: int) -> tuple[int, ...]:
    """The pages whose thumbnails a view lists: up to THUMB_WINDOW around `page`, for
    PDFs and scans of more than one page."""
    if doc.page_count < 2 or not can_render(doc.mime) or doc.status != "ok":
        return ()
    start = max(1, min(page - THUMB_WINDOW // 2, doc.page_count - THUMB_WINDOW + 1))
    return tuple(range(start, min(doc.page_count, start + THUMB_WINDOW - 1) + 1))


def document_view(catalog: Catalog, doc_id: str, page: int | None, terms: frozenset[str],
                  archive_name: str, url_root: str, hit: int | None = None) -> DocumentView:
    """The window of pages holding `page` (a page past the end shows the last), with the
    hits of `terms` counted and numbered. Without a page it opens at hit `hit`, else at the
    first hit, else at page 1.

    Raises DocumentNotFoundError for a page number below 1, and DocumentNotFoundError /
    DocumentGoneError from the catalog.
    """
    if page is not None and page < 1:
        raise DocumentNotFoundError(f"Document {doc_id} has no page {page}: pages are "
                                    "numbered from 1.")
    doc = catalog.document(doc_id)
    with closing(catalog.iter_pages(doc.doc_id)) as all_pages:
        hits = find_hits(all_pages, terms)
    if page is None:
        page = (hits.page_of(hit) if hit else None) or hits.first_page or 1
    page = min(page, max(1, doc.page_count))
    first = (page - 1) // PAGE_WINDOW * PAGE_WINDOW + 1
    pages = catalog.pages(doc.doc_id, start=first, count=PAGE_WINDOW)
    last = pages[-1].n if pages else first
    shown = tuple(highlight(p, terms, hits.first_on(p.n)) for p in pages)
    return DocumentView(doc=doc, pages=shown, page=page, first=first, last=last,
                        preview=preview_kind(doc),
                        citation=citation(doc, archive_name, url_root, page), hits=hits,
                        position=hit_position(hits, page, hit),
                        thumbnails=thumbnail_pages(doc, page))
