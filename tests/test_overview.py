"""The overview counts: counted once per change, by one thread, and reused for a while
after the catalog changed when counting is costly (a release, while its indexer writes)."""

from __future__ import annotations

import threading

import pytest

from archive import overview
from archive.catalog import Catalog
from archive.config import Settings
from indexer.run import index_collection
from tests.test_resilience import make_collection


class ManualClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def archive(tmp_path):
    folder = make_collection(tmp_path / "c", 3)
    settings = Settings(var=tmp_path / "var", ocr=False, embeddings=False, jobs=1)
    index_collection(settings, folder)
    return settings, folder


def test_counts_follow_a_changed_catalog_when_counting_is_cheap(archive, monkeypatch):
    settings, folder = archive
    clock = ManualClock()
    monkeypatch.setattr(overview, "clock", clock)
    catalog = Catalog(settings.catalog_path)
    assert catalog.counts()["documents"] == 3
    (folder / "more.txt").write_text("another letter about the library", encoding="utf-8")
    index_collection(settings, folder)  # the count took no time on the fake clock
    assert Catalog(settings.catalog_path).counts()["documents"] == 4


def test_a_costly_count_is_reused_for_twenty_times_its_cost(archive, monkeypatch):
    settings, folder = archive
    clock = ManualClock()
    monkeypatch.setattr(overview, "clock", clock)
    real = overview._count
    calls = []

    def slow(catalog):  # counting "takes" 2 s on the fake clock
        calls.append(1)
        clock.now += 2
        return real(catalog)
    monkeypatch.setattr(overview, "_count", slow)
    assert Catalog(settings.catalog_path).counts()["documents"] == 3
    (folder / "more.txt").write_text("another letter about the library", encoding="utf-8")
    index_collection(settings, folder)
    clock.now += 30  # 32 s since the count began, within 20 x 2 s
    assert Catalog(settings.catalog_path).counts()["documents"] == 3 and len(calls) == 1
    clock.now += 10  # 42 s: recounted
    assert Catalog(settings.catalog_path).counts()["documents"] == 4 and len(calls) == 2
    assert Catalog(settings.catalog_path).counts()["documents"] == 4 and len(calls) == 2


def test_threads_asking_at_once_count_once(archive, monkeypatch):
    settings, _ = archive
    started, release, calls = threading.Event(), threading.Event(), []
    real = overview._count

    def held(catalog):
        calls.append(1)
        started.set()
        release.wait(60)
        return real(catalog)
    monkeypatch.setattr(overview, "_count", held)
    overview._COUNTED.pop(str(settings.catalog_path), None)
    answers = []

    def ask():
        catalog = Catalog(settings.catalog_path)
        answers.append(catalog.counts()["documents"])
        catalog.close()
    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    assert started.wait(60)
    release.set()
    for t in threads:
        t.join(60)
    assert answers == [3] * 6 and len(calls) == 1


def test_the_server_counts_and_builds_facets_before_the_first_visitor(app, sample_archive):
    from archive.searchers import shared_pool
    from cli.serve import warm

    settings, _, _ = sample_archive
    overview._COUNTED.pop(str(settings.catalog_path), None)
    pool = shared_pool(settings.index_dir)
    pool._facets.clear()
    warm(app)
    assert overview._COUNTED[str(settings.catalog_path)].counts["documents"] > 0
    assert pool._facets
