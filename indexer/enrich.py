"""Derived fields: language tags per page and per document, normalised dates, the names
news linking reads of a document."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Generator
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from archive.aliases import default_aliases
from archive.xref.listing import DocNames
from archive.xref.listing import list_names as _list_names

# The languages such releases hold, plus the common European and Asian ones of peer fixtures.
# Lingua has no Pashto model; Pashto text is tagged with its closest neighbour, mostly fa/ur.
EXPECTED = ("ARABIC", "PERSIAN", "URDU", "ENGLISH", "FRENCH", "GERMAN", "SPANISH", "RUSSIAN",
            "CHINESE", "JAPANESE", "KOREAN", "HEBREW", "GREEK", "TURKISH", "ITALIAN",
            "PORTUGUESE", "DUTCH", "HINDI", "CZECH", "POLISH")
CHUNK_CHARS = 600
MAX_CHUNKS_PER_PAGE = 24
MIN_LETTERS = 12  # shorter text gets no language tag: too little to tell
MIN_CONFIDENCE = 0.4
PAGE_SHARE = 0.2  # a language holding this share of a page's letters is tagged on the page
DOC_SHARE = 0.1  # ... and this share of the whole document's letters, on the document

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_ARABIC_RUN = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u200c]+"
                         r"(?:[\s\d.,:;!?()«»\-]+[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff"
                         r"\ufe70-\ufeff\u200c]+)*")


ARABIC_SCRIPT = ("ARABIC", "PERSIAN", "URDU")
PART_CHARS = 400  # lingua's cost grows with length; 400 characters decide a language well


SHORT_TEXT = 120  # below this many characters lingua needs its full (slow to load) models

# Letters Persian or Urdu write and Arabic does not (and the zero-width non-joiner of their
# compounds). Arabic-script text with none of them, over enough words, is Arabic when it also
# reads like Arabic: many words carry the article al- and few are Persian function words
# (Persian typed on an Arabic keyboard writes ي and ك, and has neither the article nor Arabic's
# prepositions). Anything less clear goes to lingua. Measured: 0.7 ms per lingua call here.
NOT_ARABIC_LETTERS = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc\u06d2\u06d3\u0679"
                                "\u0688\u0691\u06ba\u06c0\u06c1\u06be\u06c3\u06d5\u200c"
                                "\u06f0-\u06f9]")
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_WORD = re.compile("[\u0621-\u064a]+")
_ARTICLE = re.compile("^(?:[وفبكل]?ال|لل)..")
PERSIAN_WORDS = frozenset("است را این اين که كه می مي های هاي برای براي شده شد بود کرد كرد "
                          "نیز نيز اند باید بايد آن".split())
ARABIC_ONLY_MIN_WORDS = 12
ARABIC_ARTICLE_SHARE = 0.12  # Arabic prose: 20-35% of words; Persian, a few loanwords
PERSIAN_WORD_SHARE = 0.03


def is_plainly_arabic(part: str) -> bool:
    """Whether Arabic-script text is Arabic beyond doubt, without asking lingua: no letter
    of Persian or Urdu, enough words, the Arabic article common, Persian function words rare."""
    if NOT_ARABIC_LETTERS.search(part):
        return False
    words = _ARABIC_WORD.findall(_HARAKAT.sub("", part))
    if len(words) < ARABIC_ONLY_MIN_WORDS:
        return False
    article = sum(1 for w in words if _ARTICLE.match(w))
    persian = sum(1 for w in words if w in PERSIAN_WORDS)
    return (article >= ARABIC_ARTICLE_SHARE * len(words)
            and persian <= PERSIAN_WORD_SHARE * len(words))


@lru_cache(maxsize=4)
def _detector(arabic_script: bool = False, short: bool = True):
    """A detector for Arabic-script text (ar/fa/ur only) or for everything else.

    Splitting by script first makes each detector faster and more accurate. Longer Latin-script
    text uses lingua's low-accuracy mode (trigrams only: 0.3 s and 33 MB to load instead of
    5 s and 300 MB, measured here), which the lingua authors rate as reliable past ~120
    characters; the full models load only when a short text needs them.
    """
    from lingua import Language, LanguageDetectorBuilder  # 40-330 MB: only where it answers

    names = ARABIC_SCRIPT if arabic_script else [n for n in EXPECTED if n not in ARABIC_SCRIPT]
    builder = LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in names))
    if not arabic_script and not short:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


# A page too short for a part of its own (or whose parts lingua could not place) gets one
# guess, from its first characters: a page of noise is as undecided after these as after all.
GUESS_CHARS = 4000
MAX_CHUNKS_PER_DOCUMENT = 2000  # language detections of one document, about 0.2 ms each


def _chunks(text: str, most: int = MAX_CHUNKS_PER_PAGE) -> list[str]:
    chunks, current = [], ""
    for line in text.splitlines():
        if len(current) + len(line) > CHUNK_CHARS and current:
            chunks.append(current)
            current = ""
        current += line + "\n"
    if current.strip():
        chunks.append(current)
    if len(chunks) > most:  # sample evenly through long pages
        step = len(chunks) / most
        chunks = [chunks[int(i * step)] for i in range(most)]
    return chunks


def _by_script(chunk: str) -> list[tuple[bool, str]]:
    """The Arabic-script part and the rest of a chunk, so that a line of English inside an
    Arabic letter is judged on its own rather than drowned by its neighbours."""
    arabic = " ".join(_ARABIC_RUN.findall(chunk))
    rest = _ARABIC_RUN.sub(" ", chunk)
    return [(is_arabic, part) for is_arabic, part in ((True, arabic), (False, rest))
            if part.strip()]


def _page_counts(text: str, most: int) -> Generator[list[Ask], list[Answer], Counter]:
    """Letters per ISO 639-1 language in a text, detected chunk by chunk and script by script
    (at most `most` chunks, sampled evenly). Parts shorter than SHORT_TEXT (a Latin name in
    an Arabic letter) are pooled per script and judged together: one call instead of many,
    on more text, and lingua's large short-text models load only for pages that are short.

    What only lingua can tell is asked in two rounds (yielded, answered by the caller): the
    long parts first, then the pools, whose models depend on what the first round found."""
    counts: Counter = Counter()
    pooled: dict[bool, list[str]] = {True: [], False: []}
    asks = []
    for chunk in _chunks(text, most):
        for is_arabic, part in _by_script(chunk):
            if len(part.strip()) < SHORT_TEXT:
                pooled[is_arabic].append(part.strip())
            else:
                asks.append(_count_part(counts, is_arabic, part))
    _apply(counts, asks, (yield [a for a in asks if a]))
    counted = sum(counts.values())
    asks = []
    for is_arabic, parts in pooled.items():
        pool = " ".join(parts)
        # A pool under DOC_SHARE of a page's letters is never tagged on the page itself: the
        # trigram models judge it, and the short-text ones (5 s and 300 MB to load) are left
        # for pages that hold nothing longer.
        minor = bool(counted) and len(_LETTER.findall(pool)) < DOC_SHARE * counted
        if parts:
            asks.append(_count_part(counts, is_arabic, pool, short=None if not minor else False))
    _apply(counts, asks, (yield [a for a in asks if a]))
    return counts


# English function words, and those of the other Latin-script languages we tag: a page of
# plain ASCII letters where the first are common and the second rare is English.
ENGLISH_WORDS = frozenset("the and of to in is that for it with as was on be by this are "
                          "not or from at have an which his her they you we he she has had "
                          "were been their will would there what all but can if".split())
OTHER_LATIN_WORDS = frozenset(
    "der das und ist nicht mit ein eine zu den von sie auf dem sich des auch "  # de
    "le la les et est des une du dans pour que qui sur pas au avec ce il "  # fr
    "el los las y que del por una con para es lo se su al "  # es
    "il che di della per non sono una gli nel "  # it
    "os da em não com uma para são "  # pt
    "het een en van ik niet op zijn dat voor "  # nl
    "je se na ve že jsou pro "  # cs
    "się nie jest w z że na do to "  # pl
    "ve bir bu da için ile ne".split()) - ENGLISH_WORDS  # tr
_LATIN_WORD = re.compile(r"[A-Za-z]+")
ENGLISH_ONLY_MIN_WORDS = 20
ENGLISH_WORD_SHARE = 0.2  # English prose: 35-50% of words; code and word lists, less
OTHER_WORD_SHARE = 0.02


def is_plainly_english(part: str) -> bool:
    """Whether Latin-script text is English beyond doubt, without asking lingua: letters of
    ASCII only, enough words, English function words common and other languages' rare."""
    if any(ch.isalpha() and not ch.isascii() for ch in part):
        return False
    words = [w.lower() for w in _LATIN_WORD.findall(part)]
    if len(words) < ENGLISH_ONLY_MIN_WORDS:
        return False
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    other = sum(1 for w in words if w in OTHER_LATIN_WORDS)
    return english >= ENGLISH_WORD_SHARE * len(words) and other <= OTHER_WORD_SHARE * len(words)


class Ask(NamedTuple):
    """One question for lingua: the most likely language of `text` (with its confidence),
    or with `guess` the language lingua would name for a short page, for `letters` letters."""

    arabic_script: bool
    short: bool
    text: str
    letters: int
    guess: bool = False


Answer = tuple[str, float]  # ISO 639-1 code ("" for none) and lingua's confidence


def _count_part(counts: Counter, is_arabic: bool, part: str,
                short: bool | None = None) -> Ask | None:
    """Count a part that is plainly Arabic or English, or the question lingua must answer."""
    letters = len(_LETTER.findall(part))
    if letters < MIN_LETTERS:
        return None
    if is_arabic and is_plainly_arabic(part):
        counts["ar"] += letters
        return None
    if not is_arabic and is_plainly_english(part):
        counts["en"] += letters
        return None
    part = part[:PART_CHARS]
    short = len(part) < SHORT_TEXT if short is None else short
    return Ask(is_arabic, short, part, letters)


def _apply(counts: Counter, asks: list[Ask | None], answers: list[Answer]) -> None:
    for ask, (language, confidence) in zip([a for a in asks if a], answers, strict=True):
        if language and confidence >= MIN_CONFIDENCE:  # OCR noise scores low everywhere
            counts[language] += ask.letters


def answer(ask: Ask) -> Answer:
    """Lingua's answer to one question, with the models loaded in this process."""
    detector = _detector(ask.arabic_script, short=ask.short)
    if ask.guess:
        language = detector.detect_language_of(ask.text)
        return (language.iso_code_639_1.name.lower(), 1.0) if language is not None else ("", 0.0)
    best = detector.compute_language_confidence_values(ask.text)[0]
    return best.language.iso_code_639_1.name.lower(), best.value


def answer_here(asks: list[Ask]) -> list[Answer]:
    return [answer(a) for a in asks]


def languages_from(counts: Counter, share: float) -> tuple[str, ...]:
    """Languages holding at least `share` of the letters, largest first."""
    total = sum(counts.values())
    if not total:
        return ()
    return tuple(lang for lang, n in counts.most_common() if n / total >= share)


def tag_languages(pages: list[str], ask: Callable[[list[Ask]], list[Answer]] = answer_here
                  ) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Language tags of a document and of each page; short text gets no tag, never an error.

    `ask` answers lingua's questions a round at a time, for all pages together: by default
    with the models of this process, in an indexing run by its one language process
    (indexer.languages), so that the models are loaded once and not in every worker."""
    # A 50 MB transcript is 2,500 pages: its chunks are sampled more thinly, so that one
    # document's tagging stays within seconds, not minutes.
    most = max(1, min(MAX_CHUNKS_PER_PAGE, MAX_CHUNKS_PER_DOCUMENT // max(1, len(pages))))
    rounds = [_page_counts(text, most) for text in pages]
    asks = [next(r) for r in rounds]
    per_page_counts: list[Counter] = [Counter() for _ in pages]
    while any(a is not None for a in asks):
        flat = [q for a in asks if a for q in a]
        answers = iter(ask(flat) if flat else [])
        for i, (r, a) in enumerate(zip(rounds, asks, strict=True)):
            if a is None:
                continue
            try:
                asks[i] = r.send([next(answers) for _ in a])
            except StopIteration as done:
                per_page_counts[i], asks[i] = done.value, None
    guesses = {i: Ask(bool(_ARABIC_RUN.search(text)), True, text[:GUESS_CHARS],
                      len(_LETTER.findall(text)), guess=True)
               for i, (text, counts) in enumerate(zip(pages, per_page_counts, strict=True))
               if not counts and len(_LETTER.findall(text)) >= 3}  # a short page: one guess
    if guesses:
        for i, (language, _) in zip(guesses, ask(list(guesses.values())), strict=True):
            if language:
                per_page_counts[i][language] = guesses[i].letters
    total: Counter = Counter()
    for counts in per_page_counts:
        total.update(counts)
    return languages_from(total, DOC_SHARE), [languages_from(c, PAGE_SHARE)
                                              for c in per_page_counts]


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M:%S", "%Y-%m-%d",
                 "%Y/%m/%d", "%d/%m/%Y", "%Y%m%d", "%Y-%m", "%Y")


# ISO 639-2 (and common full names) of the languages media tags declare, to our 639-1 tags.
DECLARED = {"ara": "ar", "arabic": "ar", "fas": "fa", "per": "fa", "persian": "fa",
            "farsi": "fa", "urd": "ur", "urdu": "ur", "eng": "en", "english": "en",
            "pus": "ps", "pashto": "ps", "fre": "fr", "fra": "fr", "french": "fr"}


def declared_languages(metadata: dict) -> tuple[str, ...]:
    """Languages a file declares in its tags (`tag_language`: "ara", "eng;ara", "Arabic")."""
    raw = str(metadata.get("tag_language") or metadata.get("language") or "")
    found = []
    for part in re.split(r"[;,/\s]+", raw.lower()):
        tag = DECLARED.get(part) or (part if len(part) == 2 and part.isalpha() else None)
        if tag and tag not in found:
            found.append(tag)
    return tuple(found)


def normalise_date(value) -> str | None:
    """An ISO 8601 date or date-time string from the many forms metadata carries, or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    raw = str(value).strip().replace("Z", "")
    raw = re.sub(r"[+-]\d{2}:?\d{2}$", "", raw) if "T" in raw else raw
    raw = raw.split(".")[0] if re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.", raw) else raw
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(raw[:len(datetime(2000, 1, 1).strftime(fmt)) + 0], fmt)
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2100:
            if fmt in ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%Y%m%d"):
                return parsed.date().isoformat()
            if fmt == "%Y-%m":
                return parsed.strftime("%Y-%m")
            if fmt == "%Y":
                return parsed.strftime("%Y")
            return parsed.isoformat(timespec="seconds")
    return None


def list_names(title: str | None, pages: list[str]) -> DocNames:
    """The alias-table names and the spelled names of a document (archive/xref/listing.py),
    stored in the catalog so that linking an article never rereads its candidates."""
    return _list_names(title, pages, default_aliases())
