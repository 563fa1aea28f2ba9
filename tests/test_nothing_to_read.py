"""Files with nothing to read (status "empty") are recorded as such, never as failures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from app import create_app
from archive.catalog import Catalog
from archive.config import Settings
from cli import main
from indexer.run import index_collection
from tests.conftest import SAMPLE, TEST_CORPUS


def save_photo_without_text(path: Path) -> None:
    """A smooth colour gradient: a photo of nothing Tesseract can read words in."""
    img = Image.new("RGB", (320, 240))
    px = img.load()
    for x in range(320):
        for y in range(240):
            px[x, y] = (x * 255 // 320, y * 255 // 240, 120)
    img.save(path)


@pytest.fixture
def nothing_to_read(tmp_path) -> Path:
    """A collection of a letter, a photo without text, a 0-byte file, a blank text file."""
    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy(SAMPLE / "letters/letter-001-ar.txt", folder / "letter.txt")
    save_photo_without_text(folder / "courtyard.png")
    shutil.copy(TEST_CORPUS / "empty.txt", folder / "empty.txt")
    shutil.copy(TEST_CORPUS / "whitespace-only.txt", folder / "blank.txt")
    return folder


def invoke(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_index_records_files_with_nothing_to_read_and_exits_0(runner, nothing_to_read,
                                                               tmp_path):
    var = tmp_path / "var"
    result = invoke(runner, "index", nothing_to_read, "--var", var, "--json", "-q",
                    "--no-embeddings")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"] == {} and summary["failures"] == []
    assert summary["empty"] == {"empty file": 1, "no text": 2}
    catalog = Catalog(var / "catalog.sqlite")
    photo = catalog.document(catalog.resolve("courtyard.png"))
    assert (photo.status, photo.reason, photo.kind) == ("empty", "no text", "image")
    assert "OCR found none" in photo.error
    empty = catalog.document(catalog.resolve("empty.txt"))
    assert (empty.status, empty.reason) == ("empty", "empty file")
    assert catalog.document(catalog.resolve("letter.txt")).status == "ok"
    catalog.close()


def test_status_lists_nothing_to_read_apart_from_failed_files(runner, nothing_to_read,
                                                              tmp_path):
    var = tmp_path / "var"
    invoke(runner, "index", nothing_to_read, "--var", var, "-q", "--no-embeddings")
    result = invoke(runner, "status", "--var", var)
    assert result.exit_code == 0, result.output
    assert "Failed files" not in result.output
    assert ("Nothing to read (3): blank.txt (no text), courtyard.png (no text), "
            "empty.txt (empty file)") in result.output
    assert "empty 3" in result.output and "ok 1" in result.output  # the "By status" line
    counts = json.loads(invoke(runner, "status", "--var", var, "--json").stdout)
    assert counts["failed"] == []
    assert [f["path"] for f in counts["empty"]] == ["blank.txt", "courtyard.png", "empty.txt"]


def test_index_still_exits_1_for_a_real_failure_beside_nothing_to_read(runner, nothing_to_read,
                                                                        tmp_path):
    shutil.copy(SAMPLE / "broken/locked-statement.pdf", nothing_to_read / "locked.pdf")
    var = tmp_path / "var"
    result = invoke(runner, "index", nothing_to_read, "--var", var, "-v", "--no-embeddings")
    assert result.exit_code == 1, result.output
    assert "failed 1 (1 encrypted)" in result.output
    assert "locked.pdf: the PDF is password-protected" in result.output
    # -v lists courtyard.png among the added paths, never among the failures
    assert "  courtyard.png\n" in result.output and "courtyard.png: no text" not in result.output
    status = invoke(runner, "status", "--var", var).output
    failed, _, empty = status.partition("Nothing to read (3):")
    assert "Failed files (1):" in failed and "locked.pdf" in failed
    assert "courtyard.png" not in failed and "courtyard.png" in empty


def test_retry_failed_reads_again_what_had_nothing_to_read(nothing_to_read, tmp_path):
    settings = Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False)
    first = index_collection(settings, nothing_to_read)
    assert first.failed == {} and first.empty["no text"] == 2  # OCR off: no text either
    again = index_collection(Settings(var=tmp_path / "var", jobs=1, embeddings=False),
                             nothing_to_read, retry_failed=True)
    assert again.extracted == 3 and again.failed == {}


def test_home_page_shows_nothing_to_read_apart_from_failures(nothing_to_read, tmp_path):
    shutil.copy(SAMPLE / "broken/locked-statement.pdf", nothing_to_read / "locked.pdf")
    settings = Settings(var=tmp_path / "var", jobs=2, embeddings=False)
    index_collection(settings, nothing_to_read)
    page = create_app(settings).test_client().get("/").get_data(as_text=True)
    failed, _, empty = page.partition("Nothing to read (3)")
    assert "Files that could not be read (1)" in failed and "locked.pdf" in failed
    assert "courtyard.png" not in failed
    assert "courtyard.png" in empty and "empty file" in empty
