"""Skeletons of names in Latin and Arabic script, so that one name spelled in either can be
recognised ("زاهدان" and "Zahidan" are both ZHDN).

A skeleton is the word's consonants, mapped to classes both scripts share; its spelling
adds the vowels as V. Arabic script writes long vowels only, so each of its vowels must
meet one in the Latin word, while the Latin word's other vowels are short ones Arabic leaves
unwritten: "كثيرا" (KTVRV) is not "Khatir" (KVTVR), though both have the skeleton KTR.
"""

from __future__ import annotations

import re

MIN_SKELETON = 3  # consonants: shorter skeletons ("Ali", "Umar") match too much by chance

_LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Z][a-z'’‘‟]{2,}")
_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u200c]{3,}")
# Digraphs first, then one letter each; vowels, w, v and y (glides or long vowels in Arabic
# script) are V.
_DIGRAPHS = (("sh", "X"), ("kh", "K"), ("th", "T"), ("dh", "D"), ("gh", "G"), ("ph", "F"),
             ("ch", "C"))
_LATIN = str.maketrans({"b": "B", "p": "B", "t": "T", "j": "J", "h": "H", "d": "D", "z": "Z",
                        "r": "R", "s": "S", "f": "F", "k": "K", "q": "K", "c": "K", "g": "G",
                        "l": "L", "m": "M", "n": "N", "a": "V", "e": "V", "i": "V", "o": "V",
                        "u": "V", "y": "V", "w": "V", "v": "V"})
_ARABIC = {"ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "T", "ٹ": "T", "ج": "J", "چ": "C",
           "ح": "H", "ه": "H", "ھ": "H", "ہ": "H", "ۀ": "H", "ة": "H", "خ": "K", "ق": "K",
           "ك": "K", "ک": "K", "د": "D", "ض": "D", "ذ": "D", "ڈ": "D", "ظ": "Z", "ز": "Z",
           "ژ": "Z", "ر": "R", "ڑ": "R", "س": "S", "ص": "S", "ش": "X", "ف": "F", "غ": "G",
           "گ": "G", "ل": "L", "م": "M", "ن": "N", "ں": "N", "ا": "V", "آ": "V", "أ": "V",
           "إ": "V", "و": "V", "ؤ": "V", "ي": "V", "ی": "V", "ى": "V", "ے": "V", "ئ": "V"}
_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
# A plural with the article is a common noun, never a name: "المسلمون", "الجماعات".
_PLURAL = re.compile(r"^(?:[وفبك]?ال|لل).+(?:ون|ات)$")


def _squeeze(classes: str) -> str:
    """Runs of one class made one, a final h (teh marbuta, "-ah") dropped."""
    out = re.sub(r"(.)\1+", r"\1", classes)
    out = out[:-1] if out.endswith("H") else out
    return re.sub(r"(.)\1+", r"\1", out)


def latin_spelling(word: str) -> str:
    """The classes of a Latin word, vowels as V ("Zahidan" -> "ZVHVDVN")."""
    text = re.sub(r"[^a-z]", "", word.lower())
    for digraph, mark in _DIGRAPHS:
        text = text.replace(digraph, mark)
    return _squeeze("".join(c for c in text.translate(_LATIN) if c.isupper()))


def arabic_spelling(word: str) -> str:
    """The classes of an Arabic-script word, its article left out, long vowels as V
    ("الزاهدان" -> "ZVHDVN")."""
    word = word.replace("\u200c", "")
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            word = word[len(prefix):]
            break
    return _squeeze("".join(_ARABIC.get(c, "") for c in word))


def skeleton(spelling: str) -> str:
    """The consonants of a spelling."""
    return spelling.replace("V", "")


def spellings_agree(arabic: str, latin: str) -> bool:
    """Whether an Arabic-script spelling can be written as the Latin one: the same
    consonants in order, each Arabic long vowel meeting a Latin vowel."""
    j = 0
    for mark in arabic:
        while j < len(latin) and latin[j] == "V" and mark != "V":
            j += 1  # a short vowel Arabic leaves unwritten
        if j >= len(latin) or latin[j] != mark:
            return False
        j += 1
    return all(m == "V" for m in latin[j:])


def names_by_skeleton(text: str, latin: bool) -> dict[str, dict[str, str]]:
    """skeleton -> {spelling: first word spelled so}: capitalised Latin words, or
    Arabic-script words, of MIN_SKELETON consonants or more."""
    out: dict[str, dict[str, str]] = {}
    for word in (_LATIN_NAME if latin else _ARABIC_WORD).findall(text):
        if not latin and _PLURAL.match(word):
            continue
        spelling = latin_spelling(word) if latin else arabic_spelling(word)
        if len(skeleton(spelling)) >= MIN_SKELETON:
            out.setdefault(skeleton(spelling), {}).setdefault(spelling, word)
    return out


def document_names(text: str, latin: bool) -> dict[str, dict[str, str]]:
    """names_by_skeleton of a document: in Latin script only the words it never writes in
    lower case ("Victory" heading a page is the word "victory", not a name)."""
    names = names_by_skeleton(text, latin)
    if not latin:
        return names
    lower = frozenset(re.findall(r"(?<![A-Za-z])[a-z]{3,}", text))
    return {key: kept for key, spellings in names.items()
            if (kept := {s: w for s, w in spellings.items() if w.lower() not in lower})}
