"""Every judged query of bench/relevance.json finds a relevant document in its top 10."""

import importlib.util

from tests.conftest import ROOT


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
