"""The query language, shared by every engine: parsing into a Whoosh query tree, the guards
against hostile queries, and the index terms a query stands for."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import (
    AndGroup,
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldParser,
    QueryParserError,
)
from whoosh.support.levenshtein import distance

from archive.aliases import AliasTable, default_aliases, expand_query
from archive.analysis import fold, fold_and_stem
from archive.deadline import Deadline
from archive.errors import BadQueryError
from archive.particles import is_particle_term, join_particles
from archive.schema import index_schema
from archive.snippets import Marks

MATCH_ALL = ("", "*")  # queries that browse the whole archive (newest first by default)
MAX_QUERY_CHARS = 1000
MAX_TERMS = 300  # leaf terms after alias expansion
MAX_EXPANSION = 2000  # index words one prefix, wildcard or fuzzy term may stand for
MAX_FUZZY = 15  # fuzzy leaves (word~): each scans the words sharing its first letter
MIN_PREFIX = 2
STEM_PREFIX = 3  # letters a prefix's stem needs to be searched beside the prefix
TEXT_FIELDS = ("title", "content")
MULTITERMS = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm)
# Fields the catalog answers, not the index: `tag:NAME` narrows the whole query to the
# documents editors tagged so (archive.findings turns it into a document-id restriction).
CATALOG_FILTERS = ("tag",)
_CATALOG_TERM = re.compile(r"(?<![^\s(])(tag):([\w-]+)(?=$|[\s)])", re.IGNORECASE)
EXPANDING = (*MULTITERMS, wq.TermRange)  # leaves that stand for many index words
CHECK_EVERY = 256  # index words read between two looks at the clock

# An engine's way of listing the index words a prefix, wildcard or fuzzy leaf stands for.
Expander = Callable[[wq.Query], Iterable[str]]
# An engine's index words of a field that start with a literal: (field, literal) -> words.
Candidates = Callable[[str, str], Iterable[str]]


@lru_cache(maxsize=1)
def default_schema() -> Schema:
    """The index schema the parser reads field types and analyzers from, built once."""
    return index_schema()


def split_catalog_terms(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The query without its catalog terms (`tag:NAME`), and those terms as (field, value)
    filters; a catalog term narrows the whole query, whatever operators surround it."""
    terms = tuple((m.group(1).lower(), m.group(2)) for m in _CATALOG_TERM.finditer(text))
    return (" ".join(_CATALOG_TERM.sub(" ", text).split()) if terms else text), terms


def parse_query(text: str, schema: Schema | None = None) -> wq.Query:
    """Parse the query language (see templates/help.html) into a Whoosh query tree.

    Raises BadQueryError for syntax errors and for queries that would scan the whole
    vocabulary (leading wildcards, one-letter prefixes) or are too long.
    """
    if text.strip() in MATCH_ALL:
        return wq.Every()  # an empty query browses the whole archive
    if split_catalog_terms(text)[1]:  # a caller that skipped archive.findings.restrict
        raise BadQueryError(f"{text!r}: tag: filters are answered from the catalog and "
                            "shown to editors only; search from the site, signed in.")
    if len(text) > MAX_QUERY_CHARS:
        raise BadQueryError(f"The query is {len(text)} characters long; the limit is "
                            f"{MAX_QUERY_CHARS}. Search for the key words only.")
    text = join_particles(text)
    parser = MultifieldParser(["title", "content", "path"], schema=schema or default_schema(),
                              fieldboosts={"title": 2.0, "path": 0.5}, group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin({"kind": ["type"], "lang": ["language"],
                                        "content": ["text"], "folder": ["in"]}))
    try:
        q = parser.parse(text)
    except (QueryParserError, ValueError, TypeError) as exc:
        raise BadQueryError(f"Could not understand the query {text!r}: {exc}") from exc
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        raise BadQueryError(f"The query {text!r} has no words to search for.")
    _refuse_every(q)
    q = _fold_multiterms(q)
    leaves = list(q.leaves())
    if len(leaves) > MAX_TERMS:
        raise BadQueryError(f"The query has {len(leaves)} terms; the limit is {MAX_TERMS}.")
    fuzzy = sum(isinstance(leaf, wq.FuzzyTerm) for leaf in leaves)
    if fuzzy > MAX_FUZZY:
        raise BadQueryError(f"The query asks for {fuzzy} fuzzy matches (each word~ counts "
                            f"once per field it searches); the limit is {MAX_FUZZY}. Use "
                            f"fewer words with ~.")
    return q


def _refuse_every(q: wq.Query) -> None:
    # "title:*" parses to Every("title"), and a lone "*" inside a longer query to
    # Every(): a pure wildcard like "*a*", that would read every word of a field.
    for node in walk(q):
        if isinstance(node, wq.Every):
            field = f"{node.fieldname}:" if node.fieldname else ""
            raise BadQueryError(f"{field}* stands for every word, which would scan the "
                                f"whole archive; give at least {MIN_PREFIX} letters before "
                                f"the * (or search with an empty query to browse).")


def _fold_multiterms(q: wq.Query) -> wq.Query:
    # Prefix, wildcard and fuzzy text skips the analyzer: fold it here, and for a prefix
    # also try its stem, since the index holds stems ("librar*" and "library*").
    if isinstance(q, MULTITERMS):
        raw = q.text
        if isinstance(q, wq.Wildcard) and raw[:1] in ("*", "?"):
            raise BadQueryError(f"{raw!r} starts with a wildcard, which would scan every "
                                f"word in the archive; start with at least "
                                f"{MIN_PREFIX} letters.")
        stem_part = raw.rstrip("*?") if isinstance(q, (wq.Prefix, wq.Wildcard)) else raw
        if len(stem_part.split("*")[0].split("?")[0]) < MIN_PREFIX:
            raise BadQueryError(f"{raw!r} is too short to expand; give at least "
                                f"{MIN_PREFIX} letters before * or ?.")
        q = q.copy()
        if isinstance(q, wq.FuzzyTerm):  # the parser already ran the field's analyzer
            q.prefixlength = max(q.prefixlength, 1)
            q.maxdist = min(q.maxdist, 2)
        else:
            q.text = fold(raw)
        if isinstance(q, wq.Prefix) and q.fieldname in TEXT_FIELDS:
            stem = fold_and_stem(raw)
            # Stemming a short word can leave a particle ("إلى*" gave "ال*": every word
            # with the article, 0.9 s at 100,000 documents); such a stem adds no prefix.
            if stem != q.text and len(stem) >= STEM_PREFIX and not is_particle_term(stem):
                return wq.Or([q, wq.Prefix(q.fieldname, stem, boost=q.boost)])
        return q
    if q.is_leaf():
        return q
    return q.apply(_fold_multiterms)


def parse_request(query: str, aliases: bool, table: AliasTable | None = None,
                  schema: Schema | None = None,
                  without: tuple[str, ...] = ()) -> tuple[wq.Query, list[str]]:
    """Parse a query, first widened with the alias table when `aliases` is on (but for the
    spellings in `without`); returns the query and the entities it was widened with.
    Raises BadQueryError."""
    expanded: list[str] = []
    if aliases:
        query, expanded = expand_query(query, table or default_aliases(), without)
    return parse_query(query, schema), expanded


def walk(q: wq.Query) -> Iterator[wq.Query]:
    """Every node of a query tree, the root first."""
    yield q
    for child in q.children():
        yield from walk(child)


def leaf_test(leaf: wq.Query) -> tuple[str, Callable[[str], bool] | None]:
    """The literal start every word of an expanding leaf shares, and the test a word of
    the index with that start must pass (None: every such word)."""
    if isinstance(leaf, wq.Prefix):
        return leaf.text, None
    if isinstance(leaf, wq.Wildcard):
        pattern = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                     for c in leaf.text) + r"\Z")
        return re.split(r"[*?]", leaf.text, maxsplit=1)[0], pattern.match
    if isinstance(leaf, wq.FuzzyTerm):  # Damerau-Levenshtein within maxdist, as Whoosh's
        text, maxdist = leaf.text, leaf.maxdist
        return text[:leaf.prefixlength], \
            lambda word: distance(word, text, limit=maxdist) <= maxdist
    start, end = leaf.start or "", leaf.end  # a TermRange over words
    literal = os.path.commonprefix([start, end]) if start and end else ""

    def in_range(word: str) -> bool:
        return (word > start or (word == start and not leaf.startexcl)) and \
            (end is None or word < end or (word == end and not leaf.endexcl))
    return literal, in_range


def expander(candidates: Candidates, deadline: Deadline | None = None) -> Expander:
    """An Expander over an engine's index words; it looks at the deadline as it reads them
    (QueryTimeoutError), since a fuzzy term may read many words to keep a few."""
    def expand(leaf: wq.Query) -> Iterator[str]:
        literal, test = leaf_test(leaf)
        for count, word in enumerate(candidates(leaf.fieldname, literal), 1):
            if deadline is not None and count % CHECK_EVERY == 0:
                deadline.check(f"looking up the words {leaf_text(leaf)!r} stands for")
            if test is None or test(word):
                yield word
    return expand


def leaf_text(leaf: wq.Query) -> str:
    """How a user wrote an expanding leaf, for messages."""
    if isinstance(leaf, wq.TermRange):
        return f"[{leaf.start or ''} TO {leaf.end or ''}]"
    return leaf.text


def expand_leaves(q: wq.Query, expand: Expander,
                  deadline: Deadline | None = None) -> dict[wq.Query, tuple[str, ...]]:
    """The index words of every prefix, wildcard, fuzzy and range leaf, read once.

    Raises BadQueryError when one leaf stands for more than MAX_EXPANSION words, and
    QueryTimeoutError when the deadline passes on the way.
    """
    words: dict[wq.Query, tuple[str, ...]] = {}
    for leaf in q.leaves():
        if not isinstance(leaf, EXPANDING) or leaf in words:
            continue
        found = []
        for word in expand(leaf):
            found.append(word)
            if len(found) > MAX_EXPANSION:
                raise BadQueryError(
                    f"{leaf_text(leaf)!r} matches more than {MAX_EXPANSION} different "
                    f"words; make it longer or more precise.")
        words[leaf] = tuple(found)
        if deadline is not None:
            deadline.check(f"looking up the words {leaf_text(leaf)!r} stands for")
    return words


def check_expansion(q: wq.Query, expand: Expander) -> None:
    """Refuse a query whose prefix, wildcard or fuzzy term stands for too many index words."""
    expand_leaves(q, expand)


def pin_words(q: wq.Query, words: dict[wq.Query, tuple[str, ...]]) -> wq.Query:
    """The query with each expanding leaf bound to the words found for it, so Whoosh's
    matcher does not read the vocabulary a second time, outside the deadline."""
    if isinstance(q, EXPANDING):
        pinned = copy.copy(q)
        found = words.get(q, ())
        pinned._btexts = lambda reader: iter(found)  # what MultiTerm.matcher reads
        return pinned
    if q.is_leaf():
        return q
    return q.apply(lambda child: pin_words(child, words))


def query_terms(q: wq.Query, expand: Expander) -> Marks:
    """The title and content index terms a query marks (for highlighting): its words, its
    phrases (whose words are marked only where the whole phrase occurs), and the index
    words its prefixes, wildcards and fuzzy terms stand for. Name particles (al, bin, ال)
    are never marked on their own."""
    free: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    for leaf in q.leaves():
        if getattr(leaf, "fieldname", None) not in TEXT_FIELDS:
            continue
        if isinstance(leaf, wq.Phrase) and leaf.slop <= 1:
            phrases.add(tuple(_text(w) for w in leaf.words))
        elif isinstance(leaf, wq.Phrase):  # words near each other: each marked where it is
            free.update(_text(w) for w in leaf.words)
        elif isinstance(leaf, EXPANDING):
            free.update(_text(t) for t in expand(leaf))
        elif isinstance(leaf, wq.Term):
            free.add(_text(leaf.text))
    every = free | {w for p in phrases for w in p}
    quiet = {w for w in every if is_particle_term(w)}
    return Marks(free, phrases, quiet=quiet if quiet != every else ())  # "al" alone: marked


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
