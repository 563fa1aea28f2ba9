"""Text analysis shared by the index writer and the query parser: folding and stemming."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import Filter, RegexTokenizer

from archive.namelist import NAME_KINDS, alias_rows

# Bump when the terms text becomes change: an index built by another version is rebuilt.
# 2: one-word names of the alias table are kept whole, not stemmed.
ANALYSIS_VERSION = 2
PROCLITICS = "وفبلك"  # one-letter Arabic prefixes written onto a name: "وسالم", "لعمران"

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

# Snowball stemmers keep the word being stemmed in the object, so two threads sharing one
# garble each other's words (IndexError under load: waitress answers in 8 threads). One
# pair per thread.
_STEMMERS = threading.local()


def _stemmer(language: str):
    stemmer = getattr(_STEMMERS, language, None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer(language)
        setattr(_STEMMERS, language, stemmer)
    return stemmer


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
# Snowball leaves the conjunction on "والكتب" and "فالكتاب"; Light10 strips it.
_CONJUNCTION_ARTICLE = re.compile(r"^[وف](?=ال..)")

# PDF text layers often store the lam-alef ligature (and the lam-lam-heh of "الله") in visual
# order, so extraction yields "اإلسالم" for "الإسلام" and "اهلل" for "الله".
_DAMAGED_ALLAH = re.compile(r"هلل$")
_DAMAGED_ARTICLE = re.compile(r"^([وفبك]?)ا([إأآ])ل")
_DAMAGE_SIGNS = re.compile(r"(?<![^\W\d_])[وفبك]?ا[إأآ]ل|اهلل(?![^\W\d_])")
_REPAIRED_SIGNS = re.compile(r"(?<![^\W\d_])[وفبك]?ال[إأآ]|الله(?![^\W\d_])")
_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+")
_ARTICLE = re.compile(r"^(?:[وفبك]?ال|لل|[وفبك])?")
_INNER_AL = re.compile(r"ال(?!$)")

# Common broken plurals and their singulars, so that "الرسائل" finds "الرسالة".
BROKEN_PLURALS = {
    "رسائل": "رسالة", "كتب": "كتاب", "أخبار": "خبر", "إخوة": "أخ", "إخوان": "أخ",
    "وثائق": "وثيقة", "تقارير": "تقرير", "مدارس": "مدرسة", "أولاد": "ولد", "أموال": "مال",
    "أسماء": "اسم", "شيوخ": "شيخ", "مشايخ": "شيخ", "رجال": "رجل", "بيوت": "بيت",
    "طرق": "طريق", "قبائل": "قبيلة", "أسلحة": "سلاح", "دول": "دولة", "مدن": "مدينة",
    "أيام": "يوم", "شهور": "شهر", "أشهر": "شهر", "أعمال": "عمل", "أمور": "أمر",
    "أحوال": "حال", "أهداف": "هدف", "علماء": "عالم", "أمراء": "أمير", "جنود": "جندي",
    "أسرى": "أسير", "شهداء": "شهيد", "صور": "صورة", "أفلام": "فيلم", "أجهزة": "جهاز",
    "هواتف": "هاتف", "رسل": "رسول", "قوافل": "قافلة", "أدوية": "دواء", "كتائب": "كتيبة",
    "مراكز": "مركز", "مناطق": "منطقة", "جبال": "جبل", "أسواق": "سوق", "أسعار": "سعر",
    "مصاريف": "مصروف", "دروس": "درس", "قصائد": "قصيدة", "خرائط": "خريطة",
    "قواميس": "قاموس", "صناديق": "صندوق", "أوراق": "ورقة", "أطفال": "طفل",
    "أبناء": "ابن", "بنات": "بنت", "نساء": "امرأة", "أصدقاء": "صديق", "أعداء": "عدو",
    "حكومات": "حكومة", "جماعات": "جماعة", "إصدارات": "إصدار", "لجان": "لجنة",
    "مجالس": "مجلس", "قرى": "قرية", "أراضي": "أرض", "مساجد": "مسجد", "أسابيع": "أسبوع",
}


def repair_lam_alef(text: str) -> str:
    """Undo the visual-order lam-alef damage of PDF text layers in a whole text.

    Only call it on text that `has_lam_alef_damage`. Besides the sure forms (article before
    hamza, "الله"), an "ال" inside a word that has the article is read as a swapped "لا"
    ("السالم" -> "السلام"), except at the word's end, where "ال" is usually sound ("المال").
    """
    def word(m: re.Match) -> str:
        token = _DAMAGED_ALLAH.sub("لله", _DAMAGED_ARTICLE.sub(r"\1ال\2", m.group()))
        head = _ARTICLE.match(token).end()
        if not token[:head].endswith(("ال", "لل")):
            return token
        return token[:head] + _INNER_AL.sub("لا", token[head:])

    return _ARABIC_WORD.sub(word, text)


def has_lam_alef_damage(text: str) -> bool:
    """True when a text shows the telltale damaged forms more often than the sound ones."""
    damaged = len(_DAMAGE_SIGNS.findall(text))
    return damaged >= 2 and damaged > len(_REPAIRED_SIGNS.findall(text))


def _stem_arabic(bare: str) -> str:
    bare = _CONJUNCTION_ARTICLE.sub("", bare)
    stem = _stemmer("arabic").stemWord(bare)
    if bare.endswith("ات") and stem.endswith("ا") and len(stem) > 3:
        stem = stem[:-1]  # Snowball keeps the alef of "ات" on indefinite plurals
    return stem if len(stem) >= 2 else bare


def _arabic_term(word: str) -> str:
    bare = _ARABIC_MARKS.sub("", word).translate(_PRE_STEM)
    bare = _DAMAGED_ALLAH.sub("لله", _DAMAGED_ARTICLE.sub(r"\1ال\2", bare))
    term = fold(_stem_arabic(bare))
    return _PLURALS.get(term, term)


@lru_cache(maxsize=1)
def _whole_names() -> dict[str, str]:
    """The alias table's one-word names: folded form -> index term. Stemmed, many would
    become other words' terms (طالبان the term of طالب, student; امریکہ of امر, matter;
    Emirates of emir), so they are indexed and searched whole. A name spelled with the
    article (السودان) has its term without it; آلمان, whose alef only folds to one, keeps
    its first letters."""
    names: dict[str, str] = {}
    for _, kind, spellings in alias_rows():
        if kind not in NAME_KINDS:
            continue
        for spelling in spellings:
            if " " in spelling or "-" in spelling or len(spelling) <= 2:
                continue
            folded = fold(spelling)
            article = spelling.startswith("ال") and len(folded) > 4
            term = folded[2:] if article else folded
            names.setdefault(folded, term)
            names.setdefault(term, term)
    return names


def _whole_name(word: str) -> str | None:
    """The index term of the name a folded word is, bare or behind a proclitic and the
    article ("والطالبان", "لإيران", "للسودان"), or None."""
    names = _whole_names()
    candidates = [word]
    if len(word) > 3 and word[0] in PROCLITICS:
        candidates.append(word[1:])
    if word.startswith("لل"):
        candidates.append(word[2:])
    for candidate in candidates:
        if candidate in names:
            return names[candidate]
        if candidate.startswith("ال") and candidate[2:] in names:
            return names[candidate[2:]]
    return None


@lru_cache(maxsize=200_000)
def fold_and_stem(word: str) -> str:
    """The index term for one token: repaired, stemmed by its script's stemmer, folded;
    common Arabic broken plurals map to their singular's term; the alias table's one-word
    names are kept whole (folded, without the article), and other words never share their
    terms."""
    word = unicodedata.normalize("NFKC", word)
    name = _whole_name(fold(word))
    if name is not None:
        return name
    term = _stemmed(word)
    # Another word stemmed onto a name's term (عليهم, upon them, onto علي, Ali) keeps a
    # term of its own: the name's documents are not its documents.
    return term + NOT_A_NAME if term in _name_terms() else term


NOT_A_NAME = "_"  # never part of a token, so no query word can spell it


@lru_cache(maxsize=1)
def _name_terms() -> frozenset[str]:
    return frozenset(_whole_names().values())


def _stemmed(word: str) -> str:
    if _ARABIC_SCRIPT.search(word):
        return _arabic_term(word)
    folded = fold(word)
    if folded.isascii() and folded.isalpha():
        return _stemmer("english").stemWord(folded)
    return folded


def _plural_terms() -> dict[str, str]:
    out = {}
    for plural, singular in BROKEN_PLURALS.items():
        target = fold(_stem_arabic(singular))
        for prefix in ("", "ال"):
            term = fold(_stem_arabic(prefix + plural))
            if term != target:
                out[term] = target
        article = fold(_stem_arabic("ال" + singular))
        if article != target:
            out[article] = target
    return out


_PLURALS: dict[str, str] = {}
_PLURALS.update(_plural_terms())


class FoldStemFilter(Filter):
    """Whoosh filter turning each token into its folded, stemmed index term. Its version,
    pickled with an index's schema, tells an index built with other terms."""

    def __init__(self):
        self.version = ANALYSIS_VERSION

    def __eq__(self, other):
        return (other is not None and self.__class__ is other.__class__
                and getattr(self, "version", 1) == getattr(other, "version", 1))

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
