"""The search deadline and the refusal of hostile queries: pure field wildcards, too many
fuzzy terms, and every search stopping at its deadline inside the engine (with a fake clock
or a deadline of 0, so no test depends on the speed of the machine)."""

from __future__ import annotations

import itertools

import pytest
import xapian
from whoosh import query as wq

import archive.matchers as matchers
from archive.aliases import AliasTable
from archive.errors import BadQueryError, QueryTimeoutError
from archive.model import SearchRequest
from archive.query import parse_query
from archive.search import MORE_LIKE_CHARS, WhooshIndex, search_documents
from cli import main
from tests.test_search import record

WORDS = "library letter courier school winter caravan market garden river window".split()
FUZZY_20 = " ".join(f"{w}~2" for w in WORDS * 2)


class StepClock:
    """A clock that moves one second each time it is read."""

    def __init__(self):
        self.ticks = itertools.count()

    def __call__(self) -> float:
        return float(next(self.ticks))


@pytest.fixture(scope="module", params=["whoosh", "xapian"])
def index(request, empty_index):
    """Ten documents that all hold "library", in Whoosh and in local Xapian."""
    ix = empty_index(request.param)
    ix.upsert([record(f"d{i}", f"The library letter number {i} about {WORDS[i]}.",
                      lang=("en",) if i % 2 else ("ar",)) for i in range(10)])
    return ix


@pytest.fixture
def fresh(index):
    """The index, its own deadline and clock put back after the test."""
    yield index
    index.__dict__.pop("deadline_seconds", None)
    index.__dict__.pop("clock", None)


@pytest.mark.parametrize("query, message", [
    ("title:*", "title:* stands for every word"),
    ("path:* OR title:* OR author:*", "stands for every word"),
    ("lang:*", "lang:* stands for every word"),
    ("library OR *", "* stands for every word"),
    ("title:*a*", "starts with a wildcard"),
    ("content:?x", "starts with a wildcard"),
    (FUZZY_20, "fuzzy matches"),
])
def test_field_wildcards_and_many_fuzzy_terms_are_refused_with_a_message(fresh, query,
                                                                          message):
    with pytest.raises(BadQueryError) as err:
        fresh.search(SearchRequest(query))
    assert message in str(err.value)
    assert fresh.highlight_terms(query) == frozenset()  # a document page never fails


def test_a_few_fuzzy_terms_are_still_searched(fresh):
    assert fresh.search(SearchRequest("libary~ leter~", aliases=False)).total == 10


def test_prefixes_fuzzy_terms_and_word_ranges_are_searched_and_highlighted(fresh):
    result = fresh.search(SearchRequest("libr* OR title:[lia TO lic] OR leter~",
                                        aliases=False))
    assert result.total == 10 and {"librari", "letter"} <= result.terms


def test_a_prefix_whose_stem_is_the_article_is_not_widened_to_it():
    # Stemming the folded "إلى" again leaves "ال": "إلى*" also searched "ال*", every
    # index word starting with the article (0.9 s at 100,000 documents).
    prefixes = {leaf.text for leaf in parse_query("إلى*").leaves()}
    assert prefixes == {"الي"}
    assert {leaf.text for leaf in parse_query("مدرسه*").leaves()} == {"مدرس", "مدرسه"}


def test_whoosh_matcher_reuses_the_words_read_under_the_deadline(monkeypatch, empty_index):
    index = empty_index("whoosh")
    index.upsert([record(f"d{i}", f"library letter {i}") for i in range(4)])

    def again(self, reader):
        raise AssertionError(f"{self} read the vocabulary a second time")
    for kind in (wq.Prefix, wq.FuzzyTerm, wq.Wildcard, wq.TermRange):
        monkeypatch.setattr(kind, "_btexts", again)
    result = index.search(SearchRequest("libr* OR leter~ OR li*y", aliases=False))
    assert result.total == 4


def test_a_spent_deadline_stops_word_lookup_with_a_clear_error(fresh):
    fresh.deadline_seconds = 0
    with pytest.raises(QueryTimeoutError) as err:
        fresh.search(SearchRequest("libr*", aliases=False))
    assert "took longer than 0 s" in str(err.value) and "libr" in str(err.value)


def test_whoosh_stops_collecting_at_the_deadline_with_the_hits_found(empty_index):
    index = empty_index("whoosh")
    index.upsert([record(f"d{i}", f"library letter {i}") for i in range(10)])
    # read at 0, at 1 and 2 making the fields' unions, at 3 and 4 collecting: stop at 5
    index.clock, index.deadline_seconds = StepClock(), 5
    result = index.search(SearchRequest("library letter", aliases=False))
    assert result.partial and result.total == 2 and len(result.hits) == 2
    index.clock, index.deadline_seconds = StepClock(), 1000
    assert not index.search(SearchRequest("library letter", aliases=False)).partial


def test_whoosh_stops_collecting_a_union_in_bulk_at_the_deadline(empty_index):
    """A word's union of fields is collected 2,048 document numbers at a time, with a look
    at the clock before each."""
    index = empty_index("whoosh")
    index.upsert([record(f"d{i:04d}", f"library {i}") for i in range(5000)])
    # read at 0, at 1 making the union, at 2 and 3 collecting two parts: stop at 4
    index.clock, index.deadline_seconds = StepClock(), 4
    result = index.search(SearchRequest("library", aliases=False))
    assert result.partial and result.total == 4096 and len(result.hits) == 20
    index.clock, index.deadline_seconds = StepClock(), 1000
    assert index.search(SearchRequest("library", aliases=False)).total == 5000


@pytest.mark.parametrize("filters", [(), (("lang", "en"),)])
def test_whoosh_deadline_holds_with_and_without_facet_filters(empty_index, filters):
    # Whoosh's FilterCollector around a TimeLimitCollector never looked at the clock.
    index = empty_index("whoosh")
    index.upsert([record(f"d{i}", "library") for i in range(6)])
    index.deadline_seconds = 0
    result = index.search(SearchRequest("library", filters=filters, aliases=False))
    assert result.partial and result.total == 0
    assert list(index.search_all(SearchRequest("library", filters=filters))) == []
    assert index.more_like("d1", "library " * 50) == []


def test_xapian_enquire_gets_the_time_left(empty_index, monkeypatch):
    index = empty_index("xapian")
    index.upsert([record(f"d{i}", f"library letter {i}") for i in range(10)])
    limits = []
    real = xapian.Enquire.set_time_limit
    monkeypatch.setattr(xapian.Enquire, "set_time_limit",
                        lambda self, seconds: (limits.append(seconds), real(self, seconds))[1])
    index.clock, index.deadline_seconds = StepClock(), 5
    assert index.search(SearchRequest("library", aliases=False)).total == 10
    assert limits and all(0 < s <= 5 for s in limits)


def test_more_like_reads_only_the_start_of_a_long_document(fresh, monkeypatch):
    seen = []
    real = AliasTable.entities_in
    monkeypatch.setattr(AliasTable, "entities_in",
                        lambda self, text: (seen.append(len(text)), real(self, text))[1])
    similar = fresh.more_like("d1", "library letter courier " * 20_000, limit=5)
    assert seen == [MORE_LIKE_CHARS]
    assert similar and "d1" not in {h.doc_id for h in similar} and len(similar) <= 5


def test_search_page_refuses_field_wildcards_and_keeps_the_query(client):
    page = client.get("/search", query_string={"q": "title:*"})
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and "title:* stands for every word" in body
    assert 'value="title:*"' in body
    data = client.get("/search.json", query_string={"q": FUZZY_20}).get_json()
    assert "fuzzy matches" in data["error"]


def test_search_page_at_the_deadline(client, monkeypatch):
    monkeypatch.setattr(WhooshIndex, "deadline_seconds", 0)
    body = client.get("/search", query_string={"q": "library"}).get_data(as_text=True)
    assert "stopped at the time limit" in body
    page = client.get("/search", query_string={"q": "libr*"})
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and "took longer than 0 s" in body
    assert 'value="libr*"' in body


def test_cli_search_refuses_hostile_queries_with_exit_2(runner, sample_archive, monkeypatch):
    settings, _, _ = sample_archive
    for query in ("title:*", "path:* OR title:* OR author:*", FUZZY_20):
        result = runner.invoke(main, ["search", query, "--var", str(settings.var)])
        assert result.exit_code == 2, result.output
        assert "Error:" in result.output
    monkeypatch.setattr(WhooshIndex, "deadline_seconds", 0)
    result = runner.invoke(main, ["search", "library", "--var", str(settings.var)])
    assert result.exit_code == 0 and "stopped at the time limit" in result.output


def test_search_documents_keeps_partial_results(sample_archive, sample_catalog):
    settings, _, _ = sample_archive
    index = WhooshIndex(settings.index_dir)
    index.deadline_seconds = 0
    result = search_documents(index, sample_catalog, SearchRequest("library"))
    assert result.partial and result.total == 0


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_more_like_on_an_empty_index_finds_nothing(empty_index, engine):
    # An index being rebuilt can be empty: Whoosh's key terms divided by its size (500s).
    assert empty_index(engine).more_like("d1", "library letter courier") == []


def test_more_like_this_leaves_out_words_most_documents_hold(empty_index):
    # At 100,000 documents a key term or name in a tenth of them (علي) cost 1.5 s to match
    # and said nothing about likeness.
    index = empty_index("whoosh")
    index.upsert([record(f"d{i}", f"caravan letter {i}") for i in range(1200)] +
                 [record("a1", "caravan zanzibar quartermaster"),
                  record("a2", "caravan zanzibar quartermaster")])
    similar = index.more_like("a1", "caravan zanzibar quartermaster")
    assert [h.doc_id for h in similar] == ["a2"]


def test_snippets_stop_at_their_budget_and_the_hits_stay(empty_index, monkeypatch):
    import archive.search

    index = empty_index("whoosh")
    index.upsert([record(f"d{i}", f"library letter {i}") for i in range(3)])
    catalog = SnippetPages()
    found = search_documents(index, catalog, SearchRequest("library", aliases=False))
    assert all(h.snippets for h in found.hits) and len(found.hits) == 3
    monkeypatch.setattr(archive.search, "SNIPPET_SECONDS", 0)
    spent = search_documents(index, catalog, SearchRequest("library", aliases=False))
    assert len(spent.hits) == 3 and not any(h.snippets for h in spent.hits)


class SnippetPages:
    """The one catalog call search_documents makes: a document's pages."""

    def iter_pages(self, doc_id):
        from archive.model import Page
        yield Page(n=1, text=f"the library letter of {doc_id}")


def test_whoosh_stops_making_a_wide_prefix_matcher_at_the_deadline(monkeypatch, empty_index):
    # A prefix of thousands of words spent its whole deadline reading each word's postings
    # before the collector first looked at the clock (ال*: 2.3 s at 100,000 documents).
    index = empty_index("whoosh")
    index.upsert([record(f"p{i}", f"zq{i:03d}x library") for i in range(200)])
    made, real = [], wq.Term.matcher

    def counted(self, searcher, context=None):
        made.append(self.text)
        return real(self, searcher, context)
    monkeypatch.setattr(wq.Term, "matcher", counted)
    index.clock = lambda: 0.0 if len(made) < 5 else 1e9  # time is up after five words
    result = index.search(SearchRequest("zq*", aliases=False))
    assert result.partial and result.total == 0
    assert 5 <= len(made) <= matchers.CLAUSES_PER_CHECK  # not all 200 words
    made.clear()
    index.clock = lambda: 0.0
    result = index.search(SearchRequest("zq*", aliases=False))
    assert not result.partial and result.total == 200 and len(made) == 200
