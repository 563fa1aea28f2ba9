"""Version chains: the earlier and later contents of a path whose file changed in place
(same path, new bytes, so a new id), archive members included. indexer/write.py records
each replacement in the catalog's `versions` table; this module reads the chains."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archive.catalog import has_table

MAX_VERSIONS = 200  # a path rewritten more often than this lists its newest changes only


@dataclass(frozen=True)
class Version:
    """One other version of a document: its id, the path where the change was seen, when
    (ISO time), and whether it is still in the archive."""

    doc_id: str
    path: str
    changed_at: str
    present: bool


@dataclass(frozen=True)
class VersionChain:
    """A document's earlier versions (newest first) and the later ones (oldest first)."""

    earlier: tuple[Version, ...] = ()
    later: tuple[Version, ...] = ()

    @property
    def current(self) -> Version | None:
        """The newest version when it is still in the archive: where an old permalink
        leads. None when the chain ends in a file that was removed."""
        return self.later[-1] if self.later and self.later[-1].present else None

    def __bool__(self) -> bool:
        return bool(self.earlier or self.later)


def _present(conn: sqlite3.Connection, doc_id: str) -> bool:
    row = conn.execute("SELECT present FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    return bool(row and row[0])


def later_versions(conn: sqlite3.Connection, doc_id: str) -> tuple[Version, ...]:
    """What replaced the document, then what replaced that, in order. At each step the
    change at the same path comes first; replacements are followed forward in time only,
    so a file changed back and forth cannot loop."""
    out, seen, current, after, path = [], {doc_id}, doc_id, 0, ""
    while len(out) < MAX_VERSIONS:
        row = conn.execute(
            "SELECT version_id, path, next_id, replaced_at FROM versions WHERE doc_id = ? "
            "AND next_id IS NOT NULL AND version_id > ? ORDER BY path = ? DESC, version_id "
            "LIMIT 1",
            (current, after, path)).fetchone()
        if row is None or row[2] in seen:
            break
        after, path, current = row[0], row[1], row[2]
        seen.add(current)
        out.append(Version(current, path, row[3], _present(conn, current)))
    return tuple(out)


def earlier_versions(conn: sqlite3.Connection, doc_id: str) -> tuple[Version, ...]:
    """Every version the document replaced, directly or through others, newest first; each
    with the path and time of the change that replaced it."""
    found: dict[str, tuple[int, Version]] = {}
    frontier = [(doc_id, None)]
    while frontier and len(found) < MAX_VERSIONS:
        current, before = frontier.pop()
        for version_id, path, earlier, at in conn.execute(
                "SELECT version_id, path, doc_id, replaced_at FROM versions WHERE next_id = ? "
                "AND (? IS NULL OR version_id < ?)", (current, before, before)):
            if earlier == doc_id or earlier in found:
                continue
            found[earlier] = (version_id, Version(earlier, path, at, _present(conn, earlier)))
            frontier.append((earlier, version_id))
    return tuple(v for _, v in sorted(found.values(), key=lambda pair: -pair[0]))


def version_chain(conn: sqlite3.Connection, doc_id: str) -> VersionChain:
    """The document's version chain; empty when its file never changed in place (or the
    catalog predates version chains and could not be migrated)."""
    if not has_table(conn, "versions"):
        return VersionChain()
    return VersionChain(earlier_versions(conn, doc_id), later_versions(conn, doc_id))
