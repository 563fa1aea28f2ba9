"""Whoosh searchers kept open between searches, facet arrays built once per index version,
exact phrases matched from position sets."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from whoosh import query as wq

import archive.searchers as searchers
from archive.analysis import fold_and_stem
from archive.config import Settings
from archive.errors import IndexBusyError
from archive.model import IndexRecord, SearchRequest
from archive.phrases import ExactPhrase, exact_phrases
from archive.search import FACETS, WhooshIndex
from indexer.run import index_collection


def record(doc_id, text, lang=("en",), kind="text", paths=None, date=None, title=None):
    return IndexRecord(doc_id=doc_id, sha256=doc_id * 4, title=title or doc_id, text=text,
                       paths=paths or (f"box/{doc_id}.txt",), mime="text/plain", kind=kind,
                       languages=lang, author=None, date=date, page_count=1, status="ok",
                       parent_id=None, size=len(text))


WORDS = ["library", "courier", "letters", "winter", "school", "report"]


def records(start, count):
    """Documents with several languages, types, folders (some in two) and years."""
    out = []
    for i in range(start, start + count):
        words = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 6))
        lang = [("en",), ("ar",), ("en", "ar"), ("fa",)][i % 4]
        paths = (f"box{i % 3}/d{i}.txt",) + ((f"letters/d{i}.txt",) if i % 5 == 0 else ())
        out.append(record(f"d{i:03d}", words, lang=lang, kind=["text", "pdf"][i % 2],
                          paths=paths, date=f"{2000 + i % 4}-01-01" if i % 7 else None))
    return out


@pytest.fixture
def disk_index(tmp_path):
    """An index on disk over 60 documents written in three commits (three segments), with
    a few documents replaced and deleted."""
    index = WhooshIndex(tmp_path / "index", create=True)
    for start in (0, 20, 40):
        index.upsert(records(start, 20))
    index.upsert(records(5, 3))  # replaced: the old copies are deleted documents
    index.delete(["d011", "d033"])
    return index


def reference_facets(index, query):
    """Facet counts the way Docket counted them before: a set of document numbers per
    value, intersected with the set of matches."""
    q = index.parse(query)
    with index.ix.searcher() as searcher:
        reader = searcher.reader()
        matched = set(searcher.search(q, limit=None).docs())
        out = {}
        for name, (field, _) in FACETS.items():
            counts = {}
            for term in reader.lexicon(field):
                n = len(matched & set(reader.postings(field, term).all_ids()))
                if n:
                    counts[term.decode("utf-8")] = n
            out[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return len(matched), out


@pytest.mark.parametrize("query", ["library", "courier winter", "lett*", "report OR school",
                                   '"library courier"', "library NOT winter"])
def test_facet_counts_equal_the_set_per_value_counts(disk_index, query):
    result = disk_index.search(SearchRequest(query, page_size=5, aliases=False))
    total, facets = reference_facets(disk_index, query)
    assert result.total == total
    assert {name: list(values) for name, values in result.facets.items()} == facets


def test_facet_filter_narrows_like_the_filter_query(disk_index):
    both = disk_index.search(SearchRequest("library", aliases=False,
                                           filters=(("lang", "ar"), ("folder", "letters"))))
    _, expected = reference_facets(disk_index, "library lang:ar folder:letters")
    assert both.total == sum(n for _, n in expected["type"])
    assert dict(both.facets["lang"])["ar"] == both.total


def test_facet_arrays_count_combinations_of_values():
    arrays = searchers.FacetArrays(np.array([1, 2, 0, 1], dtype=np.int32),
                                   ((), ("ar",), ("ar", "en")))
    assert arrays.counts(np.array([0, 1, 2, 3])) == {"ar": 3, "en": 1}
    assert arrays.counts(np.array([2])) == {}
    assert arrays.mask("en").tolist() == [False, True, False, False]
    assert not arrays.mask("fa").any()


def test_searcher_is_reused_across_index_objects_on_the_same_folder(disk_index, monkeypatch):
    opened = []
    real = type(disk_index.ix).searcher
    monkeypatch.setattr(type(disk_index.ix), "searcher",
                        lambda ix, **kw: opened.append(1) or real(ix, **kw))
    for _ in range(3):  # the site opens an index object per request
        WhooshIndex(disk_index.index_dir).search(SearchRequest("library", aliases=False))
    assert len(opened) <= 1  # at most one opened here; the rest reused
    assert disk_index.pool is WhooshIndex(disk_index.index_dir).pool


def test_searcher_is_refreshed_after_the_index_changes(disk_index):
    reader = WhooshIndex(disk_index.index_dir)
    assert reader.search(SearchRequest("zanzibar", aliases=False)).total == 0
    disk_index.upsert([record("new", "zanzibar letters", lang=("sw",))])
    result = reader.search(SearchRequest("zanzibar", aliases=False))
    assert [h.doc_id for h in result.hits] == ["new"]
    assert dict(result.facets["lang"]) == {"sw": 1}
    disk_index.delete(["new"])
    assert reader.search(SearchRequest("zanzibar", aliases=False)).total == 0


def test_a_recreated_index_is_not_served_from_the_old_searcher(disk_index):
    WhooshIndex(disk_index.index_dir).search(SearchRequest("library", aliases=False))
    fresh = WhooshIndex.recreate(disk_index.index_dir)
    fresh.upsert([record("only", "library")])
    result = WhooshIndex(disk_index.index_dir).search(SearchRequest("library", aliases=False))
    assert [h.doc_id for h in result.hits] == ["only"]


def test_facet_arrays_are_built_once_under_concurrent_first_searches(disk_index, monkeypatch):
    pool = searchers.SearcherPool()
    monkeypatch.setattr(disk_index, "pool", pool)
    monkeypatch.setattr(disk_index, "clock", lambda: 0.0)  # no deadline, however slow
    builds = []
    real = searchers.build_facet
    monkeypatch.setattr(searchers, "build_facet",
                        lambda reader, field: builds.append(field) or real(reader, field))
    start, results, errors = threading.Barrier(8), [], []

    def search():
        start.wait()
        try:
            results.append(disk_index.search(SearchRequest("library", aliases=False)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert pool.builds == 1
    assert sorted(builds) == sorted(field for field, _ in FACETS.values())
    assert len({(r.total, tuple(h.doc_id for h in r.hits)) for r in results}) == 1
    pool.close()


def test_searchers_are_lent_to_one_search_at_a_time(disk_index):
    pool = searchers.SearcherPool()
    stamp = searchers.index_stamp(disk_index.ix, disk_index.index_dir)
    with pool.searcher(disk_index.ix, stamp) as first, \
            pool.searcher(disk_index.ix, stamp) as second:
        assert first is not second
    with pool.searcher(disk_index.ix, stamp) as again:
        assert again in (first, second)
    pool.close()
    with pool.searcher(disk_index.ix, stamp) as after:
        assert not after.is_closed
    assert after.is_closed  # closed on its way back to a closed pool


def test_site_finds_a_document_added_by_the_next_index_run(tmp_path):
    from app import create_app

    folder = tmp_path / "release"
    folder.mkdir()
    (folder / "one.txt").write_text("A letter about the caravan and its route.\n")
    settings = Settings(var=tmp_path / "var", jobs=1, time_limit=60, ocr=False)
    index_collection(settings, folder)
    client = create_app(settings).test_client()
    assert client.get("/search.json?q=zanzibar").get_json()["total"] == 0
    assert client.get("/search.json?q=caravan").get_json()["total"] == 1
    (folder / "two.txt").write_text("A report from Zanzibar on the caravan.\n")
    index_collection(settings, folder)
    found = client.get("/search.json?q=zanzibar").get_json()
    assert found["total"] == 1 and "[[Zanzibar]]" in found["hits"][0]["snippets"][0]["text"]
    assert client.get("/search.json?q=caravan").get_json()["total"] == 2


@pytest.fixture(scope="module")
def phrase_index():
    index = WhooshIndex.in_memory()
    index.upsert([
        record("p1", "the library of the school and the library school"),
        record("p2", "school library of the the school"),
        record("p3", "letters letters letters to the library"),
        record("p4", "library the school"),
    ])
    return index


@pytest.mark.parametrize("words", [["library", "school"], ["the", "school"],
                                   ["letters", "letters"], ["of", "the", "school"],
                                   ["the", "the"], ["school", "absent"]])
def test_exact_phrase_matches_and_spans_like_whoosh(phrase_index, words):
    terms = [fold_and_stem(w) for w in words]
    whoosh, fast = wq.Phrase("content", terms), ExactPhrase("content", terms)
    with phrase_index.ix.searcher() as searcher:
        slow_hits = [(h.docnum, h.score) for h in searcher.search(whoosh, limit=None)]
        fast_hits = [(h.docnum, h.score) for h in searcher.search(fast, limit=None)]
        assert fast_hits == slow_hits
        for docnum, _ in slow_hits:
            a, b = whoosh.matcher(searcher), fast.matcher(searcher)
            a.skip_to(docnum)
            b.skip_to(docnum)
            assert [(s.start, s.end) for s in a.spans()] == [(s.start, s.end) for s in b.spans()]


def test_exact_phrases_leaves_proximity_and_other_queries_alone():
    q = wq.And([wq.Phrase("content", ["a", "b"]), wq.Phrase("content", ["c", "d"], slop=4),
                wq.Term("content", "e")])
    out = exact_phrases(q)
    kinds = [type(sub) for sub in out.subqueries]
    assert kinds == [ExactPhrase, ExactPhrase, wq.Term]
    assert out.subqueries[1].slop == 4  # matched Whoosh's way (see ExactPhrase.matcher)


@pytest.fixture(scope="module")
def long_phrase_index():
    """Postings long enough to be decoded into arrays and kept (archive.postings), with a
    few documents replaced so the segment has deletions."""
    from archive.postings import MIN_CACHED

    index = WhooshIndex.in_memory()
    texts = ["the library of the school", "school library the library", "the the school",
             "library school library school of the", "letters to the school library"]
    index.upsert([record(f"q{i:04d}", " ".join(texts[(i * k) % 5] for k in range(1, 4)))
                  for i in range(2 * MIN_CACHED)])
    index.upsert([record(f"q{i:04d}", "school the library") for i in range(0, 60, 7)])
    return index


@pytest.mark.parametrize("words", [["library", "school"], ["the", "school"], ["the", "the"],
                                   ["of", "the", "school"], ["school", "library", "school"]])
def test_exact_phrase_over_decoded_postings_matches_and_scores_like_whoosh(
        long_phrase_index, words):
    from archive.postings import POSTINGS

    terms = [fold_and_stem(w) for w in words]
    whoosh, fast = wq.Phrase("content", terms), ExactPhrase("content", terms)
    with long_phrase_index.ix.searcher() as searcher:
        slow_hits = [(h.docnum, h.score) for h in searcher.search(whoosh, limit=None)]
        for _ in range(2):  # decoded, then from the cache
            assert [(h.docnum, h.score) for h in searcher.search(fast, limit=None)] \
                == slow_hits
        assert slow_hits
        reader = searcher.reader()
        leaf = reader.leaf_readers()[0][0] if not reader.is_atomic() else reader
        kept = POSTINGS.postings(leaf, "content", terms[0].encode())
        assert kept is POSTINGS.postings(leaf, "content", terms[0].encode())


def test_postings_cache_keeps_to_its_budget_dropping_the_least_recent(long_phrase_index):
    from archive.postings import PostingsCache, decode

    with long_phrase_index.ix.searcher() as searcher:
        reader = searcher.reader()
        leaf = reader.leaf_readers()[0][0] if not reader.is_atomic() else reader
        size = {w: decode(leaf, "content", w).nbytes
                for w in (fold_and_stem(x).encode() for x in ("library", "school", "the"))}
        big, middle, small = sorted(size, key=size.get, reverse=True)
        cache = PostingsCache(budget=size[big] + size[middle], largest=size[big])
        kept = cache.postings(leaf, "content", big)
        dropped = cache.postings(leaf, "content", middle)
        assert cache.postings(leaf, "content", big) is kept  # now the most recent
        cache.postings(leaf, "content", small)
        assert cache.used == size[big] + size[small] <= cache.budget
        assert cache.postings(leaf, "content", big) is kept
        again = cache.postings(leaf, "content", middle)  # decoded anew, the same postings
        assert again is not dropped and np.array_equal(again.flat, dropped.flat)
        assert cache.used <= cache.budget


def test_array_bm25f_scores_every_match_as_whoosh_does(long_phrase_index):
    from whoosh import scoring

    from archive.scoring import ArrayBM25F, field_lengths

    queries = [long_phrase_index.parse(text) for text in
               ("library", "school OR letters", "the library", "title:q0001 OR school",
                '"the school"', "lib*")]
    with long_phrase_index.ix.searcher(weighting=scoring.BM25F()) as whoosh, \
            long_phrase_index.ix.searcher(weighting=ArrayBM25F()) as ours:
        for q in queries:
            expected = [(h.docnum, h.score) for h in whoosh.search(q, limit=None)]
            assert expected and [(h.docnum, h.score) for h in ours.search(q, limit=None)] \
                == expected
        for leaf, _ in ours.reader().leaf_readers():
            for field in ("content", "title", "path"):
                assert field_lengths(leaf, field)[0] == [
                    leaf.doc_field_length(d, field) for d in range(leaf.doc_count_all())]


def commit_while_opening(monkeypatch, index, suffix, commit):
    """Run `commit` once, the moment Whoosh opens a file ending in `suffix` (after it has
    chosen which generation to read): the race of a site opening its index while an
    indexer commits and deletes the old generation."""
    from whoosh.filedb.filestore import FileStorage

    real, done = FileStorage.open_file, []

    def open_file(storage, name, *args, **kwargs):
        if name.endswith(suffix) and not done:
            done.append(name)
            commit()
        return real(storage, name, *args, **kwargs)

    monkeypatch.setattr(FileStorage, "open_file", open_file)
    return done


def test_opening_the_index_while_a_commit_removes_its_table_of_contents(disk_index,
                                                                         monkeypatch):
    writer = WhooshIndex(disk_index.index_dir)
    done = commit_while_opening(monkeypatch, disk_index, ".toc",
                                lambda: writer.upsert([record("late", "zanzibar")]))
    reader = WhooshIndex(disk_index.index_dir)  # lists generation N, N+1 lands, N is gone
    assert done and not (disk_index.index_dir / done[0]).exists()  # the race happened
    assert reader.search(SearchRequest("zanzibar", aliases=False)).total == 1


def test_searching_while_a_merge_removes_the_segments_being_opened(disk_index, monkeypatch):
    reader = WhooshIndex(disk_index.index_dir)
    done = commit_while_opening(monkeypatch, disk_index, ".seg",
                                lambda: disk_index.ix.optimize())  # merges, deletes the old
    result = reader.search(SearchRequest("library", aliases=False))
    assert done and not (disk_index.index_dir / done[0]).exists()
    total, facets = reference_facets(disk_index, "library")
    assert (result.total, result.facets) == (total, facets) and total


def test_an_index_that_keeps_vanishing_is_busy_not_a_crash(disk_index, monkeypatch):
    from whoosh.filedb.filestore import FileStorage

    def gone(storage, name, *args, **kwargs):
        raise FileNotFoundError(name)

    monkeypatch.setattr(FileStorage, "open_file", gone)
    with pytest.raises(IndexBusyError, match="try again"):
        WhooshIndex(disk_index.index_dir)


def test_more_like_this_is_worked_out_once_per_index_version(disk_index, monkeypatch):
    site = WhooshIndex(disk_index.index_dir)  # another index object, as each request opens
    text = "zanzibar caravan quartermaster"
    disk_index.upsert([record("z1", text), record("z2", "zanzibar caravan winter")])
    computed = disk_index.pool.similar_computed
    first = [h.doc_id for h in site.more_like("z1", text)]
    assert first[0] == "z2" and "z1" not in first
    assert [h.doc_id for h in site.more_like("z1", text)] == first
    assert disk_index.pool.similar_computed == computed + 1  # the second was remembered
    disk_index.upsert([record("z3", "zanzibar caravan quartermaster lamp")])
    assert [h.doc_id for h in site.more_like("z1", text)][0] == "z3"  # a new version: anew
    assert disk_index.pool.similar_computed == computed + 2


def test_more_like_this_cut_by_its_deadline_is_not_remembered(disk_index):
    text = "library courier letters winter"
    slow = WhooshIndex(disk_index.index_dir)
    slow.deadline_seconds = 0.0  # every answer is cut short
    computed = slow.pool.similar_computed
    slow.more_like("d001", text)
    slow.more_like("d001", text)
    assert slow.pool.similar_computed == computed + 2


def test_more_like_this_asked_at_once_is_worked_out_once(disk_index, monkeypatch):
    text = "library courier letters winter"
    site = WhooshIndex(disk_index.index_dir)
    started, release = threading.Event(), threading.Event()
    real = WhooshIndex._more_like

    def slow(self, *args):
        started.set()
        release.wait(30)
        return real(self, *args)

    monkeypatch.setattr(WhooshIndex, "_more_like", slow)
    computed = site.pool.similar_computed
    answers = []
    first = threading.Thread(target=lambda: answers.append(site.more_like("d001", text)))
    first.start()
    assert started.wait(30)
    others = [threading.Thread(target=lambda: answers.append(site.more_like("d001", text)))
              for _ in range(3)]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(30)
    assert len(answers) == 4 and all(a == answers[0] for a in answers)
    assert site.pool.similar_computed == computed + 1


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_the_total_counts_every_match_when_the_top_hits_all_match_in_titles(empty_index,
                                                                              engine):
    """Whoosh's top-N collector replaced the matcher, every few matches, by one without
    the clauses that could not lift a document into the top N: in a segment of over 5,000
    documents, once the first page held title matches, documents with the word only in
    their text were left out of the total (629 here; 3,550 instead of 11,999 for a word of
    20,000 generated documents)."""
    index = empty_index(engine)
    docs = [record(f"{i:016x}", ("madrasa " if i % 5 < 3 else "") + f"report {i}",
                   title="madrasa" if i % 10 == 0 else None) for i in range(6000)]
    index.upsert(docs)
    result = index.search(SearchRequest("madrasa", page_size=5, aliases=False))
    assert result.total == 3600
    assert dict(result.facets["lang"]) == {"en": 3600}  # facets count the same set
