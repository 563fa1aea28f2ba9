"""Whole postings of a word in one segment, decoded to arrays, and a bounded cache of them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate, chain
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

_INT_SIZE = 4  # Whoosh's Positions format starts a value with the count as an unsigned int
_PICKLE_HEAD = b"\x80\x02"  # protocol 2, as Positions.encode pickles a value's deltas
# Decoded postings kept between searches: 128 MiB hold some 150 of the most frequent words
# of a 100,000-document archive (a word in 44,000 documents with 242,000 occurrences is
# 1.6 MB as arrays), the words that cost most to decode (measured: 30-50 ms each).
CACHE_BYTES = 128 * 2**20
MIN_CACHED = 512  # postings; shorter lists decode in well under a millisecond: not kept


def positions(value: bytes) -> list[int]:
    """The positions one Positions value holds (Whoosh's decode_positions, with the
    running sum done by accumulate in C)."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(loads(value[_INT_SIZE:])))


@dataclass(frozen=True)
class Postings:
    """Every posting of a word in one segment, deleted documents included: document
    numbers ascending, their weights as stored, and the positions in each, flattened
    (`offsets[i]:offsets[i + 1]` are the positions of posting i)."""

    ids: np.ndarray  # int32
    weights: np.ndarray  # float32, as Whoosh stores them
    offsets: np.ndarray  # int64, one more than ids
    flat: np.ndarray  # int32 positions, ascending within each posting

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes + self.offsets.nbytes + self.flat.nbytes

    def positions_of(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions of the chosen postings (indexes into ids), flattened as int64,
        and how many each holds."""
        starts, lengths = self.offsets[chosen], np.diff(self.offsets)[chosen]
        before = np.cumsum(lengths) - lengths  # where each chosen posting starts in the output
        gather = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - before,
                                                                           lengths)
        return self.flat[gather].astype(np.int64), lengths


def _flat_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The positions of each value, flattened, and how many each holds. The pickles'
    bodies are joined into one pickle of a list of lists, unpickled in one call, and the
    deltas summed with one cumsum (unpickling value by value took most of a phrase query)."""
    if not all(v[_INT_SIZE:_INT_SIZE + 2] == _PICKLE_HEAD for v in values):
        lists = [positions(v) for v in values]  # not the layout read here: one by one
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        return np.fromiter(chain.from_iterable(lists), dtype=np.int64), lengths
    joined = b"".join(v[_INT_SIZE + 2:-1] if v.endswith(b".") else v[_INT_SIZE + 2:]
                      for v in values)
    lists = loads(b"\x80\x02(" + joined + b"l.")
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    total = np.cumsum(np.fromiter(chain.from_iterable(lists), dtype=np.int64,
                                  count=int(lengths.sum())))
    ends = np.cumsum(lengths)
    before = np.concatenate(([0], total[ends[:-1] - 1])) if len(total) else total
    return total - np.repeat(before, lengths), lengths


def decode(reader, fieldname: str, word: bytes) -> Postings | None:
    """The postings of a word in one segment reader, read block by block, or None when
    they are not Whoosh 3's blocks (a word with one posting is kept in the term table)."""
    m = reader.postings(fieldname, word)
    leaf = m.child if isinstance(m, FilterMatcher) else m
    if not isinstance(leaf, W3LeafMatcher):
        return None
    ids, weights, values = [], [], []
    while leaf.is_active():
        leaf._read_ids()
        leaf._read_weights()
        leaf._read_values()
        ids.append(leaf._ids)
        weights.append(leaf._weights)
        values.extend(leaf._values)
        leaf._next_block()
    flat, lengths = _flat_positions(values)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Postings(np.fromiter(chain.from_iterable(ids), dtype=np.int32),
                    np.fromiter(chain.from_iterable(weights), dtype=np.float32),
                    offsets, flat.astype(np.int32))


class ArrayCache:
    """Arrays made from segments, least recently used dropped first, at most `budget`
    bytes in all, none over `largest` (an eighth of the budget unless told: one entry
    may not push out everything else). Keys start with a segment id: a segment never
    changes once written (deletions are read from the reader each search), so an entry
    stays right for as long as its segment exists and ages out after."""

    def __init__(self, budget: int, largest: int | None = None):
        self.budget = budget
        self.largest = budget // 8 if largest is None else min(largest, budget)
        self.used = 0
        self._entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], tuple[object, int]]):
        """The value kept under `key`, else `make()`'s (value, bytes), kept when it fits
        (None is never kept). Two threads may both make a missing value: one is kept."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]
        value, size = make()
        if value is None or size > self.largest:
            return value
        with self._lock:
            if key not in self._entries:
                self._entries[key] = value, size
                self.used += size
                while self.used > self.budget:
                    _, (_, old) = self._entries.popitem(last=False)
                    self.used -= old
        return value


class PostingsCache(ArrayCache):
    """Decoded postings of long lists (MIN_CACHED postings or more): the words that cost
    most to decode, and the few that matter (word frequencies follow Zipf's law)."""

    def __init__(self, budget: int = CACHE_BYTES, largest: int | None = None):
        super().__init__(budget, largest)

    def postings(self, reader, fieldname: str, word: bytes) -> Postings | None:
        """The word's decoded postings in this segment reader (see `decode`)."""
        def make():
            found = decode(reader, fieldname, word)
            if found is None or len(found.ids) < MIN_CACHED:
                return found, self.largest + 1  # returned, not kept
            return found, found.nbytes
        return self.get((reader.segment().segment_id(), fieldname, word), make)


POSTINGS = PostingsCache()  # one per process: segments from every index the process reads
