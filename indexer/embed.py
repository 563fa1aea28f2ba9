"""The write side of sentence embeddings: which documents lack vectors, computing them in
worker processes, storing them in the catalog, and saving the vector index file."""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Callable

import numpy as np

from archive.catalog import transaction
from archive.embeddings import (
    MODEL,
    VectorIndex,
    document_units,
    embed,
    vector_files,
    vector_path,
    vectors_stale,
)
from indexer.processes import die_with_parent


def pending(conn) -> list[str]:
    """Readable documents without vectors of the current MODEL (after a model change, all)."""
    stored = conn.execute("SELECT value FROM meta WHERE key = 'embedding_model'").fetchone()
    if stored is None or stored[0] != MODEL:
        with transaction(conn):
            conn.execute("DELETE FROM chunks")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('embedding_model', ?)", (MODEL,))
        for file in vector_files(vector_path(conn)):
            file.unlink(missing_ok=True)
    return [r[0] for r in conn.execute(
        "SELECT doc_id FROM documents d WHERE present = 1 AND status = 'ok' AND NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.doc_id = d.doc_id) ORDER BY doc_id")]


def _batches(conn, todo: list[str], batch: int):
    for i in range(0, len(todo), batch):
        rows = []
        for doc_id in todo[i:i + batch]:
            units = document_units(conn, doc_id) or [(1, doc_id)]
            rows += [(doc_id, k, page, text) for k, (page, text) in enumerate(units)]
        yield len(todo[i:i + batch]), rows


def _worker_init(parent: int | None = None) -> None:
    # Ctrl-C reaches the whole process group: the parent decides what stops, and the
    # worker goes when the parent goes, even after kill -9.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def _embed_rows(rows: list[tuple]) -> np.ndarray:
    return embed([r[3] for r in rows])


def ensure_embeddings(conn, progress: Callable[[int], None] | None = None,
                      batch: int = 32, procs: int = 1, todo: list[str] | None = None) -> int:
    """Embed every readable document that has no vectors yet, committing each batch (an
    interrupted run keeps what it did), then bring the vector index up to date. With
    `procs` > 1 the model runs in that many worker processes with one BLAS thread each (two
    such processes embed faster than one multi-threaded one). Returns how many documents
    were embedded. `todo` is `pending(conn)` when the caller has it already."""
    todo = pending(conn) if todo is None else todo
    with _Embedder(procs if len(todo) > batch else 1) as embedder:
        for count, rows, vectors in embedder.run(_batches(conn, todo, batch)):
            with transaction(conn):
                conn.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
                                 [(d, k, p, v.astype(np.float16).tobytes())
                                  for (d, k, p, _), v in zip(rows, vectors, strict=True)])
            if progress:
                progress(count)
    if todo or vectors_stale(conn):
        sync_vectors(conn)
    return len(todo)


class _Embedder:
    """Runs `embed` here, or in worker processes with at most two batches each in flight
    (so a large archive is never read into memory at once)."""

    THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

    def __init__(self, procs: int):
        self.procs, self.pool, self.saved = procs, None, {}

    def __enter__(self):
        if self.procs > 1:
            import multiprocessing
            import os
            from concurrent.futures import ProcessPoolExecutor

            # Workers are spawned on demand and read these when numpy loads in them.
            self.saved = {k: os.environ.get(k) for k in self.THREAD_VARIABLES}
            os.environ.update({k: "1" for k in self.THREAD_VARIABLES})
            self.pool = ProcessPoolExecutor(self.procs,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_worker_init,
                                            initargs=(os.getpid(),))
        return self

    def run(self, batches):
        if self.pool is None:
            for count, rows in batches:
                yield count, rows, _embed_rows(rows)
            return
        pending: deque = deque()
        for count, rows in batches:
            pending.append((count, rows, self.pool.submit(_embed_rows, rows)))
            if len(pending) >= 2 * self.procs:
                count, rows, future = pending.popleft()
                yield count, rows, future.result()
        while pending:
            count, rows, future = pending.popleft()
            yield count, rows, future.result()

    def __exit__(self, *exc):
        if self.pool is not None:
            import os

            self.pool.shutdown(cancel_futures=True)
            for key, value in self.saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return False




def sync_vectors(conn) -> int:
    """Bring var/vectors.usearch up to date with the catalog's units (a killed run may have
    committed vectors but not the file; a damaged file is rebuilt), save it atomically and
    record its size; returns how many units were added."""
    vectors = VectorIndex(vector_path(conn), conn, writable=True)
    added = vectors.add_missing()
    if added:
        vectors.save()
    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('vector_count', ?)",
                     (str(len(vectors)),))
    return added


def open_vectors(conn) -> VectorIndex:
    """The vector index for linking, memory-mapped; a damaged file, rebuilt from the
    catalog when opened, is saved again here."""
    vectors = VectorIndex(vector_path(conn), conn)
    if vectors.writable:  # it was damaged: the rebuilt copy replaces it
        vectors.save()
        with transaction(conn):
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('vector_count', ?)",
                         (str(len(vectors)),))
    return vectors
