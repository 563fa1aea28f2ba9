"""The engines behind SearchIndex: the Xapian one, the factory that picks an archive's
engine, shards that fail, and the same answers from Whoosh and Xapian."""

from __future__ import annotations

import inspect
import json
import os
import signal
import threading

import pytest

from archive.config import Settings
from archive.engines import open_index, recorded_engine
from archive.errors import EngineMismatchError
from archive.model import SearchRequest
from archive.search import SearchIndex
from archive.xapian_index import XapianIndex, parse_shards, shard_of
from tests.conftest import ROOT
from tests.test_search import record


def test_xapian_index_satisfies_the_search_interface(tmp_path):
    index = XapianIndex(tmp_path / "x", create=True)
    assert isinstance(index, SearchIndex)
    wanted = {name for name, _ in inspect.getmembers(SearchIndex, inspect.isfunction)
              if not name.startswith("_")}
    for name in wanted:
        assert list(inspect.signature(getattr(SearchIndex, name)).parameters) == \
            list(inspect.signature(getattr(XapianIndex, name)).parameters), name


def test_documents_are_routed_to_shards_by_their_hex_id():
    assert shard_of("000000000000000a", 2) == 0 and shard_of("000000000000000b", 2) == 1
    assert parse_shards("a:1, b:2")[1].port == 2
    with pytest.raises(ValueError):
        parse_shards("nohost")


def _shards_with_letters(shard_servers):
    addresses = shard_servers.start(2)
    index = XapianIndex(shards=parse_shards(",".join(addresses)), create=True)
    docs = [record(f"{n:016x}", f"The library holds letter {n}.") for n in range(10)]
    index.upsert(docs)
    assert index.search(SearchRequest("library")).total == 10
    return addresses, index, docs


def test_a_shard_that_goes_down_gives_a_partial_answer_with_a_notice(shard_servers):
    addresses, index, docs = _shards_with_letters(shard_servers)
    full = index.search(SearchRequest("library"))
    assert full.total == 10 and not full.partial and full.notice is None
    shard_servers.stop(addresses[1])  # killed between two searches
    partial = index.search(SearchRequest("library"))
    assert partial.partial and addresses[1] in partial.notice
    assert partial.total == 5  # the even ids, on the shard that still answers
    assert {h.doc_id for h in partial.hits} == {d.doc_id for d in docs[::2]}
    assert len(list(index.search_all(SearchRequest("library")))) == 5
    shard_servers.stop(addresses[0])
    nothing = index.search(SearchRequest("library"))
    assert nothing.partial and nothing.total == 0 and nothing.notice
    assert index.highlight_terms("library") == frozenset()


def _search_in_thread(index, request):
    answers = []
    thread = threading.Thread(target=lambda: answers.append(index.search(request)))
    thread.start()
    return thread, answers


def test_a_shard_killed_while_a_search_waits_on_it_gives_a_partial_answer(shard_servers):
    addresses, index, docs = _shards_with_letters(shard_servers)
    server = shard_servers.procs[addresses[1]]
    # xapian-tcpsrv serves each connection in a child of its own, in its session's group.
    os.killpg(server.pid, signal.SIGSTOP)  # it stops answering: the search waits on it
    thread, answers = _search_in_thread(index, SearchRequest("library"))
    thread.join(0.3)  # the search is (almost surely) waiting now; killed before is the same
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)
    thread.join(60)
    assert not thread.is_alive() and len(answers) == 1, "the search never came back"
    partial = answers[0]
    assert partial.partial and addresses[1] in partial.notice
    assert {h.doc_id for h in partial.hits} == {d.doc_id for d in docs[::2]}


def test_a_shard_that_hangs_is_left_out_after_the_deadline(shard_servers):
    addresses, index, docs = _shards_with_letters(shard_servers)
    server = shard_servers.procs[addresses[0]]
    os.killpg(server.pid, signal.SIGSTOP)  # the server and the child serving the index
    try:
        thread, answers = _search_in_thread(index, SearchRequest("library"))
        thread.join(60)  # two deadlines (the search, then the shard alone), never 60 s
        assert not thread.is_alive() and len(answers) == 1, "the search waited for the shard"
        slow = answers[0]
        assert slow.partial and addresses[0] in slow.notice and slow.total == 5
        assert {h.doc_id for h in slow.hits} == {d.doc_id for d in docs[1::2]}
    finally:
        os.killpg(server.pid, signal.SIGCONT)

def test_the_engine_is_recorded_and_another_one_needs_a_rebuild(engine_archives):
    settings = engine_archives("xapian")
    assert recorded_engine(settings)[0] == "xapian"
    assert isinstance(open_index(settings), XapianIndex)
    with pytest.raises(EngineMismatchError, match="--rebuild-index --engine whoosh"):
        open_index(Settings(var=settings.var, engine="whoosh"))


@pytest.mark.parametrize("engine", ["xapian", "shards"])
def test_judged_queries_give_the_same_totals_and_ranking_on_every_engine(engine_archives,
                                                                        engine):
    whoosh, other = open_index(engine_archives("whoosh")), open_index(engine_archives(engine))
    queries = json.loads((ROOT / "bench/relevance.json").read_text(encoding="utf-8"))
    for item in queries["queries"]:
        request = SearchRequest(item["query"], page_size=10)
        a, b = whoosh.search(request), other.search(request)
        assert (b.total, b.terms) == (a.total, a.terms), item["query"]
        # Both rank by the same whole-document BM25: the same order and the same scores
        # (but for the last bits of floating point, summed in another order)
        assert [h.doc_id for h in b.hits] == [h.doc_id for h in a.hits], item["query"]
        assert [h.score for h in b.hits] == pytest.approx([h.score for h in a.hits],
                                                          rel=1e-9), item["query"]
        assert b.facets == a.facets, item["query"]


def test_the_engine_is_chosen_once_on_the_command_line_and_the_site_follows(tmp_path):
    """docket index --engine xapian records the engine: later commands and the site use
    it without a flag; another engine needs --rebuild-index."""
    import shutil

    from click.testing import CliRunner

    from app import create_app
    from archive.config import Settings
    from cli import main
    from tests.conftest import SAMPLE

    shutil.copytree(SAMPLE / "letters", tmp_path / "c")
    var = str(tmp_path / "var")
    runner = CliRunner()
    built = runner.invoke(main, ["index", str(tmp_path / "c"), "--var", var, "--engine",
                                 "xapian", "--no-embeddings", "-q"])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "var" / "xapian").exists() and not (tmp_path / "var" / "index").exists()
    found = runner.invoke(main, ["search", "المكتبة", "--var", var])
    assert found.exit_code == 0 and "documents match" in found.output
    page = create_app(Settings(var=tmp_path / "var")).test_client().get(
        "/search.json", query_string={"q": "المكتبة"}).get_json()
    assert page["total"] >= 1
    other = runner.invoke(main, ["index", str(tmp_path / "c"), "--var", var, "--engine",
                                 "whoosh", "-q"])
    assert other.exit_code == 1 and "--rebuild-index --engine whoosh" in other.output
    moved = runner.invoke(main, ["index", str(tmp_path / "c"), "--var", var,
                                 "--rebuild-index", "--engine", "whoosh"])
    assert moved.exit_code == 0, moved.output
    again = runner.invoke(main, ["search", "المكتبة", "--var", var, "--json"])
    assert '"total"' in again.output


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_a_search_of_an_index_that_holds_nothing_yet_finds_nothing(empty_index, engine):
    # A Whoosh index without a segment has a reader without one: facet versions raised.
    result = empty_index(engine).search(SearchRequest("library"))
    assert result.total == 0 and list(result.hits) == []


def test_a_hung_shard_rests_then_is_tried_again(shard_servers, monkeypatch):
    import archive.xapian_index as xapian_index

    now = [1000.0]
    monkeypatch.setattr(xapian_index, "RESTING", xapian_index.Resting(clock=lambda: now[0]))
    greeted = []
    real_greet = XapianIndex._greet
    monkeypatch.setattr(XapianIndex, "_greet",
                        lambda self, shard: greeted.append(str(shard)) or real_greet(self, shard))
    addresses, index, docs = _shards_with_letters(shard_servers)
    server = shard_servers.procs[addresses[0]]
    os.killpg(server.pid, signal.SIGSTOP)
    try:
        first = index.search(SearchRequest("library"))
        assert first.partial and first.total == 5 and addresses[0] in first.notice
        assert greeted == addresses  # both asked to greet: the hung one did not
        greeted.clear()
        second = index.search(SearchRequest("letter"))
        assert second.partial and second.total == 5 and addresses[0] in second.notice
        assert greeted == [addresses[1]]  # the resting shard was not waited for
    finally:
        os.killpg(server.pid, signal.SIGCONT)
    now[0] += xapian_index.Resting.RETRY_SECONDS + 1
    again = XapianIndex(shards=parse_shards(",".join(addresses))).search(
        SearchRequest("library"))
    assert not again.partial and again.total == 10 and again.notice is None


@pytest.mark.parametrize("engine", ["whoosh", "xapian", "shards"])
def test_documents_of_equal_score_rank_by_their_id_whatever_was_written_last(empty_index,
                                                                            engine):
    index = empty_index(engine)
    ids = ["00000000000000c3", "00000000000000a1", "00000000000000b2"]
    index.upsert([record(d, "The library holds letters.") for d in ids])
    index.upsert([record(ids[1], "The library holds letters.")])  # written again: Whoosh
    # gives it the last document number
    hits = index.search(SearchRequest("library", aliases=False)).hits
    assert [h.doc_id for h in hits] == sorted(ids)
    assert len({h.score for h in hits}) == 1
    top = index.search(SearchRequest("library", page_size=1, aliases=False)).hits
    assert [h.doc_id for h in top] == [min(ids)]


def test_whoosh_ranks_by_the_document_lengths_and_scores_xapian_gives(empty_index):
    """Whole-document BM25 in both engines: Whoosh's length column holds Xapian's document
    length (title words twice, words too long for Xapian left out), word counts leave
    rewritten copies out, and the scores agree."""
    from archive.scoring import document_lengths

    whoosh, xapian = empty_index("whoosh"), empty_index("xapian")
    long_word = "x" * 239  # in a path, 241 bytes with Xapian's prefix: too long for Xapian
    docs = [record(f"{n:016x}", " ".join(["library letters"] * n + ["winter courier"]),
                   title="Library report" if n % 2 else "", path=f"box/{long_word}/{n}.txt")
            for n in range(1, 7)]
    docs.append(record("00000000000000ff", "الرسالة وصلت إلى المكتبة " + long_word,
                       title="رسالة"))
    for ix in (whoosh, xapian):
        ix.upsert(docs)
        ix.upsert(docs[:3])  # written again: Whoosh keeps the old copies until a merge
    with whoosh._searcher() as searcher:
        reader = searcher.reader()
        assert reader.has_deletions()  # the word counts must leave them out, as Xapian's
        lengths = {searcher.stored_fields(n)["doc_id"]: int(document_lengths(reader)[n])
                   for n in reader.all_doc_ids()}  # live documents only
    db = xapian._database()
    expected = {}
    for doc in docs:
        postlist = db.postlist("Q" + doc.doc_id)
        expected[doc.doc_id] = db.get_doclength(next(iter(postlist)).docid)
    assert lengths == expected
    for query in ["library", "library winter", '"library letters"', "title:report",
                  "courier OR رسالة", "المكتبة"]:
        a = whoosh.search(SearchRequest(query, aliases=False))
        b = xapian.search(SearchRequest(query, aliases=False))
        assert a.total == b.total > 0, query
        assert [h.doc_id for h in a.hits] == [h.doc_id for h in b.hits], query
        assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits],
                                                          rel=1e-12), query
