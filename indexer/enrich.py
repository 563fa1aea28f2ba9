"""Derived fields: language tags per page and per document, normalised dates."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder

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


@lru_cache(maxsize=1)
def _detector():
    languages = [getattr(Language, name) for name in EXPECTED]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _chunks(text: str) -> list[str]:
    chunks, current = [], ""
    for line in text.splitlines():
        if len(current) + len(line) > CHUNK_CHARS and current:
            chunks.append(current)
            current = ""
        current += line + "\n"
    if current.strip():
        chunks.append(current)
    if len(chunks) > MAX_CHUNKS_PER_PAGE:  # sample evenly through long pages
        step = len(chunks) / MAX_CHUNKS_PER_PAGE
        chunks = [chunks[int(i * step)] for i in range(MAX_CHUNKS_PER_PAGE)]
    return chunks


def _by_script(chunk: str) -> list[str]:
    """The Arabic-script part and the rest of a chunk, so that a line of English inside an
    Arabic letter is judged on its own rather than drowned by its neighbours."""
    arabic = " ".join(_ARABIC_RUN.findall(chunk))
    rest = _ARABIC_RUN.sub(" ", chunk)
    return [part for part in (arabic, rest) if part.strip()]


def letter_counts(text: str) -> Counter:
    """Letters per ISO 639-1 language in a text, detected chunk by chunk and script by script."""
    counts: Counter = Counter()
    detector = _detector()
    for chunk in _chunks(text):
        for part in _by_script(chunk):
            letters = len(_LETTER.findall(part))
            if letters < MIN_LETTERS:
                continue
            best = detector.compute_language_confidence_values(part)[0]
            if best.value >= MIN_CONFIDENCE:  # OCR noise scores low for every language
                counts[best.language.iso_code_639_1.name.lower()] += letters
    return counts


def languages_from(counts: Counter, share: float) -> tuple[str, ...]:
    """Languages holding at least `share` of the letters, largest first."""
    total = sum(counts.values())
    if not total:
        return ()
    return tuple(lang for lang, n in counts.most_common() if n / total >= share)


def tag_languages(pages: list[str]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Language tags of a document and of each page; short text gets no tag, never an error."""
    total: Counter = Counter()
    per_page = []
    for text in pages:
        counts = letter_counts(text)
        if not counts and len(_LETTER.findall(text)) >= 3:
            language = _detector().detect_language_of(text)  # short page: one guess
            if language is not None:
                counts[language.iso_code_639_1.name.lower()] = len(_LETTER.findall(text))
        per_page.append(languages_from(counts, PAGE_SHARE))
        total.update(counts)
    return languages_from(total, DOC_SHARE), per_page


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M:%S", "%Y-%m-%d",
                 "%Y/%m/%d", "%d/%m/%Y", "%Y%m%d", "%Y-%m", "%Y")


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
