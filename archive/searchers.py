"""Whoosh searchers kept open between searches, and each index version's facet arrays."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from archive.bounded import Bounded
from archive.errors import IndexBusyError
from archive.scoring import weighting

T = TypeVar("T")

OPEN_ATTEMPTS = 5  # tries to open an index whose files an indexer commit removed meanwhile
IDLE_SEARCHERS = 16  # waitress answers with 8 threads; searchers idle beyond this are closed
FACET_VERSIONS = 2  # index versions whose facet arrays are kept (a search may still use the old)
SIMILAR_KEPT = 4096  # "more like this" answers kept for the current index version
SIMILAR_WAIT = 3.0  # seconds to wait for the same answer being worked out (its deadline is 2)


@dataclass(frozen=True)
class FacetArrays:
    """One facet over one index version: every document's combination of values as one
    code, so counting a result set's values is one `bincount` over its document numbers
    (no Python object per match). About 4 bytes per document."""

    codes: np.ndarray  # int32 per document number: an index into combos
    combos: tuple[tuple[str, ...], ...]  # the value combinations documents hold; 0 is none

    def counts(self, matched: np.ndarray) -> dict[str, int]:
        """How many of the `matched` document numbers hold each value (zeros left out)."""
        per_combo = np.bincount(self.codes[matched], minlength=len(self.combos))
        out: dict[str, int] = {}
        for code in np.flatnonzero(per_combo):
            for value in self.combos[code]:
                out[value] = out.get(value, 0) + int(per_combo[code])
        return out

    def mask(self, value: str) -> np.ndarray:
        """A flag per document number: does it hold `value`."""
        return np.isin(self.codes, [i for i, combo in enumerate(self.combos) if value in combo])


def _docnums(matcher) -> np.ndarray:
    return np.fromiter(matcher.all_ids(), dtype=np.int64)


def build_facet(reader, field: str) -> FacetArrays:
    """The facet arrays of one keyword field, read from its postings (deleted documents
    hold no value). Documents holding several values get one code per combination, found
    from a bitset per document (64 values a word), so any field shape counts exactly."""
    size = reader.doc_count_all()
    terms = list(reader.lexicon(field))
    values = [t.decode("utf-8") if isinstance(t, bytes) else t for t in terms]
    bits = np.zeros((size, max(1, -(-len(values) // 64))), dtype=np.uint64)
    for j, term in enumerate(terms):
        docs = _docnums(reader.postings(field, term))
        bits[docs, j // 64] |= np.uint64(1 << (j % 64))
    if size == 0:
        return FacetArrays(np.zeros(0, dtype=np.int32), ((),))
    combos, codes = np.unique(bits, axis=0, return_inverse=True)
    names = tuple(tuple(values[w * 64 + b] for w, word in enumerate(row) for b in range(64)
                        if int(word) >> b & 1) for row in combos)
    return FacetArrays(codes.reshape(-1).astype(np.int32), names)


def version_of(reader) -> tuple:
    """What identifies the document numbering and deletions a reader sees: its segments and
    their deletion counts (a commit that only deletes changes the latter)."""
    leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    return tuple((sub.segment().segment_id(), sub.segment().deleted_count(), offset)
                 for sub, offset in leaves if sub.segment() is not None)  # None: empty index


class SearcherPool:
    """Open searchers of one index, reused between searches and refreshed when the index
    changes. A searcher serves one search at a time (Whoosh's posting readers seek and read
    a shared file, so two threads must not read through one), but is never reopened while
    the index stays the same. Facet arrays are built once per index version under a lock,
    so concurrent first searches wait for one build instead of each making their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: object = None
        self._idle: list = []
        self._facets: dict[tuple, dict[str, FacetArrays]] = {}
        self._facet_lock = threading.Lock()
        self._closed = False
        self.builds = 0  # how many facet builds ran (tests count them)
        self._similar = Bounded(SIMILAR_KEPT)
        self._similar_version: tuple | None = None
        self._similar_working: dict[tuple, threading.Event] = {}
        self.similar_computed = 0  # how many "more like this" answers were worked out

    @contextmanager
    def searcher(self, ix, stamp: object) -> Iterator:
        """A searcher of the index as of `stamp` (a cheap mark of its current version,
        see index_stamp), taken from the idle ones or opened; returned after the block."""
        stale: list = []
        with self._lock:
            if stamp != self._generation:
                stale, self._idle, self._generation = self._idle, [], stamp
            searcher = self._idle.pop() if self._idle else None
        _close_all(stale)
        if searcher is None:
            searcher = open_vanishing(lambda: ix.searcher(weighting=weighting(ix.schema)))
        try:
            yield searcher
        finally:
            with self._lock:
                keep = not self._closed and stamp == self._generation \
                    and len(self._idle) < IDLE_SEARCHERS
                if keep:
                    self._idle.append(searcher)
            if not keep:
                _close_all([searcher])

    def close(self) -> None:
        """Close the idle searchers; those lent out are closed when they come back. Read
        without mmap, each searcher holds its segment files open until closed."""
        with self._lock:
            self._closed, idle, self._idle = True, self._idle, []
        _close_all(idle)

    def similar(self, reader, key: tuple, compute: Callable[[], tuple[T, bool]]) -> T:
        """The "more like this" answer for `key` in the version `reader` sees: a document's
        likeness to others changes only when the index does, and working it out costs 0.1-
        0.7 s at 100,000 documents (measured). `compute` returns the answer and whether it
        is whole; one its deadline cut short is not kept. Requests for a key being worked
        out wait for that answer instead of working it out beside it."""
        version = version_of(reader)
        with self._lock:
            if version != self._similar_version:
                self._similar, self._similar_version = Bounded(SIMILAR_KEPT), version
                self._similar_working = {}
            working = self._similar_working.get(key)
            mine = working is None and key not in self._similar
            if mine:
                working = self._similar_working[key] = threading.Event()
        if not mine and working is not None:
            working.wait(SIMILAR_WAIT)  # then its answer, or (slow, cut short) one made here
        with self._lock:
            if key in self._similar:
                self._similar.move_to_end(key)
                return self._similar[key]
        try:
            answer, whole = compute()
            with self._lock:
                self.similar_computed += 1
                if whole and version == self._similar_version:
                    self._similar.put(key, answer)
            return answer
        finally:
            if mine:  # kept (or not) first, then the waiting requests are let go
                with self._lock:
                    if self._similar_working.get(key) is working:
                        del self._similar_working[key]
                working.set()

    def facets(self, reader, fields: Iterable[tuple[str, str]]) -> dict[str, FacetArrays]:
        """The facet arrays (name -> arrays) of the version `reader` sees, built once."""
        key = version_of(reader)
        found = self._facets.get(key)
        if found is not None:
            return found
        with self._facet_lock:
            found = self._facets.get(key)
            if found is None:
                self.builds += 1
                found = {name: build_facet(reader, field) for name, field in fields}
                while len(self._facets) >= FACET_VERSIONS:
                    self._facets.pop(next(iter(self._facets)))
                self._facets[key] = found
        return found


def open_vanishing(open_files: Callable[[], T]) -> T:
    """Open an index's files while an indexer may be committing: Whoosh lists the newest
    table of contents, then opens it and its segments, and a commit that lands in between
    deletes the old generation's files (FileNotFoundError, answered 500 under load during a
    reindex at 100,000 documents). The new generation is complete before the old one goes,
    so opening again finds it."""
    for _ in range(OPEN_ATTEMPTS - 1):
        with suppress(FileNotFoundError):
            return open_files()
    try:
        return open_files()
    except FileNotFoundError as exc:
        raise IndexBusyError("The search index kept changing while it was opened (an "
                             "indexer is committing); try again in a moment.") from exc


def _close_all(searchers: list) -> None:
    for searcher in searchers:
        searcher.close()


_POOLS: dict[str, SearcherPool] = {}
_POOLS_LOCK = threading.Lock()
POOLS_KEPT = 8  # index folders with open searchers at once (the site has one; tests many)


def shared_pool(index_dir: Path) -> SearcherPool:
    """The one pool of the index in `index_dir`, shared by every index object opened on it
    (the site opens one per request)."""
    key = str(index_dir.resolve())
    evicted = []
    with _POOLS_LOCK:
        pool = _POOLS.pop(key, None) or SearcherPool()
        _POOLS[key] = pool  # the most recently used last
        while len(_POOLS) > POOLS_KEPT:
            evicted.append(_POOLS.pop(next(iter(_POOLS))))
    for old in evicted:
        old.close()
    return pool


def index_stamp(ix, index_dir: Path | None) -> tuple:
    """A cheap mark of the index's current version: its latest generation and, on disk, the
    identity of that generation's table of contents (a recreated index starts its
    generations again)."""
    generation = ix.latest_generation()
    if index_dir is None:
        return (generation,)
    try:
        st = (index_dir / f"_{ix.indexname}_{generation}.toc").stat()
    except OSError:
        return (generation,)
    return generation, st.st_ino, st.st_mtime_ns, st.st_size
