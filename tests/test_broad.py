"""Broad searches in a process of their own (web.broad): the same answers as in the server,
a process that overruns is killed and replaced, and none outlives the server."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

import web.broad as broad
from archive.config import Settings
from archive.engines import open_index
from archive.errors import QueryTimeoutError, SearchBusyError
from archive.model import SearchRequest
from cli.serve import broad_runner
from tests.conftest import alive, free_port, start_docket, wait_for

BROAD = SearchRequest("lett* OR courier~", aliases=False)


@pytest.fixture
def runner(sample_archive):
    settings, _, _ = sample_archive
    runner = broad.BroadRunner(settings, deadline_seconds=2.0)
    runner.start()
    assert wait_for(runner.ready), "the broad-search process never warmed up"
    yield runner
    runner.stop()


def test_a_broad_search_in_its_process_answers_as_the_server_would(runner, sample_archive):
    settings, _, _ = sample_archive
    local = open_index(settings)
    calls = []
    result = runner.search(BROAD, lambda r: calls.append(r) or local.search(r))
    assert not calls  # answered by the process, not here
    expected = local.search(BROAD)
    assert result.total == expected.total > 0
    assert [h.doc_id for h in result.hits] == [h.doc_id for h in expected.hits]
    assert result.facets == expected.facets and result.terms == expected.terms
    assert result.terms.free == expected.terms.free  # Marks keep their parts across the pipe
    assert runner.pid != os.getpid() and runner.started == 1


def test_only_broad_searches_go_to_the_process(sample_archive):
    settings, _, _ = sample_archive
    index = open_index(settings)
    assert index.is_broad(BROAD) and index.is_broad(SearchRequest("title:[a TO c]"))
    assert not index.is_broad(SearchRequest('library "winter report" lang:en'))
    assert not index.is_broad(SearchRequest("(unclosed"))  # searching it says what is wrong


def test_the_site_sends_broad_searches_to_the_process(sample_archive, monkeypatch):
    from app import create_app

    settings, _, _ = sample_archive
    app = create_app(Settings(var=settings.var))
    runner = app.config["DOCKET_BROAD"] = broad_runner(settings)
    sent = []
    real = runner.search
    monkeypatch.setattr(runner, "search", lambda r, local: sent.append(r.query) or real(r, local))
    try:
        runner.start()
        assert wait_for(runner.ready)
        client = app.test_client()
        broad_page = client.get("/search.json?q=lett*").get_json()
        plain_page = client.get("/search.json?q=letter").get_json()
        assert sent == ["lett*"]
        assert broad_page["total"] >= plain_page["total"] > 0
    finally:
        runner.stop()


def test_a_process_that_stops_answering_is_killed_and_replaced(runner, sample_archive,
                                                               monkeypatch):
    monkeypatch.setattr(broad, "DEADLINE_GRACE", 0.5)
    runner.deadline_seconds = 0.5
    stuck = runner.pid
    os.kill(stuck, signal.SIGSTOP)  # as a search stuck in C code: it never answers
    with pytest.raises(QueryTimeoutError, match="took longer than 0.5 s"):
        runner.search(BROAD, lambda r: pytest.fail("the stuck process was not waited for"))
    assert wait_for(lambda: not alive(stuck), 10), "the stuck process was not killed"
    runner.deadline_seconds = 2.0
    settings, _, _ = sample_archive
    result = runner.search(BROAD, open_index(settings).search)  # a new one, or local
    assert result.total > 0 and runner.started == 2 and runner.pid != stuck


def test_a_second_broad_search_waits_briefly_then_is_refused(runner, sample_archive,
                                                            monkeypatch):
    monkeypatch.setattr(broad, "DEADLINE_GRACE", 30.0)
    os.kill(runner.pid, signal.SIGSTOP)
    settings, _, _ = sample_archive
    answers = []
    first = threading.Thread(target=lambda: answers.append(
        runner.search(BROAD, open_index(settings).search)), daemon=True)
    first.start()
    assert wait_for(lambda: runner._turn.locked(), 10)
    with pytest.raises(SearchBusyError, match="try again in a moment"):
        runner.search(BROAD, lambda r: pytest.fail("a busy process ran it here"))
    os.kill(runner.pid, signal.SIGCONT)
    first.join(60)
    assert not first.is_alive() and answers[0].total > 0  # the first one was answered


def test_the_process_ends_with_the_server_even_when_the_server_is_killed(sample_archive):
    settings, _, _ = sample_archive
    server = start_docket("serve", "--var", settings.var, "--port", free_port())
    try:
        def child() -> int | None:
            tasks = Path(f"/proc/{server.pid}/task")
            for task in tasks.iterdir() if tasks.exists() else ():
                for pid in (task / "children").read_text().split():
                    if "docket: broad search" in Path(f"/proc/{pid}/cmdline").read_bytes(
                            ).decode(errors="replace") or _spawned(int(pid)):
                        return int(pid)
            return None
        assert wait_for(lambda: child() is not None), "serve started no broad-search process"
        pid = child()
        os.kill(server.pid, signal.SIGKILL)  # no clean-up runs in the server
        server.wait(30)
        assert wait_for(lambda: not alive(pid), 10), "the broad-search process outlived it"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
        server.stdout.close()
        server.stderr.close()


def _spawned(pid: int) -> bool:
    # multiprocessing's spawn runs `python -c 'from multiprocessing.spawn import spawn_main'`
    return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_the_process_gives_way_to_plain_searches(runner):
    # A broad search may be cut short, a plain one may not: niced, the process gets the
    # CPU the server's threads leave.
    fields = Path(f"/proc/{runner.pid}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(fields[16]) - os.nice(0) == broad.NICENESS  # field 19 of stat: nice


def test_a_plain_search_is_parsed_once_though_it_is_asked_whether_it_is_broad(sample_archive,
                                                                               monkeypatch):
    import archive.search as search

    settings, _, _ = sample_archive
    parsed = []
    real = search.parse_request
    monkeypatch.setattr(search, "parse_request",
                        lambda query, *a, **k: parsed.append(query) or real(query, *a, **k))
    index = open_index(settings)
    request = SearchRequest("letter")
    searches = broad.BroadSearches(index, runner=None)  # not broad: the runner is not asked
    once = searches.search(request)
    assert parsed == [request.query]
    again = index.search(request)  # the kept parse gives the same answer
    assert [h.doc_id for h in again.hits] == [h.doc_id for h in once.hits] and once.total > 0
    assert parsed == [request.query]
    index.search(SearchRequest("courier"))
    assert parsed == [request.query, "courier"]
