"""Every setting of Docket: name, default and one line of help, loaded once at the edges."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "DOCKET_"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """All configuration, built once by the CLI or `create_app` and passed down."""

    var: Path = _setting(Path("var"), "Folder holding catalog.sqlite, the index and blobs.")
    jobs: int = _setting(0, "Extraction worker processes; 0 means one per CPU core.")
    time_limit: float = _setting(120.0, "Seconds one file may take to extract before it is killed.")
    memory_limit_mb: int = _setting(3072, "Address-space limit of one extraction worker, in MiB.")
    max_file_mb: int = _setting(512, "Files larger than this are recorded as too large.")
    max_container_mb: int = _setting(256, "Total bytes unpacked from one archive or e-mail.")
    max_members: int = _setting(5000, "Members taken from one archive; the rest are skipped.")
    max_depth: int = _setting(5, "How deep archives inside archives are unpacked.")
    ocr: bool = _setting(True, "Run Tesseract on images and PDF pages without a text layer.")
    ocr_languages: str = _setting("ara+fas+urd+eng", "Tesseract language packs used for OCR.")
    ocr_dpi: int = _setting(200, "Resolution PDF pages are rendered at for OCR.")
    ocr_max_pages: int = _setting(500, "Pages of one scanned PDF sent to OCR; the rest stay empty.")
    passwords: str = _setting("", "A text file of passwords, one per line, tried on "
                              "encrypted PDFs and Office files (passwords sources gave); "
                              "never stored in the archive.")
    embeddings: bool = _setting(True, "Compute sentence embeddings at index time for linking "
                                "news to documents (off: faster bulk runs; computed later).")
    scheduler: str = _setting("", "Dask scheduler address (tcp://host:8786): extract on that "
                              "cluster instead of local processes.")
    batch_size: int = _setting(100, "Documents committed to the catalog per transaction.")
    index_procs: int = _setting(1, "Whoosh writer processes for large index updates.")
    engine: str = _setting("", "Search engine of a new archive: whoosh (embedded, up to some "
                           "100,000 documents) or xapian (release scale; local or sharded). "
                           "Empty: the engine the archive records (whoosh for a new one). "
                           "Moving an archive to the other engine is an index rebuild.")
    xapian_shards: str = _setting("", "Xapian shards as host:port,host:port (xapian-tcpsrv "
                                  "--writable on each); empty: a local database in var/xapian.")
    page_size: int = _setting(20, "Search results per page.")
    archive_name: str = _setting("Docket archive", "Name of the archive, shown on the site.")
    host: str = _setting("127.0.0.1", "Address `docket serve` listens on.")
    port: int = _setting(5000, "Port `docket serve` listens on.")
    processes: int = _setting(1, "Server processes of `docket serve`, sharing its port: Whoosh "
                              "searches in Python, so one process uses one core; 2 on a "
                              "2-core machine serving a large archive.")
    secure_cookies: bool = _setting(False, "Mark the session cookie Secure (sent over https "
                                    "only); turn on when the site is served over https.")
    proxy_hops: int = _setting(0, "Reverse proxies in front of the site whose X-Forwarded-For "
                               "and X-Forwarded-Proto headers are trusted; 0 trusts none.")

    @property
    def catalog_path(self) -> Path:
        return self.var / "catalog.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.var / "index"

    @property
    def xapian_dir(self) -> Path:
        return self.var / "xapian"

    @property
    def blob_dir(self) -> Path:
        return self.var / "blobs"

    @property
    def news_index_dir(self) -> Path:
        return self.var / "news-index"

    @property
    def preview_dir(self) -> Path:
        return self.var / "previews"

    @property
    def worker_count(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


def setting_help() -> dict[str, str]:
    """Map each setting name to its help text (used by `--help` and the docs test)."""
    return {f.name: f.metadata["help"] for f in dataclasses.fields(Settings)}


def _convert(kind: Any, raw: str) -> Any:
    if kind in (bool, "bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if kind in (Path, "Path"):
        return Path(raw)
    return raw


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings: explicit overrides beat `DOCKET_*` environment variables beat defaults.

    Raises ValueError naming the variable when an environment value does not parse.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is not None and raw != "":
            try:
                values[f.name] = _convert(f.type, raw)
            except ValueError as exc:
                raise ValueError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid "
                                 f"{f.type}: {exc}") from exc
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = Path(value) if key == "var" else value
    return Settings(**values)
