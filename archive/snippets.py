"""Keyword-in-context snippets from the catalog's page text, with the matched words marked."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from archive.analysis import TOKEN_PATTERN, fold_and_stem
from archive.model import Page

_TOKEN = re.compile(TOKEN_PATTERN)
_TOKEN_CHAR = TOKEN_PATTERN[:-1]  # one character of a word (the pattern is its run)
# The same runs with "_" inside them (split off after): one character class reads a third
# faster than TOKEN_PATTERN's alternation.
_RUNS = re.compile("[\\w" + TOKEN_PATTERN.split("|", 1)[1][1:-2] + "+")
_SPACES = re.compile(r"\s+")
CONTEXT = 70  # characters shown on each side of a match
MAX_SNIPPETS = 3
SCAN_CHARS = 400_000  # text of one hit read for snippets: a hit matched by its title or
# file name alone is not read to its end (the result still lists it, without a snippet)


@dataclass(frozen=True)
class Snippet:
    """A passage of one page: text fragments, each flagged as a match or not."""

    page: int
    fragments: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        """Plain text with matches wrapped in [[ ]]."""
        return "".join(f"[[{t}]]" if hit else t for t, hit in self.fragments)

    @property
    def html(self) -> str:
        """Escaped HTML with matches in <mark>: safe to insert into a page."""
        return "".join(f"<mark>{escape(t)}</mark>" if hit else escape(t)
                       for t, hit in self.fragments)


class Marks(frozenset):
    """The index terms a query marks in a text. Words the query searches on their own are
    marked wherever they occur; words it searches only inside phrases (`phrases`, tuples of
    index terms) are marked only where the whole phrase occurs, so "Abu Abdallah" does not
    mark every "Abdallah". `quiet` words (name particles) are never marked."""

    phrases: frozenset[tuple[str, ...]]
    free: frozenset[str]
    quiet: frozenset[str]

    def __new__(cls, free: Iterable[str], phrases: Iterable[tuple[str, ...]] = (),
                quiet: Iterable[str] = ()):
        free, phrases, quiet = frozenset(free), frozenset(phrases), frozenset(quiet)
        self = super().__new__(cls, free | {w for p in phrases for w in p} - quiet)
        self.free, self.phrases, self.quiet = free - quiet, phrases, quiet
        return self


def matches(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of the words of `text` that `terms` marks (see Marks)."""
    return list(_marked(text, terms))


# Words as written -> their index terms, and back, for the words snippets have read: a
# page is then matched against a query by set operations, without folding its words again.
_TERMS: dict[str, str] = {}
_FORMS: dict[str, set[str]] = {}
TERMS_KEPT = 200_000  # about 40 MB; words past this are folded each time (lru-cached)


def _new_terms(words: set[str]) -> dict[str, str]:
    """Fold and stem the words not seen before; those that no longer fit the table are
    returned (the rest are recorded: forms first, so a word in _TERMS is in _FORMS)."""
    extra = {}
    for word in words.difference(_TERMS):
        term = fold_and_stem(word)
        if len(_TERMS) < TERMS_KEPT:
            _FORMS.setdefault(term, set()).add(word)
            _TERMS[word] = term
        else:
            extra[word] = term
    return extra


def _wanted(text: str, terms: frozenset[str], phrases) -> frozenset[str]:
    """The words of `text`, as written, whose index terms the query marks (free terms, or
    words of its phrases whose every word the text holds): a page without the query's
    words is dismissed from its distinct words, without reading it word by word."""
    words = set(_RUNS.findall(text))
    if "_" in text:
        words = {part for word in words for part in word.split("_") if part}
    extra = _new_terms(words)

    def forms(wanted_terms) -> set[str]:
        if len(wanted_terms) > len(words):  # e.g. a prefix that widened to many terms
            found = {w for w in words if _TERMS.get(w) in wanted_terms}
        else:
            found = set().union(*[words & _FORMS.get(t, set()) for t in wanted_terms])
        return found | {w for w, t in extra.items() if t in wanted_terms}

    if not phrases:
        return frozenset(forms(terms))
    live = {t for p in phrases if all(forms({t}) for t in p) for t in p}
    return frozenset(forms(live | terms.free))


@lru_cache(maxsize=512)
def _finder(words: frozenset[str]) -> re.Pattern:
    """A pattern matching any of `words` as a whole token (what TOKEN_PATTERN would read)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(f"(?<!{_TOKEN_CHAR})(?:{alternatives})(?!{_TOKEN_CHAR})")


def _marked(text: str, terms: frozenset[str]) -> Iterator[tuple[int, int]]:
    """The marked spans in text order, read lazily. Only the words the query marks are
    looked at (see _wanted), found by one pattern; between two of them, any other word
    breaks a phrase."""
    phrases = getattr(terms, "phrases", frozenset())
    wanted = _wanted(text, terms, phrases)
    if not wanted:
        return
    found = _finder(wanted).finditer(text)
    if not phrases:
        for m in found:
            yield m.span()
        return
    free, quiet = terms.free, terms.quiet
    longest = max(len(p) for p in phrases)
    recent: deque[tuple[int, int, str]] = deque(maxlen=longest)
    pending: dict[tuple[int, int], bool] = {}  # span -> marked, until it leaves the window
    for m in found:
        if recent and _TOKEN.search(text, recent[-1][1], m.start()):
            recent.clear()  # another word in between: no phrase goes on across it
            yield from (span for span, marked in pending.items() if marked)
            pending.clear()
        term = _TERMS.get(m.group()) or fold_and_stem(m.group())
        recent.append((m.start(), m.end(), term))
        pending[(m.start(), m.end())] = term in free
        words = [t for _, _, t in recent]
        for n in range(1, len(words) + 1):
            if tuple(words[-n:]) in phrases:
                for s, e, t in list(recent)[-n:]:
                    pending[(s, e)] = pending[(s, e)] or t not in quiet
        while len(pending) > longest:
            span = next(iter(pending))
            if pending.pop(span):
                yield span
    for span, marked in pending.items():
        if marked:
            yield span


def _spans_near_first(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """The marked spans of the first snippet's window only: tokens are read up to the
    first match and CONTEXT characters past it, not to the end of the page."""
    spans: list[tuple[int, int]] = []
    for span in _marked(text, terms):
        if spans and span[0] > spans[0][1] + CONTEXT:
            break
        spans.append(span)
    return spans


def passage(text: str, spans: list[tuple[int, int]], first: int) -> tuple[tuple[str, bool], ...]:
    """The fragments of `text` around its match `spans[first]`: CONTEXT characters each
    side cut at word boundaries, every match inside flagged, "…" where the text goes on."""
    start = max(0, spans[first][0] - CONTEXT)
    end = min(len(text), spans[first][1] + CONTEXT)
    if start > 0:  # begin and end on word boundaries
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[first][0] else start
    if end < len(text):
        space = text.rfind(" ", spans[first][1], end)
        end = space if space > 0 else end
    fragments, cursor = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        fragments.append((text[cursor:s], False))
        fragments.append((text[s:e], True))
        cursor = e
    fragments.append((text[cursor:end], False))
    if start > 0:
        fragments.insert(0, ("…", False))
    if end < len(text):
        fragments.append(("…", False))
    return tuple((_SPACES.sub(" ", t) if not hit else t, hit) for t, hit in fragments if t)


def make_snippets(pages: Iterable[Page], terms: frozenset[str],
                  limit: int = MAX_SNIPPETS) -> list[Snippet]:
    """Up to `limit` snippets, at most one per page, from the first pages that match,
    reading at most SCAN_CHARS of text (`pages` may be lazy: it is read only as needed)."""
    out, read = [], 0
    for page in pages:
        spans = _spans_near_first(page.text[:SCAN_CHARS - read], terms)
        if spans:
            out.append(Snippet(page.n, passage(page.text, spans, 0)))
            if len(out) >= limit:
                break
        read += len(page.text)
        if read >= SCAN_CHARS:
            break
    return out
