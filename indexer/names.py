"""Listing the names of the documents the catalog's doc_names table lacks (a catalog made
before it, or listed with another alias table), in worker processes that read the catalog;
the writer stores what they list (CatalogWriter.list_documents)."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from archive.aliases import default_aliases
from archive.catalog import connect, page_texts
from archive.xref.listing import list_names, names_row
from indexer.processes import die_with_parent, name_process

BATCH = 200  # documents listed per task, and per commit of the writer
_CONN = None  # a worker's read-only catalog connection


def pending(conn) -> list[str]:
    """The documents without a doc_names row, in id order."""
    return [r[0] for r in conn.execute(
        "SELECT doc_id FROM documents d WHERE NOT EXISTS "
        "(SELECT 1 FROM doc_names n WHERE n.doc_id = d.doc_id) ORDER BY doc_id")]


def listed_rows(conn, doc_ids: list[str]) -> list[tuple]:
    """doc_names rows of the given documents, listed from their title and text."""
    aliases, rows = default_aliases(), []
    for doc_id in doc_ids:
        title = conn.execute("SELECT title FROM documents WHERE doc_id = ?",
                             (doc_id,)).fetchone()
        listing = list_names(title[0] if title else None,
                             (t for _, t in page_texts(conn, doc_id)), aliases)
        rows.append((doc_id, *names_row(listing)))
    return rows


def _worker_init(catalog: str, parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    name_process("docket: list names")
    global _CONN
    _CONN = connect(Path(catalog), readonly=True)


def _worker_rows(doc_ids: list[str]) -> list[tuple]:
    return listed_rows(_CONN, doc_ids)


def listings(conn, catalog: Path, todo: list[str], procs: int) -> Iterator[list[tuple]]:
    """The doc_names rows of `todo`, BATCH documents at a time, in order: listed here, or
    with `procs` > 1 in that many processes with at most two batches each in flight."""
    batches = [todo[i:i + BATCH] for i in range(0, len(todo), BATCH)]
    if procs <= 1 or len(batches) < 2:
        for batch in batches:
            yield listed_rows(conn, batch)
        return
    pool = ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(str(catalog), os.getpid()))
    try:
        waiting: deque = deque()
        for batch in batches:
            waiting.append(pool.submit(_worker_rows, batch))
            if len(waiting) >= 2 * procs:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)
