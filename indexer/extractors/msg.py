"""Outlook messages (.msg): headers, body, attachments as child documents (extract-msg)."""

from __future__ import annotations

import logging
from pathlib import Path

from indexer.errors import ExtractionError, TooLargeError, UnsupportedTypeError
from indexer.extracted import Child, Extracted, ExtractOptions
from indexer.extractors.email import header_block
from indexer.extractors.html import html_to_text
from indexer.extractors.text import paginate

KIND = "email"
MIME_TYPES = ("application/vnd.ms-outlook",)

logging.getLogger("extract_msg").setLevel(logging.ERROR)


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Subject, sender, date, body and attachments of an Outlook message."""
    # Imported here: extract-msg costs each worker 35 MB (measured), and few releases hold .msg.
    import extract_msg
    from extract_msg.exceptions import ExMsgBaseException

    with path.open("rb") as fh:
        if fh.read(4) == b"!BDN":
            raise UnsupportedTypeError(f"{path.name}: an Outlook PST mailbox; export its "
                                       f"messages as .msg or .eml to index them.")
    try:
        msg = extract_msg.openMsg(str(path), strict=False)
    except (ExMsgBaseException, OSError, ValueError, KeyError) as exc:
        raise ExtractionError(f"{path.name}: not a readable Outlook message ({exc}).") from exc
    try:
        headers = {"From": getattr(msg, "sender", None), "To": getattr(msg, "to", None),
                   "Cc": getattr(msg, "cc", None), "Subject": getattr(msg, "subject", None)}
        date = getattr(msg, "date", None)
        created = date.replace(tzinfo=None).isoformat(timespec="seconds") if date else None
        headers["Date"] = created
        body = getattr(msg, "body", None) or ""
        if not body.strip() and getattr(msg, "htmlBody", None):
            html = msg.htmlBody
            body = html_to_text(html.decode("utf-8", "replace") if isinstance(html, bytes)
                                else html)[0]
        children, total = [], 0
        for att in getattr(msg, "attachments", []):
            data = getattr(att, "data", None)
            if not isinstance(data, bytes) or not data:
                continue  # embedded messages and links: not files
            total += len(data)
            if total > options.max_container_bytes:
                raise TooLargeError(f"{path.name}: attachments exceed "
                                    f"{options.max_container_bytes} bytes.")
            name = (getattr(att, "longFilename", None) or getattr(att, "shortFilename", None)
                    or f"attachment-{len(children) + 1}")
            children.append(Child(name=str(name).replace("/", "_"), data=data))
    except (ExMsgBaseException, UnicodeError, KeyError) as exc:
        raise ExtractionError(f"{path.name}: the Outlook message is damaged ({exc}).") from exc
    finally:
        msg.close()
    text = header_block({k: str(v) if v else None for k, v in headers.items()}) + "\n\n" + body
    return Extracted(pages=paginate(text.strip()), title=headers["Subject"],
                     author=headers["From"], created=created,
                     metadata={"attachments": [c.name for c in children]}, children=children)
