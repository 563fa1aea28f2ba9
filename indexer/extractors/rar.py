"""RAR (RAR4, RAR5), CAB and cpio archives, listed and unpacked with 7-Zip: members become
children."""

from __future__ import annotations

import tempfile
from pathlib import Path

from indexer.errors import ENCRYPTED, ExtractionError, TooLargeError
from indexer.extracted import Extracted, ExtractOptions
from indexer.tools import children_from_folder, run_tool

KIND = "archive"
MIME_TYPES = ("application/x-rar", "application/vnd.rar", "application/x-rar-compressed",
              "application/vnd.ms-cab-compressed", "application/x-cpio")
PACKAGE = "p7zip-full"
# A wrong password on purpose: 7-Zip then fails at once on encrypted data instead of asking.
NO_PASSWORD = "-pdocket-no-password"


def _listing(path: Path, options: ExtractOptions) -> list[dict[str, str]]:
    proc = run_tool(["7z", "l", "-slt", NO_PASSWORD, str(path)], path, options, PACKAGE)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if "encrypted" in err.lower() or "wrong password" in err.lower():
        raise ExtractionError(f"{path.name}: the archive is password-protected.",
                              reason=ENCRYPTED)
    if proc.returncode != 0:
        raise ExtractionError(f"{path.name}: the archive is damaged: {err.strip()[:200]}")
    entries, current = [], None
    for line in out.split("----------", 1)[-1].splitlines():
        key, sep, value = line.partition(" = ")
        if key == "Path" and sep:
            current = {}
            entries.append(current)
        if current is not None and sep:
            current[key] = value
    return [e for e in entries if e.get("Folder") != "+"]


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Unpack a RAR archive; members are children, page 1 lists them.

    Raises ExtractionError (encrypted, corrupt), TooLargeError past the container limits.
    """
    entries = _listing(path, options)
    if entries and all(e.get("Encrypted") == "+" for e in entries):
        raise ExtractionError(f"{path.name}: every member is encrypted.", reason=ENCRYPTED)
    total = sum(int(e.get("Size") or 0) for e in entries)
    if total > options.max_container_bytes:
        raise TooLargeError(f"{path.name}: members unpack to more than "
                            f"{options.max_container_bytes // 2**20} MiB (limit; raise "
                            f"--max-container-mb to index it).")
    with tempfile.TemporaryDirectory() as tmp:
        proc = run_tool(["7z", "x", "-y", "-snl-", NO_PASSWORD, f"-o{tmp}", str(path)], path,
                        options, PACKAGE)
        children, skipped = children_from_folder(Path(tmp), path, options)
    if proc.returncode not in (0, 1) and not children:  # 1: warnings, some members read
        raise ExtractionError(f"{path.name}: the archive is damaged: "
                              f"{proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    notes = [f"{e['Path']}: encrypted member skipped" for e in entries
             if e.get("Encrypted") == "+"]
    if skipped:
        notes.append(f"{skipped} members past the limit of {options.max_members} skipped")
    return Extracted(pages=["\n".join(c.name for c in children)], children=children,
                     expects_text=False,
                     metadata={"members": len(children), **({"notes": notes} if notes else {})})
