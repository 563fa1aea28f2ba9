"""Exact phrases matched on whole position lists instead of Whoosh's Span objects."""

from __future__ import annotations

from itertools import accumulate
from pickle import loads

from whoosh import formats, matching
from whoosh import query as wq
from whoosh.query.spans import Span, SpanNear2

_INT_SIZE = 4  # Whoosh's Positions format starts a value with the count as an unsigned int


def _positions(value: bytes) -> list[int]:
    # Whoosh's Positions.decode_positions, with the running sum done by accumulate in C
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(loads(value[_INT_SIZE:])))


class _ExactMatcher(SpanNear2.SpanNear2Matcher):
    """SpanNear2's matcher for an exact phrase (slop 1, in order): the same matches and
    spans, found by intersecting the words' positions (each shifted by its place in the
    phrase) as sets. Whoosh built a Span per position and compared them pair by pair:
    about 50 µs a candidate document, most of a phrase query's time (measured here)."""

    def _get_spans(self):
        starts: set[int] | None = None
        for place, m in enumerate(self.ms):
            shifted = {p - place for p in _positions(m.value())}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return []
        last = len(self.ms) - 1
        return [Span(p, p + last) for p in sorted(starts)]


class ExactPhrase(wq.Phrase):
    """A Phrase whose exact form (slop 1) is matched by _ExactMatcher; other slops, and
    fields whose format is not plain positions, go Whoosh's way."""

    def matcher(self, searcher, context=None):
        field = searcher.schema[self.fieldname] if self.fieldname in searcher.schema else None
        if self.slop != 1 or len(self.words) < 2 or type(getattr(field, "format", None)) \
                is not formats.Positions:
            return super().matcher(searcher, context)
        reader = searcher.reader()
        ms = []
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return matching.NullMatcher()
            if (self.fieldname, word) not in reader:
                return matching.NullMatcher()
            ms.append(wq.Term(self.fieldname, word).matcher(searcher, context))
        m = _ExactMatcher(ms, slop=1, ordered=True, mindist=1)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def exact_phrases(q: wq.Query) -> wq.Query:
    """The query with every plain Phrase matched the fast way (same matches and scores)."""
    if type(q) is wq.Phrase:
        return ExactPhrase(q.fieldname, q.words, slop=q.slop, boost=q.boost,
                           char_ranges=q.char_ranges)
    return q.apply(exact_phrases)
