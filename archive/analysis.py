"""Text analysis shared by the index writer and the query parser: folding and stemming."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import Filter, RegexTokenizer

# Combining marks are not \w in Python's re, so a word with tashkeel would split in two.
TOKEN_PATTERN = (r"(?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
                 r"\u0640\u200c\u200d])+")

_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ی": "ي", "ے": "ي", "ې": "ي", "ۍ": "ي", "ئ": "ي",
    "ة": "ه", "ۀ": "ه", "ہ": "ه", "ھ": "ه", "ە": "ه",
    "ک": "ك", "ڪ": "ك",
    "ؤ": "و",
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
})

_ARABIC_STEMMER = snowballstemmer.stemmer("arabic")
_ENGLISH_STEMMER = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Normalise text for matching: NFKC (PDF presentation forms), Arabic-script letter
    variants folded, tashkeel/tatweel/ZWNJ removed, digits to ASCII, Latin accents removed,
    case folded."""
    text = unicodedata.normalize("NFKC", text)
    if _ARABIC_SCRIPT.search(text):
        text = _ARABIC_MARKS.sub("", text).translate(_FOLD)
    text = text.casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(c for c in decomposed
                           if not (unicodedata.combining(c) and "\u0300" <= c <= "\u036f")))
    return text


# Persian and Urdu letters mapped to their Arabic twins before stemming; teh marbuta and
# hamza carriers stay, because the Arabic stemmer uses them to find suffixes.
_PRE_STEM = str.maketrans({"ی": "ي", "ے": "ي", "ک": "ك", "ھ": "ه", "ہ": "ه", "ۀ": "ه"})


@lru_cache(maxsize=200_000)
def fold_and_stem(word: str) -> str:
    """The index term for one token: stemmed by its script's stemmer, then folded."""
    word = unicodedata.normalize("NFKC", word)
    if _ARABIC_SCRIPT.search(word):
        bare = _ARABIC_MARKS.sub("", word).translate(_PRE_STEM)
        stem = _ARABIC_STEMMER.stemWord(bare)
        return fold(stem if len(stem) >= 2 else bare)
    folded = fold(word)
    if folded.isascii() and folded.isalpha():
        return _ENGLISH_STEMMER.stemWord(folded)
    return folded


class FoldStemFilter(Filter):
    """Whoosh filter turning each token into its folded, stemmed index term."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold_and_stem(t.text)
            if t.text:
                yield t


class FoldFilter(Filter):
    """Whoosh filter folding tokens without stemming (names, exact fields)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            if t.text:
                yield t


def text_analyzer():
    """Analyzer for body text and titles: tokenise, fold, stem."""
    return RegexTokenizer(TOKEN_PATTERN) | FoldStemFilter()


def path_analyzer():
    """Analyzer for paths: each folder and file-name word becomes a folded token."""
    return RegexTokenizer(TOKEN_PATTERN) | FoldFilter()
