"""Walking the collection: every regular file with its size and modification time."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.filenames import is_unicode, readable_names

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
    never part of a release's content. Names that are not valid Unicode get their catalog
    name from archive.filenames (`rel`), while `path` stays the real one.
    """
    skip_abs = {p.resolve() for p in skip}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        current = Path(dirpath)
        shown = readable_names(dirnames + filenames)  # the whole listing, as file_for sees it
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (current / d).resolve() not in skip_abs)
        folder = _catalog_folder(root, current)
        for name in sorted(filenames, key=lambda n: shown[n]):
            if name.startswith("."):
                continue
            path = current / name
            try:
                st = path.lstat()
            except OSError:
                continue
            if not path.is_file() or path.is_symlink():
                continue
            yield FileEntry(f"{folder}{shown[name]}", path, st.st_size, st.st_mtime_ns)


def _catalog_folder(root: Path, current: Path) -> str:
    """The catalog form of a folder below root, with a trailing slash ("" for root)."""
    parts, folder = [], current
    while folder != root:
        names = readable_names(os.listdir(folder.parent)) if not is_unicode(folder.name) \
            else {folder.name: folder.name}
        parts.append(names.get(folder.name, folder.name))
        folder = folder.parent
    return "".join(f"{p}/" for p in reversed(parts))


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex; raises OSError when it cannot be read."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
