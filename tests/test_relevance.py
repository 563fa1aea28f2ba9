"""Judged queries find relevant documents in their top 10: every query of the sample set
(bench/relevance.json), and on real text (bench/relevance-real.json) all but the misses
known when it was frozen, with its measured figures as a floor."""

import importlib.util
import shutil
from pathlib import Path

import pytest

from archive.config import Settings
from tests.conftest import ROOT, SHARED_CORPUS, needs_shared


def load_eval():
    spec = importlib.util.spec_from_file_location("search_eval", ROOT / "bench/search_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_judged_query_finds_a_relevant_document_in_the_top_10(sample_archive):
    settings, _, _ = sample_archive
    rows = load_eval().evaluate(settings.var)
    assert len(rows) >= 25
    assert {r["lang"] for r in rows} >= {"ar", "en", "fa", "ur", "mixed", "names"}
    missed = [r["query"] for r in rows if not r["ranks"]]
    assert missed == []
    assert sum(r["rr"] for r in rows) / len(rows) > 0.7


def test_aliases_find_arabic_documents_for_latin_names(sample_archive):
    settings, _, _ = sample_archive
    rows = {r["query"]: r for r in load_eval().evaluate(settings.var, aliases=False)}
    assert rows["Hamza"]["ranks"] != [] or rows["Mahmud"]["ranks"] != []
    with_aliases = {r["query"]: r for r in load_eval().evaluate(settings.var)}
    assert len(with_aliases["Mahmud"]["ranks"]) > len(rows["Mahmud"]["ranks"])


# The real set (bench/relevance-real.json) was judged and frozen before the engine ever ran
# on it. These three queries found nothing relevant in the first run, on both engines; the
# fixes belong in the engine, so they are listed here rather than judged away:
KNOWN_MISSES = {
    # The CTC translation spells him al-'Awlaqi; the alias table knows Awlaki and Aulaqi only.
    "Anwar al-Awlaki",
    # The PDF's text layer has the lam-alef damage کاالی for کالای, repaired for Arabic only.
    "بورس کالا",
    # The alias table lists عطية only within longer spellings (عطية الله, عطية عبد الرحمن).
    "عطية",
}


@pytest.fixture(scope="module")
def real_archives(tmp_path_factory):
    """The judged real documents copied from ../shared/corpus and indexed once per module;
    the Xapian archive is rebuilt from a copy of the catalog, as moving an archive is."""
    from indexer.write import CatalogWriter

    needs_shared(SHARED_CORPUS)
    base = tmp_path_factory.mktemp("real")
    evaluation = load_eval()
    evaluation.build_archive(base / "var", base / "collection", "real")
    made = {"whoosh": base / "var"}

    def get(engine: str) -> Path:
        if engine not in made:
            var = base / engine
            var.mkdir()
            shutil.copy2(base / "var" / "catalog.sqlite", var / "catalog.sqlite")
            writer = CatalogWriter(Settings(var=var, engine=engine))
            writer.sync_index(rebuild=True)
            writer.close()
            made[engine] = var
        return made[engine]

    return evaluation, get


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_real_judged_queries_keep_their_floor(real_archives, engine):
    evaluation, get = real_archives
    rows = evaluation.evaluate(get(engine), judgements=evaluation.REAL_JUDGEMENTS)
    assert len(rows) >= 30
    assert {r["lang"] for r in rows} >= {"ar", "en", "fa", "ur", "mixed", "names"}
    missed = {r["query"] for r in rows if not r["ranks"]}
    assert missed <= KNOWN_MISSES, f"new misses: {sorted(missed - KNOWN_MISSES)}"
    # Measured on 2026-12-02 (both engines): 57 of 60 found, R@10 0.83-0.84, MRR 0.94.
    assert sum(1 for r in rows if r["ranks"]) >= 57
    assert sum(r["recall"] for r in rows) / len(rows) >= 0.80
    assert sum(r["rr"] for r in rows) / len(rows) >= 0.90
