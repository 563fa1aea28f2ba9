"""Formats a release holds that used to be 'unsupported' or 'corrupt': Access databases,
winmail.dat, WARC, lz4 and brotli streams, truncated MP3s, pictures inside Office files.
Files made at test time with the formats' own writers, and the shared corpus's when present."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import brotli
import lz4.frame
import numpy as np
import pytest
from mutagen.id3 import APIC, ID3, TIT2, TPE1
from PIL import Image
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from indexer.detect import detect_mime
from indexer.errors import TOO_LARGE, IndexingError
from indexer.extracted import ExtractOptions
from indexer.extractors import xlsb
from indexer.pipeline import read
from tests.conftest import SHARED_CORPUS, needs_shared

OPTIONS = ExtractOptions(ocr=False, time_limit=120)
TIKA = SHARED_CORPUS / "fixtures-apache-tika" / "files"
ALEPH = SHARED_CORPUS / "fixtures-aleph-ingest-file" / "files"
LETTER = "The courier carried the letter to the valley before winter."


def extracted(path: Path, options: ExtractOptions = OPTIONS):
    result, mime = read(path, detect_mime(path), options)
    return result, mime


def test_access_database_tables_are_read_as_rows():
    if not shutil.which("mdb-export"):
        pytest.skip("mdbtools is not installed (Debian: apt-get install mdbtools)")
    result, mime = extracted(needs_shared(ALEPH) / "Books_be.mdb")
    assert mime == "application/x-msaccess"
    text = "\n".join(result.pages)
    assert result.pages[0].startswith("Authors") and "Clancy, Tom" in text
    assert "Hunt for Red October\t2001" not in text and "Hunt for Red October" in text
    assert result.metadata["tables"] == 2


def test_winmail_dat_body_and_attachments_become_children():
    result, mime = extracted(needs_shared(TIKA) / "testWINMAIL.dat")
    assert mime == "application/vnd.ms-tnef"
    names = [c.name for c in result.children]
    assert names == ["body.rtf", "quick.doc", "quick.html", "quick.pdf", "quick.txt",
                     "quick.xml"]
    assert b"quick brown fox" in result.children[4].data


def test_warc_responses_become_children_named_by_url(tmp_path):
    path = tmp_path / "crawl.warc"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for url, body in (("https://example.org/letters/1", f"<p>{LETTER}</p>"),
                          ("https://example.org/about", "<p>About us</p>")):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                       protocol="HTTP/1.1")
            payload = body.encode()
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                               length=len(payload), http_headers=headers)
            writer.write_record(record)
    result, mime = extracted(path)
    assert mime == "application/warc"
    assert result.pages == ["https://example.org/letters/1\nhttps://example.org/about"]
    assert [c.name for c in result.children] == ["0001-example.org_letters_1",
                                                 "0002-example.org_about"]
    assert LETTER.encode() in result.children[0].data


@pytest.mark.parametrize("name, pack", [("letter.txt.lz4", lz4.frame.compress),
                                        ("letter.txt.br", brotli.compress)])
def test_lz4_and_brotli_streams_yield_their_file(tmp_path, name, pack):
    path = tmp_path / name
    path.write_bytes(pack(LETTER.encode() * 20))
    result, _ = extracted(path)
    assert [c.name for c in result.children] == ["letter.txt"]
    assert result.children[0].data == LETTER.encode() * 20


def test_brotli_needs_both_the_name_and_bytes_that_decode(tmp_path):
    named = tmp_path / "noise.br"
    named.write_bytes(bytes(range(256)) * 4)
    unnamed = tmp_path / "letter.bin"
    unnamed.write_bytes(brotli.compress(LETTER.encode()))
    assert detect_mime(named) != "application/x-brotli"
    assert detect_mime(unnamed) != "application/x-brotli"


def test_a_brotli_bomb_stops_at_the_container_limit(tmp_path):
    path = tmp_path / "bomb.br"
    path.write_bytes(brotli.compress(bytes(64 * 2**20)))  # 64 MiB of zeros in a few bytes
    with pytest.raises(IndexingError) as caught:
        extracted(path, ExtractOptions(ocr=False, max_container_bytes=8 * 2**20))
    assert caught.value.reason == TOO_LARGE


def test_an_mp3_cut_inside_its_tag_keeps_the_tags_before_the_cut(tmp_path):
    whole = tmp_path / "whole.mp3"
    tags = ID3()
    tags.add(TIT2(encoding=3, text="خطبة الجمعة"))
    tags.add(TPE1(encoding=3, text="Unknown speaker"))
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=bytes(200_000)))
    tags.save(whole)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[:65536])
    result, mime = extracted(cut)
    assert mime == "audio/mpeg"
    assert result.title == "خطبة الجمعة"
    assert "artist: Unknown speaker" in result.pages[0]
    assert "ID3 tag" in result.metadata["truncated"]


def test_pictures_in_an_office_file_become_children(tmp_path):
    picture = io.BytesIO()
    noise = np.random.default_rng(5).integers(0, 256, (200, 300, 3), np.uint8)
    Image.fromarray(noise).save(picture, "PNG")  # a photo's worth of bytes
    path = tmp_path / "scan-in-word.docx"
    body = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
            f'main"><w:body><w:p><w:r><w:t>{LETTER}</w:t></w:r></w:p></w:body></w:document>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", body)
        zf.writestr("word/media/image1.png", picture.getvalue())
        zf.writestr("word/media/bullet.png", b"\x89PNG tiny")  # under MIN_PICTURE_BYTES
    result, _ = extracted(path)
    assert LETTER in result.pages[0]
    assert [c.name for c in result.children] == ["image1.png"]
    assert result.metadata["pictures"] == 1


def test_xlsb_cells_are_read_from_their_records():
    result, _ = extracted(needs_shared(TIKA) / "testEXCEL.xlsb")
    assert result.pages[0] == ("This is an example spreadsheet created with Microsoft Excel "
                               "2007 Beta 2.")


@pytest.mark.parametrize("raw, shown", [((42 << 2) | 2, "42"), ((314 << 2) | 3, "3.14"),
                                        (0x3FF00000, "1"), ((((1 << 30) - 5) << 2) | 2, "-5")])
def test_xlsb_rk_numbers(raw, shown):
    assert xlsb._rk(raw) == shown


def test_xlsb_records_running_past_their_part_are_damage(tmp_path):
    path = tmp_path / "cut.xlsb"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
        zf.writestr("xl/worksheets/sheet1.bin", b"\x00\x19" + b"\x00" * 5)  # says 25, has 5
        zf.writestr("xl/sharedStrings.bin", b"\x13\xff\xff\xff\xff\x0f")  # runs past the end
    with pytest.raises(IndexingError):
        extracted(path)


def test_fits_header_cards_people_write_become_text(tmp_path):
    cards = ["SIMPLE  =                    T", "BITPIX  =                    8",
             "NAXIS   =                    2", "NAXIS1  =                    2",
             "NAXIS2  =                    2", "OBJECT  = 'Abbottabad compound'",
             "HISTORY scanned by the archive", "END"]
    header = "".join(card.ljust(80) for card in cards).ljust(2880).encode("ascii")
    path = tmp_path / "plate.fits"
    path.write_bytes(header + bytes([0, 80, 160, 240]).ljust(2880, b"\x00"))
    result, mime = extracted(path)
    assert mime == "image/fits"
    assert "object: Abbottabad compound" in result.metadata["described"]
    assert "history: scanned by the archive" in result.metadata["described"]
