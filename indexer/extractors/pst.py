"""Outlook mailboxes (.pst, .ost): every message becomes a child e-mail (readpst)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.tools import children_from_folder, run_tool

KIND = "email"
MIME_TYPE = "application/vnd.ms-outlook-pst"
MIME_TYPES = (MIME_TYPE,)
SIGNATURE = b"!BDN"  # every PST and OST file starts with it


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Unpack a PST/OST mailbox into .eml messages (attachments stay inside them).

    Raises ExtractionError when readpst (Debian pst-utils) fails or is missing,
    TooLargeError past the container size limit.
    """
    with tempfile.TemporaryDirectory() as tmp:
        # -e: one .eml file per message, in a folder per mail folder; -b: no RTF bodies
        # (the plain or HTML body is kept); -q: quiet.
        proc = run_tool(["readpst", "-q", "-e", "-b", "-o", tmp, str(path)], path, options,
                        "pst-utils")
        children, skipped = children_from_folder(Path(tmp), path, options)
    if proc.returncode != 0 and not children:
        raise ExtractionError(f"{path.name}: readpst could not read the mailbox: "
                              f"{proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    meta = {"messages": len(children), **({"skipped": skipped} if skipped else {})}
    return Extracted(pages=["\n".join(c.name for c in children)], children=children,
                     expects_text=False, metadata=meta)
