"""Which search engine serves an archive: the one recorded in its catalog, opened here."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.config import Settings
from archive.errors import EngineMismatchError
from archive.search import SearchIndex, WhooshIndex

ENGINES = ("whoosh", "xapian")


def recorded_engine(settings: Settings) -> tuple[str | None, str]:
    """(engine, shards) as the catalog's meta table records them; (None, "") when the
    archive is new or predates the record (then its index is a Whoosh one)."""
    if not settings.catalog_path.exists():
        return None, ""
    conn = sqlite3.connect(f"file:{settings.catalog_path}?mode=ro", uri=True, timeout=30)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                                 "('engine', 'xapian_shards')").fetchall())
        has_documents = conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        return None, ""
    finally:
        conn.close()
    engine = meta.get("engine") or ("whoosh" if has_documents else None)
    return engine, meta.get("xapian_shards", "")


def archive_engine(settings: Settings, switching: bool = False) -> tuple[str, str]:
    """The engine and shards that serve the archive: the recorded ones, or the settings'
    for a new archive (or, with `switching`, for a rebuild into another engine).

    Raises EngineMismatchError when the settings name another engine than the recorded
    one without a rebuild, and ValueError for an unknown engine name.
    """
    wanted = settings.engine.strip().lower()
    if wanted and wanted not in ENGINES:
        raise ValueError(f"Unknown search engine {settings.engine!r}; use whoosh or xapian.")
    recorded, shards = recorded_engine(settings)
    if recorded and wanted and wanted != recorded and not switching:
        raise EngineMismatchError(
            f"{settings.var} is searched with {recorded}, not {wanted}. To move it, rebuild "
            f"the index from the catalog: docket index <folder> --var {settings.var} "
            f"--rebuild-index --engine {wanted}")
    engine = (wanted if switching else recorded) or wanted or recorded or "whoosh"
    return engine, settings.xapian_shards or (shards if engine == recorded else "")


def _xapian(settings: Settings, shards: str):
    from archive.xapian_index import XapianIndex, parse_shards

    return XapianIndex, dict(path=settings.xapian_dir, shards=parse_shards(shards))


def open_index(settings: Settings, create: bool = False) -> SearchIndex:
    """Open the archive's search index with its recorded engine; `create` makes an empty
    one when there is none. Raises IndexMissingError, EngineMismatchError."""
    engine, shards = archive_engine(settings)
    if engine == "xapian":
        cls, where = _xapian(settings, shards)
        return cls(create=create, **where)
    return WhooshIndex(settings.index_dir, create=create)


def open_index_for_writing(settings: Settings) -> tuple[SearchIndex, bool]:
    """Open or create the index for the indexer; a damaged or outdated one is recreated.
    Returns (index, repaired): when repaired, refill it from the catalog."""
    engine, shards = archive_engine(settings)
    if engine == "xapian":
        cls, where = _xapian(settings, shards)
        return cls.open_for_writing(**where)
    return WhooshIndex.open_for_writing(settings.index_dir)


def index_folder(settings: Settings, engine: str, shards: str = "") -> Path | None:
    """The folder an engine keeps the archive's index in; None for remote Xapian shards."""
    if engine == "xapian":
        return None if shards else settings.xapian_dir
    return settings.index_dir


def recreate_index(settings: Settings, folder: Path | None = None) -> SearchIndex:
    """An empty index of the settings' engine (the recorded one when unset), for rebuilds
    and for moving an archive to the other engine; the caller records the engine. With
    `folder`, the index is made there (to be swapped in when complete) instead of in the
    archive's own folder; remote shards have no folder and are emptied in place."""
    engine, shards = archive_engine(settings, switching=True)
    if engine == "xapian":
        cls, where = _xapian(settings, shards)
        if folder is not None and not shards:
            where["path"] = folder
        return cls.recreate(**where)
    return WhooshIndex.recreate(folder or settings.index_dir)
