"""Unions matched sparsely: the same matches and scores as Whoosh's ArrayUnionMatcher."""

from __future__ import annotations

import pytest
from whoosh import query as wq
from whoosh import scoring
from whoosh.matching.combo import ArrayUnionMatcher

from archive.matchers import SparseOr, SparseUnionMatcher, fast_matchers
from archive.model import IndexRecord
from archive.phrases import ExactPhrase
from archive.scoring import ArrayBM25F, DocumentBM25
from archive.search import WhooshIndex

WORDS = ["library", "courier", "letters", "winter", "school", "report", "caravan"]


def record(i: int) -> IndexRecord:
    text = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 1 + i % 5))
    return IndexRecord(doc_id=f"u{i:04d}", sha256="0" * 64, title=WORDS[i % 7] if i % 3
                       else "", text=text, paths=(f"box/{WORDS[i % 4]}/u{i}.txt",),
                       mime="text/plain", kind="text", languages=("en",), author=None,
                       date=None, page_count=1, status="ok", parent_id=None, size=len(text))


@pytest.fixture(scope="module")
def index():
    """Three segments of a few thousand documents (parts of 2,048 numbers and more), one
    with deletions."""
    index = WhooshIndex.in_memory()
    index.upsert([record(i) for i in range(3000)])
    index.upsert([record(i) for i in range(3000, 5500)])
    index.upsert([record(i) for i in range(0, 3000, 11)])
    return index


QUERIES = ["courier", "library school", "winter OR caravan", "lett*", "courier -school",
           '"letters school"', "title:report OR path:winter OR caravan", "cour*er OR sch*",
           "courer~", "lib* -winter", "scho* lett*"]


def intended(q: wq.Query) -> wq.Query:
    """The query in Whoosh's own terms as Docket (and its Xapian engine) scores it: each
    prefix, wildcard and fuzzy term, its words pinned, as its one word, boosted, or as its
    words scoring the boost alone."""
    if isinstance(q, wq.MultiTerm):
        words = [w for w in q._btexts(None) if w]
        if len(words) <= 1:
            return wq.Term(q.field(), words[0], boost=q.boost) if words else wq.NullQuery
        return wq.ConstantScoreQuery(wq.Or([wq.Term(q.field(), w) for w in words]),
                                     score=q.boost)
    return q if q.is_leaf() else q.apply(intended)


WEIGHTINGS = {"bm25f-in-bulk": (scoring.BM25F, ArrayBM25F),
              "bm25f-one-by-one": (scoring.BM25F, scoring.BM25F),
              "document-bm25": (DocumentBM25, DocumentBM25)}


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("limit", [None, 7])
@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_sparse_unions_match_and_score_as_whoosh(index, text, limit, weighting):
    reference, fast = WEIGHTINGS[weighting]
    with index._searcher() as searcher:
        q, _ = index._expand(index.parse(text), searcher.reader(), index._deadline())
    with index.ix.searcher(weighting=reference()) as whoosh, \
            index.ix.searcher(weighting=fast()) as ours:
        expected = [(h.docnum, h.score) for h in whoosh.search(intended(q), limit=limit)]
        found = [(h.docnum, h.score) for h in ours.search(fast_matchers(q), limit=limit)]
    assert expected and found == expected


def test_sparse_union_walks_skips_and_lists_like_the_array_union(index):
    subs = [wq.Term("content", w) for w in ("courier", "school", "caravan")]
    with index.ix.searcher(weighting=ArrayBM25F()) as searcher:
        for leaf, _ in searcher.leaf_searchers():
            for scored in (True, False):
                def union(cls, leaf=leaf, scored=scored):
                    return cls([q.matcher(leaf) for q in subs], leaf.doc_count_all(),
                               scored=scored)
                assert list(union(SparseUnionMatcher).all_ids()) == \
                    list(union(ArrayUnionMatcher).all_ids())
                a, b = union(ArrayUnionMatcher), union(SparseUnionMatcher)
                for target in (5, 900, 2100, 2101, 4000):
                    if not a.is_active():
                        break
                    a.skip_to(target)
                    b.skip_to(target)
                    assert (a.is_active(), a.id(), a.score()) == \
                        (b.is_active(), b.id(), b.score())
                    a.next()
                    b.next()
                    assert b.is_active() == a.is_active()
                    if a.is_active():
                        assert (a.id(), a.score(), a.block_quality()) == \
                            (b.id(), b.score(), b.block_quality())


def test_fast_matchers_rewrites_plain_ors_and_exact_phrases_only():
    q = wq.And([wq.Or([wq.Term("content", "a"), wq.Phrase("content", ["b", "c"])]),
                wq.DisjunctionMax([wq.Term("content", "d")]), wq.Term("content", "e")])
    out = fast_matchers(q)
    assert type(out.subqueries[0]) is SparseOr
    assert type(out.subqueries[0].subqueries[1]) is ExactPhrase
    assert type(out.subqueries[1]) is wq.DisjunctionMax and type(out.subqueries[2]) is wq.Term


def test_fast_matchers_matches_expanding_words_with_a_sparse_union(index):
    q = fast_matchers(wq.Prefix("path", "u1"))  # u1, u10, u100, ...: file-name words
    with index.ix.searcher(weighting=ArrayBM25F()) as searcher:
        leaf = searcher.leaf_searchers()[0][0]
        assert type(q.matcher(leaf)) is SparseUnionMatcher
        assert type(fast_matchers(wq.Prefix("content", "")).matcher(leaf)) is not \
            SparseUnionMatcher  # a bare prefix is Whoosh's Every
