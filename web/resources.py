"""Per-request resources cached on flask `g`: the catalog, a writable connection, the indexes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from flask import current_app, g

from archive.catalog import Catalog, connect
from archive.config import Settings
from archive.engines import open_index
from archive.search import SearchIndex, WhooshIndex
from web.broad import BroadSearches


def get_settings() -> Settings:
    """The settings the app was built with."""
    return current_app.config["DOCKET"]


def get_clock() -> Callable[[], float]:
    """The app's clock, seconds since the epoch (time.time unless a test gave another)."""
    return current_app.config["DOCKET_CLOCK"]


def get_catalog() -> Catalog:
    """The read-only catalog, opened once per request."""
    if "catalog" not in g:
        g.catalog = Catalog(get_settings().catalog_path)
    return g.catalog


def get_writable() -> sqlite3.Connection:
    """A writable catalog connection, for the editor actions; opened once per request.
    IndexMissingError when the catalog was never built (it is not created here)."""
    if "writable" not in g:
        get_catalog()
        g.writable = connect(get_settings().catalog_path)
    return g.writable


def get_index() -> SearchIndex:
    """The documents' search index, with the engine the archive records (Whoosh or
    Xapian); IndexMissingError when it was never built."""
    if "index" not in g:
        index = open_index(get_settings())
        broad = current_app.config.get("DOCKET_BROAD")  # web.broad.BroadRunner (serve)
        g.index = BroadSearches(index, broad) if broad and hasattr(index, "is_broad") \
            else index
    return g.index


def get_news_index() -> WhooshIndex:
    """The news articles' search index."""
    return WhooshIndex(get_settings().news_index_dir)


def close_resources(_exc: BaseException | None = None) -> None:
    """Close what this request opened (registered as an app-context teardown)."""
    for name in ("catalog", "writable"):
        resource = g.pop(name, None)
        if resource is not None:
            resource.close()
    g.pop("index", None)
