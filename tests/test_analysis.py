"""Text analysis: every folding rule, the stemming cases and the lam-alef repair."""

import pytest

from archive.analysis import fold, fold_and_stem, has_lam_alef_damage, repair_lam_alef


@pytest.mark.parametrize("a, b", [
    ("مَكْتَبَةٌ", "مكتبة"),            # tashkeel
    ("مكـــتبة", "مكتبة"),              # tatweel
    ("أحمد", "احمد"), ("إسلام", "اسلام"), ("آمن", "امن"), ("ٱلله", "الله"),  # alef forms
    ("على", "علي"),                      # alef maqsura
    ("رسالة", "رسالة"),
    ("ﻻ", "لا"),                         # presentation forms (pypdf) via NFKC
    ("٢٠١٠", "2010"), ("۱۳۸۹", "1389"),  # Arabic-Indic and Persian digits
    ("کتاب", "كتاب"), ("ی", "ي"), ("ے", "ي"), ("ھ", "ه"), ("ہ", "ه"),  # Persian/Urdu
    ("می‌خواهم", "میخواهم"),             # ZWNJ
    ("Élève", "eleve"), ("CAFÉ", "cafe"),  # Latin case and accents
])
def test_fold_treats_variants_as_one_letter(a, b):
    assert fold(a) == fold(b)


def test_fold_maps_teh_marbuta_to_heh():
    assert fold("رسالة") == fold("رساله")


@pytest.mark.parametrize("words", [
    ("الرسالة", "رسالته", "رسالتكم", "والرسائل", "الرسائل", "رسالة"),
    ("المكتبة", "مكتبتنا", "للمكتبة", "بالمكتبة", "وبالمكتبة", "المكتبات", "مكتبات"),
    ("الكتاب", "كتاب", "فالكتاب", "الكتب", "والكتب"),
    ("وَصَلَتْنِي", "وصلتني"),
    ("الإخوة", "الأخ", "أخ", "إخوان"),
    ("letters", "letter", "Letter"),
    ("education", "educational", "educate"),
    ("كتابخانه", "کتابخانه"),  # Persian kaf and Arabic kaf
])
def test_stemming_brings_forms_of_a_word_together(words):
    assert len({fold_and_stem(w) for w in words}) == 1, {w: fold_and_stem(w) for w in words}


@pytest.mark.parametrize("word", ["الرسالة", "المكتبة", "library", "قافلة"])
def test_stemming_keeps_different_words_apart(word):
    others = {"الرسالة": "المكتبة", "المكتبة": "الكتاب", "library": "liberty",
              "قافلة": "قبيلة"}
    assert fold_and_stem(word) != fold_and_stem(others[word])


def test_analyzer_repairs_sure_lam_alef_damage():
    assert fold_and_stem("اهلل") == fold_and_stem("الله")
    assert fold_and_stem("اإلنتاجية") == fold_and_stem("الإنتاجية")
    assert fold_and_stem("واألدوات") == fold_and_stem("والأدوات")


def test_repair_lam_alef_fixes_damaged_pdf_text():
    damaged = "تعتبر البرمجة من األدوات التي تعزز اإلنتاجية وحل المشكالت، والسالم عليكم ورحمة اهلل"
    assert has_lam_alef_damage(damaged)
    assert repair_lam_alef(damaged) == (
        "تعتبر البرمجة من الأدوات التي تعزز الإنتاجية وحل المشكلات، والسلام عليكم ورحمة الله")


def test_sound_text_is_not_taken_for_damaged():
    sound = "قال الإمام إن السلام عليكم ورحمة الله، وحال المال في السوق"
    assert not has_lam_alef_damage(sound)
    assert "قال" in repair_lam_alef("قال اإلمام واهلل")


def test_stemmers_are_snowballs_c_build_and_stem_as_the_python_one():
    # PyStemmer (installed with Docket) stems 7-20x faster than snowballstemmer's pure
    # Python classes, which snowballstemmer leaves for it; every index term must stay the
    # same, so both must agree on the words of the test corpus and the sample collection.
    import re
    from pathlib import Path

    from snowballstemmer.arabic_stemmer import ArabicStemmer
    from snowballstemmer.english_stemmer import EnglishStemmer

    from archive.analysis import TOKEN_PATTERN, _stemmer

    root = Path(__file__).parent.parent
    files = [p for p in [*(root / "tests" / "corpus").rglob("*.txt"),
                         *(root / "sample_docs").rglob("*.txt")] if p.is_file()]
    words = {w for p in files for w in re.findall(TOKEN_PATTERN, p.read_text(errors="ignore"))}
    words |= {fold(w) for w in words}
    assert len(words) > 2000
    for language, python in (("arabic", ArabicStemmer()), ("english", EnglishStemmer())):
        stemmer = _stemmer(language)
        assert type(stemmer).__module__ == "Stemmer"
        assert [stemmer.stemWord(w) for w in sorted(words)] == \
            [python.stemWord(w) for w in sorted(words)]
