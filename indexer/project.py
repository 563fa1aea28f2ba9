"""Projecting committed catalog rows into the search index in a process of its own, so that
extraction never waits for the index: the writer claims a batch, the projector writes it to
the index, the writer marks it indexed.

The catalog stays the source of truth and the indexing process its only writer: the
projector only reads the catalog. A claimed document has `indexed = CLAIMED`; the writer
marks it indexed only if it is still claimed when the projector answers, so a document the
run changed meanwhile (its flag back to 0) is projected again. A run killed with claimed
rows leaves them for the next sync, which takes claimed rows as unindexed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.connection import Connection

from archive.catalog import connect, index_records
from archive.config import Settings
from archive.engines import open_index_for_writing
from indexer.processes import die_with_parent, name_process

CLAIMED = 2  # documents.indexed while the projector has the document
# A small batch costs a Whoosh commit and a merge; a large one keeps the index further behind.
MIN_BATCH = 500
MAX_BATCH = 1000
MAX_WAIT = 20.0  # seconds a smaller batch waits before it is projected anyway


def _projector_main(conn: Connection, settings: Settings, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what stops
    die_with_parent(parent)
    name_process("docket: project")
    catalog = connect(settings.catalog_path, readonly=True)
    index, repaired = open_index_for_writing(settings)
    conn.send(("repaired", repaired))
    while True:
        try:
            doc_ids = conn.recv()
        except EOFError:
            return
        if doc_ids is None:
            return
        try:
            rows = catalog.execute(
                f"SELECT doc_id, present FROM documents WHERE doc_id IN "
                f"({','.join('?' * len(doc_ids))})", doc_ids).fetchall()
            index.delete([r[0] for r in rows if not r[1]])
            index.upsert(index_records(catalog, [r[0] for r in rows if r[1]]),
                         procs=settings.index_procs)
        except Exception as exc:  # noqa: BLE001 - the writer's final sync takes over
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            return
        conn.send(("done", len(doc_ids)))


class Projector:
    """The projector process and the one batch it may hold; driven by the writer's thread."""

    def __init__(self, settings: Settings, db):
        self.settings, self.db = settings, db  # db: the writer's own catalog connection
        self.batch: list[str] = []
        self.error: str | None = None
        self.projected = 0
        self._waiting_since = time.monotonic()
        self._conn: Connection | None = None
        self._process = None

    def __enter__(self) -> Projector:
        return self

    def poll(self, final: bool = False) -> None:
        """Mark the batch the projector finished and hand it the next one, if any is due;
        call after each catalog commit (`final`: the run extracted everything). The process
        starts with the first batch: a small run never waits for it to load."""
        if self.error or self.db.in_transaction:
            return
        if self.batch and not self._answered(block=final):
            return
        due = self._due(final)
        if due and (self._conn is not None or self._start()):
            self._claim(due)

    def close(self) -> None:
        """Wait for the batch in hand, then stop the process; the writer's sync does the rest."""
        if self._conn is None:
            return
        if self.batch:
            self._answered(block=True)
        if self._conn is not None:
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
        self._stop(wait=10)

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:  # Ctrl-C or a failure: claimed rows stay claimed, the next sync takes them
            self._stop(wait=0)

    def _start(self) -> bool:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_projector_main,
                                    args=(child, self.settings, os.getpid()), daemon=True)
        self._process.start()
        child.close()
        return True

    def _stop(self, wait: float) -> None:
        if self._process is not None:
            self._process.join(wait)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _answered(self, block: bool) -> bool:
        """Read the projector's answers; True once the batch in hand is done (or lost)."""
        while block or self._conn.poll():
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError):
                kind, value = "error", "the projector process died"
            if kind == "repaired":
                if value:  # a damaged index was recreated: every document goes into it again
                    self._write("UPDATE documents SET indexed = 0")
                continue
            if kind == "done":
                self._write("UPDATE documents SET indexed = 1 WHERE doc_id = ? AND indexed = ?",
                            [(doc_id, CLAIMED) for doc_id in self.batch])
                self.projected += len(self.batch)
            else:
                self.error = value
                self._stop(wait=0)
            self.batch = []
            return True
        return False

    def _due(self, final: bool) -> list[str]:
        rows = [r[0] for r in self.db.execute(
            "SELECT doc_id FROM documents WHERE indexed = 0 LIMIT ?", (MAX_BATCH,))]
        waited = time.monotonic() - self._waiting_since
        if len(rows) >= MIN_BATCH or (rows and (final or waited >= MAX_WAIT)):
            return rows
        return []

    def _claim(self, doc_ids: list[str]) -> None:
        self._write("UPDATE documents SET indexed = ? WHERE doc_id = ? AND indexed = 0",
                    [(CLAIMED, doc_id) for doc_id in doc_ids])
        self.batch = doc_ids
        self._waiting_since = time.monotonic()
        self._conn.send(doc_ids)

    def _write(self, sql: str, rows: list[tuple] | None = None) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if rows is None:
                self.db.execute(sql)
            else:
                self.db.executemany(sql, rows)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
