"""The words and patterns news linking looks for: cue tables, references, page counts."""

from __future__ import annotations

import re
from functools import lru_cache

from archive.analysis import TOKEN_PATTERN, fold
from archive.permalinks import ID_LENGTH

WORD = re.compile(TOKEN_PATTERN)
STOP = frozenset(fold(w) for w in (
    "about after also been before could does from have into more most only other over said "
    "some such than that their them then there these they this those through under were "
    "what when where which while will with would your "
    "التي الذي الذين هذا هذه ذلك تلك كان كانت كما ولكن لكن على إلى عن في من مع بعد قبل حتى "
    "وهو وهي هو هي ان أن إن لقد عند بين كل").split())


def _folded(cues: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    # The tables as `mentions` reads them: folded like the text they are looked for in.
    return {key: tuple(fold(w) for w in words) for key, words in cues.items()}


# What a sentence may say of a file's form: its language, its legacy encoding (as the text
# extractor records it in the metadata), its kind; and whether it attaches something.
LANGUAGE_CUES = _folded({
    "ar": ("arabic", "بالعربية", "اللغة العربية", "عربي", "عربی"),
    "fa": ("persian", "farsi", "بالفارسية", "الفارسية", "فارسی", "فارسي"),
    "ur": ("urdu", "بالأردية", "الأردية", "باللغة الأردية", "اردو"),
    "en": ("english", "بالإنجليزية", "إنجليزية", "الإنجليزية", "انگلیسی", "انگریزی"),
    "ps": ("pashto", "pashtu", "بالبشتو", "البشتونية", "پښتو", "پشتو")})
ENCODING_CUES = _folded({
    "cp1256": ("windows arabic", "windows-1256", "cp1256", "windows 1256"),
    "iso8859_6": ("iso-8859-6", "iso 8859-6", "iso arabic"),
    "cp1252": ("windows-1252", "cp1252"), "utf_16": ("utf-16", "utf16")})
ATTACHMENT_CUES = _folded({
    "attached": ("attach", "attaches", "attached", "attaching", "attachment", "enclosed",
                 "encloses", "مرفق", "مرفقا", "أرفق", "يرفق", "المرفق", "المرفقة", "پیوست",
                 "منسلک")})
# Words that say a sentence speaks of a document at all.
FORM_CUES = _folded({"document": (
    "letter", "document", "file", "memo", "note", "report", "message", "page", "statement",
    "translation", "transcript", "papers", "bulletin", "pamphlet", "spreadsheet", "list",
    "draft", "scan", "image", "رسالة", "الرسالة", "رسائل", "الرسائل", "وثيقة", "الوثيقة",
    "وثائق", "ملف", "الملف", "تقرير", "التقرير", "مذكرة", "صفحة", "ورقة", "نشرة", "كتيب",
    "ترجمة", "قائمة", "مسودة", "خطاب", "نامه", "سند", "اسناد", "گزارش", "فایل", "پرونده",
    "صفحه", "یادداشت", "فهرست", "خط", "دستاویز", "دستاویزات", "رپورٹ", "فائل", "صفحہ",
    "صفحے", "کتابچہ", "مراسلہ", "تحریر", "ترجمہ")})
KIND_CUES = _folded({
    "audio": ("audio", "recording", "تسجيل صوتي", "تسجيلا صوتيا"),
    "video": ("video", "تسجيل مرئي", "فيديو"),
    "email": ("e-mail", "email", "بريد إلكتروني"),
    "spreadsheet": ("spreadsheet", "جدول"),
    "word": ("word document", "وثيقة وورد", "ملف وورد"),
    "image": ("scanned", "scan", "صورة ممسوحة"),
    "html": ("web page", "webpage", "html", "صفحة ويب", "صفحه وب", "ویب", "ویب صفحے")})

# Explicit references: quoted passages, file names (with a number in them), document ids.
QUOTE = re.compile(r"[\"“«]([^\"”»]{12,300})[\"”»]")
FILE_TOKEN = re.compile(r"\b[\w][\w.\-]*(?:[-_]\d+|\d+[-_])[\w.\-]*\b")
DOC_ID = re.compile(rf"\b[0-9a-f]{{{ID_LENGTH}}}\b")
# Page counts: "19-page", "nineteen pages", "من 19 صفحة", "صفحتين".
PAGES = re.compile(r"\b(\d{1,4})[- ]pages?\b|من\s+(\d{1,4})\s+صفح|(\d{1,4})\s+صفح", re.I)
WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}
WORD_PAGES = re.compile(r"\b(" + "|".join(WORD_NUMBERS) + r")[- ]pages?\b", re.I)
ARABIC_PAGES = {"صفحتين": 2, "ثلاث صفحات": 3, "أربع صفحات": 4, "خمس صفحات": 5,
                "ست صفحات": 6, "سبع صفحات": 7, "ثماني صفحات": 8, "عشر صفحات": 10}
PHRASE_WORDS = 3  # words in a shared-phrase n-gram


def mentions(cues: dict[str, tuple[str, ...]], folded_text: str) -> set[str]:
    """Which keys of `cues` (kinds, languages; folded words) a folded text names, as whole
    words or the start or end of one."""
    padded = f" {folded_text} "
    return {key for key, words in cues.items()
            if any(f" {w}" in padded or f"{w} " in padded for w in words)}


def page_counts(text: str) -> set[int]:
    """The page counts a text gives ("a 19-page letter"), one page excepted."""
    counts = {int(next(g for g in m.groups() if g)) for m in PAGES.finditer(text)}
    counts |= {WORD_NUMBERS[m.group(1).lower()] for m in WORD_PAGES.finditer(text)}
    counts |= {n for phrase, n in ARABIC_PAGES.items() if phrase in text}
    counts.discard(1)
    return counts


# Folding is the cost of reading a candidate's n-grams (300,000 characters of it), and
# documents share most of their words.
_fold_word = lru_cache(maxsize=200_000)(fold)


def words_of(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return [_fold_word(w) for w in WORD.findall(text)]


def ngrams(words: list[str]) -> list[tuple[str, ...]]:
    """The PHRASE_WORDS-word runs of a list of words, in order."""
    return [tuple(words[i:i + PHRASE_WORDS]) for i in range(len(words) - PHRASE_WORDS + 1)]
