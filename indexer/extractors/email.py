"""E-mail messages (.eml, RFC 822): headers, body text, attachments as child documents."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from archive.encodings import decode
from indexer.errors import ExtractionError, TooLargeError
from indexer.extracted import Child, Extracted, ExtractOptions
from indexer.extractors.html import html_to_text
from indexer.extractors.text import paginate

KIND = "email"
MIME_TYPES = ("message/rfc822", "message/news")


def email_date(value: str | None) -> str | None:
    """ISO 8601 form of an RFC 2822 date header, or None when it does not parse."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).replace(tzinfo=None).isoformat(timespec="seconds")
    except (TypeError, ValueError, IndexError):
        return None


def _part_text(part) -> str:
    payload = part.get_payload(decode=True) or b""
    text, _ = decode(payload, part.get_content_charset())
    if part.get_content_type() == "text/html":
        text = html_to_text(text)[0]
    return text


def header_block(fields: dict[str, str | None]) -> str:
    """The header lines shown at the top of a message's first page."""
    return "\n".join(f"{k}: {v}" for k, v in fields.items() if v)


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Headers and body of a message; each attachment becomes a child document."""
    try:
        with path.open("rb") as fh:
            msg: EmailMessage = email.message_from_binary_file(fh, policy=email.policy.compat32)
    except OSError as exc:
        raise ExtractionError(f"{path.name}: cannot read the file: {exc}") from exc
    if not msg.keys():
        raise ExtractionError(f"{path.name}: no e-mail headers found; not an e-mail message.")
    headers = {k: str(msg.get(k, "") or "").strip() or None for k in
               ("From", "To", "Cc", "Date", "Subject")}
    headers = {k: _decode_header(v) for k, v in headers.items()}
    plain, html, children, total = [], [], [], 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = (part.get("Content-Disposition") or "").lower()
        ctype = part.get_content_type()
        if filename or "attachment" in disposition or ctype not in ("text/plain", "text/html"):
            data = part.get_payload(decode=True)
            if not data:
                continue
            total += len(data)
            if total > options.max_container_bytes:
                raise TooLargeError(f"{path.name}: attachments exceed "
                                    f"{options.max_container_bytes} bytes.")
            name = _decode_header(filename) or f"attachment-{len(children) + 1}"
            children.append(Child(name=name.replace("/", "_"), data=data))
        elif ctype == "text/plain":
            plain.append(_part_text(part))
        else:
            html.append(_part_text(part))
    body = "\n\n".join(plain) if plain else "\n\n".join(html)
    first = header_block(headers) + "\n\n" + body
    return Extracted(pages=paginate(first.strip()), title=headers["Subject"],
                     author=headers["From"], created=email_date(headers["Date"]),
                     metadata={k.lower(): v for k, v in headers.items() if v} |
                     {"attachments": [c.name for c in children]},
                     children=children)


def _decode_header(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (UnicodeError, LookupError, email.errors.HeaderParseError):
        return value
