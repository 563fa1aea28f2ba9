"""How Whoosh archives rank: BM25 over each document's whole length, as Xapian's BM25Weight
scores it, so both engines rank alike; and, for archives made before their index kept
document lengths, BM25F as Whoosh scores it, with each document's field length read from a
list kept per segment instead of from the segment's file."""

from __future__ import annotations

from heapq import heappush, heapreplace
from math import log

import numpy as np
from whoosh import columns, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
from whoosh.collectors import TopCollector
from whoosh.util.numeric import byte_to_length

from archive.postings import ArrayCache

# Whoosh keeps a field's length per document as one byte standing for one of 256 lengths
_LENGTHS = tuple([None] + [byte_to_length(b) for b in range(1, 256)])
LENGTHS_BYTES = 32 * 2**20  # 16 bytes a document and field: 4 fields of 500,000 documents
_KEPT = ArrayCache(LENGTHS_BYTES, largest=LENGTHS_BYTES)


def _read_lengths(reader, fieldname: str) -> tuple[list | None, int]:
    """Every document's length of the field in one segment, as `doc_field_length` gives it
    (None for a document without the field), read in one go from the lengths column."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return None, 0
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    count = reader.doc_count_all()
    if column is None:
        return None, 0  # no lengths stored: Whoosh's own default applies
    stored = min(column._count, count)
    data = column._dbfile.get(column._basepos, stored) if stored else b""
    lengths = [_LENGTHS[b] for b in data] + [None] * (count - stored)
    # the same lengths as floats (NaN for None), for scoring many postings at once
    floats = np.array([np.nan if n is None else n for n in lengths], dtype=np.float64)
    return (lengths, floats), 16 * count + 128


def field_lengths(reader, fieldname: str) -> tuple[list, np.ndarray] | None:
    """The field's length per document number of an atomic (one-segment) reader, as a list
    and as float64 (NaN where the list holds None), kept while the segment is in use; None
    when they cannot be read this way."""
    if not reader.is_atomic() or not hasattr(reader, "segment"):
        return None
    return _KEPT.get((reader.segment().segment_id(), fieldname),
                     lambda: _read_lengths(reader, fieldname))


def bm25(scorer: scoring.BM25FScorer, weights: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """whoosh.scoring.bm25 over arrays: the same float64 operations in the same order, so
    each score equals the one BM25FScorer gives that weight and field length."""
    idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avgfl)))


class ArrayBM25F(scoring.BM25F):
    """Whoosh's BM25F (same parameters, same scores), whose scorers look a document's
    field length up in a list: Whoosh read it from the segment file for every match (a
    tenth of a term query's time at 100,000 documents, measured)."""

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if type(scorer) is scoring.BM25FScorer:
            found = field_lengths(searcher.reader(), fieldname)
            if found is not None:
                scorer.dfl = found[0].__getitem__
                scorer.lengths = found[1]  # read by archive.matchers to score in bulk
        return scorer


# Xapian's BM25Weight(k1, k2, k3, b, min_normlen) as archive.xapian_index sets it
K1, B, MIN_NORMLEN = 1.2, 0.75, 0.5
LENGTH_FIELD = "words"  # archive.schema.DocumentLength
ORDER_FIELD = "order"  # archive.schema.order_key


def _read_column(reader, fieldname: str, dtype: str) -> tuple[np.ndarray, int]:
    column = reader.column_reader(fieldname, translate=False)
    count = reader.doc_count_all()
    if type(column) is columns.NumericColumn.Reader:  # read in one go, not value by value
        stored = min(column._count, count)
        data = column._dbfile.get(column._basepos, stored * column._fixedlen) if stored else b""
        values = np.zeros(count, dtype=dtype)
        # big-endian, of the column's struct typecode ("I" or "Q")
        values[:stored] = np.frombuffer(data, dtype=f">u{column._fixedlen}")
    else:
        values = np.fromiter(column, dtype=dtype, count=count)
    return values, values.nbytes + 128


def _column(reader, fieldname: str, dtype: str) -> np.ndarray:
    """A numeric column of the index by document number, kept per segment while the
    segment is in use."""
    if not reader.is_atomic():
        return np.concatenate([_column(leaf, fieldname, dtype)
                               for leaf, _ in reader.leaf_readers()])
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:  # an empty index
        return np.zeros(reader.doc_count_all(), dtype=dtype)
    return _KEPT.get((segment.segment_id(), fieldname),
                     lambda: _read_column(reader, fieldname, dtype))


def document_lengths(reader) -> np.ndarray:
    """Each document's length (archive.schema.document_length) by document number."""
    return _column(reader, LENGTH_FIELD, "<f8")


def order_keys(reader) -> np.ndarray:
    """Each document's place among those scoring the same (archive.schema.order_key), by
    document number."""
    return _column(reader, ORDER_FIELD, "<u8")


def _kept(top) -> dict:
    """What this module worked out for one top-level searcher (one index version)."""
    return top.__dict__.setdefault("_docket_scoring", {})


def _average_length(top) -> float:
    """The mean length of the live documents of a searcher's whole index (Xapian's
    average length), worked out once per searcher."""
    kept = _kept(top)
    if "average" not in kept:
        total = 0.0
        for reader, _ in top.reader().leaf_readers():
            lengths = document_lengths(reader)
            if reader.has_deletions():
                live = np.ones(len(lengths), dtype=bool)
                live[list(reader.segment().deleted_docs())] = False
                lengths = lengths[live]
            total += float(lengths.sum())
        count = top.doc_count()
        kept["average"] = total / count if count else 0.0
    return kept["average"]


def live_frequency(reader, fieldname: str, text) -> int:
    """How many live documents hold a word in a field: Whoosh's document frequency counts
    the copies a rewrite or removal left in a segment until it merges."""
    if not reader.has_deletions():
        return reader.doc_frequency(fieldname, text)
    total = 0
    for leaf, _ in reader.leaf_readers():
        if not leaf.has_deletions():
            total += leaf.doc_frequency(fieldname, text)
        elif (fieldname, text) in leaf:
            total += sum(1 for _ in leaf.postings(fieldname, text).all_ids())  # live ones
    return total


def _live_frequency(top, fieldname: str, text) -> int:
    # worked out once per word and searcher (an index version)
    kept, key = _kept(top), ("live", fieldname, text)
    if key not in kept:
        kept[key] = live_frequency(top.reader(), fieldname, text)
    return kept[key]


class DocumentScorer(scoring.BaseScorer):
    """One word of one field scored as Xapian's BM25Weight scores it: the same formula and
    the same floating-point steps, over the document's whole length."""

    def __init__(self, termweight: float, len_factor: float, lengths: np.ndarray):
        self.termweight, self.len_factor, self.lengths = termweight, len_factor, lengths

    def supports_block_quality(self):
        return False

    def max_quality(self):  # what score() nears as a word fills a short document
        return self.termweight * (K1 + 1)

    def score(self, matcher):
        wdf = matcher.weight()
        # .item(): a Python float (numpy's scalar arithmetic is several times slower)
        normlen = max(self.lengths.item(matcher.id()) * self.len_factor, MIN_NORMLEN)
        return self.termweight * (wdf / (K1 * (normlen * B + (1 - B)) + wdf)) * (K1 + 1)

    def scores(self, weights: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """score() over arrays of weights and the documents' lengths."""
        normlen = np.maximum(lengths * self.len_factor, MIN_NORMLEN)
        return self.termweight * (weights / (K1 * (normlen * B + (1 - B)) + weights)) * (K1 + 1)


class DocumentBM25(scoring.WeightingModel):
    """Okapi BM25 as Xapian's BM25Weight(1.2, 0, 1, 0.75, 0.5) computes it, with Xapian's
    statistics: a word's weight from the live documents and those holding it in the field
    (Whoosh counts deleted copies until their segment merges), each document's length
    from the index's length column. Words of unscored fields weigh what they are stored
    with, as under BM25F."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        top = searcher.get_parent() or searcher
        collection = top.doc_count()
        termfreq = min(_live_frequency(top, fieldname, text), collection)
        tw = (collection - termfreq + 0.5) / (termfreq + 0.5)
        if tw < 2:
            tw = tw * 0.5 + 1
        average = _average_length(top)
        return DocumentScorer(log(tw), 1 / average if average else 0.0,
                              document_lengths(searcher.reader()))


def ranked_collector(searcher, limit: int | None):
    """The collector of a relevance-ranked search: RankedCollector when the index keeps
    order keys, else (an archive made before) Whoosh's own."""
    if ORDER_FIELD in searcher.schema:
        return RankedCollector(limit)
    return searcher.collector(limit=limit, optimize=False)


def weighting(schema) -> scoring.WeightingModel:
    """How an index with this schema ranks: by whole-document BM25 when it keeps document
    lengths, else (an archive made before) by Whoosh's BM25F."""
    return DocumentBM25() if LENGTH_FIELD in schema else ArrayBM25F()


def bulk_scorer(scorer) -> bool:
    """Can `scorer` score many postings at once (bulk_scores), the same as one by one?"""
    return type(scorer) is DocumentScorer or (
        type(scorer) is scoring.BM25FScorer and getattr(scorer, "lengths", None) is not None)


def bulk_scores(scorer, weights: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The scores a bulk_scorer gives postings of these weights in documents of these
    lengths (scorer.lengths, indexed by the postings' document numbers)."""
    if type(scorer) is DocumentScorer:
        return scorer.scores(weights, lengths)
    return bm25(scorer, weights, lengths)


class RankedCollector(TopCollector):
    """Whoosh's top-N collector with documents of equal score in the order of their
    order keys, as Xapian ranks them (set_sort_by_relevance_then_value): Whoosh put the
    lower document number first, which changes whenever a document is written again.
    `limit` None keeps every match."""

    def __init__(self, limit: int | None = 10, **kwargs):
        super().__init__(limit=limit, usequality=False, **kwargs)

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        self._keys = order_keys(subsearcher.reader())

    def _offer(self, item: tuple) -> bool:
        # The heap's least item is the worst of those kept: the lowest score, and among
        # equal scores the highest key. True when the item is kept.
        items = self.items
        if self.limit is None or len(items) < self.limit:
            heappush(items, item)
            return True
        if item > items[0]:
            heapreplace(items, item)
            self.minscore = items[0][0]
            return True
        return False

    def _collect(self, global_docnum, score):
        self.total += 1
        item = (score, -self._keys.item(global_docnum - self.offset), global_docnum)
        return 0 - score if self._offer(item) else 0

    def collect_many(self, ids: np.ndarray, scores: np.ndarray) -> None:
        """Collect matches of the current segment in bulk (ids as its document numbers,
        ascending): the same items _collect would keep, one by one."""
        self.total += len(ids)
        keys = self._keys[ids]
        if self.limit is not None and len(ids) > self.limit:  # only the part's best can
            best = np.lexsort((keys, -scores))[:self.limit]  # get in
            ids, scores, keys = ids[best], scores[best], keys[best]
        for docnum, score, key in zip((ids + self.offset).tolist(), scores.tolist(),
                                      keys.tolist(), strict=True):
            self._offer((score, -key, docnum))

    def remove(self, global_docnum):
        self.items = [item for item in self.items if item[2] != global_docnum]
        self.items.sort()  # a sorted list is a heap
        self.minscore = self.items[0][0] if self.items else 0

    def results(self):
        self.items.sort(reverse=True)
        return self._results([(score, docnum) for score, _, docnum in self.items])
