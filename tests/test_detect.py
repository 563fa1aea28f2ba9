"""Content detection: libmagic's type is a hint, and bytes that read as text are text."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import magic
import pytest

from archive.catalog import Catalog
from archive.config import Settings
from indexer.detect import detect_mime, is_hint_only, is_text, reads_as_text
from indexer.errors import UnsupportedTypeError
from indexer.extracted import ExtractOptions
from indexer.extractors import kind_of
from indexer.pipeline import read
from indexer.run import index_collection
from tests.conftest import SAMPLE, SHARED, SHARED_CORPUS, TEST_CORPUS, needs_shared

LETTER = ("In the name of God most merciful\n\nTo Shaykh Mahmud, peace be upon you. The "
          "courier let the letters wait; the constructor of the house asked for the rest.\n")
OPTIONS = ExtractOptions(ocr=False)


def without_text(catalog_path: Path) -> list[tuple[str, str, str | None, str]]:
    """(path, status, reason, mime) of every catalogued collection file holding no text."""
    catalog = Catalog(catalog_path)
    try:
        rows = catalog.conn.execute(
            "SELECT p.path, d.doc_id, d.status, d.reason, d.mime FROM paths p "
            "JOIN documents d USING (doc_id) WHERE p.parent_path IS NULL ORDER BY 1").fetchall()
        return [(path, status, reason, mime) for path, doc_id, status, reason, mime in rows
                if not "".join(page.text for page in catalog.pages(doc_id)).strip()]
    finally:
        catalog.close()


def is_clean_text(data: bytes) -> bool:
    """Strict UTF-8 (BOM or not) or UTF-16 with a BOM, with letters and no stray controls:
    a check of our own, independent of the one under test."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16"), (b"", "utf-8")):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return False
            break
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return any(ch.isalpha() for ch in text) and controls == 0


@pytest.mark.parametrize("mime", ["application/javascript", "application/octet-stream",
                                  "application/vnd.hp-HPGL", "text/x-script.python",
                                  "text/x-c", "text/x-diff", "text/x-Algol68"])
def test_detect_code_and_data_types_are_hints(mime):
    assert is_hint_only(mime)


@pytest.mark.parametrize("mime", ["text/plain", "text/html", "text/csv", "text/x-markdown",
                                  "application/pdf", "message/rfc822", "image/jpeg"])
def test_detect_document_formats_are_not_hints(mime):
    assert not is_hint_only(mime)


@pytest.mark.parametrize("name", ["letter-001-ar.txt", "letter-003-ar-cp1256.txt",
                                  "letter-004-ar-iso8859-6.txt", "letter-008-fa.txt"])
def test_detect_sample_letters_read_as_text(name):
    assert reads_as_text(SAMPLE / "letters" / name)


@pytest.mark.parametrize("name", ["utf16le-no-bom-ar.txt", "utf16be-bom-fa.txt",
                                  "utf32-bom-ar.txt", "cp1252-fr.txt", "whitespace-only.txt"])
def test_detect_awkward_encodings_read_as_text(name):
    assert reads_as_text(TEST_CORPUS / name)


def test_detect_binary_bytes_do_not_read_as_text():
    assert not is_text(random.Random(7).randbytes(20_000))
    assert not is_text(zlib.compress(LETTER.encode() * 200))
    assert not is_text(b"")
    assert not reads_as_text(SAMPLE / "broken/garbage.doc")
    assert not reads_as_text(SAMPLE / "broken/locked-statement.pdf")


def test_detect_text_with_a_split_character_at_the_sample_end_reads_as_text(tmp_path):
    path = tmp_path / "long-ar.txt"
    path.write_text("نص عربي طويل بلا أسطر " * 5000, encoding="utf-8")  # no line end to cut at
    assert reads_as_text(path)


@pytest.mark.parametrize("mime", ["application/javascript", "application/vnd.hp-HPGL",
                                  "text/x-script.python", "application/octet-stream"])
def test_read_text_mistyped_as_code_or_data_is_read_as_text(tmp_path, mime):
    path = tmp_path / "letter.txt"
    path.write_text(LETTER, encoding="utf-8")
    extracted, read_as = read(path, mime, OPTIONS)
    assert read_as == "text/plain" and kind_of(read_as) == "text"
    assert extracted.metadata["detected_mime"] == mime
    assert "Shaykh Mahmud" in extracted.pages[0]


def test_read_text_of_a_type_no_extractor_takes_is_read_as_text(tmp_path):
    path = tmp_path / "drawing.dxf"
    path.write_text("  0\nSECTION\n  2\nHEADER\n  999\nSite plan of the compound\n",
                    encoding="ascii")
    extracted, read_as = read(path, "image/vnd.dxf", OPTIONS)
    assert read_as == "text/plain"
    assert extracted.metadata["detected_mime"] == "image/vnd.dxf"
    assert "Site plan of the compound" in extracted.pages[0]


def test_read_binary_of_an_unknown_type_stays_unsupported(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(random.Random(3).randbytes(4096))
    with pytest.raises(UnsupportedTypeError, match="no extractor for type application/x-blob"):
        read(path, "application/x-blob", OPTIONS)


def test_read_keeps_the_type_of_a_real_format(tmp_path):
    extracted, read_as = read(SAMPLE / "letters/letter-010-ar.html", "text/html", OPTIONS)
    assert read_as == "text/html" and "detected_mime" not in extracted.metadata


def test_shared_corpus_files_that_decode_as_text_are_catalogued_with_text(tmp_path):
    corpus = needs_shared(SHARED_CORPUS)
    folder = tmp_path / "corpus"
    chosen = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.name in ("SOURCE.md", "README.md"):
            continue
        mime = detect_mime(path)
        # Formats with a reader of their own (HTML, XML, PDF, e-mail, RTF, ...) may rightly
        # hold no text; plain text, code and what libmagic cannot place may not.
        if (is_hint_only(mime) or kind_of(mime) in ("text", "other")) \
                and is_clean_text(path.read_bytes()):
            target = folder / path.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
            chosen.append((target.relative_to(folder).as_posix(), mime))
    assert any(mime == "application/javascript" for _, mime in chosen)  # the CTC letter
    settings = Settings(var=tmp_path / "var", jobs=2, ocr=False, embeddings=False)
    index_collection(settings, folder)
    assert without_text(settings.catalog_path) == []
    catalog = Catalog(settings.catalog_path)
    letter = catalog.document(catalog.resolve(
        "ctc-letters-from-abbottabad-2012/text/SOCOM-2012-0000015.txt"))
    assert (letter.status, letter.mime, letter.kind) == ("ok", "text/plain", "text")
    assert letter.metadata["detected_mime"] == "application/javascript"
    catalog.close()


@pytest.mark.slow
def test_generated_collection_of_text_files_is_all_catalogued_with_text(tmp_path):
    generator = needs_shared(SHARED / "corpus-generator")
    out = tmp_path / "generated"
    subprocess.run([sys.executable, str(generator / "make_corpus.py"), "gen", "--pools",
                    str(generator / "pools"), "--n", "2000", "--out", str(out), "--files"],
                   check=True, capture_output=True, cwd=generator)
    folder = out / "files"
    files = list(folder.rglob("*.txt"))
    assert len(files) == 2000
    settings = Settings(var=tmp_path / "var", ocr=False, embeddings=False)
    started = time.monotonic()
    summary = index_collection(settings, folder)
    elapsed = time.monotonic() - started
    assert summary.failed == {}, summary.failures
    assert without_text(settings.catalog_path) == []
    conn = sqlite3.connect(settings.catalog_path)
    hinted = conn.execute("SELECT json_extract(metadata, '$.detected_mime'), COUNT(*) "
                          "FROM documents WHERE json_extract(metadata, '$.detected_mime') "
                          "IS NOT NULL GROUP BY 1").fetchall()
    mimes = {r[0] for r in conn.execute("SELECT DISTINCT mime FROM documents")}
    conn.close()
    print(f"\ngenerated: {len(files)} files in {elapsed:.0f} s, read as text despite "
          f"libmagic: {dict(hinted)}")
    assert mimes == {"text/plain"}


@pytest.mark.parametrize("start", ["Article on the courier's route, written in the winter.",
                                   "ArticleInfo We another home that sons obj."])
def test_prose_libmagic_calls_mail_or_news_is_read_as_text(tmp_path, start):
    # A generated release file began "ArticleInfo We another home ...": libmagic says
    # "saved news", and the e-mail reader then failed it as corrupt.
    path = tmp_path / "note.txt"
    path.write_text(start + "\n\n" + "The letters were carried by hand. " * 20, encoding="utf-8")
    assert magic.Magic(mime=True).from_file(str(path)) in ("message/news", "message/rfc822")
    assert detect_mime(path) == "text/plain"
    extracted, read_as = read(path, detect_mime(path), OPTIONS)
    assert read_as == "text/plain" and extracted.pages[0].startswith(start)


def test_a_real_message_is_still_mail(tmp_path):
    path = tmp_path / "message.txt"
    path.write_bytes(b"From: a@example.org\nTo: b@example.org\nSubject: the route\n\nBody.\n")
    assert detect_mime(path) == "message/rfc822"
