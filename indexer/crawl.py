"""Walking the collection: every regular file with its size and modification time."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileEntry:
    """A file of the collection: `rel` is its path relative to the collection root."""

    rel: str
    path: Path
    size: int
    mtime_ns: int


def crawl(root: Path, skip: tuple[Path, ...] = ()) -> Iterator[FileEntry]:
    """Every regular file under `root`, sorted, skipping symlinks, hidden files and `skip`.

    Unreadable folders are skipped silently by os.walk; hidden files (.git, .DS_Store) are
    never part of a release's content.
    """
    skip_abs = {p.resolve() for p in skip}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        current = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (current / d).resolve() not in skip_abs)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = current / name
            try:
                st = path.lstat()
            except OSError:
                continue
            if not path.is_file() or path.is_symlink():
                continue
            yield FileEntry(path.relative_to(root).as_posix(), path, st.st_size, st.st_mtime_ns)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex; raises OSError when it cannot be read."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
