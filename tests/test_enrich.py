"""Language tags per page and document, and date normalisation."""

import pytest

from indexer.enrich import normalise_date, tag_languages


@pytest.mark.parametrize("text, language", [
    ("بسم الله الرحمن الرحيم، إلى الأخ الكريم، وصلتني رسالتكم وفرحت بأخبار الأهل.", "ar"),
    ("نامه شما رسید و از سلامتی خانواده خوشحال شدیم. بچه‌ها در مدرسه هستند.", "fa"),
    ("آپ کا خط ملا، بہت خوشی ہوئی۔ یہاں سب خیریت سے ہیں اور بچے پڑھ رہے ہیں۔", "ur"),
    ("The committee recommends that every script be sent in writing two weeks before.", "en"),
])
def test_tag_languages_identifies_each_language(text, language):
    languages, pages = tag_languages([text])
    assert languages == (language,)
    assert pages == [(language,)]


def test_tag_languages_carries_every_real_language_of_a_mixed_document():
    pages = ["التقرير السنوي للجنة الإعلام عن الإصدارات والترجمة إلى اللغة الإنجليزية والأردية",
             "The annual report of the media committee on releases and their translation."]
    languages, per_page = tag_languages(pages)
    assert set(languages) == {"ar", "en"}
    assert per_page == [("ar",), ("en",)]


def test_tag_languages_gives_no_tag_to_empty_or_tiny_text():
    languages, pages = tag_languages(["", "  ", "12"])
    assert languages == ()
    assert pages == [(), (), ()]


@pytest.mark.parametrize("raw, expected", [
    ("2010-12-20T10:00:00Z", "2010-12-20T10:00:00"),
    ("2015-10-07T18:14:00.123+02:00", "2015-10-07T18:14:00"),
    ("2010:03:14 08:15:00", "2010-03-14T08:15:00"),
    ("2010-03-14", "2010-03-14"),
    ("2010", "2010"),
    ("not a date", None),
    (None, None),
])
def test_normalise_date_accepts_common_forms(raw, expected):
    assert normalise_date(raw) == expected


def test_language_tagging_work_is_bounded_per_document(monkeypatch):
    """A 50 MB transcript (2,500 pages) is sampled more thinly, not tagged for minutes;
    short documents keep every chunk."""
    from indexer import enrich

    seen = []
    real = enrich._chunks
    monkeypatch.setattr(enrich, "_chunks", lambda text, most: seen.append(most) or
                        real(text, most))
    page = "\n".join(f"The caravan reached the valley before winter, line {i}." for i in range(400))
    languages, per_page = enrich.tag_languages([page] * 2500)
    assert languages == ("en",) and len(per_page) == 2500 and per_page[-1] == ("en",)
    assert len(real(page, 10**6)) > 24  # a long page: 24 chunks would be taken alone
    assert sum(len(real(page, m)) for m in seen) <= enrich.MAX_CHUNKS_PER_DOCUMENT + 2500
    seen.clear()
    enrich.tag_languages([page] * 3)
    assert seen == [enrich.MAX_CHUNKS_PER_PAGE] * 3


@pytest.mark.parametrize("text, plain", [
    ("قال الأمير إن الطريق إلى القرية مغلق بسبب الأمطار، وإن القافلة ستصل بعد أسبوع من "
     "التأخير، وطلب من الإخوة في المدينة إرسال الدواء والكتب إلى المدرسة قبل الشتاء.", True),
    # Persian typed with Arabic yeh and kaf: no Persian-only letter, but Persian words
    ("نامه شما رسيد و از سلامتي خانواده خوشحال شديم. اين كتاب را براي شما فرستاديم كه در "
     "مدرسه بخوانيد و هر روز مي نويسيم و منتظر جواب شما هستيم.", False),
    ("نامه شما رسید و از سلامتی خانواده خوشحال شدیم. بچه‌ها در مدرسه هستند.", False),
    ("آپ کا خط ملا، بہت خوشی ہوئی۔ یہاں سب خیریت سے ہیں اور بچے پڑھ رہے ہیں۔", False),
    ("الأخ الكريم", False),  # too few words to be sure
])
def test_is_plainly_arabic_answers_only_for_unmistakable_arabic(text, plain):
    from indexer.enrich import is_plainly_arabic

    assert is_plainly_arabic(text) is plain


@pytest.mark.parametrize("text, language", [
    ("نامه شما رسيد و از سلامتي خانواده خوشحال شديم. اين كتاب را براي شما فرستاديم كه در "
     "مدرسه بخوانيد و هر روز مي نويسيم و منتظر جواب شما هستيم.", "fa"),
    ("آپ کا خط ملا، بہت خوشی ہوئی۔ یہاں سب خیریت سے ہیں اور بچے پڑھ رہے ہیں۔ ہم نے آپ کے لیے "
     "کتابیں بھیجی ہیں اور امید ہے کہ وہ جلد پہنچ جائیں گی۔", "ur"),
    ("قال الأمير إن الطريق إلى القرية مغلق بسبب الأمطار، وإن القافلة ستصل بعد أسبوع من "
     "التأخير، وطلب من الإخوة في المدينة إرسال الدواء والكتب إلى المدرسة قبل الشتاء.", "ar"),
])
def test_tag_languages_keeps_persian_and_urdu_apart_from_arabic(text, language):
    assert tag_languages([text]) == ((language,), [(language,)])


def test_tag_languages_without_asking_lingua_for_plain_arabic_and_english(monkeypatch):
    from indexer import enrich

    def refuse(*args, **kwargs):
        raise AssertionError("lingua asked")

    monkeypatch.setattr(enrich, "_detector", refuse)
    arabic = ("قال الأمير إن الطريق إلى القرية مغلق بسبب الأمطار، وإن القافلة ستصل بعد "
              "أسبوع من التأخير، وطلب من الإخوة في المدينة إرسال الدواء إلى المدرسة.\n") * 3
    english = ("The committee met on Monday and decided that the report of the media office "
               "would be sent to the brothers in the north before the end of the winter.\n") * 3
    languages, pages = tag_languages([arabic, english, arabic + english])
    assert set(languages) == {"ar", "en"}
    assert pages[:2] == [("ar",), ("en",)] and set(pages[2]) == {"ar", "en"}


def test_tag_languages_asks_lingua_for_french_and_persian(monkeypatch):
    from indexer import enrich

    french = ("Le comité a décidé que le rapport du bureau serait envoyé aux frères du nord "
              "avant la fin de l'hiver, et que les livres arriveraient avec la caravane.")
    english_words_french_letters = ("The committee met on Monday and decided that the report "
                                    "of the media office would be sent to the brothers before "
                                    "the end of the winter in the café.")
    assert not enrich.is_plainly_english(french)
    assert not enrich.is_plainly_english(english_words_french_letters)
    assert tag_languages([french]) == (("fr",), [("fr",)])


def test_tag_languages_pools_short_latin_names_in_an_arabic_page():
    page = "\n".join(f"قال الأمير إن الطريق إلى القرية مغلق بسبب الأمطار، وإن القافلة ستصل "
                     f"بعد أسبوع من التأخير إلى المدرسة. Item {i} Kabul" for i in range(6))
    assert tag_languages([page]) == (("ar",), [("ar",)])
