"""Walking the collection: every regular file with its size and modification time."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.filenames import is_unicode, readable_names

HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file of the collection: `rel` is its path relative to the collection root.

    The real path is kept as a string: a release has hundreds of thousands of entries, and
    a Path object costs several times the string (its parts are kept too)."""

    rel: str
    location: str  # the real path, os.fspath form
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return Path(self.location)


# Entries that are not part of a release's content, by what they are: operating-system
# metadata files and version-control folders. Other hidden files (".plan.doc") are content.
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".directory", "Icon\r"})
VCS_FOLDERS = frozenset({".git", ".svn", ".hg", ".bzr"})


@dataclass(frozen=True)
class Skipped:
    """An entry of the collection that is not indexed, and why."""

    rel: str
    reason: str  # "symbolic link", "special file", "system file", "version control", ...


def crawl(root: Path, skip: tuple[Path, ...] = (),
          skipped: list[Skipped] | None = None) -> Iterator[FileEntry]:
    """Every regular file under `root`, sorted, hidden ones included; `skip` (the archive
    folder) is left out silently, and every other entry left out is appended to `skipped`
    with its reason: symbolic links (never followed), fifos, sockets and devices, system
    metadata files, version-control folders and folders that cannot be read. Names that are
    not valid Unicode get their catalog name from archive.filenames (`rel`), while `path`
    stays the real one.
    """
    skip_abs = {p.resolve() for p in skip}
    skipped = [] if skipped is None else skipped

    def unreadable(error: OSError) -> None:
        where = Path(error.filename or root)
        rel = where.relative_to(root).as_posix() if where != root else "."
        skipped.append(Skipped(rel, f"unreadable folder ({error.strerror})"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        current = Path(dirpath)
        shown = readable_names(dirnames + filenames)  # the whole listing, as file_for sees it
        folder = _catalog_folder(root, current)
        kept = []
        for name in dirnames:
            path = current / name
            if path.resolve() in skip_abs and not path.is_symlink():
                continue
            reason = _skip_folder(path, name)
            if reason:
                skipped.append(Skipped(f"{folder}{shown[name]}", reason))
            else:
                kept.append(name)
        dirnames[:] = sorted(kept, key=lambda n: shown[n])
        for name in sorted(filenames, key=lambda n: shown[n]):
            entry = _file_entry(current / name, f"{folder}{shown[name]}", name, skipped)
            if entry:
                yield entry


def _skip_folder(path: Path, name: str) -> str | None:
    if path.is_symlink():
        return "symbolic link"
    if name in VCS_FOLDERS:
        return "version control"
    return None


def _file_entry(path: Path, rel: str, name: str, skipped: list[Skipped]) -> FileEntry | None:
    try:
        st = path.lstat()
    except OSError as exc:
        skipped.append(Skipped(rel, f"unreadable ({exc.strerror})"))
        return None
    if stat.S_ISLNK(st.st_mode):
        reason = "symbolic link"
    elif not stat.S_ISREG(st.st_mode):
        reason = "special file"  # fifo, socket, device: reading one could block forever
    elif name in SYSTEM_FILES or name.startswith("._"):  # ._*: macOS resource forks
        reason = "system file"
    else:
        return FileEntry(rel, os.fspath(path), st.st_size, st.st_mtime_ns)
    skipped.append(Skipped(rel, reason))
    return None


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
