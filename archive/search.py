"""The search interface (a Protocol) and its Whoosh engine; Xapian is in xapian_index.py."""

from __future__ import annotations

import shutil
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.collectors import TimeLimit
from whoosh.filedb.filestore import FileStorage

from archive.admission import admitted, is_broad
from archive.aliases import AliasTable, default_aliases
from archive.analysis import fold_and_stem
from archive.catalog import Catalog
from archive.deadline import SEARCH_SECONDS, Deadline, DeadlineCollector
from archive.errors import BadQueryError, IndexBusyError, IndexMissingError
from archive.matchers import fast_matchers
from archive.model import Hit, IndexRecord, SearchRequest, SearchResult
from archive.query import (
    CATALOG_FILTERS,
    MATCH_ALL,
    expand_leaves,
    expander,
    parse_query,
    parse_request,
    pin_words,
    query_terms,
)
from archive.schema import index_fields, index_schema
from archive.scoring import live_frequency, ranked_collector
from archive.searchers import FacetArrays, SearcherPool, index_stamp, open_vanishing, shared_pool
from archive.snippets import make_snippets
from archive.writing import Writer

LARGE_BATCH = 500  # below this, one writer process is faster than starting several
DEADLINE = SEARCH_SECONDS  # seconds a query may run before it stops with the hits so far
# facet name -> (index field, one document may hold several values)
FACETS = {"lang": ("lang", True), "type": ("kind", False), "folder": ("folder", True),
          "year": ("year", False), "status": ("status", False), "news": ("news", False)}
# "More like this" reads the start of a document: a 200,000-character text took seconds to
# scan for names alone (measured: 2.4 s of 3.2 s), and its first pages say what it is about.
MORE_LIKE_CHARS = 20_000
SNIPPET_SECONDS = 0.3  # snippets of one page of results
MORE_LIKE_TERMS = 12  # key terms of the document in the query
MORE_LIKE_NAMES, MORE_LIKE_SPELLINGS = 6, 8
MORE_LIKE_COMMON = 0.05  # share of the documents above which a word is left out


@runtime_checkable
class SearchIndex(Protocol):
    """Everything the rest of Docket asks of a search engine (Whoosh, Xapian):
    an engine that offers these methods serves every caller. Opening and creating an index
    is each engine's own (`WhooshIndex(dir)`, `WhooshIndex.open_for_writing(dir)`)."""

    def is_current(self) -> bool:
        """False when the index was built by an older Docket (it is then rebuilt)."""

    def upsert(self, records: Iterable[IndexRecord], procs: int = 1) -> int:
        """Add or replace documents by doc_id; returns how many were written."""

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by doc_id; returns how many ids were asked for."""

    def doc_count(self) -> int:
        """How many documents the index holds."""

    def doc_ids(self) -> set[str]:
        """The ids of every document the index holds."""

    def doc_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """How many documents hold each word (analysed like the content)."""

    def search(self, request: SearchRequest) -> SearchResult:
        """A page of hits with the exact total and facet counts. Raises BadQueryError."""

    def search_all(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of a query in rank order, without snippets. Raises BadQueryError."""

    def highlight_terms(self, query: str, aliases: bool = True,
                        without: tuple[str, ...] = ()) -> frozenset[str]:
        """The index terms a query matches (with the alias spellings `without` leaves out),
        to mark in a document; never raises."""

    def more_like(self, doc_id: str, text: str, limit: int = 10) -> list[Hit]:
        """Documents like the given one (its key terms and its names' other spellings)."""




def _hit(fields: dict, score: float) -> Hit:
    return Hit(doc_id=fields["doc_id"], title=fields.get("title", ""),
               paths=tuple(fields.get("paths", "").split("\n")), kind=fields.get("kind", ""),
               mime=fields.get("mime", ""),
               languages=tuple(x for x in fields.get("lang", "").split(",") if x),
               date=fields["date"].date().isoformat() if fields.get("date") else None,
               page_count=fields.get("pages", 0),
               score=float(score) if isinstance(score, (int, float)) else 0.0)  # sort keys


def _stored_reader(reader) -> Callable[[int], dict]:
    """docnum -> stored fields, read from each segment's own store: half the cost of the
    searcher's stored_fields (22 against 45 us a document), which copies every dict to drop
    fields the schema no longer has, and _hit reads only its own. search_all fetches every
    hit's (news linking asks for the 25,518 naming "letter" of 100,000)."""
    leaves = list(reader.leaf_readers())
    offsets = [offset for _, offset in leaves]
    stores = [getattr(getattr(leaf, "_perdoc", None), "stored_fields", leaf.stored_fields)
              for leaf, _ in leaves]

    def stored(docnum: int) -> dict:
        i = bisect_right(offsets, docnum) - 1
        return stores[i](docnum - offsets[i])

    return stored


def _allowed(reader, facets: dict[str, FacetArrays],
             request: SearchRequest) -> np.ndarray | None:
    """A flag per document number: does it hold every chosen facet value and, when the
    catalog narrowed the search to `doc_ids` (e.g. tags), is it one of them. None when
    nothing narrows the search."""
    allowed: np.ndarray | None = None
    for facet, value in request.filters:
        chosen = facets[facet].mask(value)
        allowed = chosen if allowed is None else allowed & chosen
    if request.doc_ids is not None:
        chosen = np.zeros(reader.doc_count_all(), dtype=bool)
        for doc_id in request.doc_ids:
            if ("doc_id", doc_id) in reader:
                chosen[list(reader.postings("doc_id", doc_id).all_ids())] = True
        allowed = chosen if allowed is None else allowed & chosen
    return allowed


def _collect(searcher, q: wq.Query, request: SearchRequest, sortedby,
             allowed: np.ndarray | None, deadline: Deadline):
    """The ranked results (to page through), the array of matching document numbers, and
    whether the deadline stopped the search."""
    # One pass that scores every match and notes its number beats a top-N pass (skipping
    # blocks that cannot reach the top) plus a pass over every match for the total: the
    # query's matchers are built once (prefixes widen to hundreds of words). Measured at
    # 10,000 documents: 35-45% less CPU for every kind of query but phrases (the same).
    limit = request.page * request.page_size
    collector = DeadlineCollector(
        ranked_collector(searcher, limit) if sortedby is None else
        searcher.collector(limit=limit, sortedby=sortedby, optimize=False), deadline,
        allowed.tobytes() if allowed is not None else None, record=True)
    partial = False
    try:
        searcher.search_with_collector(q, collector)
    except TimeLimit:
        partial = True
    return collector.results(), np.array(collector.seen, dtype=np.int64), partial


def _sort_facet(request: SearchRequest) -> sorting.FacetType | None:
    # Whoosh sorts a missing date as the greatest: put the dated documents first by hand.
    sort = request.sort
    if sort == "relevance" and request.query.strip() in MATCH_ALL:
        sort = "-date"  # every document matches alike: relevance would mean nothing
    if sort not in ("relevance", "date", "-date"):
        raise BadQueryError(f"Unknown sort {request.sort!r}; use relevance, date or -date.")
    return None if sort == "relevance" else sorting.MultiFacet([
        sorting.QueryFacet({0: wq.Every("date")}, other=1),
        sorting.FieldFacet("date", reverse=sort == "-date")])


def _open_existing(storage: FileStorage):
    """The index in `storage`, or None when it holds none."""
    try:
        return storage.open_index()
    except whoosh_index.EmptyIndexError:
        return None


class WhooshIndex:
    """The embedded Whoosh index under var/index, a projection of the catalog."""

    def __init__(self, index_dir: Path, create: bool = False,
                 aliases: AliasTable | None = None):
        self.index_dir = index_dir
        self.aliases = aliases
        self.pool = shared_pool(index_dir)
        # Without mmap: Whoosh's compound segments over mmap copy each file they open into
        # a BytesIO, so every searcher held the whole index in memory (630 MB at 100,000
        # documents, measured; 7 MB read through plain files, for 5-20% more CPU a query).
        storage = FileStorage(str(index_dir), supports_mmap=False)
        ix = open_vanishing(lambda: _open_existing(storage)) if index_dir.is_dir() else None
        if ix is not None:
            self.ix = ix
        elif create:
            index_dir.mkdir(parents=True, exist_ok=True)
            self.ix = storage.create_index(index_schema())
        else:
            raise IndexMissingError(
                f"No search index in {index_dir}. Build it with: docket index <folder> "
                f"--var {index_dir.parent}")

    @classmethod
    def in_memory(cls, aliases: AliasTable | None = None) -> WhooshIndex:
        """A throwaway index in RAM, for tests and one-off comparisons."""
        from whoosh.filedb.filestore import RamStorage

        index = cls.__new__(cls)
        index.index_dir, index.aliases, index.pool = Path(":memory:"), aliases, SearcherPool()
        index.ix = RamStorage().create_index(index_schema())
        return index

    @classmethod
    def recreate(cls, index_dir: Path) -> WhooshIndex:
        """Delete the index folder and start an empty index (for rebuilds and repairs)."""
        shutil.rmtree(index_dir, ignore_errors=True)
        return cls(index_dir, create=True)

    @classmethod
    def open_for_writing(cls, index_dir: Path) -> tuple[WhooshIndex, bool]:
        """Open or create the index; a damaged one is recreated empty.

        Returns (index, repaired): when repaired, the caller must refill it from the catalog.
        """
        try:
            index = cls(index_dir, create=True)
        except (OSError, EOFError, ValueError, KeyError, whoosh_index.IndexError):
            return cls.recreate(index_dir), True
        if not index.is_current():
            return cls.recreate(index_dir), True  # built by an older Docket: refill it
        return index, False

    def is_current(self) -> bool:
        """False when the index was built with another schema or other terms (an older
        Docket)."""
        schema, current = self.ix.schema, index_schema()
        return set(schema.names()) == set(current.names()) and \
            schema["content"].analyzer == current["content"].analyzer

    # writing -------------------------------------------------------------------------------
    def upsert(self, records: Iterable[IndexRecord], procs: int = 1) -> int:
        """Add or replace documents by doc_id in one commit; returns how many were written."""
        records = list(records)
        if not records:
            return 0
        try:
            if procs > 1 and len(records) >= LARGE_BATCH:
                writer = self.ix.writer(procs=procs, multisegment=True, limitmb=128)
            else:
                writer = Writer(self.ix, limitmb=128)
        except whoosh_index.LockError as exc:
            raise IndexBusyError(f"The search index in {self.index_dir} is being written by "
                                 f"another process; try again when it finishes.") from exc
        try:
            # Whoosh's update_document opens a searcher per document to find the old copy:
            # 55 s instead of 6 s for 5,000 documents into a 10,000-document index (measured
            # here). One searcher finds every old copy, then plain adds follow.
            with writer.searcher() as searcher:
                for rec in records:
                    docnum = searcher.document_number(doc_id=rec.doc_id)
                    if docnum is not None:
                        writer.delete_document(docnum)
            for rec in records:
                writer.add_document(**index_fields(rec))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return len(records)

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id in one commit; returns how many ids were asked for."""
        doc_ids = list(doc_ids)
        if not doc_ids:
            return 0
        with self.ix.writer() as writer:
            for doc_id in doc_ids:
                writer.delete_by_term("doc_id", doc_id)
        return len(doc_ids)

    def doc_count(self) -> int:
        """How many documents the index holds."""
        return self.ix.doc_count()

    def doc_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """How many live documents hold each word (as the content field analyses it).

        Whoosh's own document frequencies count replaced and removed copies until segments
        merge, so rarity would drift as the archive is rewritten: deleted postings are left
        out here."""
        with self._searcher() as searcher:
            reader = searcher.reader()
            return {word: live_frequency(reader, "content", fold_and_stem(word))
                    for word in set(words)}

    def doc_ids(self) -> set[str]:
        """The ids of every document the index holds."""
        with self._searcher() as s:
            return {f["doc_id"] for f in s.all_stored_fields()}

    # reading -------------------------------------------------------------------------------
    deadline_seconds = DEADLINE  # tests set a tiny one, or a fake clock, on an instance
    clock = staticmethod(time.monotonic)

    def _deadline(self) -> Deadline:
        return Deadline(self.deadline_seconds, self.clock)

    @contextmanager
    def _searcher(self) -> Iterator:
        """A searcher of the index as it is now, kept open for later searches."""
        on_disk = None if self.index_dir == Path(":memory:") else self.index_dir
        with self.pool.searcher(self.ix, index_stamp(self.ix, on_disk)) as searcher:
            yield searcher

    def _facets(self, reader) -> dict[str, FacetArrays]:
        """Facet arrays of the version `reader` sees, built once per version: counting a
        result set is then a bincount over its document numbers, far cheaper than Whoosh's
        grouping collector (0.9 s a query at 100,000 documents) or sets per value (630 MB)."""
        return self.pool.facets(reader, [(name, field) for name, (field, _) in FACETS.items()
                                         if field in reader.schema])

    def parse(self, text: str) -> wq.Query:
        """Parse the query language (see archive.query.parse_query). Raises BadQueryError."""
        return parse_query(text, self.ix.schema)

    def is_broad(self, request: SearchRequest) -> bool:
        """Whether the request's query is broad (archive.admission): its cost grows with
        the archive. A malformed one is not: searching it says what is wrong at once."""
        try:
            q, _ = self._parse_request(request.query, request.aliases, request.without)
        except BadQueryError:
            return False
        return is_broad(q)

    def _parse_request(self, query: str, aliases: bool,
                       without: tuple[str, ...] = ()) -> tuple[wq.Query, list[str]]:
        # The site asks is_broad, then searches, on one index object per request: the
        # second parse was 7% of the server's CPU under load (py-spy). Queries are not
        # changed in place (pin_words copies), so the last one is kept.
        key = (query, aliases, tuple(without))
        last = getattr(self, "_last_parse", None)
        if last is not None and last[0] == key:
            return last[1][0], list(last[1][1])
        q, expanded = parse_request(query, aliases, self.aliases, self.ix.schema, without)
        self._last_parse = (key, (q, tuple(expanded)))
        return q, list(expanded)

    def _expand(self, q: wq.Query, reader, deadline: Deadline
                ) -> tuple[wq.Query, dict[wq.Query, tuple[str, ...]]]:
        """Read the words of every expanding leaf once, under the deadline, and bind them
        to the query. Raises BadQueryError (too many words) and QueryTimeoutError."""
        def candidates(field: str, literal: str) -> Iterator[str]:
            if field not in reader.schema:
                return
            from_bytes = reader.schema[field].from_bytes
            for btext in reader.expand_prefix(field, literal):
                word = from_bytes(btext)
                if isinstance(word, str):
                    yield word
        words = expand_leaves(q, expander(candidates, deadline), deadline)
        return pin_words(q, words), words

    def highlight_terms(self, query: str, aliases: bool = True,
                        without: tuple[str, ...] = ()) -> frozenset[str]:
        """The index terms a query matches, to mark them in a document; empty when the
        query is empty, malformed or too slow (a document page never fails for it)."""
        try:
            q, _ = self._parse_request(query, aliases, without)
            with self._searcher() as searcher:
                q, words = self._expand(q, searcher.reader(), self._deadline())
        except BadQueryError:
            return frozenset()
        return query_terms(q, lambda leaf: words.get(leaf, ()))

    def search_all(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of a query in rank order, without snippets (for CSV export); it stops
        at the deadline with the hits found so far."""
        q, _ = self._parse_request(request.query, request.aliases, request.without)
        self._filter(request)  # refuses unknown facets
        deadline = self._deadline()
        with admitted(q, deadline), self._searcher() as searcher:
            reader = searcher.reader()
            q, _ = self._expand(q, reader, deadline)
            # Facet arrays only to filter by: building them costs seconds at 100,000
            # documents, and news linking asks for every hit of a name, unfiltered.
            facets = self._facets(reader) if request.filters else {}
            allowed = _allowed(reader, facets, request)
            collector = DeadlineCollector(ranked_collector(searcher, None), deadline,
                                          allowed.tobytes() if allowed is not None else None)
            with suppress(TimeLimit):
                searcher.search_with_collector(q, collector)
            stored = _stored_reader(reader)
            hits = [_hit(stored(hit.docnum), hit.score) for hit in collector.results()]
        yield from hits

    def _filter(self, request: SearchRequest) -> wq.Query | None:
        terms = []
        for facet, value in request.filters:
            if facet not in FACETS:
                raise BadQueryError(f"Unknown filter {facet!r}; use one of "
                                    f"{', '.join(FACETS)}.")
            terms.append(wq.Term(FACETS[facet][0], value))
        if request.doc_ids is not None:  # a restriction the catalog made (archive.findings)
            terms.append(wq.Or([wq.Term("doc_id", d) for d in sorted(request.doc_ids)]))
        return wq.And(terms) if terms else None

    def search(self, request: SearchRequest) -> SearchResult:
        """Run a query: BM25 ranking (title hits count double), or sorted by date; exact
        totals; facet counts over the whole result set. Stops at the deadline with the hits
        found so far (`partial`). Raises BadQueryError for malformed or refused queries,
        QueryTimeoutError when the deadline passes before matching starts.
        """
        deadline = self._deadline()
        q, expanded = self._parse_request(request.query, request.aliases, request.without)
        sortedby = _sort_facet(request)
        self._filter(request)  # refuses unknown facets
        with admitted(q, deadline), self._searcher() as searcher:
            reader = searcher.reader()
            q, words = self._expand(q, reader, deadline)
            arrays = self._facets(reader) if request.facets or request.filters else {}
            values = arrays if request.facets else {}
            allowed = _allowed(reader, arrays, request)
            results, matched, partial = _collect(searcher, fast_matchers(q, deadline), request,
                                                 sortedby, allowed, deadline)
            total = len(matched)
            # Sliced from the top N: Whoosh's ResultsPage asks len(results), which walks
            # every match again (a third of a prefix query's time at 10,000 documents).
            start = (request.page - 1) * request.page_size
            page = results[start:start + request.page_size] \
                if total and request.page <= max(1, -(-total // request.page_size)) else []
            hits = tuple(_hit(h.fields(), h.score) for h in page)
            facets = {name: sorted(arrays.counts(matched).items(),
                                   key=lambda kv: (-kv[1], kv[0]))
                      for name, arrays in values.items()}
        terms = query_terms(q, lambda leaf: words.get(leaf, ()))
        return SearchResult(request=request, total=total, hits=hits, facets=facets,
                            expanded=tuple(expanded), partial=partial, terms=terms)

    def more_like(self, doc_id: str, text: str, limit: int = 10) -> list[Hit]:
        """Documents like the given one: its key terms, plus the other-script spellings of the
        names it mentions (so an Arabic letter finds English reports on the same people).
        Reads the first MORE_LIKE_CHARS of the text and stops at the deadline."""
        deadline = self._deadline()
        text = text[:MORE_LIKE_CHARS]
        with self._searcher() as searcher:
            if not searcher.doc_count():  # Whoosh's key terms divide by it (an index that
                return []  # is being rebuilt can be empty)
            # The text is in the key: a document's is the same until an editor retitles it.
            return self.pool.similar(searcher.reader(), (doc_id, limit, hash(text)),
                                     lambda: self._more_like(searcher, doc_id, text, limit,
                                                             deadline))

    def _more_like(self, searcher, doc_id: str, text: str, limit: int,
                   deadline: Deadline) -> tuple[list[Hit], bool]:
        """The documents like this one, and whether the deadline left the answer whole."""
        docnum = searcher.document_number(doc_id=doc_id)
        keys = searcher.key_terms_from_text("content", text, numterms=MORE_LIKE_TERMS)
        # A word in more than MORE_LIKE_COMMON of the documents (of a large archive)
        # says little about likeness and costs the most to match (علي, Ali: 1.5 s of
        # 2 at 100,000 documents); a small archive is cheap to match whole.
        common = max(MORE_LIKE_COMMON * searcher.doc_count(), 1000)
        parts: list[wq.Query] = [wq.Term("content", word, boost=weight)
                                 for word, weight in keys
                                 if searcher.doc_frequency("content", word) <= common]
        for words in name_spellings(self.aliases or default_aliases(), text):
            if len(words) > 1:
                parts.append(wq.Phrase("content", words))
            elif searcher.doc_frequency("content", words[0]) <= common:
                parts.append(wq.Term("content", words[0]))
        if not parts:
            return [], True
        collector = DeadlineCollector(searcher.collector(limit=limit + 1, optimize=False),
                                      deadline)  # block skipping costs more here
        whole = True
        try:
            searcher.search_with_collector(fast_matchers(wq.Or(parts), deadline), collector)
        except TimeLimit:
            whole = False
        whole = whole and not collector.timedout
        return [_hit(h.fields(), h.score) for h in collector.results()
                if docnum is None or h.docnum != docnum][:limit], whole


def name_spellings(table: AliasTable, text: str) -> list[list[str]]:
    """The other spellings of the names a text mentions, each as its index words (the first
    MORE_LIKE_NAMES names, MORE_LIKE_SPELLINGS spellings each: a bounded query)."""
    out = []
    for entity_id in table.entities_in(text)[:MORE_LIKE_NAMES]:
        for spelling in table.entities[entity_id].spellings[:MORE_LIKE_SPELLINGS]:
            words = [fold_and_stem(w) for w in spelling.split()]
            if all(words):
                out.append(words)
    return out


def search_documents(index: SearchIndex, catalog: Catalog, request: SearchRequest,
                     snippets: int = 3) -> SearchResult:
    """Search, then attach keyword-in-context snippets (with page numbers) to each hit,
    for SNIPPET_SECONDS at most: a broad query's hundreds of words made the snippets of a
    page cost 0.6 s after a search that had used its whole deadline; hits past the budget
    are listed without snippets."""
    result = index.search(request)
    hits, budget = [], Deadline(SNIPPET_SECONDS)
    for hit in result.hits:
        found = make_snippets(catalog.iter_pages(hit.doc_id), result.terms, snippets) \
            if result.terms and not budget.expired() else []
        hits.append(replace(hit, snippets=tuple(found)))
    return replace(result, hits=tuple(hits))


def hit_json(h: Hit) -> dict:
    """The JSON form of one hit, as /search.json, `docket search` and the batch give it."""
    return {"id": h.doc_id, "paths": list(h.paths), "title": h.title, "type": h.kind,
            "languages": list(h.languages), "date": h.date, "page_count": h.page_count,
            "score": round(h.score, 4),
            "snippets": [{"page": s.page, "text": s.text, "html": s.html} for s in h.snippets]}


def search_json(result: SearchResult) -> dict:
    """The JSON form of a result, shared by `docket search --json` and /search.json."""
    return {
        "query": result.query, "total": result.total, "page": result.page,
        "pages": result.pages, "partial": result.partial,
        "notice": result.notice, "expanded": list(result.expanded),
        "hits": [hit_json(h) for h in result.hits],
        "facets": {name: [{"value": v, "count": n} for v, n in values]
                   for name, values in result.facets.items()},
    }


def parse_filters(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Turn "lang:ar"-style strings into (facet, value) filters; BadQueryError if malformed."""
    out = []
    for pair in pairs:
        facet, sep, value = pair.partition(":")
        if not sep or not value or (facet not in FACETS and facet not in CATALOG_FILTERS):
            raise BadQueryError(f"Filter {pair!r} should look like lang:ar, type:pdf, "
                                f"folder:letters, year:2010 or status:ok.")
        out.append((facet, value))
    return tuple(out)
