"""Unix mailboxes (mbox): every message becomes a child e-mail."""

from __future__ import annotations

import mailbox
import re
from pathlib import Path

from indexer.errors import ExtractionError, TooLargeError
from indexer.extracted import Child, Extracted, ExtractOptions

KIND = "email"
MIME_TYPE = "application/mbox"
MIME_TYPES = (MIME_TYPE,)
# "From " separator line, then mail headers: how an mbox begins.
_START = re.compile(rb"From \S+[^\r\n]*\r?\n[A-Za-z][A-Za-z0-9-]*: ")


_NEXT = re.compile(rb"\n\r?\nFrom \S+[^\r\n]*\r?\n[A-Za-z][A-Za-z0-9-]*: ")
SCAN = 64 * 2**20  # bytes searched for a second message


def mail_type(path: Path, head: bytes) -> str | None:
    """application/mbox for a file of several messages in mbox form, message/rfc822 for one
    message saved with its From_ line, None when the bytes do not begin like an mbox."""
    if not _START.match(head):
        return None
    with path.open("rb") as fh:
        data = fh.read(SCAN)
    return MIME_TYPE if _NEXT.search(data) else "message/rfc822"


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Split an mbox into messages (children named 00001.eml, ...); page 1 lists subjects.

    Raises ExtractionError when unreadable, TooLargeError past the container limits.
    """
    children, subjects, total = [], [], 0
    try:
        box = mailbox.mbox(path, create=False)
    except (OSError, mailbox.Error) as exc:
        raise ExtractionError(f"{path.name}: the mailbox cannot be opened: {exc}") from exc
    try:
        for i, key in enumerate(box.iterkeys(), 1):
            if i > options.max_members:
                break
            data = box.get_bytes(key)
            total += len(data)
            if total > options.max_container_bytes:
                raise TooLargeError(f"{path.name}: messages add up to more than "
                                    f"{options.max_container_bytes // 2**20} MiB (limit).")
            children.append(Child(f"{i:05d}.eml", data))
            subjects.append(str(box.get_message(key).get("subject", "") or ""))
    except (OSError, mailbox.Error, UnicodeError) as exc:
        raise ExtractionError(f"{path.name}: the mailbox is damaged: {exc}") from exc
    finally:
        box.close()
    listing = "\n".join(f"{c.name} {s}".strip() for c, s in zip(children, subjects, strict=True))
    return Extracted(pages=[listing], children=children, expects_text=False,
                     metadata={"messages": len(children)})
