"""BM25F as Whoosh scores it, with each document's field length read from a list kept per
segment instead of from the segment's file."""

from __future__ import annotations

import numpy as np
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
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
