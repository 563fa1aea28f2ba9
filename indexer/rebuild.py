"""Rebuilding the search index from the catalog into a new folder, swapped in atomically.

Searches go on answering from the old index while the new one is built, and a rebuild
killed at any moment leaves the old index in place and whole: the new one only replaces it
with one rename (RENAME_EXCHANGE on Linux) once it is complete. Called by CatalogWriter,
the only writer of the index.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from archive.catalog import index_records
from archive.config import Settings
from archive.engines import archive_engine, index_folder, recreate_index
from indexer.processes import is_alive

CHUNK = 5000  # documents read from the catalog and written to the new index at a time
BUILD_MARK = ".build-"  # var/index.build-<pid>: a new index while it is being made
AT_FDCWD = -100
RENAME_EXCHANGE = 2  # linux/fs.h


def build_folder(live: Path) -> Path:
    """Where this process builds the replacement of the index folder `live`."""
    return live.with_name(f"{live.name}{BUILD_MARK}{os.getpid()}")


def remove_stale_builds(live: Path) -> None:
    """Remove what killed rebuilds left beside `live` (their process is gone)."""
    for old in live.parent.glob(f"{live.name}{BUILD_MARK}*"):
        pid = old.name.rsplit(BUILD_MARK, 1)[1].split("-")[0]
        if pid.isdigit() and not is_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def restore_interrupted_swap(live: Path | None) -> None:
    """Put back the old index when a rebuild died between the two renames of a swap without
    RENAME_EXCHANGE (the moment the index folder is missing)."""
    if live is None or live.exists():
        return
    aside = sorted(live.parent.glob(f"{live.name}{BUILD_MARK}*-old"))
    if aside:
        os.rename(aside[-1], live)


def rebuild(conn: sqlite3.Connection, settings: Settings,
            progress: Callable[[int], None] | None = None) -> int:
    """Project every present document of the catalog into a new index and swap it in;
    records the engine in the catalog's meta table in the same transaction as the swap.

    Returns how many documents the new index holds. The documents' `indexed` flags are left
    as they were: the old index stays in step with them until the swap. Remote Xapian
    shards have no folder to swap: they are emptied and refilled in place.
    """
    engine, shards = archive_engine(settings, switching=True)
    live = index_folder(settings, engine, shards)
    target = None
    if live is not None:
        remove_stale_builds(live)
        target = build_folder(live)
        shutil.rmtree(target, ignore_errors=True)
    index = recreate_index(settings, folder=target)
    done, last = 0, ""
    while True:
        ids = [r[0] for r in conn.execute(
            "SELECT doc_id FROM documents WHERE present = 1 AND doc_id > ? ORDER BY doc_id "
            "LIMIT ?", (last, CHUNK))]
        if not ids:
            break
        index.upsert(index_records(conn, ids), procs=settings.index_procs)
        done, last = done + len(ids), ids[-1]
        if progress:
            progress(done)
    del index  # let go of the new folder before it moves
    # Readers open the engine the catalog records: record it, then swap, in one transaction.
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [("engine", engine), ("xapian_shards", shards)])
        old = _swap_in(target, live) if target is not None else None
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return done


def _swap_in(new: Path, live: Path) -> Path | None:
    """Put folder `new` at `live` in one step; returns where the old folder now is."""
    if not live.exists():
        os.rename(new, live)
        return None
    if _exchange(new, live):
        return new  # the two swapped names: `new` now holds the old index
    # No RENAME_EXCHANGE (not Linux, or a file system without it): two renames, the old
    # folder put aside first. Between them, for a moment, there is no index folder.
    aside = live.with_name(f"{live.name}{BUILD_MARK}{os.getpid()}-old")
    os.rename(live, aside)
    os.rename(new, live)
    return aside


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False when unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this kernel or file system cannot
        return False
    raise OSError(err, os.strerror(err), str(b))
