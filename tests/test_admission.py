"""Broad searches one at a time: narrow ones never wait, a broad one waits a little for its
slot and is then refused with a message (429 on the site), never queued for long."""

from __future__ import annotations

import threading

import pytest

from archive import admission
from archive.deadline import Deadline
from archive.errors import SearchBusyError
from archive.model import SearchRequest
from archive.query import parse_query
from tests.test_search import record


@pytest.mark.parametrize("query", ["library", '"the library"', "library AND letter",
                                   "lang:ar library", "bin Laden", '"the library"~1'])
def test_words_phrases_and_filters_are_narrow(query):
    assert not admission.is_broad(parse_query(query))


@pytest.mark.parametrize("query", ["libr*", "li?rary", "libary~2", "title:[a TO c]",
                                   '"the library"~1000', " OR ".join(f"w{i}" for i in range(81))])
def test_prefixes_fuzzy_ranges_wide_proximity_and_long_lists_are_broad(query):
    assert admission.is_broad(parse_query(query))


@pytest.fixture
def held_slot():
    """The one broad-search slot, taken by another thread until the test ends."""
    taken, done = threading.Event(), threading.Event()

    def hold():
        with admission.admitted(parse_query("libr*"), Deadline(60)):
            taken.set()
            done.wait(60)
    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(60)
    yield
    done.set()
    thread.join(60)


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_a_broad_search_finding_the_slot_taken_is_refused_and_a_narrow_one_runs(
        empty_index, engine, held_slot, monkeypatch):
    monkeypatch.setattr(admission, "WAIT_SECONDS", 0)
    index = empty_index(engine)
    index.upsert([record(f"d{i}", f"library letter {i}") for i in range(3)])
    with pytest.raises(SearchBusyError, match="try again in a moment"):
        index.search(SearchRequest("libr*", aliases=False))
    with pytest.raises(SearchBusyError):
        list(index.search_all(SearchRequest("leter~", aliases=False)))
    assert index.search(SearchRequest("library", aliases=False)).total == 3


def test_the_slot_is_given_back_when_a_search_fails(empty_index):
    index = empty_index("whoosh")
    index.upsert([record("d1", "library")])
    for _ in range(3):
        with pytest.raises(ZeroDivisionError):
            with admission.admitted(parse_query("libr*"), Deadline(60)):
                raise ZeroDivisionError
    assert index.search(SearchRequest("libr*", aliases=False)).total == 1


def test_the_site_answers_a_busy_broad_search_429_with_retry_after(client, held_slot,
                                                                    monkeypatch):
    monkeypatch.setattr(admission, "WAIT_SECONDS", 0)
    page = client.get("/search", query_string={"q": "libr*"})
    assert page.status_code == 429 and page.headers["Retry-After"] == "2"
    assert "try again in a moment" in page.get_data(as_text=True)
    assert "libr*" in page.get_data(as_text=True)  # kept in the search box
    assert client.get("/search.json", query_string={"q": "library"}).status_code == 200
