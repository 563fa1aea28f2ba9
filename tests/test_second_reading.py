"""Files Recoll reads that Docket read nothing from: pages askew, small print, transparent
scans, XMP metadata, encrypted PDFs Poppler opens. Real files made at test time, and the
shared corpus's own when present."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from indexer.detect import detect_mime
from indexer.errors import ENCRYPTED, ExtractionError
from indexer.extracted import ExtractOptions
from indexer.ocr import _ink, is_page, skew_angle
from indexer.pipeline import read
from tests.conftest import SHARED_CORPUS, needs_shared

OPTIONS = ExtractOptions(time_limit=120)
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LINES = ["The courier reached the valley before winter", "and handed the letters to the",
         "brothers of the committee, who read them", "aloud in the school by the river."]
PYPDF = SHARED_CORPUS / "fixtures-pypdf" / "files"


def needs_ocr():
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed (Debian: apt-get install tesseract-ocr)")


def page_image(size=(1200, 700), mode="L") -> Image.Image:
    """A white page with four lines of 32-point print."""
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing (Debian: fonts-dejavu-core)")
    image = Image.new(mode, size, "white" if mode != "RGBA" else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 32)
    for i, line in enumerate(LINES):
        draw.text((60, 120 + 90 * i), line, fill="black", font=font)
    return image


def text_of(path: Path) -> tuple[str, object]:
    extracted, _ = read(path, detect_mime(path), OPTIONS)
    return "\n".join(extracted.pages), extracted


def test_a_page_scanned_askew_is_turned_straight_and_read(tmp_path):
    needs_ocr()
    path = tmp_path / "askew.png"
    page_image().rotate(-11, expand=True, fillcolor="white").save(path)
    text, _ = text_of(path)
    assert "courier" in text and "committee" in text


def test_skew_is_measured_on_lines_and_is_zero_without_them():
    straight = page_image()
    assert skew_angle(_ink(straight.rotate(-9, expand=True, fillcolor="white"))) == 9
    assert skew_angle(_ink(straight)) == 0
    noise = Image.fromarray(np.random.default_rng(7).integers(0, 256, (600, 800), np.uint8))
    assert skew_angle(_ink(noise)) == 0


def test_photos_and_blank_pages_get_no_second_reading():
    dark = Image.fromarray(np.random.default_rng(3).integers(0, 120, (400, 500), np.uint8))
    blank = Image.new("L", (800, 1000), "white")
    page = page_image()
    assert not is_page(dark, _ink(dark))
    assert not is_page(blank, _ink(blank))
    assert is_page(page, _ink(page))


def test_black_print_on_a_transparent_background_is_read(tmp_path):
    needs_ocr()
    path = tmp_path / "transparent.png"
    page_image(mode="RGBA").save(path)
    assert Image.open(path).getpixel((5, 5)) == (0, 0, 0, 0)  # black where transparent
    text, _ = text_of(path)
    assert "courier" in text


def test_xmp_properties_of_an_image_are_text(tmp_path):
    xmp = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
           '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Adobe Photoshop CS6">'
           '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Compound, north wall'
           '</rdf:li></rdf:Alt></dc:title><dc:subject><rdf:Bag><rdf:li>Abbottabad</rdf:li>'
           '<rdf:li>مجمع</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF>'
           '</x:xmpmeta><?xpacket end="w"?>')
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    path = tmp_path / "photo.png"
    Image.new("RGB", (64, 48), (90, 60, 30)).save(path, pnginfo=info)
    text, extracted = text_of(path)
    assert "title: Compound, north wall" in text
    assert "keywords: Abbottabad, مجمع" in text
    assert "software: Adobe Photoshop CS6" in extracted.metadata["described"]


def test_an_xmp_entity_bomb_is_ignored(tmp_path):
    bomb = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x></x:xmpmeta>')
    path = tmp_path / "bomb.png"
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", bomb)
    Image.new("RGB", (8, 8)).save(path, pnginfo=info)
    extracted, _ = read(path, detect_mime(path), ExtractOptions(ocr=False))
    assert "described" not in extracted.metadata


@pytest.mark.parametrize("name", ["encryption/r5-user-password.pdf",
                                  "encryption/r6-user-password.pdf"])
def test_encrypted_pdfs_poppler_opens_are_read(name):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (Debian: apt-get install poppler-utils)")
    path = needs_shared(PYPDF) / name
    text, extracted = text_of(path)
    assert "pdf encryption test" in text
    assert "pdftotext" in extracted.metadata["read_by"]


def test_a_pdf_nobody_opens_without_its_password_stays_encrypted():
    path = needs_shared(PYPDF) / "encryption" / "r4-user-password.pdf"
    with pytest.raises(ExtractionError) as caught:
        read(path, detect_mime(path), OPTIONS)
    assert caught.value.reason == ENCRYPTED


def test_small_print_on_a_large_scan_is_read_at_twice_the_resolution():
    needs_ocr()
    path = needs_shared(PYPDF) / "issue-3850-1bit-indexed-flate.pdf"
    text, extracted = text_of(path)
    assert "decode repro" in text
    assert extracted.metadata["ocr_pages"] == [1]
