"""The only writer of the catalog and the search index: transactional, resumable commits."""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archive.aliases import default_aliases
from archive.catalog import compress_text, connect, index_records, transaction
from archive.config import Settings
from archive.engines import archive_engine, index_folder, open_index, open_index_for_writing
from archive.errors import CollectionMismatchError
from archive.permalinks import doc_id_for
from archive.search import SearchIndex
from archive.xref.listing import list_names, listing_key, names_row
from indexer import names
from indexer.pipeline import EXTRACTOR_VERSION, Outcome
from indexer.rebuild import rebuild as rebuild_index
from indexer.rebuild import restore_interrupted_swap

INDEX_CHUNK = 5000  # documents projected into the index per Whoosh commit
BATCH_SECONDS = 5.0  # a batch is committed at the latest this long after its first change
IDLE_SECONDS = 1.0  # ...or this long after it, when the writer has nothing else to do


def _atomic(method):
    """Run a writer method inside the open batch transaction, in a savepoint of its own: a
    change is stored whole or not at all, even when Ctrl-C lands between two of its
    statements and the batch is committed after."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self._begin()
        self.conn.execute("SAVEPOINT change")
        self._depth += 1
        try:
            result = method(self, *args, **kwargs)
        except BaseException:
            self.conn.execute("ROLLBACK TO change")
            self.conn.execute("RELEASE change")
            raise
        else:
            self.conn.execute("RELEASE change")
        finally:
            self._depth -= 1
        if not self._depth and self.should_commit():  # never inside an outer change
            self.commit()
        return result

    return wrapper


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class KnownPath:
    """A top-level collection path as the catalog last saw it."""

    doc_id: str
    size: int
    mtime_ns: int


class CatalogWriter:
    """Writes documents, pages and paths in batched transactions, then projects them into
    the index. Everything committed survives a kill; the index catches up on the next run."""

    def __init__(self, settings: Settings, collection: Path | None = None):
        self.settings = settings
        self.conn: sqlite3.Connection = connect(settings.catalog_path)
        self._tx_started = 0.0
        self._depth = 0  # changes (_atomic) under way, nested
        self.uncommitted = 0
        if collection is not None:
            self._claim_collection(collection.resolve())
        self._claim_listings()

    def _claim_collection(self, root: Path) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'collection'").fetchone()
        if row and row[0] != str(root):
            raise CollectionMismatchError(
                f"{self.settings.var} holds the archive of {row[0]}, not {root}. Use another "
                f"--var for this collection, or delete {self.settings.var} to start over.")
        if not row:
            self.conn.execute("INSERT INTO meta VALUES ('collection', ?)", (str(root),))

    def _claim_listings(self) -> None:
        # The names of doc_names were listed with the alias table meta 'doc_names' names;
        # those of another table (or another LISTING_VERSION) are listed again.
        key = listing_key(default_aliases())
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'doc_names'").fetchone()
        if row is None or row[0] != key:
            with transaction(self.conn):
                self.conn.execute("DELETE FROM doc_names")
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('doc_names', ?)",
                                  (key,))

    # transactions ---------------------------------------------------------------------------
    # The connection itself says whether a batch is open (in_transaction): a signal landing
    # between a COMMIT and the line after it cannot make the writer commit twice.
    def _begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._tx_started = time.monotonic()

    def commit(self) -> None:
        """Make every buffered change durable."""
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self.uncommitted = 0

    def should_commit(self) -> bool:
        return self.conn.in_transaction and (
            self.uncommitted >= self.settings.batch_size
            or time.monotonic() - self._tx_started > BATCH_SECONDS)

    def commit_if_idle(self) -> None:
        """Commit a batch held for a second or more; called while the writer waits for
        work, so a slow file never keeps the catalog locked, nor finished files unsaved."""
        if self.conn.in_transaction and time.monotonic() - self._tx_started >= IDLE_SECONDS:
            self.commit()

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.uncommitted = 0

    def close(self) -> None:
        self.rollback()
        self.conn.close()

    # reads the planner needs ----------------------------------------------------------------
    def known_paths(self) -> dict[str, KnownPath]:
        """Top-level collection paths (not archive members) with what the catalog knows."""
        return {r[0]: KnownPath(r[1], r[2], r[3]) for r in self.conn.execute(
            "SELECT path, doc_id, size, mtime_ns FROM paths WHERE parent_path IS NULL")}

    def document_state(self, doc_id: str) -> tuple[bool, str] | None:
        """(present, status) of a catalogued document, or None when it is new."""
        row = self.conn.execute("SELECT present, status FROM documents WHERE doc_id = ?",
                                (doc_id,)).fetchone()
        return (bool(row[0]), row[1]) if row else None

    def pending_children(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM pending_children ORDER BY path").fetchall()

    # path changes ---------------------------------------------------------------------------
    def _refresh_presence(self, doc_ids: Iterable[str]) -> None:
        for doc_id in set(doc_ids):
            self.conn.execute(
                "UPDATE documents SET indexed = 0, present = EXISTS "
                "(SELECT 1 FROM paths WHERE paths.doc_id = documents.doc_id) WHERE doc_id = ?",
                (doc_id,))

    def _drop_paths(self, where: str, args: tuple) -> list[str]:
        rows = self.conn.execute(f"SELECT path, doc_id FROM paths WHERE {where}",
                                 args).fetchall()
        now = _now()
        for path, doc_id in rows:
            self.conn.execute("INSERT OR REPLACE INTO former_paths VALUES (?, ?, ?)",
                              (path, doc_id, now))
        self.conn.execute(f"DELETE FROM paths WHERE {where}", args)
        return [r[1] for r in rows]

    @_atomic
    def remove_path(self, rel: str) -> None:
        """A top-level file left the collection: drop it and every member unpacked from it."""
        affected = self._drop_paths("root_path = ?", (rel,))
        self.conn.execute("DELETE FROM pending_children WHERE root_path = ?", (rel,))
        self._refresh_presence(affected)
        self.uncommitted += 1

    @_atomic
    def move_path(self, old: str, new: str, size: int, mtime_ns: int) -> None:
        """A file was moved or renamed: its path and its members' paths follow it."""
        rows = self.conn.execute("SELECT path, parent_path FROM paths WHERE root_path = ?",
                                 (old,)).fetchall()
        now = _now()
        for path, parent in rows:
            new_path = new + path[len(old):]
            new_parent = None if parent is None else new + parent[len(old):]
            self.conn.execute("INSERT OR REPLACE INTO former_paths SELECT path, doc_id, ? "
                              "FROM paths WHERE path = ?", (now, path))
            self.conn.execute("DELETE FROM paths WHERE path = ?", (new_path,))
            self.conn.execute("UPDATE paths SET path = ?, parent_path = ?, root_path = ? "
                              "WHERE path = ?", (new_path, new_parent, new, path))
        self.conn.execute("UPDATE paths SET size = ?, mtime_ns = ? WHERE path = ?",
                          (size, mtime_ns, new))
        self.conn.execute("UPDATE pending_children SET path = ? || substr(path, ?), "
                          "parent_path = ? || substr(parent_path, ?), root_path = ? "
                          "WHERE root_path = ?", (new, len(old) + 1, new, len(old) + 1, new, old))
        self._refresh_presence(r[0] for r in self.conn.execute(
            "SELECT doc_id FROM paths WHERE root_path = ?", (new,)))
        self.uncommitted += 1

    @_atomic
    def set_path(self, rel: str, doc_id: str, size: int, mtime_ns: int,
                 parent_path: str | None = None, root_path: str | None = None) -> None:
        """Point a path at a document already in the catalog (a copy, or changed content)."""
        old = self.conn.execute("SELECT doc_id FROM paths WHERE path = ?", (rel,)).fetchone()
        affected = [doc_id]
        if old and old[0] != doc_id:
            members = self.conn.execute("SELECT path, doc_id FROM paths WHERE root_path = ? "
                                        "AND path != ?", (rel, rel)).fetchall()
            affected += self._drop_paths("root_path = ? AND path != ?", (rel, rel))
            affected += self._drop_paths("path = ?", (rel,))
            self._record_version(rel, old[0], doc_id)
            self._await_versions(members)
        elif old is None and parent_path:
            self._settle_version(rel, doc_id)
        self.conn.execute(
            "INSERT INTO paths (path, doc_id, size, mtime_ns, parent_path, root_path, first_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET"
            " doc_id = excluded.doc_id, size = excluded.size, mtime_ns = excluded.mtime_ns",
            (rel, doc_id, size, mtime_ns, parent_path, root_path or rel, _now()))
        self.conn.execute("DELETE FROM pending_children WHERE path = ?", (rel,))
        if parent_path:  # the same bytes also found inside a container: say where
            self.conn.execute(
                "UPDATE documents SET parent_id = (SELECT doc_id FROM paths WHERE path = ?), "
                "indexed = 0 WHERE doc_id = ? AND parent_id IS NULL", (parent_path, doc_id))
        self._refresh_presence(affected)
        self.uncommitted += 1

    def _record_version(self, rel: str, old_id: str, new_id: str) -> None:
        # The file at `rel` changed in place: the old id's permalink leads to the new one,
        # and the new document lists the old (archive/versions.py reads the chain).
        self.conn.execute("INSERT INTO versions (path, doc_id, next_id, replaced_at) "
                          "VALUES (?, ?, ?, ?)", (rel, old_id, new_id, _now()))

    def _await_versions(self, members) -> None:
        # A container changed: its members are unpacked again later (pending_children), so
        # each old member waits, next_id NULL, for what the new container holds at its path.
        self.conn.executemany("INSERT INTO versions (path, doc_id, next_id, replaced_at) "
                              "VALUES (?, ?, NULL, ?)",
                              [(path, doc_id, _now()) for path, doc_id in members])

    def _settle_version(self, rel: str, doc_id: str) -> None:
        # The same bytes again are no new version; a member the new container lacks keeps
        # waiting, and readers take it for removed.
        self.conn.execute("DELETE FROM versions WHERE path = ? AND next_id IS NULL "
                          "AND doc_id = ?", (rel, doc_id))
        self.conn.execute("UPDATE versions SET next_id = ?, replaced_at = ? WHERE path = ? "
                          "AND next_id IS NULL", (doc_id, _now(), rel))

    @_atomic
    def touch_path(self, rel: str, size: int, mtime_ns: int) -> None:
        """Same content, new timestamp: remember it so the file is not hashed again."""
        self.conn.execute("UPDATE paths SET size = ?, mtime_ns = ? WHERE path = ?",
                          (size, mtime_ns, rel))

    # documents ------------------------------------------------------------------------------
    @_atomic
    def record(self, outcome: Outcome) -> str:
        """Store one extracted (or failed) document with its pages and its path; returns its id.

        Child files the outcome names are queued in pending_children in the same transaction,
        so a run killed before they are extracted picks them up again.
        """
        task = outcome.task
        doc_id = doc_id_for(task.sha256)
        self.conn.execute(
            "INSERT OR REPLACE INTO documents (doc_id, sha256, size, mime, kind, title, author, "
            "created, modified, page_count, languages, metadata, status, reason, error, "
            "parent_id, extractor, seconds, extracted_at, present, indexed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)",
            (doc_id, task.sha256, task.size, outcome.mime, outcome.kind, outcome.title,
             outcome.author, outcome.created, outcome.modified, len(outcome.pages),
             json.dumps(list(outcome.languages)),
             json.dumps(outcome.metadata, ensure_ascii=False, default=str),
             outcome.status, outcome.reason, outcome.error, task.parent_id, EXTRACTOR_VERSION,
             outcome.seconds, _now()))
        self.conn.execute("DELETE FROM pages WHERE doc_id = ?", (doc_id,))
        languages = outcome.page_languages or [()] * len(outcome.pages)
        self.conn.executemany(
            "INSERT INTO pages (doc_id, n, text, languages) VALUES (?, ?, ?, ?)",
            [(doc_id, n, compress_text(text), json.dumps(list(langs)))
             for n, (text, langs) in enumerate(zip(outcome.pages, languages, strict=True), 1)])
        listing = outcome.names or list_names(outcome.title, outcome.pages, default_aliases())
        self.conn.execute("INSERT OR REPLACE INTO doc_names VALUES (?, ?, ?, ?)",
                          (doc_id, *names_row(listing)))
        self.set_path(task.rel, doc_id, task.size, task.mtime_ns, task.parent_path,
                      task.root_path)
        for child in outcome.children:
            self.conn.execute(
                "INSERT OR REPLACE INTO pending_children VALUES (?, ?, ?, ?, ?, ?, ?)",
                (f"{task.rel}!/{child.name}", child.sha256, child.size, doc_id, task.rel,
                 task.root_path, task.depth + 1))
        return doc_id

    # runs -----------------------------------------------------------------------------------
    def start_run(self, folder: Path) -> int:
        self.commit()
        cur = self.conn.execute("INSERT INTO runs (folder, started) VALUES (?, ?)",
                                (str(folder), _now()))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, summary: dict) -> None:
        self.commit()
        self.conn.execute("UPDATE runs SET finished = ?, summary = ? WHERE run_id = ?",
                          (_now(), json.dumps(summary, ensure_ascii=False), run_id))

    # the index projection -------------------------------------------------------------------
    def _open_index(self) -> SearchIndex:
        # The engine is recorded in the catalog when the index is made, so later runs and
        # the site open the same one; a rebuild may move the archive to another engine.
        engine, shards = archive_engine(self.settings)
        restore_interrupted_swap(index_folder(self.settings, engine, shards))
        index, repaired = open_index_for_writing(self.settings)
        # A damaged index is only a projection: refill it from the catalog. So is an empty
        # one the catalog thinks holds documents (its folder was deleted, or a shard server
        # came back without its data): else they would never be searchable again.
        if repaired or index.doc_count() == 0 and self.conn.execute(
                "SELECT 1 FROM documents WHERE indexed = 1 AND present = 1 LIMIT 1").fetchone():
            self.conn.execute("UPDATE documents SET indexed = 0")
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                  [("engine", engine), ("xapian_shards", shards)])
        return index

    def list_documents(self, reporter=None) -> int:
        """List the names of every document the doc_names table lacks (a catalog made
        before it, or listed with another alias table), in `-j` processes, committing each
        batch, so news linking never rereads a document's text; returns how many."""
        self.commit()
        todo = names.pending(self.conn)
        if todo and reporter is not None:
            reporter.phase("listing names", len(todo))
        for rows in names.listings(self.conn, self.settings.catalog_path, todo,
                                   self.settings.worker_count):
            with transaction(self.conn):
                self.conn.executemany("INSERT OR REPLACE INTO doc_names VALUES (?, ?, ?, ?)",
                                      rows)
            if reporter is not None:
                reporter.step("", len(rows))
        return len(todo)

    def embed_documents(self, reporter=None) -> int:
        """Compute the sentence embeddings of every document that has none yet (news linking
        uses them) and bring the vector index up to date (a killed run may have left it
        behind); each batch is committed, so an interrupted run keeps its work."""
        from indexer import embed

        self.commit()
        todo = embed.pending(self.conn)
        if todo and reporter is not None:
            reporter.phase("embedding", len(todo))
        step = (lambda n: reporter.step("", n)) if reporter is not None else None
        return embed.ensure_embeddings(self.conn, progress=step,
                                            procs=self.settings.worker_count, todo=todo)

    def relink_news(self) -> int:
        """Recompute every news article's links after the documents changed; returns how
        many articles there were (none: nothing to do, no embeddings computed)."""
        if not self.conn.execute("SELECT 1 FROM news LIMIT 1").fetchone():
            return 0
        from indexer import news

        self.commit()
        count = news.relink(self.conn, open_index(self.settings))
        self.sync_index()  # coverage the reviews or new links changed
        return count

    def sync_index(self, rebuild: bool = False, progress=None) -> int:
        """Project every document changed since the last sync into the search index.

        With `rebuild`, a new index is made from the whole catalog (no re-extraction) in a
        folder of its own and swapped in when complete (indexer/rebuild.py): searches answer
        from the old one meanwhile. Returns how many documents were written or deleted (with
        `rebuild`: how many the new index holds).
        """
        self.commit()
        if rebuild:
            count = rebuild_index(self.conn, self.settings, progress)
            self.sync_index()  # documents that changed while it was being built
            return count
        index = self._open_index()
        done = 0
        while True:
            # indexed = 2: claimed by a projector (indexer/project.py) that did not finish
            rows = self.conn.execute("SELECT doc_id, present FROM documents WHERE indexed = 0 "
                                     "UNION ALL SELECT doc_id, present FROM documents "
                                     "WHERE indexed = 2 LIMIT ?", (INDEX_CHUNK,)).fetchall()
            if not rows:
                return done
            gone = [r[0] for r in rows if not r[1]]
            present = [r[0] for r in rows if r[1]]
            index.delete(gone)
            index.upsert(index_records(self.conn, present), procs=self.settings.index_procs)
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("UPDATE documents SET indexed = 1 WHERE doc_id = ?",
                                  [(r[0],) for r in rows])
            self.conn.execute("COMMIT")
            done += len(rows)
            if progress:
                progress(done)
