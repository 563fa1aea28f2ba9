"""Catalog batches: the writer commits every batch_size documents (or when it waits for
work), not each document on its own, and a kill loses only the open batch."""

import hashlib
import sqlite3
from collections import deque
from pathlib import Path

from archive.catalog import connect
from archive.config import Settings
from indexer import write
from indexer.errors import UNREADABLE
from indexer.pipeline import Task, WorkerConfig, WorkerPool, failure
from indexer.report import SilentReporter
from indexer.run import extract_options, index_collection
from indexer.write import CatalogWriter
from tests.test_resilience import make_collection


def _visible(settings: Settings) -> int:
    conn = connect(settings.catalog_path, readonly=True)
    try:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()


def _task(folder: Path, i: int) -> Task:
    path = folder / f"gone-{i}.txt"
    sha = hashlib.sha256(str(i).encode()).hexdigest()
    return Task(path=path, rel=path.name, sha256=sha, size=1, mtime_ns=0, root_path=path.name)


def test_a_batch_is_committed_whole_after_batch_size_documents(tmp_path):
    settings = Settings(var=tmp_path / "var", batch_size=3, ocr=False, embeddings=False)
    writer = CatalogWriter(settings, tmp_path)
    try:
        seen = []
        for i in range(7):
            writer.record(failure(_task(tmp_path, i), UNREADABLE, "cannot read the file"))
            seen.append(_visible(settings))
        assert seen == [0, 0, 3, 3, 3, 6, 6]  # another connection sees whole batches only
        writer.commit()
        assert _visible(settings) == 7
    finally:
        writer.close()


def test_closing_without_commit_loses_only_the_open_batch(tmp_path):
    settings = Settings(var=tmp_path / "var", batch_size=2, ocr=False, embeddings=False)
    writer = CatalogWriter(settings, tmp_path)
    for i in range(5):
        writer.record(failure(_task(tmp_path, i), UNREADABLE, "cannot read the file"))
    writer.close()  # as a kill would: the fifth document was never committed
    assert _visible(settings) == 4
    conn = sqlite3.connect(settings.catalog_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM paths").fetchone()[0] == 4  # with their paths
    conn.close()


class _Counting(SilentReporter):
    """Looks at the catalog from another connection each time a document is recorded."""

    def __init__(self, settings: Settings):
        self.settings, self.visible = settings, []

    def step(self, item: str, n: int = 1) -> None:
        if item and self.settings.catalog_path.exists():  # a file, not a batch of vectors
            self.visible.append(_visible(self.settings))


def test_a_run_commits_in_batches_not_per_document(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "IDLE_SECONDS", 1e9)  # commits by count only: deterministic
    monkeypatch.setattr(write, "BATCH_SECONDS", 1e9)
    settings = Settings(var=tmp_path / "var", jobs=2, batch_size=10, ocr=False,
                        embeddings=False)
    reporter = _Counting(settings)
    summary = index_collection(settings, make_collection(tmp_path / "c", 40), reporter)
    assert summary.extracted == 40
    extracting = reporter.visible[-40:]  # the steps of the extraction phase
    assert set(extracting) <= {0, 10, 20, 30, 40}, extracting
    assert extracting[9] == 10 and extracting[-1] == 40
    assert _visible(settings) == 40


def test_the_pool_calls_idle_while_it_waits_for_a_result(tmp_path):
    (tmp_path / "a.txt").write_text("the letter\n", encoding="utf-8")
    path = tmp_path / "a.txt"
    task = Task(path=path, rel="a.txt", sha256=hashlib.sha256(b"a").hexdigest(), size=11,
                mtime_ns=0, root_path="a.txt")
    settings = Settings(var=tmp_path / "var", ocr=False, embeddings=False)
    config = WorkerConfig(options=extract_options(settings), blob_dir=tmp_path / "blobs",
                          max_depth=3, max_file_bytes=2**20, memory_limit_bytes=2**31)
    calls = []
    with WorkerPool(1, config, 120) as pool:  # a fresh worker takes far more than 1 ms
        outcomes = list(pool.process(deque([task]), idle=lambda: calls.append(1),
                                     idle_every=0.001))
    assert [o.pages for o in outcomes] == [["the letter"]]
    assert calls


def test_the_summary_times_each_phase(tmp_path):
    settings = Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False)
    summary = index_collection(settings, make_collection(tmp_path / "c", 3))
    phases = summary.as_dict()["phases"]
    assert list(phases) == ["catching up", "crawling", "hashing", "extracting", "indexing",
                            "linking news"]
    assert all(value >= 0 for value in phases.values())
    assert sum(phases.values()) <= summary.seconds + 0.01
    again = index_collection(settings, tmp_path / "c")  # nothing changed: nothing extracted
    assert "extracting" not in again.phases and "hashing" in again.phases


def test_files_are_hashed_in_order_with_a_bounded_window(tmp_path, monkeypatch):
    from indexer import run
    from indexer.crawl import crawl

    folder = make_collection(tmp_path / "c", 300)
    (folder / "box-00" / "doc-00150.txt").chmod(0o000)  # unreadable unless root: an error
    monkeypatch.setattr(run, "HASH_WINDOW", 8)
    started, real = [], run._hash
    monkeypatch.setattr(run, "_hash", lambda entry: (started.append(1), real(entry))[1])
    entries = list(crawl(folder))
    seen = []
    for entry, sha, error in run._hashes(entries):
        seen.append(entry.rel)
        assert len(started) - len(seen) <= 8  # never the whole release in flight
        assert (sha is None) == (error is not None)
    assert seen == [e.rel for e in entries]
