"""The archive's overview counts (home page, `docket status`), cached per catalog.

Counting a release's catalog takes seconds (1.7 s at 100,000 documents), and while an
indexer writes, the catalog changes with every commit: recounted on each change, the home
page cost every visitor those seconds, and eight at once took 10 s. So one thread counts
at a time (the others wait for its answer), and a count stays in use after the catalog
changed for STALE_FACTOR times what it cost: a small archive is always counted afresh, a
release's overview lags its indexer by half a minute at most and costs it under 5% of a
core.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from archive.catalog import Catalog

STALE_FACTOR = 20
clock = time.monotonic  # tests replace it


class _Counted(NamedTuple):
    version: tuple
    at: float  # when the count started
    cost: float  # seconds it took
    counts: dict[str, Any]


_COUNTED: dict[str, _Counted] = {}
_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


def _usable(counted: _Counted | None, version: tuple) -> bool:
    return counted is not None and (counted.version == version or
                                    clock() - counted.at < STALE_FACTOR * counted.cost)


def counts(catalog: Catalog) -> dict[str, Any]:
    """The catalog's counts (see Catalog.counts), counted again only when it changed and
    the last count is older than STALE_FACTOR times its cost."""
    path, version = str(catalog.path), catalog.version()
    if _usable(_COUNTED.get(path), version):
        return _COUNTED[path].counts
    with _GUARD:
        lock = _LOCKS.setdefault(path, threading.Lock())
    with lock:
        if _usable(_COUNTED.get(path), version):  # another thread counted meanwhile
            return _COUNTED[path].counts
        began = clock()
        result = _count(catalog)
        _COUNTED[path] = _Counted(version, began, clock() - began, result)
        return result


def _count(catalog: Catalog) -> dict[str, Any]:
    c = catalog.conn
    present = "FROM documents WHERE present = 1"
    by = lambda col: {r[0] or "": r[1] for r in c.execute(  # noqa: E731
        f"SELECT {col}, COUNT(*) {present} GROUP BY 1 ORDER BY 2 DESC, 1")}
    langs = {r[0]: r[1] for r in c.execute(
        "SELECT COALESCE(j.value, 'none'), COUNT(*) FROM documents d "
        "LEFT JOIN json_each(d.languages) j WHERE d.present = 1 GROUP BY 1")}
    listed = lambda status: [  # noqa: E731
        dict(doc_id=r[0], path=r[1], reason=r[2], error=r[3]) for r in c.execute(
            "SELECT d.doc_id, MIN(p.path), d.reason, d.error FROM documents d "
            "JOIN paths p ON p.doc_id = d.doc_id WHERE d.status = ? AND d.present = 1 "
            "AND d.reason IS NOT NULL "
            "GROUP BY d.doc_id ORDER BY 2", (status,))]
    folders = {r[0]: r[1] for r in c.execute(
        "SELECT CASE WHEN instr(root_path, '/') > 0 "
        "THEN substr(root_path, 1, instr(root_path, '/') - 1) ELSE '(top level)' END, "
        "COUNT(DISTINCT doc_id) FROM paths GROUP BY 1")}
    years = {r[0]: r[1] for r in c.execute(
        "SELECT substr(COALESCE(created, modified), 1, 4) AS y, COUNT(*) "
        f"{present} AND y IS NOT NULL GROUP BY 1 ORDER BY 1")}
    return {
        "documents": c.execute(f"SELECT COUNT(*) {present}").fetchone()[0],
        "folders": dict(sorted(folders.items(), key=lambda kv: (-kv[1], kv[0]))),
        "years": years,
        "paths": c.execute("SELECT COUNT(*) FROM paths").fetchone()[0],
        "gone": c.execute("SELECT COUNT(*) FROM documents WHERE present = 0").fetchone()[0],
        "pages": c.execute("SELECT COALESCE(SUM(page_count), 0) "
                           + present).fetchone()[0],
        "bytes": c.execute(f"SELECT COALESCE(SUM(size), 0) {present}").fetchone()[0],
        "kinds": by("kind"),
        "mime_types": by("mime"),
        "languages": dict(sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))),
        "statuses": by("status"),
        "reasons": by("reason"),
        "failed": listed("failed"),
        "empty": listed("empty"),  # read, with nothing to read: not failures
        "notes": listed("ok"),  # read, with a remark: members left packed (--max-depth)
        "collection": catalog.meta("collection"),
    }
