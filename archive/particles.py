"""Name particles: the words of transliterated and Arabic names (al-, bin, abu, umm, ال)
that nobody searches for on their own.

They stay in the index, so that phrases ("bin Laden", "al-Qaida") match, but in a query a
particle is joined to the word it introduces as a phrase ("Iran al-Qaida" searches Iran and
the phrase "al Qaida", not every "al"), and a particle is never marked as a hit on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from archive.aliases import QUERY_TOKEN, is_word_token
from archive.analysis import fold, fold_and_stem

# Folded spellings: Latin transliterations and the Arabic-script words (أبو folds to ابو).
PARTICLES = frozenset({
    "al", "el", "ul", "ad", "ar", "as", "at", "an", "az", "ash", "bin", "ben", "ibn", "bint",
    "abu", "abou", "umm", "um", "ال", "بن", "ابن", "بنت", "ابو", "ام",
})
# Latin particles that are also everyday words are particles only when hyphenated onto
# the next word ("ad-Din", "as-Sahab"), never as a free word ("as", "at", "an").
HYPHEN_ONLY = frozenset({"ad", "ar", "as", "at", "an", "az", "um", "el", "ul"})
_HYPHENATED = re.compile(r"^([^\W\d_]+)-([^\W\d_].*)$")


@lru_cache(maxsize=1)
def particle_terms() -> frozenset[str]:
    """The index terms particles become (folded, and stemmed where the stemmer changes them)."""
    return PARTICLES | {fold_and_stem(p) for p in PARTICLES}


def is_particle_term(term: str) -> bool:
    """Whether an index term is a particle's, which is never marked as a hit by itself."""
    return term in particle_terms()


def _plain(token: str) -> bool:
    # a bare word: no group around it, no + or - before it
    return is_word_token(token) and token[0] not in "(+-" and token[-1] != ")"


def _free_particle(token: str) -> bool:
    word = fold(token)
    return word in PARTICLES and word not in HYPHEN_ONLY


def join_particles(query: str) -> str:
    """Make each particle and the word after it one phrase: `Iran al Qaida` becomes
    `Iran "al Qaida"`, `al-Qaida` becomes `"al-Qaida"`. Quoted phrases, fields, groups and
    operators are left alone, and so is a particle with no word after it; everything else
    of the query is kept as typed."""
    tokens = list(QUERY_TOKEN.finditer(query))
    out, cursor, i = [], 0, 0
    while i < len(tokens):
        token, m = tokens[i].group(), tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        hyphen = _HYPHENATED.match(token) if _plain(token) else None
        if hyphen and fold(hyphen.group(1)) in PARTICLES:
            out.append(f'{query[cursor:m.start()]}"{token}"')
            cursor = m.end()
        elif (_plain(token) and _free_particle(token) and nxt is not None
              and _plain(nxt.group()) and query[m.end():nxt.start()].isspace()):
            out.append(f'{query[cursor:m.start()]}"{token} {nxt.group()}"')
            cursor = nxt.end()
            i += 1
        i += 1
    out.append(query[cursor:])
    return "".join(out)
