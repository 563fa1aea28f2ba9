"""Formats and fallbacks that bring Docket's coverage to Recoll's: one test each, on real files
made at test time with the tools, or taken from the shared corpus."""

from __future__ import annotations

import mailbox
import shutil
import subprocess
import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path

import pytest
import zstandard
from PIL import Image, ImageDraw

from indexer.detect import detect_mime
from indexer.errors import ENCRYPTED, ExtractionError
from indexer.extracted import ExtractOptions
from indexer.extractors import ebcdic, visio
from indexer.pipeline import read
from tests.conftest import SHARED_CORPUS, needs_shared

OPTIONS = ExtractOptions(time_limit=120)
NO_OCR = ExtractOptions(ocr=False, time_limit=120)
TIKA = SHARED_CORPUS / "fixtures-apache-tika" / "files"
ALEPH = SHARED_CORPUS / "fixtures-aleph-ingest-file" / "files"
UNSTRUCTURED = SHARED_CORPUS / "fixtures-unstructured" / "files"


def needs_tool(name: str, package: str) -> str:
    if not shutil.which(name):
        pytest.skip(f"{name} is not installed (Debian: apt-get install {package})")
    return name


def shared_file(folder: Path, name: str) -> Path:
    path = needs_shared(folder) / name
    if not path.exists():
        pytest.skip(f"{path} is absent from the shared corpus")
    return path


def text_of(path: Path, options: ExtractOptions = OPTIONS) -> tuple[str, str, object]:
    extracted, mime = read(path, detect_mime(path), options)
    return "\n".join(extracted.pages), mime, extracted


def test_ebcdic_latin_text_is_detected_and_decoded(tmp_path):
    lines = ["IntelliStation POWER hardware", "Support and services", "Warranties 2011"] * 20
    path = tmp_path / "report.dat"
    path.write_bytes("\r\n".join(lines).encode("cp500"))
    text, mime, _ = text_of(path)
    assert mime == ebcdic.MIME_TYPE
    assert "Support and services" in text


def test_ebcdic_arabic_ibm420_is_decoded_to_arabic_letters(tmp_path):
    needs_tool("iconv", "libc-bin")
    arabic = "التقرير الشهري عن المكتبة والمدرسة " * 20
    encoded = subprocess.run(["iconv", "-f", "UTF-8", "-t", "IBM420"], input=arabic.encode(),
                             capture_output=True, check=True).stdout
    path = tmp_path / "arabic.ebc"
    path.write_bytes(encoded)
    text, mime, extracted = text_of(path)
    assert mime == ebcdic.MIME_TYPE
    assert extracted.metadata["encoding"] == "ibm420"
    assert "المكتبة" in text


@pytest.mark.parametrize("data", [
    b"Contact: someone@example.org, another@example.org\n" * 40,  # ASCII with @ signs
    "رسالة الأخ الكريم عن المكتبة\n".encode("cp1256") * 40,
    "رسالة الأخ الكريم عن المكتبة\n".encode() * 40,
    bytes(range(256)) * 8,
])
def test_ebcdic_detection_leaves_other_text_and_binary_alone(data):
    assert not ebcdic.is_ebcdic(data)


def test_html_with_stray_binary_bytes_is_read_as_html(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(b"<HTML><HEAD><META content=\"MSHTML\x07\x00\x02\x00\x00\x80\">\r\n"
                     b"</HEAD><BODY><DIV>Hi, Luis, good morning.</DIV></BODY></HTML>\r\n")
    text, mime, _ = text_of(path)
    assert mime == "text/html"
    assert "good morning" in text


def test_html_with_unclosed_head_keeps_the_body_text(tmp_path):
    path = tmp_path / "nested.html"
    path.write_text("<!DOCTYPE html><html><head><title>Simple</title></strong>\n"
                    "<body><h1>Example heading.</h1><span>This is a span.</span></body></html>")
    text, _, _ = text_of(path)
    assert "This is a span." in text


def test_djvu_text_layer_is_read(tmp_path):
    needs_tool("c44", "djvulibre-bin")
    needs_tool("djvused", "djvulibre-bin")
    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((20, 20, 380, 180), outline=0)
    image.save(tmp_path / "page.pgm")
    path = tmp_path / "book.djvu"
    subprocess.run(["c44", str(tmp_path / "page.pgm"), str(path)], check=True,
                   capture_output=True)
    (tmp_path / "text.dsed").write_text('(page 0 0 400 200 "Executive Orders and Revocation")')
    subprocess.run(["djvused", str(path), "-e", f"select 1; set-txt {tmp_path / 'text.dsed'}",
                    "-s"], check=True, capture_output=True)
    text, mime, _ = text_of(path)
    assert mime == "image/vnd.djvu"
    assert "Executive Orders" in text


def test_chm_pages_become_children():
    needs_tool("extract_chmLib", "libchm-bin")
    path = shared_file(TIKA, "testChm.chm")
    _, mime, extracted = text_of(path)
    assert mime == "application/vnd.ms-htmlhelp"
    assert len(extracted.children) > 10
    assert all(c.name.lower().endswith((".htm", ".html", ".xhtml", ".txt"))
               for c in extracted.children)


def test_vsdx_shape_text_is_read(tmp_path):
    path = tmp_path / "drawing.vsdx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("visio/pages/page1.xml",
                    '<PageContents xmlns="http://schemas.microsoft.com/office/visio/2012/main">'
                    "<Shapes><Shape ID='1'><Text>Courier route to Peshawar</Text></Shape>"
                    "</Shapes></PageContents>")
    extracted = visio.extract(path, OPTIONS)
    assert extracted.pages == ["Courier route to Peshawar"]


def test_vsdx_of_the_corpus_is_detected_and_read():
    path = shared_file(TIKA, "testVISIO.vsdx")
    text, mime, _ = text_of(path)
    assert mime in visio.MIME_TYPES
    assert "This is a test" in text


@pytest.mark.parametrize("suffix, pack", [
    (".zst", lambda data: zstandard.ZstdCompressor().compress(data)),
    (".zlib", zlib.compress),
])
def test_single_stream_compression_yields_one_member(tmp_path, suffix, pack):
    path = tmp_path / f"letter.txt{suffix}"
    path.write_bytes(pack(b"The courier arrives after the winter.\n" * 10))
    _, _, extracted = text_of(path)
    assert [c.name for c in extracted.children] == ["letter.txt"]
    assert extracted.children[0].data.startswith(b"The courier arrives")


def test_rar_members_become_children():
    needs_tool("7z", "p7zip-full")
    path = shared_file(TIKA, "test-documents.rar")
    _, mime, extracted = text_of(path)
    assert mime == "application/x-rar"
    assert "test-documents/testHTML.html" in [c.name for c in extracted.children]


def test_encrypted_rar_is_reported_as_encrypted():
    needs_tool("7z", "p7zip-full")
    path = shared_file(TIKA, "test-documents-enc.rar")
    with pytest.raises(ExtractionError) as info:
        text_of(path)
    assert info.value.reason == ENCRYPTED


def test_pst_messages_become_children():
    needs_tool("readpst", "pst-utils")
    path = shared_file(TIKA, "testPST_variousBodyTypes.pst")
    _, mime, extracted = text_of(path)
    assert mime == "application/vnd.ms-outlook-pst"
    assert extracted.children and all(c.name.endswith(".eml") for c in extracted.children)
    assert any(b"Subject:" in c.data for c in extracted.children)


def _message(subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", subject
    msg.set_content(body)
    return msg


def test_mbox_messages_become_children(tmp_path):
    path = tmp_path / "inbox"
    box = mailbox.mbox(path)
    box.add(_message("Supplies", "The rice arrived."))
    box.add(_message("Schooling", "The children study every morning."))
    box.flush()
    box.close()
    listing, mime, extracted = text_of(path)
    assert mime == "application/mbox"
    assert [c.name for c in extracted.children] == ["00001.eml", "00002.eml"]
    assert b"The children study" in extracted.children[1].data
    assert "Schooling" in listing


def test_single_message_with_from_line_is_an_email(tmp_path):
    path = tmp_path / "one.mbox"
    path.write_bytes(b"From someone@example.org Mon Jul 20 01:01:07 2015\n"
                     + bytes(_message("Harvest", "The harvest was good.")))
    text, mime, _ = text_of(path)
    assert mime == "message/rfc822"
    assert "The harvest was good." in text


def test_powerpoint_catppt_misses_is_read_with_libreoffice():
    needs_tool("soffice", "libreoffice-impress")
    path = shared_file(UNSTRUCTURED, "fake-power-point.ppt")
    text, _, _ = text_of(path)
    assert "Adding a Bullet Slide" in text


@pytest.mark.parametrize("name, expected", [
    ("testMSWriteFile.wri", "Document Register"),
    ("testWordPerfect_5_1.wp", "Western Gulf of Alaska"),
    ("testWORKS.wps", "Microsoft Works Word Processor"),
    ("testPUBLISHER.pub", "0123456789abcdef"),
])
def test_legacy_word_processor_files_are_read_with_libreoffice(name, expected):
    needs_tool("soffice", "libreoffice-writer")
    text, _, _ = text_of(shared_file(TIKA, name))
    assert expected in text
    assert not text.startswith("\ufeff")


@pytest.mark.parametrize("name", ["test-documents.cab", "test-documents.cpio"])
def test_cab_and_cpio_members_become_children(name):
    needs_tool("7z", "p7zip-full")
    _, _, extracted = text_of(shared_file(TIKA, name))
    assert any(c.name.endswith("testHTML.html") for c in extracted.children)


def test_heic_photo_opens_like_other_images(tmp_path):
    from pillow_heif import from_pillow

    path = tmp_path / "photo.heic"
    from_pillow(Image.new("RGB", (64, 48), "white")).save(path, quality=90)
    _, mime, extracted = text_of(path, NO_OCR)
    assert mime in ("image/heic", "image/heif")
    assert (extracted.metadata["width"], extracted.metadata["height"]) == (64, 48)


def test_multipage_tiff_gives_one_page_per_frame(tmp_path):
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed (Debian: apt-get install tesseract-ocr)")
    frames = [Image.new("L", (200, 100), 255) for _ in range(3)]
    path = tmp_path / "scan.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    _, mime, extracted = text_of(path)
    assert mime == "image/tiff"
    assert len(extracted.pages) == 3


def test_pdf_short_text_layer_is_kept_when_ocr_reads_less(tmp_path):
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed (Debian: apt-get install tesseract-ocr)")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=3)  # too small for OCR at 200 dpi, as labels on a drawing
    pdf.text(20, 20, "A B C")
    path = tmp_path / "drawing.pdf"
    pdf.output(str(path))
    text, mime, _ = text_of(path)
    assert mime == "application/pdf"
    assert "A B C" in text


def test_image_without_words_yields_its_written_description(tmp_path):
    image = Image.new("RGB", (80, 60), "white")
    exif = image.getexif()
    exif[270] = "Compound in Abbottabad, north wall"
    exif[315] = "Skåne photographer".encode()  # UTF-8 in an ASCII field, as cameras write
    path = tmp_path / "photo.jpg"
    image.save(path, exif=exif)
    text, _, extracted = text_of(path, NO_OCR)
    assert "description: Compound in Abbottabad, north wall" in text
    assert "artist: Skåne photographer" in text


def test_sqlite_tables_are_read_as_rows(tmp_path):
    import sqlite3

    path = tmp_path / "contacts.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE couriers (name TEXT, city TEXT)")
        conn.execute("INSERT INTO couriers VALUES ('Abu Ahmed', 'Peshawar')")
    conn.close()
    text, mime, _ = text_of(path)
    assert mime == "application/vnd.sqlite3"
    assert "Abu Ahmed\tPeshawar" in text


def test_dbf_records_are_read_in_their_code_page():
    text, mime, _ = text_of(shared_file(TIKA, "testDBF_gb18030.dbf"))
    assert mime == "application/x-dbf"
    assert "虽然该指令经过重新发布" in text


def test_xps_page_glyphs_are_read(tmp_path):
    path = tmp_path / "doc.xps"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("FixedDocSeq.fdseq", "<FixedDocumentSequence/>")
        zf.writestr("Documents/1/Pages/1.fpage",
                    '<FixedPage xmlns="http://schemas.microsoft.com/xps/2005/06">'
                    '<Glyphs UnicodeString="التقرير السنوي" /></FixedPage>')
    text, mime, _ = text_of(path)
    assert mime == "application/vnd.ms-xpsdocument"
    assert "التقرير السنوي" in text


@pytest.mark.parametrize("name, mime, child", [
    ("testWEBARCHIVE.webarchive", "application/x-webarchive", "000-tika.apache.org.html"),
    ("testPKCS7_signed_data_def.p7m", "application/pkcs7-mime", "testPKCS7_signed_data_def"),
])
def test_wrapped_documents_yield_their_content_as_a_child(name, mime, child):
    if mime == "application/pkcs7-mime":
        needs_tool("openssl", "openssl")
    _, detected, extracted = text_of(shared_file(TIKA, name))
    assert detected == mime
    assert [c.name for c in extracted.children] == [child]


def test_pgp_encrypted_file_is_reported_as_encrypted():
    path = shared_file(TIKA, "testPGPEncrypted.gpg")
    with pytest.raises(ExtractionError) as info:
        text_of(path)
    assert info.value.reason == ENCRYPTED


def test_recording_without_tags_is_described_as_text(tmp_path):
    import wave

    path = tmp_path / "call.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000)
    text, _, extracted = text_of(path)
    assert text.startswith("recording: ")
    assert "8000 Hz" in text and "1.00 seconds" in text
    assert extracted.expects_text is False
