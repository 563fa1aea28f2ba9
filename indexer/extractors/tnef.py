"""Outlook's TNEF wrapper (winmail.dat): the message body and the attachments it carries
become child documents (tnefparse)."""

from __future__ import annotations

from pathlib import Path

from tnefparse import TNEF

from indexer.errors import ExtractionError, TooLargeError
from indexer.extracted import Child, Extracted, ExtractOptions

KIND = "email"
MIME_TYPES = ("application/vnd.ms-tnef", "application/ms-tnef")


def _body(tnef: TNEF) -> Child | None:
    # The richest form the message carries; each is read by its own extractor.
    for name, data in (("body.html", tnef.htmlbody), ("body.rtf", tnef.rtfbody),
                       ("body.txt", tnef.body)):
        if data:
            return Child(name, data if isinstance(data, bytes) else str(data).encode())
    return None


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """The message body and each attachment as children (page 1 lists them).

    Raises ExtractionError when the file is not readable TNEF, TooLargeError past the
    container limits."""
    data = path.read_bytes()
    try:
        tnef = TNEF(data)
    except Exception as exc:  # noqa: BLE001 - tnefparse raises bare ValueError/struct.error...
        raise ExtractionError(f"{path.name}: not a readable TNEF (winmail.dat) file "
                              f"({type(exc).__name__}: {exc}).") from exc
    body = _body(tnef)
    children = [body] if body else []
    total = len(body.data) if body else 0
    for n, attachment in enumerate(tnef.attachments, 1):
        if len(children) >= options.max_members:
            break
        total += len(attachment.data)
        if total > options.max_container_bytes:
            raise TooLargeError(f"{path.name}: attachments past the container limit of "
                                f"{options.max_container_bytes // 2**20} MiB.")
        name = attachment.long_filename() or f"attachment-{n}"
        children.append(Child(name.replace("/", "_"), bytes(attachment.data)))
    listing = "\n".join(c.name for c in children)
    return Extracted(pages=[listing], children=children, expects_text=False,
                     metadata={"attachments": len(tnef.attachments)})
