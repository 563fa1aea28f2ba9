"""Docket's query language in Xapian: index terms and value slots, and the translation of a
parsed query (archive.query, the same parser the Whoosh engine uses) into a xapian.Query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import xapian
from whoosh import query as wq
from whoosh.util.times import long_to_datetime

from archive.deadline import Deadline
from archive.errors import BadQueryError
from archive.query import expander as query_expander
from archive.schema import TEXT_PREFIX

# Whoosh field -> Xapian term prefix. Text terms are folded (lower case), so they never
# collide with the capital prefixes; boolean prefixes end in ":" since values may be capitals.
PREFIX = {**TEXT_PREFIX, "doc_id": "Q",
          "folder": "XF:", "lang": "L:", "kind": "XK:", "mime": "T:", "year": "Y:",
          "status": "XS:", "news": "XN:", "parent": "XR:"}
SCORED = ("title", "content", "path", "author")
SLOT = {"date": 0, "kind": 1, "lang": 2, "folder": 3, "year": 4, "status": 5, "news": 6,
        "pages": 7, "size": 8,
        "date_or_last": 9,  # the date, or "~" when there is none: oldest first, undated last
        "order": 10}  # archive.schema.order_key, 8 bytes big-endian: ties in relevance


def _term(field: str, text: str) -> str:
    return PREFIX[field] + text


def _date_value(date: datetime) -> str:
    # A fixed-width string, not sortable_serialise: a double cannot tell the last
    # microsecond of 2010 (where Whoosh's date:2010 ends) from the first of 2011.
    return date.strftime("%Y%m%d%H%M%S%f")


def _range_bound(field: str, value: int) -> str:
    if field == "date":
        return _date_value(long_to_datetime(value))
    return xapian.sortable_serialise(value)


def _scaled(q: xapian.Query, boost: float) -> xapian.Query:
    return q if boost == 1.0 else xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, boost)


def _constant(q: xapian.Query, boost: float) -> xapian.Query:
    # Whoosh scores ranges, unscored fields and multi-word expansions with the boost alone.
    return xapian.Query(xapian.Query.OP_AND,
                        xapian.Query(xapian.FixedWeightPostingSource(boost)),
                        xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, 0.0))


def expander(db: xapian.Database, deadline: Deadline | None = None
             ) -> Callable[[wq.Query], Iterator[str]]:
    """The words of the index a prefix, wildcard, fuzzy or range leaf stands for, read from
    `db`; QueryTimeoutError once `deadline` passes while reading them."""
    def candidates(field: str, literal: str) -> Iterator[str]:
        prefix = PREFIX.get(field)
        if prefix is None:
            return
        for item in db.allterms(prefix + literal):
            word = item.term.decode("utf-8")[len(prefix):]
            if prefix == "" and word[:1].isupper():
                continue  # a prefixed term, not a content word
            yield word
    return query_expander(candidates, deadline)


def translate(q: wq.Query, expand: Callable[[wq.Query], Iterator[str]]) -> xapian.Query:
    """The Xapian query for a parsed query tree; BadQueryError for a part it cannot run."""
    for kind, handler in _HANDLERS:
        if isinstance(q, kind):
            return handler(q, expand)
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return xapian.Query.MatchNothing
    raise BadQueryError(f"The query part {q} cannot be searched with this engine; "
                        f"leave it out or rephrase it.")


def _leaf(q: wq.Term, expand) -> xapian.Query:
    term = xapian.Query(_term(q.fieldname, q.text))
    return _scaled(term, q.boost) if q.fieldname in SCORED else _constant(term, q.boost)


def _not(q: wq.Not, expand) -> xapian.Query:
    return xapian.Query(xapian.Query.OP_AND_NOT, xapian.Query.MatchAll, translate(q.query, expand))


def _and_not(q: wq.AndNot, expand) -> xapian.Query:
    return xapian.Query(xapian.Query.OP_AND_NOT, translate(q.a, expand), translate(q.b, expand))


def _and_maybe(q: wq.AndMaybe, expand) -> xapian.Query:
    return xapian.Query(xapian.Query.OP_AND_MAYBE, translate(q.a, expand),
                        translate(q.b, expand))


def _and(q: wq.And, expand) -> xapian.Query:
    Q = xapian.Query
    positive = [translate(c, expand) for c in q.subqueries if not isinstance(c, wq.Not)]
    negative = [translate(c.query, expand) for c in q.subqueries if isinstance(c, wq.Not)]
    out = Q(Q.OP_AND, positive) if positive else Q.MatchAll
    if negative:
        out = Q(Q.OP_AND_NOT, out, Q(Q.OP_OR, negative))
    return _scaled(out, q.boost)


def _or(q: wq.Or, expand) -> xapian.Query:
    return _scaled(xapian.Query(xapian.Query.OP_OR,
                                [translate(c, expand) for c in q.subqueries]), q.boost)


def _phrase(q: wq.Phrase, expand) -> xapian.Query:
    terms = [_term(q.fieldname, w) for w in q.words]
    if len(terms) == 1:
        return _scaled(xapian.Query(terms[0]), q.boost)
    # Whoosh lets each next word sit up to `slop` positions after the previous one.
    window = (len(terms) - 1) * q.slop + 1
    return _scaled(xapian.Query(xapian.Query.OP_PHRASE, terms, window), q.boost)


def _multi(q: wq.Query, expand) -> xapian.Query:
    words = list(expand(q))
    if not words:
        return xapian.Query.MatchNothing
    if len(words) == 1:  # Whoosh scores a single expansion as the plain word
        return _scaled(xapian.Query(_term(q.fieldname, words[0])), q.boost)
    return _constant(xapian.Query(xapian.Query.OP_OR,
                                  [xapian.Query(_term(q.fieldname, w)) for w in words]), q.boost)


def _range(q: wq.NumericRange, expand) -> xapian.Query:
    Q = xapian.Query
    if q.fieldname not in SLOT:
        raise BadQueryError(f"The query part {q} cannot be searched with this engine; "
                            f"leave it out or rephrase it.")
    slot = SLOT[q.fieldname]
    start = None if q.start is None else q.start + (1 if q.startexcl else 0)
    end = None if q.end is None else q.end - (1 if q.endexcl else 0)
    if start is not None and end is not None:
        rq = Q(Q.OP_VALUE_RANGE, slot, _range_bound(q.fieldname, start),
               _range_bound(q.fieldname, end))
    elif start is not None:
        rq = Q(Q.OP_VALUE_GE, slot, _range_bound(q.fieldname, start))
    elif end is not None:
        rq = Q(Q.OP_VALUE_LE, slot, _range_bound(q.fieldname, end))
    else:
        rq = Q.MatchAll
    return _constant(rq, q.boost)


# Order matters where Whoosh's classes inherit from each other (AndNot before And).
_HANDLERS = ((wq.Term, _leaf), (wq.Not, _not), (wq.AndNot, _and_not),
             (wq.AndMaybe, _and_maybe), (wq.And, _and), (wq.Or, _or), (wq.Phrase, _phrase),
             ((wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.TermRange), _multi),
             (wq.NumericRange, _range),
             (wq.Every, lambda q, expand: xapian.Query.MatchAll))
