"""Search: query language, fields, facets, snippets, aliases, refusal of hostile queries."""

from __future__ import annotations

import pytest

from archive.aliases import default_aliases, expand_query
from archive.engines import open_index
from archive.errors import BadQueryError
from archive.model import IndexRecord, SearchRequest
from archive.search import WhooshIndex, search_documents
from tests.conftest import ENGINES


def record(doc_id, text, title="", lang=("en",), kind="text", path=None, date=None):
    return IndexRecord(doc_id=doc_id, sha256=doc_id * 4, title=title or doc_id, text=text,
                       paths=(path or f"box/{doc_id}.txt",), mime="text/plain", kind=kind,
                       languages=lang, author="Yunus" if doc_id == "d1" else None, date=date,
                       page_count=1, status="ok", parent_id=None, size=len(text))


@pytest.fixture(scope="module", params=ENGINES)
def index(request, empty_index):
    """The same six documents in each engine: every test over it runs on every engine."""
    ix = empty_index(request.param)
    ix.upsert([
        record("d1", "The courier carried letters to the library in winter.", "Courier note",
               date="2009-05-01"),
        record("d2", "Letters about the school and the library books.", path="reports/r.txt",
               date="2010-02-01"),
        record("d3", "وصلت الرسائل إلى المكتبة مع القافلة", "رسالة", lang=("ar",),
               kind="pdf", date="2011-01-01"),
        record("d4", "Hezbollah and Iran are named in this report on the region.",
               path="reports/iran.txt"),
        record("d5", "تذكر الرسالة حزب الله وإيران وأسامة بن لادن", lang=("ar",)),
        record("d6", "The library committee met; the courier was late.", date="2012-07-01"),
    ])
    return ix


def ids(index, query, **kw):
    return {h.doc_id for h in index.search(SearchRequest(query, **kw)).hits}


@pytest.mark.parametrize("query, expected", [
    ("library", {"d1", "d2", "d6"}),
    ("library courier", {"d1", "d6"}),
    ("library AND courier", {"d1", "d6"}),
    ("school OR winter", {"d1", "d2"}),
    ("library NOT courier", {"d2"}),
    ('"library books"', {"d2"}),
    ('"courier library"~6', {"d1"}),
    ("lett*", {"d1", "d2"}),
    ("libary~", {"d1", "d2", "d6"}),
    ("lang:ar", {"d3", "d5"}),
    ("type:pdf", {"d3"}),
    ("path:reports", {"d2", "d4"}),
    ("in:reports", {"d2", "d4"}),
    ("title:courier", {"d1"}),
    ("author:yunus", {"d1"}),
    ("date:[2009 TO 2010]", {"d1", "d2"}),
    ("date:2012", {"d6"}),
    ("الرسالة", {"d3", "d5"}),
    ("المكتبات", {"d3"}),
])
def test_query_language_operators_and_fields(index, query, expected):
    assert ids(index, query, aliases=False) == expected


def test_aliases_find_names_across_scripts(index):
    assert ids(index, "bin Laden") == {"d5"}
    assert ids(index, "Hezbollah") == {"d4", "d5"}
    assert ids(index, "Hezbollah", aliases=False) == {"d4"}
    assert ids(index, "بن لادن") == {"d5"}
    result = index.search(SearchRequest("Iran"))
    assert "iran" in result.expanded


def test_alias_expansion_leaves_phrases_fields_and_operators_alone():
    assert expand_query('"bin Laden"')[0] == '"bin Laden"'
    assert expand_query("lang:ar")[0] == "lang:ar"
    query, entities = expand_query("Usama AND library")
    assert entities == ["osama"] and "أسامة" in query and query.endswith(" AND library")
    assert expand_query("this is us")[1] == []  # acronyms match only in capitals


def test_alias_names_carrying_an_arabic_proclitic_are_found_but_not_other_words():
    table = default_aliases()
    assert table.entities_in("أرسل الكتب وسالم في الطريق") == ["salim"]  # "and Salim"
    assert table.entities_in("وصلت الأوراق سالمة") == []  # "arrived safe": not the name


def test_alias_table_has_a_few_hundred_entities_with_arabic_spellings():
    table = default_aliases()
    assert len(table.entities) >= 200
    with_arabic = [e for e in table.entities.values()
                   if any("\u0600" <= ch <= "\u06ff" for s in e.spellings for ch in s)]
    assert len(with_arabic) == len(table.entities)


def test_facets_count_the_whole_result_set_and_filters_narrow_it(index):
    result = index.search(SearchRequest("library OR الرسالة", page_size=1))
    assert result.total == 5 and len(result.hits) == 1
    assert dict(result.facets["lang"]) == {"en": 3, "ar": 2}
    assert dict(result.facets["folder"]) == {"box": 4, "reports": 1}
    assert dict(result.facets["year"]) == {"2009": 1, "2010": 1, "2011": 1, "2012": 1}
    narrowed = index.search(SearchRequest("library OR الرسالة", filters=(("lang", "ar"),)))
    assert {h.doc_id for h in narrowed.hits} == {"d3", "d5"}


def test_pagination_has_exact_totals_and_sort_by_date(index):
    first = index.search(SearchRequest("library OR courier OR letters", page_size=2))
    second = index.search(SearchRequest("library OR courier OR letters", page=2, page_size=2))
    assert first.total == second.total == 3 and first.pages == 2
    assert len(second.hits) == 1
    dated = index.search(SearchRequest("library", sort="-date"))
    assert [h.date for h in dated.hits] == ["2012-07-01", "2010-02-01", "2009-05-01"]


@pytest.mark.parametrize("query", ["", "  ", "*"])
def test_empty_query_browses_everything_newest_first_undated_last(index, query):
    result = index.search(SearchRequest(query))
    assert result.total == 6 and dict(result.facets["lang"]) == {"en": 4, "ar": 2}
    assert [h.date for h in result.hits] == ["2012-07-01", "2011-01-01", "2010-02-01",
                                             "2009-05-01", None, None]
    oldest = index.search(SearchRequest(query, sort="date"))
    assert [h.date for h in oldest.hits][:2] == ["2009-05-01", "2010-02-01"]
    assert oldest.hits[-1].date is None
    assert index.search(SearchRequest(query, filters=(("lang", "ar"),))).total == 2


@pytest.mark.parametrize("query, message", [
    ("*ab", "starts with a wildcard"),
    ("?b", "starts with a wildcard"),
    ("a*", "too short"),
    ("x" * 2000, "characters long"),
    (" OR ".join(f"w{i}" for i in range(400)), "limit"),
])
def test_hostile_or_malformed_queries_are_refused_with_a_message(index, query, message):
    with pytest.raises(BadQueryError) as err:
        index.search(SearchRequest(query))
    assert message in str(err.value)


def test_unknown_filter_and_sort_are_refused(index):
    with pytest.raises(BadQueryError):
        index.search(SearchRequest("library", filters=(("colour", "red"),)))
    with pytest.raises(BadQueryError):
        index.search(SearchRequest("library", sort="size"))


@pytest.fixture(params=ENGINES)
def sample_index(request, engine_archives):
    """The indexed sample collection, served by each engine."""
    return open_index(engine_archives(request.param))


def test_snippets_mark_matches_with_page_numbers(sample_index, sample_catalog):
    index = sample_index
    result = search_documents(index, sample_catalog, SearchRequest('"memory cards"'))
    hit = result.hits[0]
    assert hit.title == "تقرير عن السلامة والاتصالات لعام 2009"
    assert hit.first_page == 3
    assert "[[memory]] [[cards]]" in hit.snippets[0].text
    assert "<mark>memory</mark>" in hit.snippets[0].html


def test_snippet_html_escapes_document_text(sample_index, sample_catalog):
    result = search_documents(sample_index, sample_catalog, SearchRequest("alert"))
    assert result.total == 0  # script text is not visible text, so it is not indexed
    result = search_documents(sample_index, sample_catalog,
                              SearchRequest("الثلج"))
    assert all("<script" not in s.html for h in result.hits for s in h.snippets)


def test_more_like_this_finds_related_documents(sample_index, sample_catalog):
    index = sample_index
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    text = "\n".join(p.text for p in sample_catalog.pages(doc_id))
    # among the first eight: three more letters (bin Laden's) share the letter's form words
    similar = [h.doc_id for h in index.more_like(doc_id, text, limit=8)]
    assert doc_id not in similar
    translation = sample_catalog.resolve("letters/letter-012-en-translation.txt")
    diacritics = sample_catalog.resolve("letters/letter-007-ar-diacritics.txt")
    assert diacritics in similar or translation in similar


def test_whoosh_index_satisfies_the_search_interface():
    """Every method callers use is in the SearchIndex Protocol, and the Whoosh engine has
    each with the same parameters; a public method outside the Protocol is engine-only."""
    import inspect

    from archive.search import SearchIndex

    index = WhooshIndex.in_memory()
    assert isinstance(index, SearchIndex)
    wanted = {name for name, _ in inspect.getmembers(SearchIndex, inspect.isfunction)
              if not name.startswith("_")}
    assert {"search", "search_all", "highlight_terms", "is_current", "upsert"} <= wanted
    for name in wanted:
        assert list(inspect.signature(getattr(SearchIndex, name)).parameters) == \
            list(inspect.signature(getattr(WhooshIndex, name)).parameters), name
    # the Whoosh query parser, used inside this engine only; which searches web.broad runs
    # in its own process (Xapian matches outside the interpreter lock and needs none)
    engine_only = {"parse", "is_broad"}
    public = {name for name, value in vars(WhooshIndex).items()
              if inspect.isfunction(value) and not name.startswith("_")}
    assert public - wanted == engine_only


def test_word_statistics_count_live_documents_only():
    """Replacing and removing documents leaves deleted copies in Whoosh's segments; the
    counts ranking and linking read must not see them."""
    index = WhooshIndex.in_memory()

    def record(doc_id: str, text: str) -> IndexRecord:
        return IndexRecord(doc_id=doc_id, sha256=doc_id, title="t", text=text, paths=(doc_id,),
                           mime="text/plain", kind="text", languages=("en",), author=None,
                           date=None, page_count=1, status="ok", parent_id=None, size=1)

    index.upsert([record("a", "caravan library"), record("b", "caravan school")])
    for _ in range(3):  # relinking re-projects the same documents again and again
        index.upsert([record("a", "caravan library"), record("b", "caravan school")])
    index.delete(["b"])
    assert index.doc_count() == 1
    assert index.doc_frequencies({"caravan", "school", "library", "absent"}) == \
        {"caravan": 1, "school": 0, "library": 1, "absent": 0}
