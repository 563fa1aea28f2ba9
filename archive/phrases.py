"""Exact phrases matched on whole position lists instead of Whoosh's Span objects."""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
from whoosh import formats, matching
from whoosh import query as wq
from whoosh.matching.mcore import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query.spans import Span, SpanNear2

from archive.postings import POSTINGS, Postings, positions
from archive.scoring import bulk_scorer, bulk_scores


class _ExactMatcher(SpanNear2.SpanNear2Matcher):
    """SpanNear2's matcher for an exact phrase (slop 1, in order): the same matches and
    spans, found by intersecting the words' positions (each shifted by its place in the
    phrase) as sets. Whoosh built a Span per position and compared them pair by pair:
    about 50 µs a candidate document, most of a phrase query's time (measured here)."""

    def _get_spans(self):
        starts: set[int] | None = None
        for place, m in enumerate(self.ms):
            shifted = {p - place for p in positions(m.value())}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return []
        last = len(self.ms) - 1
        return [Span(p, p + last) for p in sorted(starts)]


def _verified_starts(postings: list[Postings]) -> tuple[np.ndarray, list[list[int]]]:
    """The documents where the words follow each other: candidates are the documents
    holding every word (array intersection); each word's positions, shifted back by its
    place in the phrase, are then keyed (candidate << 32 | start) and the keys every word
    shares are the phrase's starts."""
    common = postings[0].ids
    for p in postings[1:]:
        common = np.intersect1d(common, p.ids, assume_unique=True)
    if not len(common):
        return common, []
    keys, decoded = None, {}
    for place, p in enumerate(postings):
        if id(p) not in decoded:  # a word twice in the phrase is decoded once
            decoded[id(p)] = p.positions_of(np.searchsorted(p.ids, common))
        found, lengths = decoded[id(p)]
        starts = found - place
        owner = np.repeat(np.arange(len(common), dtype=np.int64), lengths)
        shifted = (owner << 32 | starts.clip(0))[starts >= 0]
        keys = shifted if keys is None else np.intersect1d(keys, shifted, assume_unique=True)
        if not len(keys):
            return common[:0], []
    owners = keys >> 32
    docs, first = np.unique(owners, return_index=True)
    starts = np.split((keys & 0xFFFFFFFF), first[1:])
    return common[docs], [x.tolist() for x in starts]


class _Posting:
    """The current posting as a scorer reads it (Whoosh's scorers ask id() and weight())."""

    __slots__ = ("docnum", "freq")

    def __init__(self, docnum: int, freq: float):
        self.docnum, self.freq = docnum, freq

    def id(self) -> int:
        return self.docnum

    def weight(self) -> float:
        return self.freq


def _tree_sum(scores: list[float]) -> float:
    # The order Whoosh adds them in: an IntersectionMatcher per pair, built as a binary tree
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])


class _PhraseHits(ListMatcher):
    """The documents holding the phrase with their scores worked out beforehand, the same
    as the intersection of the words' matchers scores them (each word's scorer over its
    weight in the document, summed pair by pair): no stepping through the postings again."""

    def __init__(self, ids, scores, starts, length: int, position: int = 0):
        super().__init__(ids, weights=scores, position=position)
        self._starts, self._length = starts, length

    def copy(self):
        return self.__class__(self._ids, self._weights, self._starts, self._length, self._i)

    def supports_block_quality(self):
        return False

    def skip_to(self, id):
        if self.is_active() and id > self.id():
            self._i = bisect_left(self._ids, id, self._i)

    def score(self):
        return self._weights[self._i]

    def spans(self):
        return [Span(p, p + self._length - 1) for p in self._starts[self._i]]


def _scores(postings: list[Postings], scorers, docs: np.ndarray) -> list[float]:
    """Each document's score: every word's scorer over its weight there, summed as the
    intersection of the words' matchers sums them."""
    weights = [p.weights[np.searchsorted(p.ids, docs)].astype(np.float64) for p in postings]
    if all(bulk_scorer(s) for s in scorers):
        lengths = scorers[0].lengths[docs]
        if not np.isnan(lengths).any():
            return _tree_sum([bulk_scores(s, w, lengths) for s, w in zip(scorers, weights,
                                                                         strict=True)]).tolist()
    columns = [[s.score(_Posting(doc, weight)) for doc, weight in
                zip(docs.tolist(), w.tolist(), strict=True)]
               for s, w in zip(scorers, weights, strict=True)]
    return [_tree_sum(list(per_word)) for per_word in zip(*columns, strict=True)]


def _phrase_hits(postings: list[Postings], scorers, length: int):
    """_PhraseHits for one segment, or None when a word has no scorer (unscored search)."""
    if any(scorer is None for scorer in scorers):
        return None
    docs, starts = _verified_starts(postings)
    return _PhraseHits(docs.tolist(), _scores(postings, scorers, docs) if len(docs) else [],
                       starts, length)


def _scorer_of(m):
    return getattr(m.child if isinstance(m, FilterMatcher) else m, "scorer", None)


def _without_deleted(hits: _PhraseHits, reader) -> _PhraseHits:
    keep = [i for i, doc in enumerate(hits._ids) if not reader.is_deleted(doc)]
    return _PhraseHits([hits._ids[i] for i in keep], [hits._weights[i] for i in keep],
                       [hits._starts[i] for i in keep], hits._length)


class ExactPhrase(wq.Phrase):
    """A Phrase whose exact form (slop 1) is matched by _ExactMatcher; other slops, and
    fields whose format is not plain positions, go Whoosh's way."""

    def matcher(self, searcher, context=None):
        field = searcher.schema[self.fieldname] if self.fieldname in searcher.schema else None
        if self.slop != 1 or len(self.words) < 2 or type(getattr(field, "format", None)) \
                is not formats.Positions:
            return super().matcher(searcher, context)
        reader = searcher.reader()
        ms, postings = [], [] if reader.is_atomic() else None
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return matching.NullMatcher()
            if (self.fieldname, word) not in reader:
                return matching.NullMatcher()
            ms.append(wq.Term(self.fieldname, word).matcher(searcher, context))
            if postings is not None:
                found = POSTINGS.postings(reader, self.fieldname, word)
                postings = None if found is None else postings + [found]
        m = None
        if postings is not None:
            m = _phrase_hits(postings, [_scorer_of(sub) for sub in ms], len(ms))
            if m is not None and reader.has_deletions():
                m = _without_deleted(m, reader)
        if m is None:
            m = _ExactMatcher(ms, slop=1, ordered=True, mindist=1)
        elif not m.is_active():
            return matching.NullMatcher()
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def exact_phrases(q: wq.Query) -> wq.Query:
    """The query with every plain Phrase matched the fast way (same matches and scores)."""
    if type(q) is wq.Phrase:
        return ExactPhrase(q.fieldname, q.words, slop=q.slop, boost=q.boost,
                           char_ranges=q.char_ranges)
    return q.apply(exact_phrases)
