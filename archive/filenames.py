"""File names as the catalog keeps them: valid Unicode always, readable, and unique.

A release copied from an old Windows or DOS machine carries names that are not UTF-8
(Python sees their bytes as lone surrogates, which SQLite and the site cannot store). Such a
name is read as Windows Arabic (cp1256, which maps all 256 bytes: Arabic names come back
readable), and marked with a short hash of its bytes when that reading would collide with
another name of the same folder. The same function maps a folder listing both ways, so the
indexer (which lists names) and the site (which serves originals) agree.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

LEGACY_ENCODING = "cp1256"


def is_unicode(name: str) -> bool:
    """True when a name from the file system is valid Unicode (no undecodable bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable_names(names: list[str]) -> dict[str, str]:
    """Map each name of one folder (as os.listdir gives it) to its catalog name."""
    out = {n: n for n in names if is_unicode(n)}
    taken = set(out.values())
    for name in sorted(n for n in names if not is_unicode(n)):
        raw = os.fsencode(name)
        shown = raw.decode(LEGACY_ENCODING)
        if shown in taken or not is_unicode(shown):
            stem, dot, suffix = shown.rpartition(".") if "." in shown else (shown, "", "")
            mark = hashlib.sha256(raw).hexdigest()[:8]
            shown = f"{stem}~{mark}{dot}{suffix}" if dot else f"{shown}~{mark}"
        taken.add(shown)
        out[name] = shown
    return out


def file_for(folder: str, shown: str) -> str | None:
    """The name in `folder` whose catalog name is `shown` (None when there is none)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    return next((raw for raw, name in readable_names(names).items() if name == shown), None)


def real_path(root: Path, rel: str) -> Path:
    """The file a catalog path names below `root`, its legacy-encoded segments found again
    by listing their folders (the path may not exist: the caller checks)."""
    path = root
    for segment in rel.split("/"):
        if not (path / segment).exists():
            segment = file_for(str(path), segment) or segment
        path = path / segment
    return path
