"""Broad searches in a process of their own, so they cannot starve the site's other visitors.

The site is one Python process: its threads share one interpreter lock, so a prefix or a
fuzzy word matching for its whole 2 s deadline (Whoosh is pure Python) took that core from
every plain search answered beside it. At 100,000 documents, 16 clients of whom one in five
sent such queries got 43 requests/s with a p99 of 1.5 s for plain ones. Broad searches
(archive.admission.is_broad) now run one at a time in a `docket: broad search` process that
opens the same index (read-only, as any reader); plain words, phrases, filters, documents
and news stay in the server's threads.

The process answers over a pipe. A search it does not answer by its deadline plus
DEADLINE_GRACE (stuck in C code, say) has it killed; the next broad search starts another.
It ends when the server stops, and on its own when the server dies (the pipe closes).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Any

from setproctitle import setproctitle

from archive.admission import WAIT_SECONDS
from archive.config import Settings
from archive.engines import open_index
from archive.errors import ArchiveError, QueryTimeoutError, SearchBusyError
from archive.model import SearchRequest, SearchResult

DEADLINE_GRACE = 2.0  # seconds past its deadline before a silent process is killed
# Broad searches are the ones that may be cut short; plain ones may not. At 100,000
# documents, 16 clients of whom one in five sent broad queries kept the broad process at a
# full core, and the plain searches waited for it (p99 1.9 s with two server processes).
# Niced, it gets what the plain searches leave (the kernel weighs nice 10 at a tenth).
NICENESS = 10


def _serve(conn, settings: Settings) -> None:
    # The child: warm up (facet arrays, searchers), say so, then answer until told to stop
    # or until the server's end of the pipe closes.
    setproctitle("docket: broad search")
    os.nice(NICENESS)
    try:
        open_index(settings).search(SearchRequest("", page_size=1))
    except ArchiveError:
        pass  # no index yet: each search says so
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if message is None:
            return
        request, seconds = message
        try:
            index = open_index(settings)
            index.deadline_seconds = seconds
            answer: tuple[str, Any] = ("ok", index.search(request))
        except ArchiveError as exc:
            answer = ("error", exc)
        except Exception as exc:  # a bug: the server reports it as its own 500
            answer = ("crash", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


class BroadRunner:
    """The server's side of the broad-search process: one search at a time, started on
    first use (or by start()), killed when it overruns, started again when needed."""

    def __init__(self, settings: Settings, deadline_seconds: float):
        self.settings = settings
        self.deadline_seconds = deadline_seconds
        self._turn = threading.Lock()  # one broad search at a time, as admission's slot
        self._process = None
        self._conn = None
        self._ready = False
        self.started = 0  # how many processes were started (tests read it)

    def start(self) -> None:
        """Start the process now (the server does at start-up, so the first broad search
        finds it warm); a running one is kept."""
        with self._turn:
            self._ensure()

    def _ensure(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._discard()
        ctx = multiprocessing.get_context("spawn")  # no copy of the server's threads or locks
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child, self.settings),
                              name="docket: broad search", daemon=True)
        process.start()
        child.close()  # the child's end: when the server dies, the child reads EOF
        self._process, self._conn, self._ready = process, parent, False
        self.started += 1

    def _discard(self) -> None:
        process, conn, self._process, self._conn = self._process, self._conn, None, None
        if conn is not None:
            conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(5)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def ready(self) -> bool:
        """Whether the process has warmed up (reading its 'ready' if it came)."""
        if self._ready:
            return True
        if self._conn is not None and self._conn.poll(0):
            try:
                self._ready = self._conn.recv()[0] == "ready"
            except (EOFError, OSError):
                self._discard()
        return self._ready

    def search(self, request: SearchRequest, local) -> SearchResult:
        """Run a broad search in the process; `local` (a function of the request) runs it
        here instead while the process is still warming up, so no search waits for that.
        Raises SearchBusyError when another broad search holds the process past
        WAIT_SECONDS, QueryTimeoutError when the process overran and was killed."""
        if not self._turn.acquire(timeout=WAIT_SECONDS):
            raise SearchBusyError(
                "Other broad searches (with *, ~, ranges or wide proximity) are running on "
                "this server; try again in a moment, or search for whole words or a phrase.")
        try:
            self._ensure()
            if not self.ready():
                return local(request)
            self._conn.send((request, self.deadline_seconds))
            if not self._conn.poll(self.deadline_seconds + DEADLINE_GRACE):
                self._discard()
                raise QueryTimeoutError(
                    f"The query took longer than {self.deadline_seconds:g} s and was stopped. "
                    f"Make it more precise: fewer words with ~ or *, longer prefixes, or a "
                    f"filter.")
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError):
                self._discard()  # it died (killed by the OOM killer, say): local this once
                return local(request)
        finally:
            self._turn.release()
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        raise RuntimeError(f"The broad-search process failed: {value}")

    def stop(self) -> None:
        """Tell the process to stop, and kill it if it does not within a few seconds."""
        with self._turn:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                except OSError:
                    pass
            if self._process is not None:
                self._process.join(3)
            self._discard()


class BroadSearches:
    """An index whose broad searches go to a BroadRunner; everything else is the index's."""

    def __init__(self, index, runner: BroadRunner):
        self._index = index
        self._runner = runner

    def search(self, request: SearchRequest) -> SearchResult:
        if self._index.is_broad(request):
            return self._runner.search(request, self._index.search)
        return self._index.search(request)

    def __getattr__(self, name: str):
        return getattr(self._index, name)
