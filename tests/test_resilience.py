"""Hostile conditions: kill -9 mid-run, files that hang, bombs, and the real-file corpus."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from archive.catalog import Catalog
from archive.config import Settings
from archive.model import SearchRequest
from archive.search import WhooshIndex
from indexer.run import index_collection
from tests.conftest import SAMPLE, SHARED_CORPUS, needs_shared, start_docket

TIME_LIMIT = 15.0  # the dense scan below needs far longer (measured: > 60 s)
WORDS_AR = "رسالة الأخ الكريم المكتبة الكتب الوادي القافلة الدواء المدرسة الشتاء".split()
WORDS_EN = "letter brother library books valley caravan medicine school winter".split()


def make_collection(folder: Path, count: int) -> Path:
    """`count` short Arabic and English letters in ten sub-folders of `folder`; returns it."""
    for i in range(count):
        sub = folder / f"box-{i % 10:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        words = WORDS_AR if i % 3 else WORDS_EN
        text = " ".join(words[(i * 7 + j) % len(words)] for j in range(60))
        (sub / f"doc-{i:05d}.txt").write_text(f"{text}\nرقم {i} number {i}\n", encoding="utf-8")
    return folder


def catalog_count(var: Path, sql: str = "SELECT COUNT(*) FROM documents") -> int:
    """A count read from a catalog that another process may be writing (0 while absent)."""
    path = var / "catalog.sqlite"
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


docket = start_docket  # the name the other test files import


@pytest.mark.parametrize("kill_after", [1, 400])
def test_kill_9_then_rerun_leaves_a_consistent_catalog_and_index(tmp_path, kill_after):
    folder, var = tmp_path / "c", tmp_path / "var"
    make_collection(folder, 1200)
    proc = docket("index", str(folder), "--var", str(var), "-q", "--no-ocr", "-j", "2")
    deadline = time.monotonic() + 120
    while catalog_count(var) < kill_after and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never committed anything"
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed; grow the collection"
    os.killpg(proc.pid, signal.SIGKILL)  # the indexer and its workers, as a power cut would
    proc.communicate()
    killed_at = catalog_count(var)
    assert killed_at >= kill_after

    rerun = docket("index", str(folder), "--var", str(var), "-q", "--no-ocr", "-j", "2", "--json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    conn = sqlite3.connect(var / "catalog.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1200
    assert conn.execute("SELECT COUNT(*) FROM paths").fetchone()[0] == 1200
    assert conn.execute("SELECT COUNT(*) FROM documents WHERE indexed = 0").fetchone()[0] == 0
    conn.close()
    index = WhooshIndex(var / "index")
    assert index.doc_count() == 1200
    assert len(index.doc_ids()) == 1200
    assert index.search(SearchRequest("letter")).total == 400

    again = docket("index", str(folder), "--var", str(var), "--no-ocr")
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0
    assert b"Nothing changed since the last run" in out


def test_ctrl_c_keeps_committed_work_and_a_rerun_finishes(tmp_path):
    folder, var = tmp_path / "c", tmp_path / "var"
    make_collection(folder, 3000)
    proc = docket("index", str(folder), "--var", str(var), "-q", "--no-ocr", "-j", "2")
    deadline = time.monotonic() + 120
    while catalog_count(var) < 100 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before Ctrl-C; grow the collection"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"Everything committed so far is kept" in err
    kept = catalog_count(var)
    assert kept >= 100
    rerun = docket("index", str(folder), "--var", str(var), "-q", "--no-ocr", "--json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert b'"extracted": %d' % (3000 - kept) in out
    assert WhooshIndex(var / "index").doc_count() == 3000


def test_file_that_takes_too_long_is_stopped_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    # A dense page of small text: Tesseract with four languages needs many seconds for it.
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 14) \
        if Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists() else None
    img = Image.new("L", (6000, 8000), 255)
    draw = ImageDraw.Draw(img)
    for y in range(0, 8000, 18):
        draw.text((10, y), "the archive clerk files every letter in the blue box " * 16,
                  fill=0, font=font)
    img.save(folder / "dense-scan.png")
    shutil.copy(SAMPLE / "letters/letter-001-ar.txt", folder / "letter.txt")
    # A limit the letter meets even on a loaded machine, and the scan never does.
    settings = Settings(var=tmp_path / "var", jobs=2, time_limit=TIME_LIMIT)
    summary = index_collection(settings, folder)
    assert summary.failed == {"timed out": 1}
    assert f"dense-scan.png: extraction took longer than {TIME_LIMIT:g} s" in \
        summary.failures[0]["error"]
    catalog = Catalog(settings.catalog_path)
    assert catalog.document(catalog.resolve("letter.txt")).status == "ok"
    assert catalog.document(catalog.resolve("dense-scan.png")).reason == "timed out"
    # The killed worker's Tesseract files were in the pool's own temporary folder, which
    # left with the pool.
    assert not list(Path(tempfile.gettempdir()).glob(f"docket-{os.getpid()}-*"))


def test_sample_broken_files_end_with_the_right_reason(sample_catalog, sample_archive):
    expected = {"broken/truncated-report.pdf": ("failed", "corrupt"),
                "broken/locked-statement.pdf": ("failed", "encrypted"),
                "broken/empty-note.txt": ("empty", "empty file"),
                "broken/garbage.doc": ("failed", "corrupt"),
                "broken/corrupt.docx": ("failed", "corrupt"),
                "broken/zip-bomb.zip": ("failed", "too large")}
    for path, outcome in expected.items():
        doc = sample_catalog.document(sample_catalog.resolve(path))
        assert (doc.status, doc.reason) == outcome, (path, doc.error)
        assert doc.error and path in doc.error
    _, _, summary = sample_archive
    assert dict(summary.failed) == {"corrupt": 3, "encrypted": 1, "too large": 1}
    assert dict(summary.empty) == {"empty file": 1}


def test_nested_archives_stop_at_the_depth_limit(tmp_path):
    import zipfile

    folder = tmp_path / "c"
    folder.mkdir()
    inner = (SAMPLE / "letters/letter-001-ar.txt").read_bytes()
    for level in range(4):
        path = tmp_path / f"level{level}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(f"inner-{level}.{'txt' if level == 0 else 'zip'}", inner)
        inner = path.read_bytes()
    (folder / "nested.zip").write_bytes(inner)
    settings = Settings(var=tmp_path / "var", jobs=1, max_depth=2)
    summary = index_collection(settings, folder)
    assert summary.failed == {}
    catalog = Catalog(settings.catalog_path)
    deepest = catalog.document(catalog.resolve("nested.zip!/inner-3.zip!/inner-2.zip"))
    assert "nesting deeper than 2" in deepest.metadata["children_skipped"]


@pytest.mark.slow
def test_shared_corpus_every_file_ends_recorded_and_text_files_yield_text(tmp_path):
    corpus = needs_shared(SHARED_CORPUS)
    folder = tmp_path / "corpus"
    for fixtures in sorted(corpus.glob("fixtures-*")):
        shutil.copytree(fixtures, folder / fixtures.name,
                        ignore=shutil.ignore_patterns("SOURCE.md"))
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    settings = Settings(var=tmp_path / "var", time_limit=60, embeddings=False)  # not the point here
    started = time.monotonic()
    summary = index_collection(settings, folder)
    elapsed = time.monotonic() - started
    conn = sqlite3.connect(settings.catalog_path)
    recorded = {r[0] for r in conn.execute("SELECT path FROM paths WHERE parent_path IS NULL")}
    assert recorded == {p.relative_to(folder).as_posix() for p in files}
    rows = conn.execute(
        "SELECT d.kind, d.status, d.reason, d.error FROM paths p JOIN documents d "
        "USING (doc_id) WHERE p.parent_path IS NULL").fetchall()
    assert all(status == "ok" or (reason and error) for _, status, reason, error in rows)
    text_kinds = {"pdf", "text", "html", "word", "email", "spreadsheet", "slides"}
    holding_text = [r for r in rows if r[0] in text_kinds
                    and r[2] not in ("encrypted", "empty file", "unsupported")]
    with_text = [r for r in holding_text if r[1] == "ok"]
    share = len(with_text) / len(holding_text)
    print(f"\nshared corpus: {len(files)} files, {summary.extracted} extracted, "
          f"failed {dict(summary.failed)}, nothing to read {dict(summary.empty)}, "
          f"text yield {share:.1%} of {len(holding_text)}, "
          f"{elapsed:.0f} s")
    assert share >= 0.9
    assert "crashed" not in summary.failed


def test_file_that_needs_too_much_memory_is_recorded_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    # 13,000 x 13,000 RGB: half a megabyte as PNG, 507 MB once decoded.
    Image.new("RGB", (13_000, 13_000), (255, 255, 255)).save(folder / "huge.png")
    shutil.copy(SAMPLE / "letters/letter-001-ar.txt", folder / "letter.txt")
    settings = Settings(var=tmp_path / "var", jobs=1, memory_limit_mb=400)
    summary = index_collection(settings, folder)
    assert summary.failed == {"out of memory": 1}
    assert "huge.png: extraction ran out of memory" in summary.failures[0]["error"]
    catalog = Catalog(settings.catalog_path)
    assert catalog.document(catalog.resolve("letter.txt")).languages == ("ar",)
