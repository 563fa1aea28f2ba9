"""The bilingual alias table: names of people, groups and places in every script we expect."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from archive.analysis import PROCLITICS, TOKEN_PATTERN, fold
from archive.namelist import ALIAS_FILE, NAME_KINDS, alias_rows

MAX_WORDS = 6  # the longest spelling in the table, in words
MAX_EXPANSIONS = 24  # spellings added to a query for one name
_WORD = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class Entity:
    """One named entity and all its spellings."""

    entity_id: str
    kind: str
    spellings: tuple[str, ...]


def _key(text: str) -> tuple[str, ...]:
    return tuple(fold(w) for w in _WORD.findall(text))


def _is_acronym(spelling: str) -> bool:
    letters = [c for c in spelling if c.isalpha()]
    return bool(letters) and len(letters) <= 5 and all(c.isupper() for c in letters) \
        and spelling.isascii()


class AliasTable:
    """Spellings looked up by their folded words; acronyms (UN, CIA) only in capitals."""

    def __init__(self, entities: list[Entity]):
        self.entities = {e.entity_id: e for e in entities}
        self._by_key: dict[tuple[str, ...], str] = {}
        self._acronyms: dict[str, str] = {}
        for entity in entities:
            for spelling in entity.spellings:
                if _is_acronym(spelling):
                    self._acronyms[spelling.replace(".", "")] = entity.entity_id
                else:
                    key = _key(spelling)
                    if key:
                        self._by_key.setdefault(key, entity.entity_id)
        # The lengths of the spellings starting with each folded word: entities_in tries
        # only those at a word, instead of every length at every word of a long document.
        self._lengths: dict[str, frozenset[int]] = {}
        for key in self._by_key:
            self._lengths[key[0]] = self._lengths.get(key[0], frozenset()) | {len(key)}

    def find(self, words: list[str], start: int) -> tuple[str, int] | None:
        """The entity whose spelling starts at words[start] (longest match), and its length.

        An empty string in `words` is a barrier (an operator or a field): no match spans it.
        A first word carrying an Arabic proclitic ("وسالم") is tried without it too.
        """
        first = words[start] if start < len(words) else ""
        found = self._find(words, start, first)
        if found is None and len(first) > 3 and first[0] in PROCLITICS:
            found = self._find(words, start, first[1:])
        return found

    def _find(self, words: list[str], start: int, first: str) -> tuple[str, int] | None:
        window = words[start:start + MAX_WORDS]
        run = window.index("") if "" in window else len(window)
        for length in range(min(MAX_WORDS, run), 0, -1):
            chunk = [first, *words[start + 1:start + length]]
            if length == 1 and chunk[0].replace(".", "") in self._acronyms:
                return self._acronyms[chunk[0].replace(".", "")], 1
            entity_id = self._by_key.get(_key(" ".join(chunk)))
            if entity_id:
                return entity_id, length
        return None

    def entities_in(self, text: str) -> list[str]:
        """Ids of the entities named in a text, in order of first mention."""
        words = _WORD.findall(text)
        folds: dict[str, str] = {}  # a document repeats its words: each is folded once
        folded = [folds.get(w) or folds.setdefault(w, fold(w)) for w in words]
        found, i = [], 0
        while i < len(words):
            match = self._find_words(words, folded, i, folds)
            if match:
                if match[0] not in found:
                    found.append(match[0])
                i += match[1]
            else:
                i += 1
        return found

    def _find_words(self, words: list[str], folded: list[str], start: int,
                    folds: dict[str, str]) -> tuple[str, int] | None:
        # find() for the words of a tokenised text (none empty, each one token, so that a
        # spelling's key is the run of their folds); the same answers, fewer lookups.
        first = words[start]
        found = self._find_folded(folded, start, first, folded[start])
        if found is None and len(first) > 3 and first[0] in PROCLITICS:
            bare = first[1:]
            found = self._find_folded(folded, start, bare,
                                      folds.get(bare) or folds.setdefault(bare, fold(bare)))
        return found

    def _find_folded(self, folded: list[str], start: int, first: str,
                     first_folded: str) -> tuple[str, int] | None:
        lengths = self._lengths.get(first_folded, frozenset())
        for length in range(min(MAX_WORDS, len(folded) - start), 0, -1):
            if length == 1 and first.replace(".", "") in self._acronyms:
                return self._acronyms[first.replace(".", "")], 1
            if length in lengths:
                entity_id = self._by_key.get((first_folded, *folded[start + 1:start + length]))
                if entity_id:
                    return entity_id, length
        return None


def load_aliases(path: Path = ALIAS_FILE) -> AliasTable:
    """Read the alias table (tab-separated; spellings split by '|'; '#' starts a comment)."""
    return AliasTable([Entity(entity_id, kind, tuple(spellings))
                       for entity_id, kind, spellings in alias_rows(path)])


@lru_cache(maxsize=1)
def default_aliases() -> AliasTable:
    """The alias table shipped with Docket, loaded once."""
    return load_aliases()


QUERY_KINDS = NAME_KINDS  # concepts widen none
QUERY_TOKEN = re.compile(r'"[^"]*"|\[[^\]]*\]|\S+')  # a phrase, a range or a word
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}


def is_word_token(token: str) -> bool:
    """Whether a query token is a word a rewrite may touch: not a phrase, a range, a
    field-prefixed word, an operator, a prefix or a fuzzy term."""
    return not (token[0] in '"[' or ":" in token or token in OPERATORS or token[-1] in "*~")


@dataclass(frozen=True)
class Expansion:
    """One name of a query widened with its other spellings: where it is, what was typed,
    the spellings added, and those the reader asked to leave out."""

    start: int
    end: int
    entity_id: str
    original: str
    added: tuple[str, ...]
    left_out: tuple[str, ...]


def expansions(query: str, table: AliasTable | None = None,
               without: Iterable[str] = ()) -> list[Expansion]:
    """The names of a query the alias table widens, in order. Quoted phrases, field-prefixed
    words, ranges and operators are left alone; spellings in `without` are not added."""
    table = table or default_aliases()
    skip = {_key(s) for s in without}
    spans: list[tuple[int, int, str]] = []  # (start, end, word) of plain words only
    for m in QUERY_TOKEN.finditer(query):
        token = m.group()
        if not is_word_token(token):
            spans.append((m.start(), m.end(), ""))
            continue
        lead = len(token) - len(token.lstrip("(+-"))
        trail = len(token) - len(token.rstrip(")"))
        spans.append((m.start() + lead, m.end() - trail, token[lead:len(token) - trail]))
    found, i = [], 0
    words = [w for _, _, w in spans]
    while i < len(spans):
        match = table.find(words, i) if words[i] else None
        if match and table.entities[match[0]].kind in QUERY_KINDS:
            entity_id, length = match
            start, end = spans[i][0], spans[i + length - 1][1]
            original = query[start:end]
            others = [s for s in table.entities[entity_id].spellings
                      if _key(s) != _key(original) and '"' not in s][:MAX_EXPANSIONS]
            found.append(Expansion(start, end, entity_id, original,
                                   tuple(s for s in others if _key(s) not in skip),
                                   tuple(s for s in others if _key(s) in skip)))
            i += length
        else:
            i += 1
    return found


def expand_query(query: str, table: AliasTable | None = None,
                 without: Iterable[str] = ()) -> tuple[str, list[str]]:
    """Rewrite a query so that each name it contains also matches the name's other
    spellings (but those in `without`). Returns the new query and the ids of the entities
    that were expanded."""
    out, cursor, expanded = [], 0, []
    for e in expansions(query, table, without):
        alternatives = " OR ".join(f'"{s}"' if " " in s or "-" in s else s
                                   for s in [e.original, *e.added] if '"' not in s)
        out.append(query[cursor:e.start] + f"({alternatives})")
        cursor = e.end
        expanded.append(e.entity_id)
    out.append(query[cursor:])
    return "".join(out), expanded
