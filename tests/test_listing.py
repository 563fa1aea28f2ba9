"""The names news linking reads of each document (archive/xref/listing.py): listed by the
indexer into the catalog's doc_names table, listed once for a catalog made before it, read
by LinkSource instead of the documents' text, with the same links."""

from __future__ import annotations

import json
import shutil

import pytest

import archive.xref.source as source_module
from archive import news, xref
from archive.aliases import default_aliases
from archive.catalog import SCHEMA_VERSION, connect, page_texts
from archive.config import Settings
from archive.search import WhooshIndex
from archive.xref.listing import list_names, listing_key, names_row
from archive.xref.vocabulary import WORD
from indexer import names as names_module
from indexer.report import SilentReporter
from indexer.run import index_collection
from tests.conftest import NEWS, SAMPLE


def clear_caches() -> None:
    source_module._LISTINGS.clear()
    source_module._NAMES.clear()


class Phases(SilentReporter):
    """A reporter remembering each phase and the steps taken in it."""

    def __init__(self):
        self.phases: dict[str, int] = {}
        self.steps: dict[str, int] = {}
        self._current = ""

    def phase(self, name: str, total: int) -> None:
        self.phases[name], self._current = total, name

    def step(self, item: str, n: int = 1) -> None:
        self.steps[self._current] = self.steps.get(self._current, 0) + n


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    """The sample letters indexed once (no embeddings: linking reads names here)."""
    base = tmp_path_factory.mktemp("listing")
    shutil.copytree(SAMPLE / "letters", base / "letters")
    settings = Settings(var=base / "var", jobs=2, time_limit=120, embeddings=False)
    index_collection(settings, base / "letters")
    return settings, base / "letters"


def copy_of(letters, tmp_path) -> Settings:
    settings, _ = letters
    shutil.copytree(settings.var, tmp_path / "var")
    return Settings(var=tmp_path / "var", jobs=2, time_limit=120, embeddings=False)


def all_links(settings: Settings) -> dict[str, list]:
    """Every candidate of every sample story, with its score and evidence."""
    clear_caches()
    conn = connect(settings.catalog_path, readonly=True)
    source = xref.LinkSource(conn, WhooshIndex(settings.index_dir))
    out = {a.source: [(link.doc_id, round(link.score, 9),
                       json.dumps(link.evidence, sort_keys=True, ensure_ascii=False))
                      for link in xref.link_article(source, a.title, a.text)]
           for a in news.load_path(NEWS)}
    conn.close()
    return out


def listed_from_text(conn, doc_id: str):
    title = conn.execute("SELECT title FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    return list_names(title[0], [t for _, t in page_texts(conn, doc_id)], default_aliases())


def test_an_index_run_lists_the_names_of_every_document(letters):
    settings, _ = letters
    conn = connect(settings.catalog_path, readonly=True)
    doc_ids = [r[0] for r in conn.execute("SELECT doc_id FROM documents")]
    rows = dict(conn.execute("SELECT doc_id, names FROM doc_names").fetchall())
    assert sorted(rows) == sorted(doc_ids)
    assert conn.execute("SELECT value FROM meta WHERE key = 'doc_names'").fetchone()[0] == \
        listing_key(default_aliases())
    bin_laden = conn.execute("SELECT doc_id FROM paths WHERE path = "
                             "'letter-025-ar-bin-laden.txt'").fetchone()[0]
    assert "osama-bin-laden" in json.loads(rows[bin_laden])
    clear_caches()
    source = xref.LinkSource(conn, WhooshIndex(settings.index_dir))
    for doc_id in doc_ids:  # what the worker listed is what the text holds
        assert source.listing(doc_id) == listed_from_text(conn, doc_id)
    conn.close()


def test_linking_reads_the_stored_names_not_the_documents_text(letters, monkeypatch):
    settings, _ = letters
    conn = connect(settings.catalog_path, readonly=True)
    doc_ids = [r[0] for r in conn.execute("SELECT doc_id FROM documents")]
    expected = {d: listed_from_text(conn, d) for d in doc_ids}
    clear_caches()

    def no_text(*args, **kwargs):
        raise AssertionError("a document's text was read to list its names")

    monkeypatch.setattr(source_module, "page_texts", no_text)
    source = xref.LinkSource(conn, WhooshIndex(settings.index_dir))
    for doc_id in doc_ids:
        assert source.names_in(doc_id) == (expected[doc_id].names, expected[doc_id].complete)
        assert source.spellings_in(doc_id, True) == expected[doc_id].latin
        assert source.spellings_in(doc_id, False) == expected[doc_id].arabic
    conn.close()


def test_a_catalog_made_before_doc_names_is_listed_once_with_the_same_links(letters,
                                                                              tmp_path):
    settings = copy_of(letters, tmp_path)
    before = all_links(settings)
    conn = connect(settings.catalog_path)
    documents = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    conn.execute("DROP TABLE doc_names")  # as schema 3 left it
    conn.execute("DELETE FROM meta WHERE key = 'doc_names'")
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.close()
    assert all_links(settings) == before  # read only: each document listed from its text

    reporter = Phases()
    index_collection(settings, letters[1], reporter)
    assert reporter.phases["listing names"] == documents
    assert reporter.steps["listing names"] == documents
    conn = connect(settings.catalog_path, readonly=True)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] \
        == str(SCHEMA_VERSION)
    assert conn.execute("SELECT COUNT(*) FROM doc_names").fetchone()[0] == documents
    conn.close()
    assert all_links(settings) == before

    again = Phases()
    index_collection(settings, letters[1], again)
    assert "listing names" not in again.phases  # listed once


def test_names_of_another_alias_table_are_listed_again(letters, tmp_path):
    settings = copy_of(letters, tmp_path)
    conn = connect(settings.catalog_path)
    conn.execute("UPDATE meta SET value = 'an older table' WHERE key = 'doc_names'")
    conn.execute("UPDATE doc_names SET names = '[\"nobody\"]'")
    conn.close()
    reporter = Phases()
    index_collection(settings, letters[1], reporter)
    assert reporter.phases["listing names"] > 0
    conn = connect(settings.catalog_path, readonly=True)
    assert conn.execute("SELECT COUNT(*) FROM doc_names WHERE names LIKE '%nobody%'"
                        ).fetchone()[0] == 0
    conn.close()


def test_a_document_extracted_anew_is_not_read_from_the_cache(letters, tmp_path):
    """The caches outlive one LinkSource, keyed by the archive's state: a document whose
    file was extracted again (a retry with a better extractor) is listed anew."""
    settings = copy_of(letters, tmp_path)
    conn = connect(settings.catalog_path)
    doc_id = conn.execute("SELECT doc_id FROM paths WHERE path = "
                          "'letter-012-en-translation.txt'").fetchone()[0]
    index = WhooshIndex(settings.index_dir)
    assert "hamza-bin-laden" not in xref.LinkSource(conn, index).names_in(doc_id)[0]
    listing = list_names(None, ["A letter from Hamza bin Laden."], default_aliases())
    conn.execute("UPDATE doc_names SET names = ?, complete = ?, spellings = ? "
                 "WHERE doc_id = ?", (*names_row(listing), doc_id))
    conn.execute("UPDATE documents SET extracted_at = '9999-01-01T00:00:00+00:00' "
                 "WHERE doc_id = ?", (doc_id,))
    assert "hamza-bin-laden" in xref.LinkSource(conn, index).names_in(doc_id)[0]
    conn.close()


def test_entities_in_finds_what_find_finds_word_by_word():
    """entities_in's shortcut (each word folded once, only the lengths of spellings that
    start with it) answers as the general find() does."""
    table = default_aliases()

    def by_find(text: str) -> list[str]:
        words = WORD.findall(text)
        found, i = [], 0
        while i < len(words):
            match = table.find(words, i)
            if match and match[0] not in found:
                found.append(match[0])
            i += match[1] if match else 1
        return found

    texts = [a.title + "\n" + a.text for a in news.load_path(NEWS)]
    texts += [p.read_text("utf-8", errors="replace")
              for p in sorted((SAMPLE / "letters").glob("*.txt"))]
    texts.append("UN and U.N. and the CIA; وسالم ولعمران, أسامة بن لادن وابن لادن, OBL")
    for text in texts:
        assert table.entities_in(text) == by_find(text)
    assert table.entities_in(texts[-1])  # the shortcut finds something at all


def test_the_listing_phase_lists_in_processes_what_one_process_lists(letters, tmp_path,
                                                                     monkeypatch):
    settings = copy_of(letters, tmp_path)
    conn = connect(settings.catalog_path)
    expected = conn.execute("SELECT * FROM doc_names ORDER BY doc_id").fetchall()
    conn.execute("DELETE FROM doc_names")
    conn.close()
    monkeypatch.setattr(names_module, "BATCH", 4)  # several batches for the two processes
    reporter = Phases()
    index_collection(settings, letters[1], reporter)
    assert reporter.steps["listing names"] == len(expected)
    conn = connect(settings.catalog_path, readonly=True)
    assert conn.execute("SELECT * FROM doc_names ORDER BY doc_id").fetchall() == expected
    conn.close()
