"""The catalog (var/catalog.sqlite): its schema, connections and the read-side queries."""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from archive.errors import DocumentGoneError, DocumentNotFoundError, IndexMissingError
from archive.model import Document, IndexRecord, Page
from archive.permalinks import ID_LENGTH, doc_id_for, is_doc_id

SCHEMA_VERSION = 4  # 2: editors' findings (tags, stars, notes, saved searches), versions
# 3: editors' notes on news links (a link the machine missed, added by hand)
# 4: doc_names, the names news linking reads of each document (archive/xref/listing.py)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT, author TEXT, created TEXT, modified TEXT,
    page_count INTEGER NOT NULL DEFAULT 0,
    languages TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    reason TEXT, error TEXT,
    parent_id TEXT,
    extractor TEXT,
    seconds REAL,
    extracted_at TEXT NOT NULL,
    present INTEGER NOT NULL DEFAULT 1,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS documents_parent ON documents(parent_id);
CREATE INDEX IF NOT EXISTS documents_unindexed ON documents(indexed) WHERE indexed = 0;
-- indexed = 2: claimed by the indexer's projector process (indexer/project.py), not yet indexed
CREATE INDEX IF NOT EXISTS documents_claimed ON documents(indexed) WHERE indexed = 2;
CREATE TABLE IF NOT EXISTS pages (
    doc_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    text BLOB NOT NULL,
    languages TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (doc_id, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paths (
    path TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    parent_path TEXT,
    root_path TEXT NOT NULL,
    first_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paths_doc ON paths(doc_id);
CREATE INDEX IF NOT EXISTS paths_parent ON paths(parent_path);
CREATE INDEX IF NOT EXISTS paths_root ON paths(root_path);
CREATE TABLE IF NOT EXISTS pending_children (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    parent_id TEXT NOT NULL,
    parent_path TEXT NOT NULL,
    root_path TEXT NOT NULL,
    depth INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS former_paths (
    path TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    removed_at TEXT NOT NULL,
    PRIMARY KEY (path, doc_id)
);
CREATE TABLE IF NOT EXISTS news (
    news_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text BLOB NOT NULL,
    outlet TEXT, author TEXT, published TEXT, url TEXT, source TEXT, language TEXT,
    added_at TEXT NOT NULL,
    added_by TEXT
);
CREATE TABLE IF NOT EXISTS news_links (
    news_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    score REAL NOT NULL,
    page INTEGER,
    evidence TEXT NOT NULL DEFAULT '{}',
    above INTEGER NOT NULL DEFAULT 0,
    review TEXT NOT NULL DEFAULT 'suggested',
    reviewed_by TEXT,
    reviewed_at TEXT,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (news_id, doc_id)
);
CREATE INDEX IF NOT EXISTS news_links_doc ON news_links(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    doc_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    page INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (doc_id, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS editors (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    subject TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_subject ON login_failures(subject, at);
CREATE TABLE IF NOT EXISTS doc_tags (
    doc_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    tagged_by TEXT NOT NULL,
    tagged_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_tags_tag ON doc_tags(tag);
CREATE TABLE IF NOT EXISTS doc_stars (
    doc_id TEXT NOT NULL,
    editor TEXT NOT NULL,
    starred_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, editor)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_notes (
    note_id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    page INTEGER,
    text TEXT NOT NULL,
    written_by TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_notes_doc ON doc_notes(doc_id, page);
CREATE TABLE IF NOT EXISTS link_notes (
    news_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    note TEXT NOT NULL,
    written_by TEXT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (news_id, doc_id)
);
CREATE TABLE IF NOT EXISTS saved_searches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '[]',
    sort TEXT NOT NULL DEFAULT 'relevance',
    aliases INTEGER NOT NULL DEFAULT 1,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    version_id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    next_id TEXT,  -- NULL: a member of a changed container, not found again (yet)
    replaced_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS versions_doc ON versions(doc_id);
CREATE INDEX IF NOT EXISTS versions_next ON versions(next_id);
-- Listed by the indexer with the alias table meta 'doc_names' names; names: JSON entity ids,
-- spellings: compressed JSON [latin, arabic] (archive/xref/listing.py).
CREATE TABLE IF NOT EXISTS doc_names (
    doc_id TEXT PRIMARY KEY,
    names TEXT NOT NULL,
    complete INTEGER NOT NULL,
    spellings BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    folder TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    summary TEXT
);
"""

MEMBER_SEP = "!/"  # separates a container's path from a member's path inside it
# The links a reader is shown (in SQL over news_links): above the threshold or confirmed by
# an editor, and not rejected. Search's "covered" facet and the link pages use it alike.
SHOWN_LINK = "(above = 1 OR review = 'confirmed') AND review != 'rejected'"


def compress_text(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


def decompress_text(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the statements of the block as one transaction: all committed, or none (a kill or
    an error in between leaves the catalog as it was). The catalog's connections are in
    autocommit mode, where `with conn:` alone would commit statement by statement. Inside
    an open transaction the block is a savepoint of it."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT block")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO block")
            conn.execute("RELEASE block")
            raise
        conn.execute("RELEASE block")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def page_texts(conn: sqlite3.Connection, doc_id: str, limit: int | None = None
               ) -> Iterator[tuple[int, str]]:
    """(page number, text) of a document's pages in order, the first `limit` only if given."""
    sql = "SELECT n, text FROM pages WHERE doc_id = ? ORDER BY n"
    args: tuple = (doc_id,)
    if limit is not None:
        sql, args = sql + " LIMIT ?", (doc_id, limit)
    for n, blob in conn.execute(sql, args):
        yield n, decompress_text(blob)


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """Open the catalog; with `readonly` it must exist already.

    Raises IndexMissingError when a read-only catalog does not exist.
    """
    if readonly:
        if not path.exists():
            raise IndexMissingError(
                f"No catalog at {path}. Build it with: docket index <folder> --var {path.parent}")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30,
                               check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss, not only a killed process.
        conn.execute("PRAGMA synchronous=FULL")
        # Every table is CREATE ... IF NOT EXISTS: opening a catalog made by an older
        # Docket adds what it lacks (the migration), and the version says it was done.
        conn.executescript(SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                     (str(SCHEMA_VERSION),))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version' "
                     "AND CAST(value AS INTEGER) < ?", (str(SCHEMA_VERSION), SCHEMA_VERSION))
    conn.row_factory = sqlite3.Row
    return conn


_MIGRATED: set[str] = set()


def migrate(path: Path) -> None:
    """Bring a catalog made by an older Docket up to SCHEMA_VERSION (adding the tables it
    lacks), once per process; a catalog that cannot be written (read-only media) is left
    as it is, and the readers of the newer tables treat them as empty."""
    if str(path) in _MIGRATED or not path.exists():
        return
    probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        row = probe.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:
        row = None
    finally:
        probe.close()
    if row is None or int(row[0]) < SCHEMA_VERSION:
        try:
            connect(path).close()
        except sqlite3.OperationalError:
            return  # read-only: try again next time
    _MIGRATED.add(str(path))


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """True when the catalog holds the table (an unmigrated, read-only one may not)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (name,)).fetchone() is not None


class Catalog:
    """Read access to the catalog: documents, pages, paths and counts."""

    def __init__(self, path: Path):
        self.path = path
        migrate(path)
        self.conn = connect(path, readonly=True)

    def close(self) -> None:
        self.conn.close()

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def resolve(self, ref: str) -> str:
        """Turn a doc id, an id prefix, a SHA-256 or a path into a doc id.

        Raises DocumentNotFoundError when nothing matches, naming what was asked.
        """
        ref = ref.strip()
        low = ref.lower()
        if len(low) == 64 and all(c in "0123456789abcdef" for c in low):
            low = doc_id_for(low)
        if is_doc_id(low):
            row = self.conn.execute("SELECT doc_id FROM documents WHERE doc_id = ?",
                                    (low,)).fetchone()
            if row:
                return row[0]
        row = self.conn.execute("SELECT doc_id FROM paths WHERE path = ?", (ref,)).fetchone()
        row = row or self.conn.execute(
            "SELECT doc_id FROM former_paths WHERE path = ? ORDER BY removed_at DESC",
            (ref,)).fetchone()
        if row:
            return row[0]
        if 4 <= len(low) < ID_LENGTH and all(c in "0123456789abcdef" for c in low):
            rows = self.conn.execute("SELECT doc_id FROM documents WHERE doc_id LIKE ? LIMIT 2",
                                     (low + "%",)).fetchall()
            if len(rows) == 1:
                return rows[0][0]
        raise DocumentNotFoundError(
            f"No document with id or path {ref!r}. Search for it with: docket status, "
            f"or give the {ID_LENGTH}-character id shown by the site.")

    def document(self, doc_id: str, allow_gone: bool = False) -> Document:
        """The document with this id.

        Raises DocumentNotFoundError for an unknown id and DocumentGoneError (carrying the
        document) when it has left the collection, unless `allow_gone`.
        """
        row = self.conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise DocumentNotFoundError(f"No document with id {doc_id!r} in this archive.")
        paths = tuple(r[0] for r in self.conn.execute(
            "SELECT path FROM paths WHERE doc_id = ? ORDER BY path", (doc_id,)))
        former = tuple(r[0] for r in self.conn.execute(
            "SELECT path FROM former_paths WHERE doc_id = ? ORDER BY removed_at DESC, path",
            (doc_id,)) if r[0] not in paths)
        children = tuple((r[0], r[1]) for r in self.conn.execute(
            "SELECT DISTINCT c.doc_id, p.path FROM paths p JOIN documents c ON c.doc_id = p.doc_id "
            "WHERE p.parent_path IN (SELECT path FROM paths WHERE doc_id = ?) ORDER BY p.path",
            (doc_id,)))
        doc = _document_from_row(row, paths, former, children)
        if not doc.present and not allow_gone:
            raise _gone(self.conn, doc)
        return doc

    def pages(self, doc_id: str, start: int = 1, count: int | None = None) -> list[Page]:
        """Pages of a document in order, optionally a window of `count` pages from `start`."""
        sql = "SELECT n, text, languages FROM pages WHERE doc_id = ? AND n >= ? ORDER BY n"
        args: list[Any] = [doc_id, start]
        if count is not None:
            sql += " LIMIT ?"
            args.append(count)
        return [Page(r["n"], decompress_text(r["text"]), tuple(json.loads(r["languages"])))
                for r in self.conn.execute(sql, args)]

    def iter_pages(self, doc_id: str) -> Iterator[Page]:
        """Pages of a document in order, read and decompressed one at a time as asked for
        (snippets stop at the first matching pages of a 500-page scan)."""
        cursor = self.conn.execute("SELECT n, text, languages FROM pages WHERE doc_id = ? "
                                   "ORDER BY n", (doc_id,))
        try:
            for r in cursor:
                yield Page(r["n"], decompress_text(r["text"]), tuple(json.loads(r["languages"])))
        finally:
            cursor.close()

    def version(self) -> tuple:
        """What changes with every commit to the catalog: its files' times and sizes."""
        # The database and its write-ahead log change on every commit of the indexer.
        stamps = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.path}{suffix}")
                stamps.append((st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append(None)
        return (str(self.path), *stamps)

    def counts(self) -> dict[str, Any]:
        """What the archive holds: totals and counts by kind, MIME type, language, folder,
        year and status, the failed files and those with nothing to read (status "empty").
        Cached (archive/overview.py)."""
        from archive.overview import counts  # overview reads the schema defined here
        return counts(self)

    def last_run(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        return dict(row) if row else None


def _gone(conn: sqlite3.Connection, doc: Document) -> DocumentGoneError:
    """The 410 of a document that left: with its version chain, and when its file was
    changed in place, the current version at that path named in the message."""
    from archive.versions import version_chain  # versions reads the schema defined here

    chain = version_chain(conn, doc.doc_id)
    current = chain.current
    if current is None:
        message = (f"Document {doc.doc_id} is no longer in the archive: the file left the "
                   "collection.")
    else:
        message = (f"Document {doc.doc_id} is no longer in the archive: the file at "
                   f"{chain.later[0].path} was changed. The current version is "
                   f"{current.doc_id}.")
    return DocumentGoneError(message, document=doc, versions=chain)


def _document_from_row(row: sqlite3.Row, paths, former, children) -> Document:
    return Document(
        doc_id=row["doc_id"], sha256=row["sha256"], size=row["size"], mime=row["mime"],
        kind=row["kind"], title=row["title"], author=row["author"], created=row["created"],
        modified=row["modified"], page_count=row["page_count"],
        languages=tuple(json.loads(row["languages"])), metadata=json.loads(row["metadata"]),
        status=row["status"], reason=row["reason"], error=row["error"],
        parent_id=row["parent_id"], paths=paths, former_paths=former, children=children,
        present=bool(row["present"]))


def index_records(conn: sqlite3.Connection, doc_ids: list[str]) -> Iterator[IndexRecord]:
    """Build the search-index projection of the given (present) documents from the catalog."""
    for doc_id in doc_ids:
        row = conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            continue
        paths = tuple(r[0] for r in conn.execute(
            "SELECT path FROM paths WHERE doc_id = ? ORDER BY path", (doc_id,)))
        text = "\n\f".join(t for _, t in page_texts(conn, doc_id))
        doc = _document_from_row(row, paths, (), ())
        covered = conn.execute(f"SELECT 1 FROM news_links WHERE doc_id = ? AND {SHOWN_LINK} "
                               "LIMIT 1", (doc_id,)).fetchone() is not None
        yield IndexRecord(
            doc_id=doc.doc_id, sha256=doc.sha256, title=doc.display_title, text=text,
            paths=paths, mime=doc.mime, kind=doc.kind, languages=doc.languages,
            author=doc.author, date=doc.created or doc.modified, page_count=doc.page_count,
            status=doc.status, parent_id=doc.parent_id, size=doc.size, covered=covered)
