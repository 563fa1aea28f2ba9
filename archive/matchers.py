"""Queries rewritten for cheaper Whoosh matchers that match and score exactly as Whoosh's own:
exact phrases (archive.phrases) and unions that skip the documents no word is in."""

from __future__ import annotations

import copy
from bisect import bisect_left
from functools import partial
from itertools import chain

import numpy as np
from whoosh import matching
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import TimeLimit
from whoosh.matching.combo import ArrayUnionMatcher, CombinationMatcher
from whoosh.matching.wrappers import FilterMatcher, WrappingMatcher
from whoosh.searching import SearchContext

from archive.deadline import Deadline
from archive.phrases import exact_phrases
from archive.scoring import bulk_scorer, bulk_scores

CLAUSES_PER_CHECK = 32  # clauses of a union made between two looks at the deadline


def _bulk_leaf(m, scored: bool = True):
    """The Whoosh 3 leaf under `m` (through boosts and a deletions filter) when its
    postings can be read in bulk: unscored, or scored by a bulk scorer of archive.scoring."""
    while isinstance(m, WrappingMatcher):
        if isinstance(m, FilterMatcher) and not m._exclude:
            return None
        if type(m) not in (WrappingMatcher, FilterMatcher):
            return None
        m = m.child
    if type(m) is not W3LeafMatcher:
        return None
    if scored and not bulk_scorer(m.scorer):
        return None
    return m


def _take_leaf(leaf: W3LeafMatcher, limit: int) -> tuple[np.ndarray, np.ndarray]:
    # Every posting below `limit`, block by block, leaving the leaf where stepping with
    # next() would: on the first posting at or past `limit`, or at its end.
    ids, weights = [], []
    while leaf.is_active():
        if leaf._ids is None:
            leaf._read_ids()
        if leaf._weights is None:
            leaf._read_weights()
        start = leaf._i
        stop = bisect_left(leaf._ids, limit, start)
        ids.append(leaf._ids[start:stop])
        weights.append(leaf._weights[start:stop])
        if stop < leaf._blocklength:
            leaf._i = stop
            break
        leaf._next_block()
    found = np.fromiter(chain.from_iterable(ids), dtype=np.int64)
    return found, np.fromiter(chain.from_iterable(weights), dtype=np.float64,
                              count=len(found))


def _take(m, limit: int, scored: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """The ids and scores of the postings of `m` below `limit` (m as _bulk_leaf accepts),
    scored as m.score() would score each (None unscored), with m moved past them as
    m.next() would."""
    if isinstance(m, WrappingMatcher):
        ids, scores = _take(m.child, limit, scored)
        if isinstance(m, FilterMatcher):
            keep = ~np.isin(ids, np.fromiter(m._ids, dtype=np.int64, count=len(m._ids)))
            ids, scores = ids[keep], None if scores is None else scores[keep]
            m._find_next()
        return ids, None if scores is None else scores * m.boost
    ids, weights = _take_leaf(m, limit)
    if not scored:
        return ids, None
    lengths = m.scorer.lengths[ids]
    if np.isnan(lengths).any():
        raise TypeError("a document holds a posting of a field it has no length for")
    return ids, bulk_scores(m.scorer, weights, lengths)


class SparseUnionMatcher(ArrayUnionMatcher):
    """Whoosh's ArrayUnionMatcher (the union it picks for an Or of three or more clauses
    over segments of up to 5,000 documents: each field of a word) with each part of up to
    `partsize` document numbers filled with numpy: the postings of a plain word are scored
    a block at a time (archive.scoring.bulk_scores, the same arithmetic), the others one by one
    as there, summed in the same order from 0.0, and the documents scoring above 0 listed
    once. Whoosh cleared and walked a slot per document number in Python: 100,000 steps a
    search at 100,000 documents however few matched, and a Python call per posting. The
    same matches, the same scores."""

    def __init__(self, submatchers, doccount, boost=1.0, scored=True, partsize=2048):
        CombinationMatcher.__init__(self, submatchers, boost=boost)
        self._scored = scored
        self._doccount = doccount
        self._partsize = partsize or doccount
        self._docnum = self._min_id()
        self._read_part()

    def _read_part(self):
        scored, boost = self._scored, self._boost
        offset = self._docnum
        limit = min(offset + self._partsize, self._doccount)
        part = np.zeros(self._partsize, dtype=np.float64)  # as Whoosh's array: 0.0 past limit
        for m in self._submatchers:
            if _bulk_leaf(m, scored) is not None:
                ids, scores = _take(m, limit, scored)
                if scored:
                    part[ids - offset] += scores * boost
                else:
                    part[ids - offset] = 1.0
                continue
            ids, scores = [], []
            while m.is_active() and m.id() < limit:
                ids.append(m.id())
                scores.append(m.score() * boost if scored else 1.0)
                m.next()
            at = np.array(ids, dtype=np.int64) - offset
            if scored:
                part[at] += np.array(scores, dtype=np.float64)
            else:
                part[at] = 1.0
        self._part = part
        self._ids = (np.flatnonzero(part > 0) + offset).tolist()
        self._offset, self._limit = offset, limit

    def _find_next(self):
        at = bisect_left(self._ids, self._docnum)
        if at == len(self._ids):
            self._docnum = self._min_id()
            self._read_part()
        else:
            self._docnum = self._ids[at]

    def block_quality(self):
        return float(self._part.max())

    def all_ids(self):
        while self._docnum < self._doccount:
            yield from self._ids[bisect_left(self._ids, self._docnum):]
            self._docnum = self._min_id()
            self._read_part()

    def score(self):
        return float(self._part[self._docnum - self._offset])

    def parts(self):
        """The remaining matches a part at a time, as arrays of ids (ascending, each once)
        and their scores, for a collector that takes them in bulk; the matcher ends
        inactive."""
        while self._docnum < self._doccount:
            ids = np.array(self._ids[bisect_left(self._ids, self._docnum):], dtype=np.int64)
            if len(ids):
                yield ids, self._part[ids - self._offset]
            self._docnum = self._min_id()
            self._read_part()


class SparseOr(wq.Or):
    """An Or matched by SparseUnionMatcher where Whoosh would use ArrayUnionMatcher, and
    also where it would use a tree of binary unions only because the segment is large or
    the clauses two (every match is walked for the exact total anyway; the tree stepped
    through each posting in Python); its clauses' matchers are made under the search's
    deadline (None: no deadline)."""

    def __init__(self, subqueries, *args, deadline: Deadline | None = None, **kwargs):
        super().__init__(subqueries, *args, **kwargs)
        self.deadline = deadline

    def _matcher(self, subs, searcher, context):
        needs_current = context.needs_current if context else True
        if self.matcher_type != self.AUTO_MATCHER or (
                len(subs) < self.TOO_MANY_CLAUSES and (needs_current or self.scale)):
            _check(self.deadline)
            return super()._matcher(subs, searcher, context)
        # whoosh.query.compound.PreloadedOr._matcher, with the sparse union
        scored = context.weighting is not None if context else True
        return SparseUnionMatcher(_clause_matchers(subs, searcher, context, self.deadline),
                                  searcher.doc_count_all(), boost=self.boost, scored=scored)


def _clause_matchers(subs, searcher, context, deadline: Deadline | None) -> list:
    """The matchers of a union's clauses, with a look at the deadline every
    CLAUSES_PER_CHECK of them."""
    ms = []
    for i, sub in enumerate(subs):
        if i % CLAUSES_PER_CHECK == 0:
            _check(deadline)
        ms.append(sub.matcher(searcher, context))
    return ms


def _check(deadline: Deadline | None) -> None:
    # Making a matcher reads the start of each clause's postings: a prefix of 8,595 words
    # (ال* at 100,000 documents) took 2.3 s before the collector first saw the clock.
    if deadline is not None and deadline.expired():
        raise TimeLimit


def _multiterm_matcher(q: wq.MultiTerm, deadline: Deadline | None, searcher, context=None):
    # whoosh.query.terms.MultiTerm.matcher (prefixes, wildcards, fuzzy terms, ranges: an Or
    # of the words they stand for) as archive.xapian_query scores it: one word is that
    # word, boosted (Whoosh dropped the boost); with constantscore, several words score the
    # boost alone (Whoosh scored two by BM25 after all: a clause told to weigh nothing
    # takes the searcher's weighting); the unions sparse ones.
    words = [word for word in q._btexts(searcher.reader()) if word]
    if not words:
        return matching.NullMatcher()
    if len(words) == 1:
        return wq.Term(q.field(), words[0], boost=q.boost).matcher(searcher, context)
    qs = [wq.Term(q.field(), word) for word in words]
    if not q.constantscore:
        return SparseOr(qs, boost=q.boost, deadline=deadline).matcher(searcher, context)
    unscored = context.set(weighting=None) if context else SearchContext(weighting=None)
    m = SparseUnionMatcher(_clause_matchers(qs, searcher, unscored, deadline),
                           searcher.doc_count_all(), scored=False)
    return WrappingMatcher(m, boost=q.boost) if q.boost != 1.0 else m


def _is_multiterm(q: wq.Query) -> bool:
    """Is q matched by MultiTerm.matcher (Prefix and Wildcard do so but for a bare *)."""
    if type(q) is wq.Prefix:
        return q.text != ""
    if type(q) is wq.Wildcard:
        return q.text != "*"
    return isinstance(q, wq.MultiTerm) and type(q).matcher is wq.MultiTerm.matcher


def _sparse_ors(q: wq.Query, deadline: Deadline | None) -> wq.Query:
    if _is_multiterm(q):
        sparse = copy.copy(q)  # keeps the words archive.query.pin_words bound to it
        sparse.matcher = partial(_multiterm_matcher, sparse, deadline)
        return sparse
    if type(q) is wq.Or:
        return SparseOr([_sparse_ors(sub, deadline) for sub in q.subqueries], boost=q.boost,
                        minmatch=q.minmatch, scale=q.scale, deadline=deadline)
    return q.apply(partial(_sparse_ors, deadline=deadline))


def fast_matchers(q: wq.Query, deadline: Deadline | None = None) -> wq.Query:
    """The query with exact phrases and unions matched the cheaper way (same matches and
    scores as Whoosh's). With a deadline, making the unions' matchers raises Whoosh's
    TimeLimit once it has passed, as the collector does while matching."""
    return _sparse_ors(exact_phrases(q), deadline)
