"""Shared fixtures: settings in temporary folders, the indexed sample collection, the site
over it (`app`, `client`) and the command line (`runner`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive.catalog import Catalog
from archive.config import Settings
from indexer.run import index_collection

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_docs" / "release"
TEST_CORPUS = Path(__file__).resolve().parent / "corpus"
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
NEWS = ROOT / "sample_docs" / "news"


def needs_shared(path: Path) -> Path:
    """Skip the calling test, with the reason, when a folder of ../shared is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-file corpus lives in ../shared beside the repo")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var=tmp_path / "var", jobs=2, time_limit=60)


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory):
    """The sample collection copied to a temporary folder and indexed once per session."""
    base = tmp_path_factory.mktemp("sample")
    folder = base / "release"
    shutil.copytree(SAMPLE, folder)
    settings = Settings(var=base / "var", jobs=2, time_limit=120)
    summary = index_collection(settings, folder)
    return settings, folder, summary


@pytest.fixture(scope="session")
def sample_catalog(sample_archive):
    settings, _, _ = sample_archive
    catalog = Catalog(settings.catalog_path)
    yield catalog
    catalog.close()


@pytest.fixture
def app(sample_archive):
    """The site over the indexed sample collection (flaskr's `app` fixture)."""
    from app import create_app

    settings, _, _ = sample_archive
    app = create_app(Settings(var=settings.var, jobs=settings.jobs,
                              time_limit=settings.time_limit))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="session")
def linked(tmp_path_factory):
    """The sample archive with the sample news added and linked (its own copy: the review
    test changes it)."""
    from archive import news
    from archive.catalog import connect
    from archive.search import WhooshIndex
    from indexer.news import add_articles

    base = tmp_path_factory.mktemp("news")
    shutil.copytree(SAMPLE, base / "release")
    settings = Settings(var=base / "var", jobs=2)
    index_collection(settings, base / "release")
    conn = connect(settings.catalog_path)
    articles = {a.source: a for a in news.load_path(NEWS)}
    add_articles(conn, WhooshIndex(settings.index_dir), list(articles.values()),
                 settings.news_index_dir)
    yield settings, conn, articles, base / "release"
    conn.close()
