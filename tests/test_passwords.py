"""Encrypted files opened with the passwords an archivist supplies (--passwords FILE):
PDFs, Office files and 7z archives made and locked at test time with the formats' own
tools; nothing opens without the list, and no password is stored in the archive."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import msoffcrypto.format.ooxml
import py7zr
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from archive.errors import ArchiveError
from cli import main
from indexer.detect import detect_mime
from indexer.errors import ENCRYPTED, IndexingError
from indexer.extracted import ExtractOptions
from indexer.odf_crypto import decrypt_odf
from indexer.pipeline import read
from indexer.unlock import DECRYPTED, load_passwords
from tests.conftest import SHARED_CORPUS, needs_shared

SECRET = "kestrel-1962"
LETTER = "The courier carried the letter to the valley before winter."


def locked_pdf(path: Path, password: str = SECRET) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, LETTER)
    plain = io.BytesIO(pdf.output())
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password="owner-" + password,
                   algorithm="AES-256")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def locked_docx(path: Path, password: str = SECRET) -> Path:
    plain = io.BytesIO()
    # msoffcrypto's encrypt mishandles packages under 4 KiB (its own decrypt then refuses
    # them), and real documents are larger: the letter is followed by 200 numbered lines.
    lines = "".join(f"<w:p><w:r><w:t>line {n}</w:t></w:r></w:p>" for n in range(200))
    body = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
            f'main"><w:body><w:p><w:r><w:t>{LETTER}</w:t></w:r></w:p>{lines}</w:body>'
            '</w:document>')
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/'
                                           'package/2006/content-types"/>')
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr("word/document.xml", body)
    plain.seek(0)
    office = msoffcrypto.format.ooxml.OOXMLFile(plain)
    plain.seek(0)  # the constructor read the package to check it; encrypt reads it again
    with path.open("wb") as fh:
        office.encrypt(password, fh)
    return path


def locked_7z(path: Path, password: str = SECRET) -> Path:
    with py7zr.SevenZipFile(path, "w", password=password) as sz:
        sz.writestr(LETTER, "letter.txt")
    return path


def extract(path: Path, passwords: tuple[str, ...]):
    return read(path, detect_mime(path), ExtractOptions(ocr=False, passwords=passwords))


@pytest.mark.parametrize("make", [locked_pdf, locked_docx])
def test_an_encrypted_document_opens_with_a_password_from_the_list(tmp_path, make):
    path = make(tmp_path / f"letter.{make.__name__[7:]}")
    with pytest.raises(IndexingError) as caught:
        extract(path, ())
    assert caught.value.reason == ENCRYPTED
    with pytest.raises(IndexingError):
        extract(path, ("wrong", "also wrong"))
    extracted, _ = extract(path, ("wrong", SECRET))
    assert LETTER in "\n".join(extracted.pages)
    assert extracted.metadata["decrypted"] == DECRYPTED


def test_a_locked_7z_archive_gives_its_members(tmp_path):
    path = locked_7z(tmp_path / "letters.7z")
    with pytest.raises(IndexingError):
        extract(path, ("wrong",))
    extracted, _ = extract(path, (SECRET,))
    assert [c.name for c in extracted.children] == ["letter.txt"]
    assert extracted.children[0].data == LETTER.encode()
    assert DECRYPTED in extracted.metadata["notes"]


def test_the_list_keeps_spaces_and_drops_blank_lines(tmp_path):
    listed = tmp_path / "passwords.txt"
    listed.write_text("    \n\nhunter2\nhunter2\n pass word \n", "utf-8")
    assert load_passwords(listed) == ("    ", "hunter2", " pass word ")
    with pytest.raises(ArchiveError, match="cannot read the password list"):
        load_passwords(tmp_path / "missing.txt")


def test_index_opens_what_failed_once_the_list_is_given(tmp_path, runner):
    folder = tmp_path / "release"
    folder.mkdir()
    locked_pdf(folder / "letter.pdf")
    var = tmp_path / "var"
    first = runner.invoke(main, ["index", str(folder), "--var", str(var), "--no-embeddings",
                                 "--no-ocr", "-q", "--json"])
    assert first.exit_code == 1
    assert json.loads(first.output)["failed"] == {"encrypted": 1}
    listed = tmp_path / "passwords.txt"
    listed.write_text(f"wrong\n{SECRET}\n", "utf-8")
    again = runner.invoke(main, ["index", str(folder), "--var", str(var), "--no-embeddings",
                                 "--no-ocr", "-q", "--retry-failed", "--passwords",
                                 str(listed)])
    assert again.exit_code == 0, again.output
    found = runner.invoke(main, ["search", "courier", "--var", str(var), "--json"])
    assert json.loads(found.output)["total"] == 1
    for path in var.rglob("*"):  # the password is nowhere in the archive
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    with sqlite3.connect(var / "catalog.sqlite") as conn:
        meta = json.loads(conn.execute("SELECT metadata FROM documents").fetchone()[0])
    assert meta["decrypted"] == DECRYPTED


TIKA_ODT = SHARED_CORPUS / "fixtures-apache-tika" / "files" / "testODTEncrypted.odt"


def test_a_libreoffice_encrypted_odt_opens_with_its_password():
    path = needs_shared(TIKA_ODT.parent) / TIKA_ODT.name  # Tika's tests give its password
    with pytest.raises(IndexingError):
        extract(path, ("wrong",))
    extracted, mime = extract(path, ("wrong", "tika"))
    assert mime == "application/vnd.oasis.opendocument.text"
    assert "This should be encrypted" in "\n".join(extracted.pages)


def test_an_odt_asking_for_endless_key_rounds_is_not_tried(tmp_path):
    source = needs_shared(TIKA_ODT.parent) / TIKA_ODT.name
    path = tmp_path / "stall.odt"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "META-INF/manifest.xml":
                data = data.replace(b'iteration-count="100000"', b'iteration-count="999999999"')
            zout.writestr(info, data)
    assert decrypt_odf(path.read_bytes(), ("tika",)) is None  # refused, not computed
