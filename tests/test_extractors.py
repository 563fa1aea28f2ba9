"""Every supported format extracts the expected text, on our sample files and awkward ones."""

from __future__ import annotations

import pytest

from indexer.detect import detect_mime
from indexer.extracted import ExtractOptions
from indexer.extractors import extractor_for
from tests.conftest import TEST_CORPUS


def doc_text(catalog, path: str) -> str:
    doc = catalog.document(catalog.resolve(path))
    return "\n".join(p.text for p in catalog.pages(doc.doc_id))


@pytest.mark.parametrize("path, mime, expected", [
    ("letters/letter-001-ar.txt", "text/plain", "التعليم هو الزاد الحقيقي"),
    ("letters/letter-002-ar.pdf", "application/pdf", "تأخر الرسول أكثر من شهرين"),
    ("letters/letter-003-ar-cp1256.txt", "text/plain", "نحمد الله على نعمة الصحة"),
    ("letters/letter-004-ar-iso8859-6.txt", "text/plain", "الأرز والطحين والزيت"),
    ("letters/letter-005-ar.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "اختصار الإصدارات المرئية"),
    ("letters/letter-006-ar.rtf", "text/rtf", "وصلت الأوراق والكتب سالمة"),
    ("letters/letter-008-fa.txt", "text/plain", "بچه‌ها در مدرسه فارسی"),
    ("letters/letter-009-ur.txt", "text/plain", "بچوں کی تعلیم جاری ہے"),
    ("letters/letter-010-ar.html", "text/html", "الطرق قد فتحت بعد الثلج"),
    ("reports/report-2010-media-en.pdf", "application/pdf", "eleven audio statements"),
    ("reports/expenses-2010.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Dictionaries"),
    ("reports/report-2011-agriculture-ar.odt", "application/vnd.oasis.opendocument.text",
     "موسم القمح"),
    ("reports/pamphlet-ur-education.html", "text/html", "تعلیم ہی آنے والی نسلوں"),
    ("mail/message-023-en-media-report.eml", "message/rfc822", "shorten video releases"),
    ("archives/correspondence-2010.zip!/correspondence-2010/letter-c-en.txt", "text/plain",
     "archive clerk"),
    ("archives/bulletin.tar.gz!/bulletin/bulletin-ar.html", "text/html", "افتتاح المكتبة"),
    ("archives/notes.7z!/notes/note-fa.txt", "text/plain", "جلسه بعدی"),
    ("broken/letter-wrong-extension.pdf", "text/plain", "الصلح خير"),
])
def test_extract_sample_formats_yield_expected_text(sample_catalog, path, mime, expected):
    doc = sample_catalog.document(sample_catalog.resolve(path))
    assert doc.mime == mime
    assert doc.status == "ok", doc.error
    assert expected in doc_text(sample_catalog, path)


def test_extract_pdf_keeps_pages_and_metadata(sample_catalog):
    doc = sample_catalog.document(sample_catalog.resolve("reports/report-2009-security-ar.pdf"))
    assert doc.page_count == 5
    assert doc.title == "تقرير عن السلامة والاتصالات لعام 2009"
    assert doc.author == "اللجنة"
    assert doc.created == "2011-04-30T09:00:00"
    pages = sample_catalog.pages(doc.doc_id)
    assert "الرسائل المكتوبة" in pages[1].text
    assert "memory cards" in pages[2].text
    assert set(pages[2].languages) == {"ar", "en"}


@pytest.mark.parametrize("path, expected", [
    ("scans/scan-018-ar-letter.png", "المحصول"),
    ("scans/scan-018-ar-letter.pdf", "المحصول"),
    ("scans/scan-019-en-courier-note.jpg", "first Thursday"),
])
def test_extract_scans_are_read_by_ocr(sample_catalog, path, expected):
    doc = sample_catalog.document(sample_catalog.resolve(path))
    assert doc.status == "ok", doc.error
    assert expected in doc_text(sample_catalog, path)
    assert doc.languages[0] == ("en" if path.endswith(".jpg") else "ar")


def test_extract_pdf_with_garbled_text_layer_goes_to_ocr(sample_catalog):
    # fpdf2's Nastaliq output has a broken text layer, as many real Urdu PDFs do.
    doc = sample_catalog.document(sample_catalog.resolve("letters/letter-017-ur.pdf"))
    assert doc.metadata["ocr_pages"] == [1]
    assert "عمران" in doc_text(sample_catalog, "letters/letter-017-ur.pdf")
    assert doc.languages == ("ur",)


def test_extract_email_attachment_becomes_child(sample_catalog):
    mail = sample_catalog.document(sample_catalog.resolve("mail/message-023-en-media-report.eml"))
    assert mail.title == "Media committee annual report 2010"
    assert mail.author == "Hamza <hamza@docket.example>"
    assert mail.created == "2010-12-20T09:15:00"
    child_paths = [path for _, path in mail.children]
    assert child_paths == ["mail/message-023-en-media-report.eml!/report-2010-media-en.pdf"]
    child = sample_catalog.document(mail.children[0][0])
    assert child.parent_id == mail.doc_id
    # The attachment is byte-identical to the report filed on its own: one document, two paths.
    assert "reports/report-2010-media-en.pdf" in child.paths


def test_extract_archive_members_become_children(sample_catalog):
    zipped = sample_catalog.document(sample_catalog.resolve("archives/correspondence-2010.zip"))
    assert zipped.status == "ok"
    assert len(zipped.children) == 3
    assert zipped.metadata["members"] == 3


def test_extract_media_reports_duration_codec_and_tags(sample_catalog):
    audio = sample_catalog.document(sample_catalog.resolve("media/audio-020-ar-statement.mp3"))
    assert audio.kind == "audio" and audio.status == "ok"
    assert audio.title == "كلمة عن التعليم"
    assert audio.author == "Media committee"
    assert 2 < audio.metadata["duration"] < 30
    assert audio.languages == ("ar",)  # declared in its tags (TLAN "ara"): no speech to read
    video = sample_catalog.document(sample_catalog.resolve("media/video-022-release.mp4"))
    assert video.kind == "video"
    assert "h264" in video.metadata["codecs"]
    assert video.metadata["duration"] == pytest.approx(2.0, abs=0.2)


def test_same_bytes_at_two_paths_are_one_document(sample_catalog):
    doc = sample_catalog.document(sample_catalog.resolve("letters/letter-001-ar.txt"))
    assert set(doc.paths) == {"letters/letter-001-ar.txt",
                              "letters/copies/letter-001-ar-copy.txt"}


@pytest.mark.parametrize("name, expected", [
    ("utf16le-no-bom-ar.txt", "رسالة إلى الأخ الكريم"),
    ("utf16be-bom-fa.txt", "نامه‌ای درباره کتابخانه"),
    ("utf32-bom-ar.txt", "رسالة إلى الأخ الكريم"),
    ("utf8-bom-ar.txt", "رسالة إلى الأخ الكريم"),
    ("cp1252-fr.txt", "Lettre envoyée à l'été"),
    ("cp1256-ar.txt", "رسالة إلى الأخ الكريم"),
    ("iso8859-6-ar.txt", "رسالة إلى الأخ الكريم"),
    ("mislabelled-cp1256.html", "رسالة إلى الأخ الكريم"),
    ("diacritics-ar.txt", "وَصَلَتْنِي"),
    ("pdf-named.txt", "تأخر الرسول"),
])
def test_extract_awkward_encodings_decode_correctly(name, expected):
    path = TEST_CORPUS / name
    extracted = extractor_for(detect_mime(path), path)(path, ExtractOptions(ocr=False))
    text = "\n".join(extracted.pages)
    assert expected in text
    assert "\ufffd" not in text


def extract_shared(relative: str):
    from tests.conftest import SHARED_CORPUS, needs_shared

    path = needs_shared(SHARED_CORPUS) / relative
    return extractor_for(detect_mime(path), path)(path, ExtractOptions(ocr=False))


@pytest.mark.parametrize("relative, expected_text, children", [
    ("fixtures-apache-tika/files/testMSG_att_doc.msg", "test pièce jointe 1",
     ["test-unicode.doc", "pj1.txt"]),
    ("fixtures-unstructured/files/fake-email-attachment.msg", "Fake email with attachment",
     ["fake-attachment.txt"]),
])
def test_extract_outlook_msg_with_attachments_as_children(relative, expected_text, children):
    extracted = extract_shared(relative)
    assert expected_text in "\n".join(extracted.pages)
    assert [c.name for c in extracted.children] == children


@pytest.mark.parametrize("relative, expected", [
    ("fixtures-apache-tika/files/testWORD.doc", "Sample Word Document"),     # antiword
    ("fixtures-apache-tika/files/testWORD6.doc", "quick brown fox"),         # Word 6: catdoc
    ("fixtures-unstructured/files/simple.doc", "favorite things"),
    ("fixtures-apache-tika/files/testEXCEL.xls", "Squares"),
    ("fixtures-apache-tika/files/testPPT.ppt", "Sample Powerpoint Slide"),
])
def test_extract_legacy_office_files(relative, expected):
    assert expected in "\n".join(extract_shared(relative).pages)


def test_extract_arabic_html_with_a_misleading_charset_label():
    # Declared UTF-8, written in Windows-1256 (Apache Tika's fixture).
    extracted = extract_shared("fixtures-apache-tika/files/testArabicMisleadingCharset.html")
    text = "\n".join(extracted.pages)
    assert "اللغة العربية هي واحدة من أكثر اللغات انتشارا" in text
    assert extracted.metadata["encoding"] == "cp1256"


def test_extract_damaged_rtl_pdf_is_repaired():
    extracted = extract_shared("fixtures-docling/files/pdf/sources/right_to_left_01.pdf")
    text = "\n".join(extracted.pages)
    assert extracted.metadata["repaired"].startswith("lam-alef")
    assert "الإنتاجية" in text and "اإلنتاجية" not in text
