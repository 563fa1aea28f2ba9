"""The reader of one document: the hits of a query with their pages, the next and previous
hit, and the way back to the result list the document was opened from."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from archive.errors import BadQueryError
from archive.model import Page, SearchRequest, spellings_left_out
from archive.query import MATCH_ALL
from archive.search import SearchIndex, parse_filters
from archive.snippets import matches, passage

MAX_LISTED = 100  # hits listed with their context; the others are counted and reachable
SCAN_CHARS = 1_000_000  # text read for hits: about 500 pages of a scanned letter, 0.1 s
MAX_RANK = 1000  # deepest result whose neighbours are looked up for next/previous result


@dataclass(frozen=True)
class DocumentHit:
    """One occurrence of the query in the document: its number (1-based), page, context."""

    n: int
    page: int
    fragments: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class DocumentHits:
    """The hits of a query in one document, counted page by page within SCAN_CHARS."""

    total: int = 0
    listed: tuple[DocumentHit, ...] = ()
    # (page, number of its first hit, hits on it) for every page with a hit, in page order
    pages: tuple[tuple[int, int, int], ...] = ()
    complete: bool = True  # False: the budget ran out before the last page
    pages_read: int = 0

    @property
    def more(self) -> int:
        """Hits counted but not listed."""
        return self.total - len(self.listed)

    @property
    def first_page(self) -> int | None:
        return self.pages[0][0] if self.pages else None

    def page_of(self, n: int) -> int | None:
        """The page holding hit `n`, None when there is no such hit."""
        if not 1 <= n <= self.total:
            return None
        i = bisect_right([first for _, first, _ in self.pages], n) - 1
        return self.pages[i][0]

    def on_page(self, page: int) -> int:
        """How many hits page `page` holds."""
        return next((count for p, _, count in self.pages if p == page), 0)

    def first_on(self, page: int) -> int | None:
        """The number of the first hit on `page`, None when it holds none (or was not read)."""
        return next((first for p, first, _ in self.pages if p == page), None)

    def nearest(self, page: int) -> tuple[int | None, int | None]:
        """(last hit before `page`, first hit after it)."""
        before = [first + count - 1 for p, first, count in self.pages if p < page]
        after = [first for p, first, _ in self.pages if p > page]
        return (before[-1] if before else None), (after[0] if after else None)


@dataclass(frozen=True)
class HitPosition:
    """Where the reader is among the hits: the current hit and its neighbours (numbers)."""

    current: int | None = None
    previous: int | None = None
    next: int | None = None


def find_hits(pages: Iterable[Page], terms: frozenset[str], listed: int = MAX_LISTED,
              budget: int | None = None) -> DocumentHits:
    """Count the words matching `terms` (the terms the search highlights) page by page,
    with the context of the first `listed`. Pages are read whole until `budget` characters
    (default SCAN_CHARS) have been read; `pages` may be lazy and is not read past that."""
    if not terms:
        return DocumentHits()
    budget = SCAN_CHARS if budget is None else budget
    found: list[DocumentHit] = []
    by_page: list[tuple[int, int, int]] = []
    total = read = last = 0
    complete = True
    for page in pages:
        if read >= budget:
            complete = False
            break
        spans = matches(page.text, terms)
        if spans:
            by_page.append((page.n, total + 1, len(spans)))
            for i in range(min(len(spans), listed - len(found))):
                found.append(DocumentHit(total + i + 1, page.n, passage(page.text, spans, i)))
            total += len(spans)
        read += len(page.text)
        last = page.n
    return DocumentHits(total, tuple(found), tuple(by_page), complete, last)


def hit_position(hits: DocumentHits, page: int, hit: int | None = None) -> HitPosition:
    """The current hit on `page`: `hit` when it is on that page, else the page's first hit;
    with none on the page, the hits before and after it."""
    current = hit if hit is not None and hits.page_of(hit) == page else hits.first_on(page)
    if current is None:
        previous, following = hits.nearest(page)
        return HitPosition(None, previous, following)
    return HitPosition(current, current - 1 if current > 1 else None,
                       current + 1 if current < hits.total else None)


@dataclass(frozen=True)
class ResultLink:
    """A neighbour in the result list: its document, rank and the results page listing it."""

    doc_id: str
    title: str
    rank: int
    back: str


@dataclass(frozen=True)
class Trail:
    """The way back to a result list: its URL, its query, the document's rank in it and
    its neighbours there. Empty when the document was not opened from a result list."""

    back: str = ""
    query: str = ""
    rank: int | None = None
    aliases: bool = True  # the result list's alias widening, and the spellings it left out
    without: tuple[str, ...] = ()
    previous: ResultLink | None = None
    next: ResultLink | None = None

    def params(self, query: str) -> dict[str, str | int]:
        """The URL parameters a reader's own links carry: the query read and the trail."""
        params = {"q": query, "back": self.back, "rank": self.rank}
        return {k: v for k, v in params.items() if v}


def results_request(back: str, search_path: str, page_size: int) -> SearchRequest | None:
    """The search a results URL (`search_path?q=…&f=…&sort=…`) asks for, None for another
    page or malformed filters."""
    parts = urlsplit(back)
    if parts.path != search_path:
        return None
    args = parse_qs(parts.query, keep_blank_values=True)
    query = args.get("q", [""])[0]
    sort = args.get("sort", [""])[0] or ("-date" if query.strip() in MATCH_ALL else "relevance")
    try:
        filters = parse_filters(args.get("f", []))
    except BadQueryError:
        return None
    return SearchRequest(query=query, page_size=page_size, sort=sort, filters=filters,
                         aliases=args.get("aliases", [""])[0] != "off",
                         without=spellings_left_out(args.get("without", [])))


def results_page_url(back: str, page: int) -> str:
    """`back` (a local results URL) turned to results page `page`."""
    parts = urlsplit(back)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    if page > 1:
        pairs.append(("page", str(page)))
    return f"{parts.path}?{urlencode(pairs)}" if pairs else parts.path


def trail_for(index: SearchIndex, doc_id: str, back: str, search_path: str,
              rank: int | None, page_size: int) -> Trail:
    """The trail of a document opened from the results at `back` (a local URL, already
    checked) as result number `rank`: the search is run again for its neighbours, which
    are left out when the document is no longer at that rank."""
    if not back:
        return Trail()
    request = results_request(back, search_path, page_size)
    if request is None:
        return Trail(back)
    found = Trail(back, request.query, aliases=request.aliases, without=request.without)
    if rank is None or not 1 <= rank <= MAX_RANK:
        return found
    try:
        hits = index.search(replace(request, page=1, page_size=rank + 1)).hits
    except BadQueryError:
        return found
    if len(hits) < rank or hits[rank - 1].doc_id != doc_id:
        return found

    def link(r: int) -> ResultLink | None:
        if not 1 <= r <= len(hits):
            return None
        return ResultLink(hits[r - 1].doc_id, hits[r - 1].title, r,
                          results_page_url(back, (r - 1) // page_size + 1))

    return replace(found, rank=rank, previous=link(rank - 1), next=link(rank + 1))
