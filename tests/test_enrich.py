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
